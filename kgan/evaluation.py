"""Offline evaluation with a classifier of our own per dataset, as TF-GAN does for MNIST.

Inception weights cannot be downloaded offline, so each dataset has a small
evaluator CNN (``zoo/evaluators/<dataset>/``, trained by
``scripts/train_evaluator.py``, weights checked by sha256). Its softmax gives
the classifier score, class coverage and CGAN label accuracy; its 128-unit
penultimate layer is the feature space for the Fréchet distance, KID and
precision/recall. The protocol (sample count, seed, splits) is fixed in
``PROTOCOL`` and recorded with every result.

Example:

>>> import kgan
>>> result = kgan.evaluate("dcgan-mnist")  # doctest: +SKIP
>>> result["classifier_score"], result["real_classifier_score"]  # doctest: +SKIP
"""

from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from kgan import files, metrics, saving
from kgan.data import read_scaled
from kgan.datasets import DATASET_NAMES
from kgan.zoo import catalog

EVALUATOR_FILE, CLASSIFIER_WEIGHTS = "evaluator.json", "classifier.weights.h5"
PROTOCOL = {
    "num_samples": 10_000,
    "seed": 0,
    "reference": "the dataset's held-out test split (never trained on)",
    "features": "the evaluator's 128-unit penultimate layer",
    "frechet_floor": "train split (its first 10,000 images at most) vs the held-out split",
    "precision_recall_k": 3,
    "kid_subset_size": 1000,
    "kid_subsets": 100,
    "memorization": (
        "pixel-space L2 distance to the nearest training image, for the first 1,000 "
        "samples and for the first 1,000 held-out images"
    ),
    "memorization_count": 1000,
    "cgan_labels": "sample i is asked for class i mod num_classes",
}
FLOOR_TRAIN_COUNT = 10_000
# The zoo's quality bar (0.2), by kind of model. The MLP of the vanilla GAN has
# its own, looser bar; conditional models a stricter one. Fréchet limits are
# absolute (classifier features), per dataset: the real floor on Fashion-MNIST
# (0.16) is below anything a generator reaches, so a ratio to it said nothing.
TARGETS = {
    "unconditional": {
        "classifier_score_ratio": 0.85,
        "max_over_min": 1.5,
        "frechet_distance": {"mnist": 20.0, "fashion-mnist": 20.0},
    },
    "vanilla-gan": {
        "classifier_score_ratio": 0.75,
        "max_over_min": 2.0,
        "frechet_distance": {"mnist": 40.0, "fashion-mnist": 45.0},
    },
    "conditional": {
        "classifier_score_ratio": 0.98,
        "max_over_min": 1.3,
        "frechet_distance": {"mnist": 5.0, "fashion-mnist": 3.0},
        "label_accuracy": {"mnist": 0.99, "fashion-mnist": 0.93},
    },
}
MEMORIZATION_LIMIT = 0.01  # share of samples closer to train than held-out's 1st percentile


def target_tier(architecture, conditional: bool) -> str:
    """Which row of ``TARGETS`` applies: conditional, the MLP vanilla GAN, or unconditional."""
    if conditional:
        return "conditional"
    return "vanilla-gan" if architecture == "vanilla-gan" else "unconditional"


