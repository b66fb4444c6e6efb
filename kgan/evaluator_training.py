"""Training an evaluator classifier for any labelled data: ``kgan evaluator train`` and the cache.

``train_evaluator`` is the one training recipe, for the zoo's evaluators
(``scripts/train_evaluator.py``) and a user's (``kgan evaluator train``);
``cached_evaluator`` trains one for ``kgan evaluate RUN --data SPEC`` once,
keyed by the data's content.

Example:

>>> from kgan.evaluator_training import train_evaluator
>>> record = train_evaluator("folder:photos", "evaluators/photos")  # doctest: +SKIP
>>> record["test_accuracy"]  # doctest: +SKIP
"""

import hashlib
import json
import math
import os
import shutil
from pathlib import Path

import keras
import numpy as np
from keras import layers

from kgan import files, quiet
from kgan.data import DataSpec, read_scaled
from kgan.evaluators import (
    CARD_FILE,
    CLASSIFIER_WEIGHTS,
    EVALUATOR_FILE,
    HELD_OUT_SHARE,
    MIN_SIZE,
    SMALL_NETWORK,
    ClassifierNetwork,
    Evaluator,
    build_classifier,
    data_record,
    load_evaluator,
    read_record,
    reference_splits,
)
from kgan.files import CACHE_VARIABLE, cache_root  # noqa: F401 - CACHE_VARIABLE: re-exported
from kgan.provenance import provenance

BATCH_SIZE, MIN_STEPS = 128, 400


def _check_trainable(spec: str, images, labels):
    if len(np.unique(labels)) < 2:
        raise ValueError(
            f"kgan: {spec} is unlabelled (one class); a classifier evaluator needs labels "
            "(class sub-folders, or labels in the file); for unlabelled data use --features "
            "inception."
        )
    if min(images.shape[1:3]) < MIN_SIZE:
        raise ValueError(
            f"kgan: {spec} holds {images.shape[1]}x{images.shape[2]} images; an evaluator "
            f"needs at least {MIN_SIZE}x{MIN_SIZE}."
        )


def _class_names(spec: DataSpec, num_classes: int) -> list[str]:
    if spec.scheme == "folder":  # the labels are the sorted class folders
        return sorted(p.name for p in Path(spec.location).iterdir() if p.is_dir())
    return [str(label) for label in range(num_classes)]


def auto_epochs(count: int) -> int:
    """Epochs for ``count`` training images: 10, or more for small sets (at least
    ``MIN_STEPS`` updates in all, so that BatchNorm's moving statistics settle), at most 200."""
    steps = math.ceil(count / BATCH_SIZE)
    return min(200, max(10, math.ceil(MIN_STEPS / steps)))


