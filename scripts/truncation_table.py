"""What the truncation trick trades, per zoo entry: `kgan evaluate` at several ψ.

    python -m scripts.truncation_table                                # every entry, ψ 1, .8, .6, .4
    python -m scripts.truncation_table --entries dcgan-mnist --psi 1,0.5 --markdown psi.md

Each row is ``kgan.evaluate(entry, truncation=ψ)`` with the protocol's 10,000 samples and
seed 0 against the held-out split, in the entry's own evaluator: precision should rise and
recall fall as ψ shrinks (typical images, less variety). Prints a markdown table.
"""

import click

import kgan
from scripts.entry_tables import emit_table, entries_option, entry_names, markdown_option

COLUMNS = (
    ("classifier_score", "score", "{:.2f}"),
    ("frechet_distance", "Fréchet", "{:.1f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("max_over_min", "largest / smallest class", "{:.2f}"),
)


def table(results) -> str:
    header = "| entry | ψ | " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    rule = "|---|---|" + "---|" * len(COLUMNS)
    rows = [
        f"| {entry} | {psi:g} | "
        + " | ".join(form.format(result[key]) for key, _, form in COLUMNS)
        + " |"
        for entry, psi, result in results
    ]
    return "\n".join([header, rule, *rows])


@click.command()
@entries_option
@click.option("--psi", "psis", default="1,0.8,0.6,0.4", show_default=True, help="Comma-separated.")
@click.option("--samples", type=click.IntRange(100), help="Generated samples  [default: 10000]")
@markdown_option
def main(entries, psis, samples, markdown):
    """Evaluate zoo entries at several truncations and print the table."""
    names = entry_names(entries)
    try:
        values = [float(psi) for psi in psis.split(",")]
    except ValueError:
        raise click.BadParameter(f"expected numbers in [0, 1] like 1,0.6; got {psis!r}") from None
    results = []
    for name in names:
        for psi in values:
            result = kgan.evaluate(name, num_samples=samples, truncation=psi)
            results.append((name, psi, result))
            click.echo(table(results[-1:]).splitlines()[-1], err=True)
    text = table(results)
    emit_table(text, markdown)


if __name__ == "__main__":
    main()
