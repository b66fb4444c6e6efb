"""Train the evaluator classifier of a dataset into zoo/evaluators/<dataset>/.

    python scripts/train_evaluator.py mnist
    python scripts/train_evaluator.py fashion-mnist --overwrite

Writes classifier.weights.h5, evaluator.json (data specs, held-out accuracy,
per-class accuracy, sha256 of the weights, provenance) and a README.md card,
with kgan.evaluator_training.train_evaluator (what ``kgan evaluator train``
runs for any labelled data). kgan.evaluate uses it; see kgan/evaluation.py.
"""

import shlex
import sys

import click

from kgan_launcher import keras_deferred

with keras_deferred():  # the backend is chosen below, so kgan must not import Keras yet
    from kgan.console import BACKENDS, OneLineErrorsCommand, use_backend
    from kgan.datasets import DATASETS

# Per dataset, how its evaluator trains: epochs, and flips only where mirror images
# are still members of the class. The data specs, class names and license are the
# dataset table's (kgan.datasets.DATASETS).
TRAINING = {
    "mnist": {"epochs": 30, "flip": False},
    "fashion-mnist": {"epochs": 10, "flip": True},
}


@click.command(cls=OneLineErrorsCommand)
@click.argument("dataset", type=click.Choice(list(TRAINING)))
@click.option("--epochs", type=click.IntRange(min=1), help="Default: 30 (mnist), 10 (fashion).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--overwrite", is_flag=True, help="Replace an evaluator that exists already.")
@click.option("--backend", type=click.Choice(BACKENDS), help="Keras backend.")
def main(dataset, epochs, seed, overwrite, backend):
    """Train the evaluator classifier of DATASET and write it into the zoo."""
    use_backend(backend)
    from kgan import evaluators
    from kgan.evaluator_training import train_evaluator

    settings, facts = TRAINING[dataset], DATASETS[dataset]
    train_evaluator(
        facts.train_data,
        evaluators.evaluator_dir(dataset),
        test=facts.test_data,
        epochs=epochs or settings["epochs"],
        seed=seed,
        flip=settings["flip"],
        class_names=list(facts.class_names),
        dataset=dataset,
        data_license=facts.license,
        command="python scripts/train_evaluator.py " + shlex.join(sys.argv[1:]),
        overwrite=overwrite,
        echo=click.echo,
    )


if __name__ == "__main__":
    main()
