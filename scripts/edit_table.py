"""Edit directions per zoo entry: the evaluator's flip rate against the edit's strength.

    python -m scripts.edit_table                                  # every entry
    python -m scripts.edit_table --entries dcgan-mnist --grid edits.png --markdown edits.md

Unconditional entries: class directions from 10,000 latents labelled by the entry's evaluator
(``kgan.editing.find_class_directions``, seed 0), then 1,000 other latents (seed 1), each moved
toward a class other than its own; conditional entries move their label vector
(``CGAN.edit``). The flip rate is the share the evaluator then reads as the target class
(``kgan.editing.flip_rates``). ``--grid`` draws, for the first entry, rows of one latent
moved toward class 0..9 at each strength, to look at.
"""

import click
import numpy as np

import kgan
from kgan import editing, evaluation, evaluators, images
from scripts.entry_tables import emit_table, entries_option, entry_names, markdown_option


def edit_grid(model, evaluator, path, strengths, directions):
    """Row c: one latent moved toward class c, a column per strength."""
    classes = evaluator.num_classes
    latents = np.repeat(model.latents(1, seed=3), classes * len(strengths), axis=0)
    target = np.repeat(np.arange(classes), len(strengths))
    strength = np.tile(np.asarray(strengths, "float32"), classes)
    if model.num_classes is None:
        pictures = model.edit(latents, directions[target], strength)
    else:
        start = np.zeros(len(latents), "int32")  # every row starts from class 0
        pictures = np.concatenate(
            [
                model.edit(
                    latents[target == c], c, strength[target == c], labels=start[target == c]
                )
                for c in range(classes)
            ]
        )
    images.save_grid(pictures, path, columns=len(strengths), overwrite=False)


@click.command()
@entries_option
@markdown_option
@click.option("--grid", type=click.Path(dir_okay=False), help="An edit grid of the first entry.")
def main(entries, markdown, grid):
    """Measure edit directions on zoo entries and print the table."""
    lines = ["| entry | edit | strength → flip rate |", "|---|---|---|"]
    for index, name in enumerate(entry_names(entries)):
        model = kgan.load(name)
        evaluator = evaluators.load_evaluator(evaluation.known_dataset(name))
        conditional = model.num_classes is not None
        directions = None if conditional else editing.find_class_directions(model, evaluator)
        rates = editing.flip_rates(model, evaluator, directions=directions)
        kind = "label vector" if conditional else "class direction (LDA)"
        cells = ", ".join(f"{r['strength']:g} → {r['flip_rate']:.3f}" for r in rates)
        lines.append(f"| {name} | {kind} | {cells} |")
        click.echo(lines[-1], err=True)
        if grid and index == 0:
            strengths = [r["strength"] for r in rates]
            edit_grid(model, evaluator, grid, strengths, directions)
    text = "\n".join(lines)
    emit_table(text, markdown)


if __name__ == "__main__":
    main()
