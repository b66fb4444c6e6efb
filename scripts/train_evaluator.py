"""Train the evaluator classifier of a dataset into zoo/evaluators/<dataset>/.

    python scripts/train_evaluator.py mnist
    python scripts/train_evaluator.py fashion-mnist --overwrite

Writes classifier.weights.h5, evaluator.json (data specs, held-out accuracy,
per-class accuracy, sha256 of the weights, provenance) and a README.md card.
kgan.evaluate uses it; see kgan/evaluation.py for the protocol.
"""

import json
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


def _augmenter(flip):
    import keras

    steps = [keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0)]
    if flip:
        steps.append(keras.layers.RandomFlip("horizontal"))
    return keras.Sequential(steps)


def _card(dataset, record, command):
    rows = "\n".join(
        f"| {name} | {accuracy:.4f} |"
        for name, accuracy in zip(record["class_names"], record["per_class_accuracy"], strict=True)
    )
    prov = record["provenance"]
    versions = ", ".join(f"{name} {version}" for name, version in prov["versions"].items())
    return f"""# {dataset} evaluator classifier

The classifier behind `kgan.evaluate(..., dataset="{dataset}")`: a small CNN
(`kgan.evaluation.build_classifier`: conv 32 / 64 / 128, each with BN, ReLU and
max-pooling, a 128-unit `features` layer, dropout, 10 logits), trained on the
**train** split and measured on the **held-out test** split, which the zoo's
GANs never see.

- Train data: `{record["data"]["train"]}` ({record["train_count"]} images)
- Held-out data: `{record["data"]["test"]}` ({record["test_count"]} images)
- **Held-out accuracy: {record["test_accuracy"]:.4f}**
- Weights: `classifier.weights.h5`, sha256 `{record["weights_sha256"]}` (checked at load)
- Trained with: `{command}`
- Backend {prov["backend"]}, {prov["machine"]}, {prov["date"]}; versions {versions}
- Data license: {record["data_license"]}; weights license: Apache-2.0

| class | held-out accuracy |
|---|---|
{rows}
"""


@click.command(cls=OneLineErrorsCommand)
@click.argument("dataset", type=click.Choice(list(TRAINING)))
@click.option("--epochs", type=click.IntRange(min=1), help="Default: 30 (mnist), 10 (fashion).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--overwrite", is_flag=True, help="Replace an evaluator that exists already.")
@click.option("--backend", type=click.Choice(BACKENDS), help="Keras backend.")
def main(dataset, epochs, seed, overwrite, backend):
    """Train the evaluator classifier of DATASET and write it into the zoo."""
    use_backend(backend)
    import keras
    import numpy as np

    from kgan import data, evaluation, files
    from kgan.zoo.publish import provenance

    settings, facts = TRAINING[dataset], DATASETS[dataset]
    specs = {"train": facts.train_data, "test": facts.test_data}
    class_names = list(facts.class_names)
    directory = evaluation.evaluator_dir(dataset)
    weights_path = directory / evaluation.CLASSIFIER_WEIGHTS
    if weights_path.exists() and not overwrite:
        raise click.ClickException(f"{weights_path} exists; pass --overwrite to replace it.")
    epochs = epochs or settings["epochs"]
    keras.utils.set_random_seed(seed)
    train_x, train_y = data.read_scaled(specs["train"])
    test_x, test_y = data.read_scaled(specs["test"])

    import tensorflow as tf

    augment = _augmenter(settings["flip"])
    batches = (
        tf.data.Dataset.from_tensor_slices((train_x, train_y))
        .shuffle(len(train_x), seed=seed)
        .batch(128)
        .map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    classifier = evaluation.build_classifier(train_x.shape[1:], len(class_names))
    steps = epochs * int(np.ceil(len(train_x) / 128))
    classifier.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    classifier.fit(batches, epochs=epochs, validation_data=(test_x, test_y), verbose=2)

    predicted = classifier.predict(test_x, batch_size=500, verbose=0).argmax(axis=1)
    per_class = [float(np.mean(predicted[test_y == c] == c)) for c in range(len(class_names))]
    directory.mkdir(parents=True, exist_ok=True)
    # An uncompiled copy: the shipped file holds the network, not the optimizer state.
    export = evaluation.build_classifier(train_x.shape[1:], len(class_names))
    export.set_weights(classifier.get_weights())
    export.save_weights(str(weights_path))
    command = "python scripts/train_evaluator.py " + shlex.join(sys.argv[1:])
    record = {
        "dataset": dataset,
        "data": specs,
        "image_shape": list(train_x.shape[1:]),
        "num_classes": len(class_names),
        "class_names": class_names,
        "train_count": len(train_x),
        "test_count": len(test_x),
        "test_accuracy": float(np.mean(predicted == test_y)),
        "per_class_accuracy": per_class,
        "weights_sha256": files.sha256_file(weights_path),
        "data_license": facts.license,
        "provenance": provenance(command, epochs=epochs, seed=seed),
    }
    (directory / evaluation.EVALUATOR_FILE).write_text(json.dumps(record, indent=2) + "\n")
    (directory / "README.md").write_text(_card(dataset, record, command))
    click.echo(f"{dataset} evaluator: held-out accuracy {record['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
