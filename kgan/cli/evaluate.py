"""``kgan evaluate``: a generator measured with its dataset's evaluator (``kgan.evaluation``)."""

import json
from pathlib import Path

import click

from kgan.cli.app import backend_option, main
from kgan.console import use_backend
from kgan.datasets import DATASET_NAMES


@main.command()
@click.argument("source")
@click.option(
    "--dataset",
    type=click.Choice(DATASET_NAMES),
    help="The data SOURCE models (zoo entries know theirs).",
)
@click.option(
    "--samples",
    type=click.IntRange(100, 200_000),
    help="Generated samples  [default: 10000]",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0), help="Latent seed.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full result here (never over an existing file).",
)
@backend_option
def evaluate(source, dataset, samples, seed, json_path, backend):
    """Measure SOURCE (a zoo entry or a run directory) with the dataset's evaluator.

    Classifier score, Fréchet distance and KID in the evaluator's features,
    precision/recall, class coverage, CGAN label accuracy and a memorization
    check, against the held-out split; see kgan.evaluation.PROTOCOL.
    """
    if json_path is not None and json_path.exists():
        raise click.ClickException(f"{json_path} exists already; choose another --json.")
    use_backend(backend)
    from kgan import evaluation

    result = evaluation.evaluate(
        source,
        dataset=dataset,
        num_samples=samples,
        seed=seed,
        progress=lambda message: click.echo(f"... {message}", err=True),
    )
    click.echo(f"{source} on {result['dataset']} ({result['protocol']['num_samples']} samples)")
    for key, real_key in (
        ("classifier_score", "real_classifier_score"),
        ("frechet_distance", "real_frechet_floor"),
    ):
        click.echo(f"  {key:<20} {result[key]:10.4f}   real: {result[real_key]:.4f}")
    click.echo(f"  {'kid':<20} {result['kid']:10.4f}   ± {result['kid_std']:.4f}")
    for key in ("precision", "recall", "classes_present", "max_over_min", "label_accuracy"):
        if key in result:
            click.echo(f"  {key:<20} {result[key]:10.4f}")
    click.echo(f"  class histogram      {result['class_histogram']}")
    echo_targets(result["targets"])
    if json_path is not None:  # written whole, never over a file that appeared meanwhile
        from kgan import files

        files.write_text_atomically(json_path, json.dumps(result, indent=2) + "\n", overwrite=False)


def echo_targets(targets):
    for target in targets:
        status = "met" if target["met"] else "MISSED"
        click.echo(f"  target: {target['target']} {target['value']:.4f} {target['goal']}: {status}")
