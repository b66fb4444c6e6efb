"""How well projection (GAN inversion) reconstructs real held-out images, per zoo entry.

    python -m scripts.projection_table                         # every entry, 200 images each
    python -m scripts.projection_table --entries cgan-mnist --images 100 --markdown proj.md

For each entry: ``model.project`` (default settings) on a seeded draw of the entry's held-out
split (the evaluator's test split), then the mean squared pixel error (on [-1, 1]), the PSNR,
and the evaluator's label agreement between each input and its reconstruction. The floor is
the same three numbers for random latents (``model.sample(n, seed=1)``; conditional models'
classes in turn), which projection must beat. Conditional entries get two rows: labels
inferred by projection, and the true labels given. Prints a markdown table.
"""

import time

import click
import numpy as np

import kgan
from kgan import evaluation, evaluators
from scripts.entry_tables import emit_table, entries_option, entry_names, markdown_option


def agreement(evaluator, inputs, outputs) -> float:
    """The share of images whose reconstruction the evaluator puts in the input's class."""
    first = evaluator.predict(inputs)[0].argmax(-1)
    second = evaluator.predict(outputs)[0].argmax(-1)
    return float(np.mean(first == second))


def psnr(errors) -> float:
    return float(np.mean(10 * np.log10(4.0 / np.maximum(errors, 1e-10))))


def measure(entry: str, count: int, steps: int, seed: int) -> list[dict]:
    model = kgan.load(entry)
    evaluator = evaluators.load_evaluator(evaluation.known_dataset(entry))
    test_x, test_y = evaluator.real_images("test")
    pick = np.random.default_rng(seed).choice(len(test_x), count, replace=False)
    inputs, labels = test_x[pick], test_y[pick]
    random_images = model.sample(count, seed=1)
    random_errors = np.mean((random_images - inputs) ** 2, axis=(1, 2, 3))
    floor = {
        "random_mse": float(random_errors.mean()),
        "random_psnr": psnr(random_errors),
        "random_agreement": agreement(evaluator, inputs, random_images),
    }
    rows = []
    for given in [None] if model.num_classes is None else [None, labels]:
        started = time.perf_counter()
        found = model.project(inputs, labels=given, steps=steps)
        row = {
            "entry": entry,
            "labels": "-"
            if model.num_classes is None
            else ("given" if given is not None else "inferred"),
            "mse": float(found.errors.mean()),
            "psnr": psnr(found.errors),
            "agreement": agreement(evaluator, inputs, found.images),
            "label_accuracy": None
            if found.labels is None
            else float(np.mean(found.labels == labels)),
            "seconds": time.perf_counter() - started,
            **floor,
        }
        rows.append(row)
        click.echo(table([row]).splitlines()[-1], err=True)
    return rows


def table(rows) -> str:
    header = (
        "| entry | labels | MSE | PSNR (dB) | evaluator agreement | inferred label accuracy "
        "| random MSE | random PSNR | random agreement | seconds |"
    )
    lines = [header, "|---" * 10 + "|"]
    for r in rows:
        accuracy = (
            "-"
            if r["label_accuracy"] is None or r["labels"] == "given"
            else (f"{r['label_accuracy']:.3f}")
        )
        lines.append(
            f"| {r['entry']} | {r['labels']} | {r['mse']:.4f} | {r['psnr']:.1f} | "
            f"{r['agreement']:.3f} | {accuracy} | {r['random_mse']:.4f} | "
            f"{r['random_psnr']:.1f} | {r['random_agreement']:.3f} | {r['seconds']:.0f} |"
        )
    return "\n".join(lines)


@click.command()
@entries_option
@click.option("--images", "count", default=200, show_default=True, type=click.IntRange(1))
@click.option("--steps", default=300, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@markdown_option
def main(entries, count, steps, seed, markdown):
    """Project held-out images with zoo entries and print the table."""
    rows = []
    for name in entry_names(entries):
        rows += measure(name, count, steps, seed)
    text = table(rows)
    emit_table(text, markdown)


if __name__ == "__main__":
    main()
