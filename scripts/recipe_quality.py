"""Which recipe parts buy quality: DCGAN variants trained for the same CPU time, then measured.

    python scripts/recipe_quality.py --out runs/recipes                 # every variant
    python scripts/recipe_quality.py --out runs/recipes --only plain,r1 --cpu-seconds 300

Each variant is DCGAN on the data (default: Fashion-MNIST's 60,000 training
images from Debian's dataset-fashion-mnist) with one recipe part added, or the
combination, trained until the process has used ``--cpu-seconds`` of CPU time
(``time.process_time``, checked after every 50 steps), so variants that cost
more per step get fewer steps. CPU time rather than wall time keeps the budget
fair when other work shares the machine. Each finished variant is written
with ``kgan.loading.save_model_folder`` into ``OUT/NAME`` (with ``budget.json``:
steps, images, CPU and wall seconds) and then measured by the ``kgan evaluate``
command (``OUT/NAME/metrics.json``) and drawn by ``kgan sample``
(``OUT/NAME/samples.png``). Finished variants are skipped, so a run can be
continued. The table at the end is markdown.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import click

FASHION = "idx:/usr/share/datasets/fashion-mnist"
STEPS_PER_CHECK = 50
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


def cpu_budget(seconds):
    """A callback that stops fit() once the process has used ``seconds`` of CPU time."""
    import keras

    class CpuBudget(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.start_cpu, self.start_wall = time.process_time(), time.perf_counter()
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs = epoch + 1
            if time.process_time() - self.start_cpu >= seconds:
                self.model.stop_training = True

    return CpuBudget()


def train_variant(name, overrides, data_spec, out, cpu_seconds, batch_size, seed):
    import keras

    import kgan
    from kgan import data, loading

    keras.utils.set_random_seed(seed)
    model = kgan.create("dcgan", **overrides)
    model.compile()
    dataset, _ = data.load_epochs(data_spec, batch_size, seed=seed)
    budget = cpu_budget(cpu_seconds)
    model.fit(
        dataset,
        epochs=10**6,
        steps_per_epoch=STEPS_PER_CHECK,
        shuffle=False,  # load_epochs shuffles, repeatably
        verbose=0,
        callbacks=[budget],
    )
    steps = budget.epochs * STEPS_PER_CHECK
    facts = {
        "variant": name,
        "config": overrides,
        "steps": steps,
        "images": steps * batch_size,
        "cpu_seconds": time.process_time() - budget.start_cpu,
        "wall_seconds": time.perf_counter() - budget.start_wall,
        "backend": keras.config.backend(),
        "batch_size": batch_size,
        "seed": seed,
        "data": data_spec,
    }
    loading.save_model_folder(model, out)
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
        f"| {name} | {budget['steps']} | {budget['cpu_seconds']:.0f} | {ratio:.3f} "
        f"| {result['frechet_distance']:.1f} | {result['kid']:.4f} "
        f"| {result['max_over_min']:.2f} | {result['classes_present']} "
        f"| {result['precision']:.3f} | {result['recall']:.3f} |"
    )


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--data", "data_spec", default=FASHION, show_default=True)
@click.option("--dataset", default="fashion-mnist", show_default=True, help="For kgan evaluate.")
@click.option("--cpu-seconds", default=600.0, show_default=True, type=click.FloatRange(1))
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option("--only", help=f"Comma-separated variants among {', '.join(VARIANTS)}.")
def main(out, data_spec, dataset, cpu_seconds, batch_size, seed, only):
    """Train DCGAN variants for the same CPU time, evaluate each, print the table."""
    names = only.split(",") if only else list(VARIANTS)
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise click.BadParameter(f"unknown variants {unknown}; expected {', '.join(VARIANTS)}")
    for name in names:
        directory = out / name
        if not (directory / "budget.json").is_file():
            facts = train_variant(
                name, VARIANTS[name], data_spec, directory, cpu_seconds, batch_size, seed
            )
            click.echo(f"{name}: {facts['steps']} steps in {facts['cpu_seconds']:.0f} CPU s")
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
        "| DCGAN with | steps | CPU s | classifier score / real | Fréchet distance | KID "
        "| largest / smallest class | classes | precision | recall |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    for name in names:
        click.echo(row(name, out / name))


if __name__ == "__main__":
    main()
