"""``kgan sample`` and ``kgan export``: what a trained generator makes, as files."""

from pathlib import Path

import click

from kgan.cli.app import backend_option, main, refuse_existing_output, truncation_option
from kgan.console import use_backend
from kgan.datasets import DATASET_NAMES


@main.command()
@click.argument("source")
@click.option(
    "-n", "count", default=64, show_default=True, type=click.IntRange(1, 10_000), help="Images."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="NAME.png: one grid; NAME.npy: the float32 array (n, H, W, C) in [-1, 1]; "
    "a new folder name (no suffix): one PNG per image; NAME.gif or NAME.mp4 (with imageio "
    "and imageio-ffmpeg) with --interpolate: an animation, each frame a grid of one step of "
    "every row.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option(
    "--labels",
    help="Conditional models: comma-separated classes, by name or number (dress,sneaker or "
    "3,7): one for all images, one per image, or a row each. Default: a row per class.",
)
@click.option(
    "--interpolate",
    type=click.IntRange(2, 10_000),
    metavar="STEPS",
    help="Rows of STEPS images morphing between random latents (spherical interpolation), "
    "-n images in all (STEPS <= -n); for cgan without --labels, row r also morphs from "
    "class r to class r+1.",
)
@truncation_option("")
@backend_option
def sample(source, count, output, seed, labels, interpolate, truncation, backend):
    """Write samples from SOURCE (a zoo entry, a run directory or a .keras file) to OUTPUT.

    An existing OUTPUT is never overwritten.
    """
    refuse_existing_output(output)
    if interpolate is not None and interpolate > count:
        raise click.ClickException(
            f"--interpolate {interpolate} makes rows longer than -n {count} images; "
            "give -n at least STEPS."
        )
    kinds = {
        ".png": "grid",
        ".npy": "array",
        ".gif": "animation",
        ".mp4": "animation",
        "": "folder",
    }
    kind = kinds.get(output.suffix.lower())
    if kind is None:
        raise click.ClickException(
            f"expected -o ending in .png (a grid), .npy (an array), .gif or .mp4 (an "
            f"--interpolate animation), or a new folder name (one PNG per image); got {output}."
        )
    if kind == "animation" and interpolate is None:
        raise click.ClickException(
            f"-o NAME{output.suffix} is an interpolation; add --interpolate STEPS."
        )
    use_backend(backend)
    from kgan import images, saving
    from kgan.interpolation import interpolation_grid
    from kgan.models.latent_space import check_has_latents

    model = saving.load(source)
    check_has_latents(model, source)
    label_values = None if labels is None else [v.strip() for v in labels.split(",")]
    if label_values is not None and model.num_classes is None:
        raise click.ClickException(f"{source} is not conditional; it takes no --labels.")
    columns = None
    if interpolate:
        rows = max(1, count // interpolate)
        if label_values is not None:
            label_values = model.label_ids(label_values).tolist()
        pictures = interpolation_grid(
            model, rows, interpolate, seed=seed, labels=label_values, truncation=truncation
        )
        columns = interpolate
    else:
        label_values, count, columns = images.grid_layout(count, model.num_classes, label_values)
        pictures = model.sample(count, seed=seed, labels=label_values, truncation=truncation)
    click.echo(f"wrote {_write_samples(pictures, output, kind, columns)}")


def _write_samples(pictures, output: Path, kind: str, columns) -> str:
    import numpy as np

    from kgan import files, images

    # Each kind is written under a temporary name and linked into place, never over a file
    # that appeared meanwhile (another kgan sample, a user's): never half a file or folder.
    if kind == "grid":
        return str(images.save_grid(pictures, output, columns=columns, overwrite=False))
    if kind == "animation":  # frame t: step t of every row
        frames = pictures.reshape(-1, columns, *pictures.shape[1:]).swapaxes(0, 1)
        images.save_animation(frames, output, overwrite=False)
        return f"{output} ({len(frames)} steps of {len(frames[0])} morphs, forwards and back)"
    if kind == "array":

        def write(temporary):
            with open(temporary, "wb") as handle:  # np.save(name) would append .npy
                np.save(handle, pictures)

        files.write_atomically(output, write, overwrite=False)
        return f"{output} ({', '.join(map(str, pictures.shape))} float32 in [-1, 1])"
    files.write_atomically(
        output, lambda temporary: images.save_images(pictures, temporary), overwrite=False
    )
    return f"{output}/ ({len(pictures)} PNGs)"


@main.command()
@click.argument("source")
@click.option(
    "-n", "count", required=True, type=click.IntRange(1, 1_000_000), help="Images to generate."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="NAME.npz: x_train (uint8, n x H x W x C) and y_train (int64), the keras.datasets "
    "layout, so that --data npz:NAME.npz reads it back.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option(
    "--pseudo-labels",
    is_flag=True,
    help="Unconditional models: label each image with the class the evaluator of SOURCE's "
    "data predicts (conditional models' labels are their conditioning).",
)
@click.option(
    "--dataset",
    type=click.Choice(DATASET_NAMES),
    help="With --pseudo-labels: the zoo evaluator to label with (zoo entries know theirs).",
)
@truncation_option("")
@backend_option
def synthesize(source, count, output, seed, pseudo_labels, dataset, truncation, backend):
    """Write COUNT generated, labelled images of SOURCE as a data set file (OUTPUT.npz).

    Labels are a conditional model's classes, every class in turn in a seeded
    order; an unconditional model needs --pseudo-labels. An existing OUTPUT is
    never overwritten.
    """
    refuse_existing_output(output)
    if output.suffix.lower() != ".npz":
        raise click.ClickException(f"expected -o ending in .npz (x_train, y_train); got {output}.")
    use_backend(backend)
    import numpy as np

    from kgan import evaluation, synthesis
    from kgan.models.latent_space import check_has_latents

    model, name, known = evaluation.resolve(source)
    check_has_latents(model, source)
    evaluator = None
    if model.num_classes is None:
        if not pseudo_labels:
            raise click.ClickException(
                f"{source} is unconditional: its images have no labels; add --pseudo-labels to "
                "label them with the evaluator's predictions."
            )
        evaluator = evaluation.choose_evaluator(model, name, dataset or known)
    elif pseudo_labels:
        raise click.ClickException(
            f"{source} is conditional: its labels are its classes; drop --pseudo-labels."
        )
    pictures, labels = synthesis.synthesize(
        model, count, seed=seed, truncation=truncation, evaluator=evaluator
    )
    synthesis.write_dataset(output, pictures, labels)
    source_of_labels = synthesis.PSEUDO_LABELS if evaluator else synthesis.CONDITIONING
    counts = np.bincount(labels, minlength=model.num_classes or evaluator.num_classes)
    click.echo(
        f"wrote {output} ({count} images {'x'.join(map(str, pictures.shape[1:]))} uint8; labels: "
        f"{source_of_labels}, {counts.min()}-{counts.max()} per class)"
    )


@main.command()
@click.argument("source")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "export_format",
    help="tf_saved_model (TensorFlow, JAX backends) or onnx (PyTorch; TensorFlow/JAX with "
    "tf2onnx/jax2onnx)  [default: onnx for a PATH ending in .onnx, else the backend's first]",
)
@backend_option
def export(source, path, export_format, backend):
    """Export the generator of SOURCE (zoo entry, run directory, .keras file) to PATH, for serving.

    The artifact maps latents (and int32 labels shaped (n, 1) for conditional
    models) to images in [-1, 1], as model.sample() does. PATH must not exist.
    """
    if path.exists():
        raise click.ClickException(f"{path} exists already; choose another PATH.")
    use_backend(backend)
    from kgan import saving
    from kgan.models.export import choose_format

    model = saving.load(source)
    export_format = choose_format(path, export_format)
    model.export_generator(path, format=export_format)
    click.echo(f"wrote {path} ({export_format}, generator of {source})")