def build_classifier(image_shape=(28, 28, 1), num_classes=10):
    """The evaluator CNN: conv 32 / 64 / 128 (BN, ReLU, max-pool), 128 ``features``, logits.

    Small on purpose (about 15 MFLOP per image), so it trains in minutes on a CPU.
    """
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for stage, filters in enumerate((32, 64, 128)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{stage}")(x)
        x = layers.BatchNormalization(name=f"bn{stage}")(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2, name=f"pool{stage}")(x)
    x = layers.Flatten()(x)
    features = layers.Dense(128, activation="relu", name="features")(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(images, logits, name="evaluator")


def evaluator_dir(dataset: str) -> Path:
    if dataset not in DATASET_NAMES:
        raise ValueError(f"kgan: no evaluator for {dataset!r}; expected one of {DATASET_NAMES}.")
    return catalog.shipped_root() / catalog.EVALUATORS / dataset


class Evaluator:
    """A dataset's evaluator classifier with its record (data specs, accuracy, hash)."""

    def __init__(self, dataset: str, classifier, record: dict):
        self.dataset, self.classifier, self.record = dataset, classifier, record
        self.num_classes = int(record["num_classes"])
        self._outputs = keras.Model(
            classifier.inputs, [classifier.output, classifier.get_layer("features").output]
        )

    def check_fits(self, model, name: str):
        """Raises ValueError (one line) unless ``model`` makes images this evaluator reads."""
        expected = tuple(self.record["image_shape"])
        made = tuple(getattr(model, "image_shape", ()))
        if made != expected:
            raise ValueError(
                f"kgan: {name} makes {_shape(made)} images, but the {self.dataset} evaluator "
                f"reads {_shape(expected)} ones; expected a model of {self.dataset} "
                f"(kgan's evaluators: {', '.join(DATASET_NAMES)})."
            )
        classes = getattr(model, "num_classes", None)
        if classes is not None and classes != self.num_classes:
            raise ValueError(
                f"kgan: {name} is conditioned on {classes} classes, but {self.dataset} has "
                f"{self.num_classes}; its label accuracy would mean nothing."
            )

    def predict(self, images, batch_size=500):
        """(class probabilities, features) for images in [-1, 1]."""
        probabilities, features = [], []
        for start in range(0, len(images), batch_size):
            batch = ops.convert_to_tensor(np.asarray(images[start : start + batch_size], "float32"))
            logits, feats = self._outputs(batch, training=False)
            probabilities.append(ops.convert_to_numpy(ops.softmax(logits, axis=-1)))
            features.append(ops.convert_to_numpy(feats))
        return np.concatenate(probabilities), np.concatenate(features)

    def real_images(self, split: str):
        """The evaluator's train or test split as float32 images in [-1, 1], and labels."""
        return read_scaled(self.record["data"][split])


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def read_record(dataset: str) -> dict:
    """The evaluator's evaluator.json: data specs, classes, accuracy, sha256, provenance."""
    record_path = evaluator_dir(dataset) / EVALUATOR_FILE
    if not record_path.is_file():
        raise ValueError(
            f"kgan: the {dataset} evaluator is missing from {record_path.parent}; "
            f"train it with scripts/train_evaluator.py {dataset}."
        )
    return files.read_json_object(record_path, f"the {dataset} evaluator")


def load_evaluator(dataset: str) -> Evaluator:
    """The shipped evaluator of ``dataset`` ("mnist" or "fashion-mnist"), hash-checked."""
    record = read_record(dataset)
    weights = evaluator_dir(dataset) / CLASSIFIER_WEIGHTS
    files.verify_file(weights, record["weights_sha256"], f"the {dataset} evaluator")
    classifier = build_classifier(tuple(record["image_shape"]), int(record["num_classes"]))
    classifier.load_weights(str(weights))
    return Evaluator(dataset, classifier, record)


def _resolve(source, dataset):
    """(model, dataset, architecture, source name) from a model, zoo name or run folder."""
    if isinstance(source, str | Path):
        name = str(source)
        model = saving.load(source)
        if dataset is None and saving.is_zoo_name(name):
            dataset = catalog.get_recipe(name).dataset
    else:
        model, name = source, type(source).__name__
    if dataset is None:
        raise ValueError(
            f"kgan: which dataset does {name} model? Give dataset= (kgan evaluate "
            f"--dataset), one of {', '.join(DATASET_NAMES)}; zoo entries know their own."
        )
    return model, dataset, getattr(model, "architecture", None), name


def evaluate(
    source,
    dataset: str | None = None,
    num_samples: int | None = None,
    seed: int = 0,
    progress=None,
):
    """Measures a generator against a dataset's held-out images with its evaluator.

    Args:
        source: a zoo entry name, a run folder, or a kgan model.
        dataset: "mnist" or "fashion-mnist"; zoo entries know theirs.
        num_samples: generated samples (the protocol's 10,000 by default).
        seed: latent seed (the protocol's 0 by default).
        progress: called with a short message as each stage starts (``kgan
            evaluate`` prints them).

    Returns a dict: classifier score beside the real held-out score, Fréchet
    distance beside the real floor (train vs held-out), KID, precision and
    recall, the class histogram and balance, CGAN label accuracy, the
    memorization check, the protocol, and each target with whether it is met.

    Example:

    >>> import kgan
    >>> result = kgan.evaluate("runs/fashion", dataset="fashion-mnist")  # doctest: +SKIP
    """
    say = progress or (lambda message: None)
    model, dataset, architecture, name = _resolve(source, dataset)
    evaluator = load_evaluator(dataset)
    evaluator.check_fits(model, name)
    protocol = dict(PROTOCOL)
    protocol["num_samples"] = int(num_samples or PROTOCOL["num_samples"])
    protocol["seed"] = int(seed)
    conditional = getattr(model, "num_classes", None) is not None
    labels = np.arange(protocol["num_samples"]) % model.num_classes if conditional else None
    say(f"generating {protocol['num_samples']:,} samples")
    samples = model.sample(protocol["num_samples"], seed=protocol["seed"], labels=labels)
    say(f"classifying them and the {dataset} splits with the evaluator")

    test_images, _ = evaluator.real_images("test")
    train_images, _ = evaluator.real_images("train")
    fake_probs, fake_features = evaluator.predict(samples)
    real_probs, real_features = evaluator.predict(test_images)
    _, train_features = evaluator.predict(train_images[:FLOOR_TRAIN_COUNT])

    say("computing classifier score, Fréchet distance, KID, precision/recall")
    result = {"source": name, "dataset": dataset, "architecture": architecture}
    result["classifier_score"] = metrics.classifier_score(fake_probs)
    result["real_classifier_score"] = metrics.classifier_score(real_probs)
    result["frechet_distance"] = metrics.frechet_distance(fake_features, real_features)
    result["real_frechet_floor"] = metrics.frechet_distance(train_features, real_features)
    kid, kid_std = metrics.kernel_inception_distance(
        fake_features,
        real_features,
        subset_size=protocol["kid_subset_size"],
        subsets=protocol["kid_subsets"],
        seed=protocol["seed"],
    )
    result["kid"], result["kid_std"] = kid, kid_std
    result.update(
        metrics.precision_recall(real_features, fake_features, protocol["precision_recall_k"])
    )
    predicted = fake_probs.argmax(axis=1)
    histogram = metrics.class_histogram(predicted, evaluator.num_classes)
    result["class_histogram"] = histogram.tolist()
    result.update(metrics.class_balance(histogram))
    if conditional:
        result["label_accuracy"] = float(np.mean(predicted == labels))
    count = protocol["memorization_count"]
    say(f"memorization: nearest training images of {min(count, len(samples)):,} samples")
    sample_nn = metrics.nearest_neighbour_distances(samples[:count], train_images)
    held_out_nn = metrics.nearest_neighbour_distances(test_images[:count], train_images)
    result["memorization"] = {
        "median_nn_distance_samples": float(np.median(sample_nn)),
        "median_nn_distance_held_out": float(np.median(held_out_nn)),
        "share_closer_than_held_out_1st_percentile": float(
            np.mean(sample_nn < np.percentile(held_out_nn, 1))
        ),
    }
    result["targets"] = check_targets(result, dataset, architecture, conditional)
    result["protocol"] = protocol
    result["real_counts"] = {"train": len(train_images), "test": len(test_images)}
    return result


def check_targets(result: dict, dataset: str, architecture, conditional: bool) -> list[dict]:
    """The quality targets that apply to this result, each with its value and whether it is met.

    ``TARGETS[target_tier(...)]`` gives the limits; the Fréchet and label
    accuracy limits exist for the zoo's datasets only (MNIST, Fashion-MNIST).
    """
    limits = TARGETS[target_tier(architecture, conditional)]
    ratio = result["classifier_score"] / result["real_classifier_score"]
    classes = len(result["class_histogram"])
    memorized = result["memorization"]["share_closer_than_held_out_1st_percentile"]
    checks = [
        ("classes present", result["classes_present"], f"= {classes}",
         result["classes_present"] == classes),
        ("largest / smallest class share", result["max_over_min"],
         f"<= {limits['max_over_min']}", result["max_over_min"] <= limits["max_over_min"]),
        ("classifier score / real score", ratio, f">= {limits['classifier_score_ratio']}",
         ratio >= limits["classifier_score_ratio"]),
    ]  # fmt: skip
    frechet = limits["frechet_distance"].get(dataset)
    if frechet is not None:
        distance = result["frechet_distance"]
        checks.append(("Fréchet distance", distance, f"<= {frechet:g}", distance <= frechet))
    accuracy_limit = limits.get("label_accuracy", {}).get(dataset)
    if accuracy_limit is not None:
        accuracy = result["label_accuracy"]
        checks.append(
            ("CGAN label accuracy", accuracy, f">= {accuracy_limit}", accuracy >= accuracy_limit)
        )
    checks.append(
        ("memorized share (closer than held-out's 1st percentile)", memorized,
         f"<= {MEMORIZATION_LIMIT}", memorized <= MEMORIZATION_LIMIT)
    )  # fmt: skip
    return [
        {"target": target, "value": float(value), "goal": goal, "met": bool(met)}
        for target, value, goal, met in checks
    ]
