"""Which recipe parts buy quality: DCGAN variants trained for the same time, then measured.

    python -m scripts.recipe_quality --out runs/recipes                  # every variant
    python -m scripts.recipe_quality --out runs/recipes --only plain,r1 --plain-steps 500

Each variant is DCGAN on the data (default: Fashion-MNIST's 60,000 training
images from Debian's dataset-fashion-mnist) with one recipe part added, or the
combination. All get the same training time: plain DCGAN trains
``--plain-steps`` steps, and a variant whose step costs r times plain's trains
``--plain-steps / r`` steps. The ratio r is measured in the variant's own
process just before it trains, by timing blocks of plain and variant steps in
turn (the median of ``--calibration-repeats`` each), so it holds however busy
the machine is; a budget in seconds would not, on a machine shared with other
work. Each finished variant is written with ``kgan.saving.save_model_folder``
into ``OUT/NAME`` (with ``budget.json``: ratio, steps, images, seconds) and
then measured by the ``kgan evaluate`` command (``OUT/NAME/metrics.json``) and
drawn by ``kgan sample`` (``OUT/NAME/samples.png``). Finished variants are
skipped, so a run can be continued. The table at the end is markdown.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click

FASHION = "idx:/usr/share/datasets/fashion-mnist"
VARIANTS = {
    "plain": {},
    "r1": {"penalties": {"r1": 1.0}},
    "ema": {"ema": 0.999},
    "augment": {"augment": "translation,cutout"},
    "spectral_norm": {"spectral_norm": True},
    "combined": {
        "penalties": {"r1": 1.0},
        "penalty_every": 4,
        "ema": 0.999,
        "d_batch_norm": False,
    },
}


def cost_ratio(overrides, dataset, repeats, steps=10):
    """Seconds per step of the variant over plain DCGAN's, timed in turn in this process."""
    import keras

    import kgan
    from scripts.timing import epoch_timer

    timers = {}
    for name, config in (("plain", {}), ("variant", overrides)):
        model = kgan.create("dcgan", **config)
        model.compile()
        timers[name] = (model, epoch_timer())
    for epoch in range(1 + repeats):  # alternate one block each; the first compiles
        for model, timer in timers.values():
            model.fit(
                dataset,
                initial_epoch=epoch,
                epochs=epoch + 1,
                steps_per_epoch=steps,
                verbose=0,
                callbacks=[timer],
            )
    keras.backend.clear_session()
    plain, variant = (statistics.median(timer.times[1:]) for _, timer in timers.values())
    return variant / plain


def train_variant(name, overrides, data_spec, out, plain_steps, batch_size, seed, repeats):
    import keras

    import kgan
    from kgan import data, saving

    dataset, _ = data.load_epochs(data_spec, batch_size, seed=seed)
    ratio = 1.0 if not overrides else cost_ratio(overrides, dataset, repeats)
    steps = max(1, round(plain_steps / ratio))
    keras.utils.set_random_seed(seed)
    model = kgan.create("dcgan", **overrides)
    model.compile()
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    facts = {
        "variant": name,
        "config": overrides,
        "cost_ratio": ratio,
        "steps": steps,
        "images": steps * batch_size,
        "wall_seconds": time.perf_counter() - start,
        "backend": keras.config.backend(),
        "batch_size": batch_size,
        "seed": seed,
        "data": data_spec,
    }
    saving.save_model_folder(model, out)
    (out / "budget.json").write_text(json.dumps(facts, indent=2) + "\n")
    return facts


def kgan_command(*args):
    command = [sys.executable, "-m", "kgan.cli", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"kgan {args[0]} failed: {done.stdout}{done.stderr}"[-2000:])


def row(name, directory):
    budget = json.loads((directory / "budget.json").read_text())
    result = json.loads((directory / "metrics.json").read_text())
    ratio = result["classifier_score"] / result["real_classifier_score"]
    return (
        f"| {name} | {budget['cost_ratio']:.2f} | {budget['steps']} | {ratio:.3f} "
        f"| {result['frechet_distance']:.1f} | {result['kid']:.4f} "
        f"| {result['max_over_min']:.2f} | {result['classes_present']} "
        f"| {result['precision']:.3f} | {result['recall']:.3f} |"
    )


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--data", "data_spec", default=FASHION, show_default=True)
@click.option("--dataset", default="fashion-mnist", show_default=True, help="For kgan evaluate.")
@click.option(
    "--plain-steps",
    default=1500,
    show_default=True,
    type=click.IntRange(1),
    help="Steps of plain DCGAN; the others get the same time.",
)
@click.option("--calibration-repeats", default=3, show_default=True, type=click.IntRange(1))
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option("--only", help=f"Comma-separated variants among {', '.join(VARIANTS)}.")
def main(out, data_spec, dataset, plain_steps, calibration_repeats, batch_size, seed, only):
    """Train DCGAN variants for the same time, evaluate each, print the table."""
    names = only.split(",") if only else list(VARIANTS)
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise click.BadParameter(f"unknown variants {unknown}; expected {', '.join(VARIANTS)}")
    for name in names:
        directory = out / name
        if not (directory / "budget.json").is_file():
            facts = train_variant(
                name, VARIANTS[name], data_spec, directory, plain_steps, batch_size, seed,
                calibration_repeats,
            )  # fmt: skip
            click.echo(f"{name}: cost × {facts['cost_ratio']:.2f}, {facts['steps']} steps")
        if not (directory / "metrics.json").is_file():
            kgan_command(
                "evaluate", str(directory), "--dataset", dataset,
                "--json", str(directory / "metrics.json"),
            )  # fmt: skip
        if not (directory / "samples.png").is_file():
            kgan_command(
                "sample", str(directory), "-n", "100", "-o", str(directory / "samples.png")
            )
    click.echo(
        "| DCGAN with | cost / step × plain | steps | classifier score / real "
        "| Fréchet distance | KID | largest / smallest class | classes | precision | recall |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    for name in names:
        click.echo(row(name, out / name))


if __name__ == "__main__":
    main()
