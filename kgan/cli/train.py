"""``kgan train``: one command builds one ``RunRecipe`` and hands it to ``kgan.training``."""

import json
from pathlib import Path

import click

from kgan import checks
from kgan.cli.app import backend_option, main
from kgan.console import use_backend
from kgan.data.specs import DOMAINS_HELP, PAIRING_HELP, SPEC_HELP
from kgan.runs import SCHEDULE_EXAMPLE, RunDirectory, RunRecipe
from kgan.zoo import catalog

# The built-in architectures, known without importing Keras (a test keeps this
# equal to kgan.list_architectures()), so a typo is reported in a moment.
BUILTIN_ARCHITECTURES = ("cgan", "cyclegan", "dcgan", "pix2pix", "srgan", "vanilla-gan", "wgan-gp")
# Measured with scripts/benchmark.py --steps-per-execution (BENCHMARKS.md).
DEFAULT_STEPS_PER_EXECUTION = 8
# The settings a resumed run or a zoo recipe gives, which the options override.
INHERITED = ("config", "epochs", "batch_size", "seed", "optimizers", "steps_per_epoch", "val_split")


class LearningRate(click.ParamType):
    """A learning rate > 0, or a keras.optimizers.schedules record as JSON."""

    name = "RATE|SCHEDULE"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            rate = json.loads(value)
        except json.JSONDecodeError:
            rate = None
        if isinstance(rate, dict) or (checks.is_number(rate) and rate > 0):
            return rate
        self.fail(
            f"expected a number > 0 or a schedule as JSON, e.g. {SCHEDULE_EXAMPLE}; got {value!r}",
            param,
            ctx,
        )


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


@main.command()
@click.argument("arch_or_entry", required=False)
@click.option(
    "--data",
    "data_spec",
    help=f"{SPEC_HELP}; pix2pix and srgan take pairs: {PAIRING_HELP}; cyclegan takes "
    f"{DOMAINS_HELP}.",
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
@click.option(
    "--seed", type=click.IntRange(0), help="Seeds weights, data order and sampling  [default: 0]"
)
@backend_option
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
    "--d-lr",
    type=LearningRate(),
    help="Discriminator learning rate, or a keras.optimizers.schedules schedule as JSON "
    '(e.g. \'{"class_name": "CosineDecay", "config": {"initial_learning_rate": 2e-4, '
    '"decay_steps": 20000}}\').',
)
@click.option(
    "--g-lr", type=LearningRate(), help="Generator learning rate, or a schedule (as --d-lr)."
)
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
@click.option(
    "--eval-every",
    type=click.IntRange(0),
    help="Measure quality (Fréchet distance, score, balance on 2,000 samples) every N epochs "
    "into log.csv and quality.png; 0: never  [default: 5 on mnist and fashion-mnist data, "
    "else 0]",
)
@click.option("--quiet", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--help-config", is_flag=True, help="List the -c keys of ARCH_OR_ENTRY and exit.")
def train(
    arch_or_entry, data_spec, epochs, batch_size, out, resume, seed, backend, overrides,
    steps_per_epoch, max_steps, val_split, tensorboard, steps_per_execution, d_lr, g_lr,
    adam_betas, keep_checkpoints, eval_every, quiet, help_config,
):  # fmt: skip
    """Train ARCH_OR_ENTRY into the run directory --out.

    ARCH_OR_ENTRY is an architecture (cgan, dcgan, vanilla-gan, wgan-gp; pix2pix and
    srgan on paired --data, cyclegan on classes:A|B:SPEC) or a zoo entry, whose
    recorded recipe gives the defaults that options override.

    \b
    The run directory gets:
      run.json                 the settings (a resume must match them)
      checkpoints/epoch-N.*    after every epoch: weights, optimizers, epoch, RNG state
      samples/epoch-N.png      a sample grid from fixed latents (a row per class for cgan)
      log.csv, losses.png      the losses per epoch
      quality.png              Fréchet distance, score, balance every --eval-every epochs
      config.json, model.weights.h5   the final model, for kgan.load(DIR) and kgan sample

    \b
    kgan train --resume --out DIR --epochs 30   continues DIR with the settings it records
    """
    if not help_config and out is None:
        raise click.UsageError("--out is required: the run directory.")
    recorded = _recorded_run(out) if resume and arch_or_entry is None and out else None
    if recorded is not None:
        backend = backend or recorded.backend
    elif arch_or_entry is None:
        raise click.UsageError("name an architecture or zoo entry (or --resume an existing --out).")
    else:
        _check_name(arch_or_entry)
    use_backend(backend)
    from kgan import models, training, zoo

    if recorded is not None:
        base = recorded
    elif arch_or_entry in models.list_architectures():
        base = None
    elif arch_or_entry in zoo.list_recipes():
        base = zoo.get_recipe(arch_or_entry).as_run()
    else:
        models.get_architecture(arch_or_entry)  # raises, naming architectures and matches
    architecture = arch_or_entry if base is None else base.architecture
    # What the run takes from the resumed run or the zoo recipe, before the options.
    settings = {} if base is None else {key: getattr(base, key) for key in INHERITED}
    if help_config:
        click.echo(f"-c keys of {architecture} (KEY=VALUE, JSON values), with defaults:")
        for key, default in models.config_keys(architecture).items():
            value = settings.get("config", {}).get(key, default)
            click.echo(f"  {key:<18} {json.dumps(value)}")
        return
    settings["config"] = {**settings.get("config", {}), **_parse_overrides(overrides)}
    models.check_config_keys(architecture, settings["config"])
    data_spec = data_spec or (None if base is None else base.data)
    if data_spec is None:
        raise click.UsageError("--data is required when training an architecture.")
    settings["optimizers"] = _optimizer_settings(settings.get("optimizers"), d_lr, g_lr, adam_betas)
    given = {"epochs": epochs, "batch_size": batch_size, "seed": seed}
    given.update(steps_per_epoch=steps_per_epoch, val_split=val_split)
    settings.update({key: value for key, value in given.items() if value is not None})
    recipe = RunRecipe.create(architecture, data_spec, **settings)
    training.train_run(
        recipe,
        out,
        resume=resume,
        max_steps=max_steps,
        tensorboard=tensorboard,
        steps_per_execution=steps_per_execution,
        keep_checkpoints=keep_checkpoints or None,
        eval_every=eval_every,
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
    known = [*BUILTIN_ARCHITECTURES, *catalog.list_recipes()]
    if name in known or "." in name:
        return
    raise click.ClickException(
        f"unknown architecture or zoo entry {name!r}; the architectures are "
        f"{', '.join(BUILTIN_ARCHITECTURES)} (kgan list shows the zoo entries)."
        f"{checks.did_you_mean(name, known)}"
    )


def _recorded_run(out: Path) -> RunRecipe:
    """The run a run directory records (run.json), read without importing Keras."""
    try:
        return RunDirectory(out).read_recipe()
    except ValueError as error:
        reason = str(error).removeprefix("kgan: ")
        raise click.ClickException(
            f"{out} holds no readable run.json to resume ({reason}); name the architecture "
            "and --data."
        ) from None