def train_evaluator(train, out, *, test=None, epochs=None, seed=0, flip=False, class_names=None,
                    network=SMALL_NETWORK, dataset=None, data_license=None, note=None, command=None,
                    overwrite=False, verbose=2, echo=print) -> dict:  # fmt: skip
    """Trains the evaluator classifier on labelled data ``train`` into the folder ``out``.

    Held-out accuracy is measured on ``test``, or on a seeded sixth of
    ``train`` kept out of training; ``epochs`` defaults to ``auto_epochs``; ``network`` is
    the CNN's shape (``kgan.evaluators.ClassifierNetwork``, recorded); ``note``, a
    paragraph for the card (why this network and length, say).
    Writes classifier.weights.h5, evaluator.json (data, classes, accuracy,
    sha256, provenance) and a card, as one folder placed whole; an existing
    ``out`` is refused unless ``overwrite``. Returns the record.

    Example:

    >>> from kgan.evaluator_training import train_evaluator
    >>> record = train_evaluator("folder:photos", "evaluators/photos")  # doctest: +SKIP
    """
    out, data = Path(out), data_record(train, test)
    if os.path.lexists(out) and not overwrite:
        raise ValueError(f"kgan: {out} exists already; choose another --out.")
    (train_x, train_y), (test_x, test_y) = reference_splits(data)
    _check_trainable(data["train"], train_x, train_y)
    num_classes = int(max(train_y.max(), test_y.max())) + 1
    class_names = list(class_names or _class_names(DataSpec.parse(train), num_classes))
    epochs = epochs or auto_epochs(len(train_x))
    keras.utils.set_random_seed(seed)
    classifier = fit_classifier(train_x, train_y, num_classes, epochs, seed, flip, verbose, network)
    predicted = classifier.predict(test_x, batch_size=500, verbose=0).argmax(axis=1)
    record = {
        "dataset": dataset,
        "data": data,
        "image_shape": list(train_x.shape[1:]),
        "num_classes": num_classes,
        "network": network.as_record(),
        "class_names": class_names,
        "train_count": len(train_x),
        "test_count": len(test_x),
        "test_accuracy": float(np.mean(predicted == test_y)),
        "per_class_accuracy": [
            float(np.mean(predicted[test_y == c] == c)) if np.any(test_y == c) else None
            for c in range(num_classes)
        ],
        "data_license": data_license,
        "note": note,
    }
    command = command or f"kgan evaluator train --data {data['train']} --out {out}"
    record["provenance"] = provenance(command, epochs=epochs, seed=seed)

    def write(folder):
        Path(folder).mkdir()
        # An uncompiled copy: the file holds the network, not the optimizer state.
        export = build_classifier(train_x.shape[1:], num_classes, network)
        export.set_weights(classifier.get_weights())
        export.save_weights(str(Path(folder) / CLASSIFIER_WEIGHTS))
        record["weights_sha256"] = files.sha256_file(Path(folder) / CLASSIFIER_WEIGHTS)
        (Path(folder) / EVALUATOR_FILE).write_text(json.dumps(record, indent=2) + "\n")
        (Path(folder) / CARD_FILE).write_text(evaluator_card(record))

    _place_folder(out, write, overwrite)
    echo(f"evaluator of {data['train']}: held-out accuracy {record['test_accuracy']:.4f} ({out})")
    return record


