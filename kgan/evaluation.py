"""Measuring a generator: offline, with a classifier of our own per data set, as TF-GAN does for
MNIST, or with InceptionV3 features where its weights are at hand.

Each zoo data set has a small evaluator CNN (``zoo/evaluators/<dataset>/``,
trained by ``scripts/train_evaluator.py``, weights checked by sha256); any
labelled data gets one the same way (``kgan.evaluators``). Its softmax gives
the classifier score, class coverage and CGAN label accuracy; its 128-unit
penultimate layer is the feature space for the Fréchet distance, KID and
precision/recall. The protocol (sample count, seed, splits) is fixed in
``PROTOCOL`` and recorded with every result.

Example:

>>> import kgan
>>> result = kgan.evaluate("dcgan-mnist")  # doctest: +SKIP
>>> result["classifier_score"], result["real_classifier_score"]  # doctest: +SKIP
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np

from kgan import metrics, saving, stacked_mnist, translation_quality
from kgan.data import DataSpec
from kgan.data.kinds import data_kind
from kgan.datasets import DATASET_NAMES
from kgan.evaluator_training import cached_evaluator
from kgan.evaluators import (
    CLASSIFIER_WEIGHTS,
    EVALUATOR_FILE,
    Evaluator,
    InceptionEvaluator,
    build_classifier,
    evaluator_dir,
    load_evaluator,
    read_record,
    zoo_dataset_of,
)
from kgan.models import GAN
from kgan.models.latent_space import check_truncation
from kgan.runs import RUN_FILE, RunDirectory
from kgan.zoo import catalog

__all__ = [
    "CLASSIFIER_WEIGHTS",
    "EVALUATOR_FILE",
    "PROTOCOL",
    "TARGETS",
    "Evaluator",
    "InceptionEvaluator",
    "build_classifier",
    "check_targets",
    "evaluate",
    "evaluator_dir",
    "load_evaluator",
    "read_record",
    "target_tier",
]
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
    "truncation": 1.0,  # ψ of GAN.sample; 1 is plain sampling, the one the targets are set for
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


def resolve(source):
    """(model, source name, its data set or None) from a model, zoo name or run folder."""
    if not isinstance(source, str | Path):
        return source, type(source).__name__, None
    return saving.load(source), str(source), known_dataset(source)


def known_dataset(source) -> str | None:
    """The zoo data set a zoo entry or a run folder (its run.json's data) was trained on."""
    if saving.is_zoo_name(str(source)):
        return catalog.get_recipe(str(source)).dataset
    folder = Path(source)
    if not (folder / RUN_FILE).is_file():
        return None
    return zoo_dataset_of(RunDirectory(folder).read_recipe().data)


def known_data(source) -> DataSpec | None:
    """The data spec a zoo entry or a run folder was trained on (None where unknown)."""
    if isinstance(source, str | Path) and saving.is_zoo_name(str(source)):
        return catalog.get_recipe(str(source)).data
    folder = Path(source) if isinstance(source, str | Path) else None
    if folder is not None and (folder / catalog.RECIPE_FILE).is_file():  # an entry's folder
        return catalog.read_recipe(folder / catalog.RECIPE_FILE).data
    if folder is None or not (folder / RUN_FILE).is_file():
        return None
    return RunDirectory(folder).read_recipe().data


def _evaluate_translator(model, source, name, dataset, data, evaluator, limit, say) -> dict:
    # An image-to-image model is measured on held-out pairs or domains: the given data,
    # else the test split of what it was trained on.
    if data is None:
        trained_on = known_data(source)
        data = None if trained_on is None else translation_quality.held_out_spec(trained_on)
    if evaluator is not None and not isinstance(evaluator, Evaluator):
        evaluator = load_evaluator(evaluator)
    if evaluator is None and dataset is not None:
        evaluator = load_evaluator(dataset)
    return translation_quality.evaluate_translator(model, name, data, evaluator, limit, say)


def choose_evaluator(model, name, dataset=None, data=None, evaluator=None, say=print):
    """The evaluator for ``model``: given, trained for ``data``, or the data set's own.

    ``evaluator`` is an ``Evaluator`` (``InceptionEvaluator`` too), a zoo
    data set name or an evaluator folder; ``data`` a labelled data spec, whose
    evaluator is trained once and cached (``kgan.evaluators.cached_evaluator``).
    """
    if evaluator is not None:
        return evaluator if isinstance(evaluator, Evaluator) else load_evaluator(evaluator)
    if data is not None:
        return cached_evaluator(data, echo=say)
    if dataset is not None:
        return load_evaluator(dataset)
    shape = "x".join(map(str, getattr(model, "image_shape", ())))
    raise ValueError(
        f"kgan: no evaluator knows what {name} makes ({shape} images); give --data SPEC, a "
        "labelled data set (its training data, say) for which an evaluator is trained once and "
        f"cached, or --features inception --data SPEC, or --dataset {'|'.join(DATASET_NAMES)} "
        "for a model of those."
    )


def evaluate(
    source: str | Path | GAN,
    dataset: str | None = None,
    num_samples: int | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    *,
    data: str | DataSpec | None = None,
    evaluator: Evaluator | str | Path | None = None,
    truncation: float = 1.0,
) -> dict:
    """Measures a generator against held-out real images with an evaluator.

    Args:
        source: a zoo entry name, a run folder, or a kgan model.
        dataset: "mnist" or "fashion-mnist": the zoo's evaluator of it. Zoo
            entries, and runs trained on those data sets, know theirs.
            "stacked-mnist" counts modes instead (``kgan.stacked_mnist``), as
            it does for runs trained on ``stacked:`` MNIST.
        num_samples: generated samples (the protocol's 10,000 by default).
        seed: latent seed (the protocol's 0 by default).
        progress: called with a short message as each stage starts (``kgan
            evaluate`` prints them).
        data: a labelled data spec for any other data: an evaluator is trained
            for it once and cached, and its held-out sixth is the reference.
        evaluator: an ``Evaluator`` (``kgan.evaluators.InceptionEvaluator(...)``
            for Inception features), a zoo data set name or an evaluator folder
            (``kgan evaluator train``).
        truncation: ψ for the samples (``GAN.sample(truncation=)``); 1 is the
            protocol's, and the only one the targets are set for.

    An image-to-image model (pix2pix, SRGAN, CycleGAN) is measured by
    ``kgan.translation_quality.evaluate_translator`` instead, on ``data`` (held-out
    pairs or domains) or the test split of the data it was trained on;
    ``num_samples`` then limits the held-out images (all by default).

    Returns a dict: classifier score beside the real held-out score, Fréchet
    distance beside the real floor (train vs held-out), KID, precision and
    recall, the class histogram and balance, CGAN label accuracy, the
    memorization check, the protocol, and each target with whether it is met.
    With Inception features the classifier score is the Inception Score, and
    no targets apply (the zoo's are set in its evaluators' features).

    Example:

    >>> import kgan
    >>> result = kgan.evaluate("runs/fashion", dataset="fashion-mnist")  # doctest: +SKIP
    >>> result = kgan.evaluate("runs/photos", data="folder:photos")  # doctest: +SKIP
    """
    say = progress or (lambda message: None)
    model, name, known = resolve(source)
    if data_kind(model).name != "images":
        return _evaluate_translator(model, source, name, dataset, data, evaluator, num_samples, say)
    if dataset == stacked_mnist.NAME or (
        dataset is None
        and data is None
        and evaluator is None
        and stacked_mnist.trains_on_stacked_mnist(known_data(source))
    ):
        return stacked_mnist.measure(model, name, num_samples, seed, say, truncation)
    evaluator = choose_evaluator(model, name, dataset or known, data, evaluator, say)
    evaluator.check_fits(model, name)
    inception = isinstance(evaluator, InceptionEvaluator)
    protocol = dict(PROTOCOL, features=evaluator.features_description)
    protocol["num_samples"] = int(num_samples or PROTOCOL["num_samples"])
    protocol["seed"] = int(seed)
    protocol["truncation"] = check_truncation(truncation)
    conditional = getattr(model, "num_classes", None) is not None
    labels = np.arange(protocol["num_samples"]) % model.num_classes if conditional else None
    say(f"generating {protocol['num_samples']:,} samples")
    samples = model.sample(
        protocol["num_samples"],
        seed=protocol["seed"],
        labels=labels,
        truncation=protocol["truncation"],
    )
    say(f"classifying them and the real splits with the {evaluator.name} evaluator")

    (train_images, _), (test_images, _) = evaluator.real_splits()
    fake_probs, fake_features = evaluator.predict(samples)
    real_probs, real_features = evaluator.predict(test_images)
    _, train_features = evaluator.predict(train_images[:FLOOR_TRAIN_COUNT])

    say("computing classifier score, Fréchet distance, KID, precision/recall")
    architecture = getattr(model, "architecture", None)
    result = {"source": name, "dataset": evaluator.dataset, "architecture": architecture}
    result.update(evaluator.identity)
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
    if not inception:  # ImageNet's classes say nothing of the data's
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
    result["targets"] = (
        [] if inception else check_targets(result, evaluator.dataset, architecture, conditional)
    )
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
