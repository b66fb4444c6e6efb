"""Image-to-image GANs against their non-adversarial baselines, same network and budget.

    python -m scripts.translation_table --epochs 2 --out runs/translation --markdown t.md
    python -m scripts.translation_table --task srgan --width 32 --blocks 4 --epochs 1
    python -m scripts.translation_table --task pix2pix --gan-config '{"ema": 0.999}' --no-baselines

Each row is a ``kgan.training.train_run`` into ``OUT/NAME`` (seed 0, Adam(2e-4, 0.5)),
then ``kgan.translation_quality.measure_translation`` on the held-out split (test, all
10,000 pairs): label preservation by the zoo's evaluator, its Fréchet distance, PSNR and
SSIM. SRGAN rows also get bicubic upsampling. Prints a markdown table.
"""

import json
import time

import click

from kgan import data
from kgan.runs import RunRecipe
from kgan.training import train_run
from kgan.translation_quality import evaluator_for, measure_outputs, measure_translation
from scripts.entry_tables import emit_table, markdown_option

FASHION = "idx:/usr/share/datasets/fashion-mnist"
BASELINE = {"adversarial_weight": 0.0}  # the same network on its content loss alone
TASKS = {
    "pix2pix": (f"edges:{FASHION}", {"pix2pix (λ = 100)": {}, "L1-only U-Net": BASELINE}),
    "srgan": (
        f"downscale:4:{FASHION}",
        {"SRGAN (10⁻³ adversarial)": {}, "SRResNet (pixel MSE)": BASELINE},
    ),
}


def row(name, result, seconds) -> str:
    minutes = "" if seconds is None else f"{seconds / 60:.1f}"
    return (
        f"| {name} | {result['label_preservation']:.3f} | {result['frechet_distance']:.1f} | "
        f"{result['psnr_db']:.2f} | {result['ssim']:.3f} | {minutes} |"
    )


@click.command()
@click.option("--task", type=click.Choice(sorted(TASKS)), multiple=True, help="[default: both]")
@click.option("--epochs", default=1, show_default=True, type=click.IntRange(1))
@click.option("--steps-per-epoch", type=click.IntRange(1), help="Cut each epoch (a quick trial).")
@click.option("--width", default=32, show_default=True, type=click.IntRange(1))
@click.option("--blocks", default=4, show_default=True, type=click.IntRange(0), help="SRGAN's.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Runs go here.")
@click.option(
    "--gan-config",
    default="{}",
    show_default=True,
    help="More config for the GAN rows only, as JSON, e.g. '{\"ema\": 0.999}'.",
)
@click.option("--no-baselines", is_flag=True, help="Train the GAN rows only.")
@markdown_option
def main(task, epochs, steps_per_epoch, width, blocks, out, gan_config, no_baselines, markdown):
    """Train each GAN and its baseline, measure both, print the table."""
    lines = [
        "| model | label preservation | Fréchet distance | PSNR (dB) | SSIM | CPU-min |",
        "|---|---|---|---|---|---|",
    ]
    for name in task or sorted(TASKS):
        spec, variants = TASKS[name]
        held_out = f"{spec}:test"
        evaluator = evaluator_for(held_out)
        inputs, targets, labels = data.read_pairs(held_out)
        if name == "srgan" and not no_baselines:
            bicubic = measure_outputs(data.upscale(inputs, 4), targets, labels, evaluator)
            lines.append(row("bicubic", bicubic, None))
        gan_extra = json.loads(gan_config)
        for variant, extra in variants.items():
            if extra is BASELINE and no_baselines:
                continue
            if extra is not BASELINE and gan_extra:
                extra, variant = gan_extra, f"{variant}, {gan_config}"
            config = {"width": width, **({"blocks": blocks} if name == "srgan" else {}), **extra}
            recipe = RunRecipe.create(
                name, spec, epochs=epochs, config=config, steps_per_epoch=steps_per_epoch
            )
            start = time.process_time()
            model = train_run(recipe, f"{out}/{name}-{len(lines)}", verbose=2, eval_every=0)
            seconds = time.process_time() - start
            result = measure_translation(model, held_out, evaluator)
            lines.append(row(variant, result, seconds))
            click.echo(lines[-1], err=True)
    emit_table("\n".join(lines), markdown)


if __name__ == "__main__":
    main()