def fit_classifier(train_x, train_y, num_classes, epochs, seed=0, flip=False, verbose=0,
                   network=SMALL_NETWORK):  # fmt: skip
    """The evaluator recipe: ``build_classifier`` trained on images in [-1, 1] with random
    translations (and mirror images with ``flip``), Adam 2e-3 with a cosine decay, batches of
    ``BATCH_SIZE``, ``epochs`` passes; the evaluators and the Classification Accuracy Score
    (``kgan.synthesis``, with the default ``network``) share it."""
    tf = quiet.import_tensorflow_quietly()  # a tf.data pipeline, as kgan.data's
    steps = [layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0)]
    if flip:  # only where mirror images are still members of their class
        steps.append(layers.RandomFlip("horizontal"))

    def augment(images, labels):
        # Layer by layer: a preprocessing layer runs in tf.data on every backend, but a
        # keras.Sequential of them would run on the backend's tensors (JAX's, torch's).
        for layer in steps:
            images = layer(images, training=True)
        return images, labels

    # All the passes as one Keras epoch: a Keras epoch costs a second or more of its own,
    # which small data sets (many passes of one batch) would pay hundreds of times.
    batches = (
        tf.data.Dataset.from_tensor_slices((train_x, train_y))
        .shuffle(len(train_x), seed=seed)  # reshuffled for each pass
        .repeat(epochs)
        .batch(BATCH_SIZE)
        .map(augment, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    classifier = build_classifier(train_x.shape[1:], num_classes, network)
    total_steps = math.ceil(epochs * len(train_x) / BATCH_SIZE)
    classifier.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, total_steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    classifier.fit(batches, epochs=1, verbose=verbose, shuffle=False)  # tf.data shuffles
    return classifier


def _place_folder(out: Path, write, overwrite: bool):
    """Writes the folder under a temporary name, then puts it at ``out`` whole."""
    if not overwrite or not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        files.write_atomically(out, write, overwrite=False)
        return
    aside = files.temporary_name(out)
    staged = files.temporary_name(out)
    try:
        write(str(staged))
        os.rename(out, aside)  # the old one stays until the new one is in place
        os.rename(staged, out)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(aside, ignore_errors=True)


def evaluator_card(record: dict) -> str:
    """The README.md of an evaluator folder, from its record."""
    rows = "\n".join(
        f"| {name} | {'-' if accuracy is None else f'{accuracy:.4f}'} |"
        for name, accuracy in zip(record["class_names"], record["per_class_accuracy"], strict=True)
    )
    prov, data = record["provenance"], record["data"]
    versions = ", ".join(f"{name} {version}" for name, version in prov["versions"].items())
    held_out = f"`{data['test']}`" if data.get("test") else (
        f"a seeded {data['held_out_share']:.3f} of the train data (seed {data['split_seed']})"
    )  # fmt: skip
    title = record.get("dataset") or data["train"]
    network = ClassifierNetwork.from_record(record.get("network"))
    note = f"\n{record['note']}\n" if record.get("note") else ""
    return f"""# {title} evaluator classifier

The classifier behind `kgan evaluate` for this data: a small CNN
(`kgan.evaluators.build_classifier`: {network.describe()}, each convolution with BN
and ReLU, max-pooling after each stage, a 128-unit `features` layer, dropout,
logits), trained on the **train** images and measured on the **held-out** ones.

- Train data: `{data["train"]}` ({record["train_count"]} images)
- Held-out data: {held_out} ({record["test_count"]} images)
- **Held-out accuracy: {record["test_accuracy"]:.4f}**
- Weights: `{CLASSIFIER_WEIGHTS}`, sha256 `{record["weights_sha256"]}` (checked at load)
- Trained with: `{prov["command"]}`
- Backend {prov["backend"]}, {prov["machine"]}, {prov["date"]}; versions {versions}
- Data license: {record["data_license"] or "the data's own"}; weights license: Apache-2.0
{note}
| class | held-out accuracy |
|---|---|
{rows}
"""


def rewrite_card(folder, note: str | None) -> dict:
    """Writes an evaluator folder's card again from its record, with ``note`` as its note
    (kept in evaluator.json); the weights and their sha256 are untouched. Returns the record."""
    folder = Path(folder)
    record = read_record(folder)
    record["note"] = note
    files.write_json_atomically(folder / EVALUATOR_FILE, record)
    files.write_text_atomically(folder / CARD_FILE, evaluator_card(record))
    return record


def cached_evaluator(spec, epochs: int | None = None, echo=print) -> Evaluator:
    """The evaluator of labelled data ``spec``, trained once and cached by the data's content.

    The cache key is the sha256 of the images and labels, so changed data
    gets a new evaluator and the same data reuses it, whatever its path.
    """
    images, labels = read_scaled(spec)
    digest = hashlib.sha256()
    for array in (images, labels):
        digest.update(repr(array.shape).encode() + np.ascontiguousarray(array).tobytes())
    folder = cache_root() / "evaluators" / digest.hexdigest()[:16]
    if not (folder / EVALUATOR_FILE).is_file():
        _check_trainable(str(spec), images, labels)
        epochs = epochs or auto_epochs(len(images) - round(len(images) * HELD_OUT_SHARE))
        echo(f"training an evaluator for {spec} ({epochs} epochs), cached in {folder}")
        try:
            train_evaluator(spec, folder, epochs=epochs, verbose=0, echo=echo)
        except ValueError as error:
            if not (folder / EVALUATOR_FILE).is_file():  # not another process's, just placed
                raise
            echo(f"using the evaluator another process placed meanwhile ({error})")
    try:
        return load_evaluator(folder)
    except ValueError as error:
        raise ValueError(f"{error} (remove {folder} to train it again)") from None
