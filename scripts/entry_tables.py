"""What the per-entry measurement scripts share: which entries, and where the table goes.

Used by ``truncation_table``, ``projection_table``, ``edit_table`` and ``cas_table``.
"""

import click

from kgan.zoo import catalog

entries_option = click.option(
    "--entries", help="Comma-separated zoo entries  [default: every noise-to-image entry]"
)
markdown_option = click.option(
    "--markdown", type=click.Path(dir_okay=False), help="Also write the table here."
)


def entry_names(entries: str | None) -> list[str]:
    """The entries named in ``--entries``, or every zoo entry that makes images from noise
    and is measured by a data set's evaluator (these tables measure latents with it; the
    image-to-image entries have none, a Stacked-MNIST entry's images are three digits)."""
    if entries:
        return entries.split(",")
    found = (catalog.ZooEntry.read(name) for name in catalog.list_zoo())
    return [e.name for e in found if e.judged_by_classifier]


def emit_table(text: str, markdown: str | None) -> None:
    """Prints the table, and writes it to ``markdown`` where given."""
    click.echo(text)
    if markdown:
        with open(markdown, "w") as handle:
            handle.write(text + "\n")
