"""The Classification Accuracy Score per zoo entry (``kgan evaluate ENTRY --cas``).

    python -m scripts.cas_table                             # every entry
    python -m scripts.cas_table --entries cgan-mnist --markdown cas.md

For each entry, ``kgan.synthesis.classification_accuracy_score`` with its defaults: kgan's
small evaluator network and the evaluator recipe trained on n generated images (n = the real
training split, at most 10,000; seed 0), on n real ones, and on both, each tested on the real
held-out split. Unconditional entries are labelled by their evaluator (pseudo-labels). Prints a
markdown table.
"""

import click

from kgan import synthesis
from scripts.entry_tables import emit_table, entries_option, entry_names, markdown_option


def table(rows) -> str:
    lines = [
        "| entry | labels | n | CAS (generated) | real | real + generated |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        labels = "conditioning" if r["labels"] == synthesis.CONDITIONING else "pseudo-labels"
        lines.append(
            f"| {name} | {labels} | {r['n']} | {r['cas']:.4f} | {r['real']:.4f} | "
            f"{r['real_plus_synthetic']:.4f} |"
        )
    return "\n".join(lines)


@click.command()
@entries_option
@markdown_option
def main(entries, markdown):
    """Measure CAS on zoo entries and print the table."""
    rows = []
    for name in entry_names(entries):
        result = synthesis.classification_accuracy_score(
            name, progress=lambda message, name=name: click.echo(f"{name}: {message}", err=True)
        )
        rows.append((name, result))
        click.echo(table(rows[-1:]).splitlines()[-1], err=True)
    text = table(rows)
    emit_table(text, markdown)


if __name__ == "__main__":
    main()
