"""``kgan list`` and ``kgan info``: the zoo's entries, read without Keras."""

import json

import click

from kgan import zoo
from kgan.cli.app import main
from kgan.cli.evaluate import echo_targets
from kgan.zoo import translation_cards


@main.command(name="list")
def list_entries():
    """List the zoo entries with their headline metrics (kgan info NAME for one in full)."""
    lines = [f"{'entry':<30} {'architecture':<12} {'dataset':<14} score/real  Fréchet  targets"]
    for name in zoo.list_zoo():  # every entry is read before anything is printed
        entry = zoo.zoo_info(name)
        lines.append(f"{name:<30} {entry.architecture:<12} {entry.dataset:<14} {_summary(entry)}")
    click.echo("\n".join(lines))
    for name in zoo.catalog.left_aside():
        click.echo(f"warning: {zoo.catalog.left_aside_fix(name)}.", err=True)


def _summary(entry) -> str:
    """An entry's headline numbers on one line: score/real and Fréchet; a Stacked-MNIST
    entry's modes and reverse KL; or for an image-to-image entry the metrics its targets
    name (label preservation, cycle L1...)."""
    head = entry.headline()
    if not head:
        return "not measured"
    met = f"{head['targets_met']}/{head['targets']} met"
    if entry.counts_modes:
        return f"modes {head['modes']}, reverse KL {head['reverse_kl']:.3f}  {met}"
    if entry.task != "translation":
        return f"{head['classifier_score_ratio']:10.3f} {head['frechet_distance']:8.2f}  {met}"
    named = dict.fromkeys(t["target"] for t in entry.metrics["targets"])
    return ", ".join(f"{key} {head[key]:.3f}" for key in named) + f"  {met}"


@main.command()
@click.argument("name")
@click.option("--card", is_flag=True, help="Print the whole model card (Markdown).")
def info(name, card):
    """Show zoo entry NAME: recipe, metrics and targets, licenses, sha256, files."""
    entry = zoo.zoo_info(name)
    if card:
        click.echo(entry.card)
        return
    click.echo(f"{entry.name}: {entry.architecture} on {entry.dataset} (kgan {entry.kgan_version})")
    click.echo(f"  config      {json.dumps(entry.config)}")
    recorded = entry.recipe.to_json()
    keys = ("data", "epochs", "batch_size", "seed", "optimizers")
    training = {key: recorded[key] for key in keys if key in recorded}
    training["backend"] = entry.provenance.get("backend")
    click.echo(f"  training    {json.dumps(training)}")
    if entry.class_names:
        click.echo(f"  classes     {', '.join(entry.class_names)}")
    for key, value in entry.headline().items():
        click.echo(
            f"  {key:<24} {value:.4f}" if isinstance(value, float) else f"  {key:<24} {value}"
        )
    echo_targets(entry.metrics.get("targets", []))
    if entry.task == "translation":  # and those against its non-adversarial baseline
        echo_targets(translation_cards.baseline_targets(entry))
    for what, license_name in entry.licenses.items():
        click.echo(f"  license     {what}: {license_name}")
    click.echo(f"  sha256      {entry.sha256} (model.weights.h5)")
    for file_name, size in entry.sizes.items():
        click.echo(f"  file        {file_name:<20} {size:>12,} bytes")
    click.echo(f"  card        {entry.directory / zoo.CARD_FILE} (or kgan info {name} --card)")
