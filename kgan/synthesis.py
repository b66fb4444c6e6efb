"""Synthetic training data: ``kgan synthesize`` and the Classification Accuracy Score (CAS).

CAS (Ravuri & Vinyals 2019) asks whether generated images can stand in for real
ones: a classifier trained on generated images is tested on real held-out
images, beside the same classifier trained on as many real images. The
classifier is fixed: kgan's small evaluator network (``kgan.evaluators.SMALL_NETWORK``,
whatever network the evaluator itself has, so that scores compare across data sets)
and the evaluator training recipe (``kgan.evaluator_training.fit_classifier``: random
translations, Adam 2e-3 with a cosine decay, batches of 128, ``auto_epochs``
passes), seed 0, no mirror images.

Example:

>>> import kgan
>>> from kgan import synthesis
>>> images, labels = synthesis.synthesize(kgan.load("cgan-mnist"), 1000)
>>> images.dtype, images.shape, labels[:3].tolist()  # doctest: +SKIP
(dtype('uint8'), (1000, 28, 28, 1), [..])
>>> score = synthesis.classification_accuracy_score("cgan-mnist")  # doctest: +SKIP
>>> score["cas"], score["real"]  # doctest: +SKIP
"""

from pathlib import Path

import keras
import numpy as np

from kgan import evaluation, files
from kgan import images as grids
from kgan.data.rules import to_unit_range
from kgan.evaluator_training import auto_epochs, fit_classifier
from kgan.evaluators import SMALL_NETWORK, Evaluator
from kgan.models.latent_space import check_has_latents, check_truncation

# Label sources, as metrics and files name them.
CONDITIONING, PSEUDO_LABELS = "conditioning", "pseudo-labels from the evaluator"
MAX_CAS_SAMPLES = 10_000  # beyond the 4,000-digit MNIST split; Fashion-MNIST's 60,000 are cut


def synthesize(
    model, n: int, *, seed: int = 0, truncation: float = 1.0, evaluator: Evaluator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` generated images as uint8 (n, H, W, C) with an int64 label each.

    A conditional model's labels are its conditioning: every class in turn
    (as even as ``n`` allows), in a seeded order. An unconditional model has no
    labels of its own: give ``evaluator`` and each image gets the class the
    evaluator predicts (pseudo-labels; say so wherever they are used).
    """
    check_has_latents(model)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"kgan: expected n, the number of images, as an integer >= 1; got {n!r}.")
    truncation = check_truncation(truncation)
    if model.num_classes is not None:
        labels = np.random.default_rng(seed).permutation(np.arange(n) % model.num_classes)
        pictures = model.sample(n, seed=seed, labels=labels, truncation=truncation)
        return grids.to_uint8(pictures), labels.astype("int64")
    if evaluator is None:
        raise ValueError(
            "kgan: an unconditional model's images have no labels; label them with an "
            "evaluator's predictions (pseudo-labels: kgan synthesize --pseudo-labels)."
        )
    evaluator.check_fits(model, "the model")
    pictures = grids.to_uint8(model.sample(n, seed=seed, truncation=truncation))
    probabilities = evaluator.predict(to_unit_range(pictures))[0]
    return pictures, probabilities.argmax(-1).astype("int64")


def write_dataset(path, images: np.ndarray, labels: np.ndarray) -> Path:
    """Writes ``x_train``/``y_train`` as the keras.datasets layout (``npz:PATH`` reads it back).

    Never over an existing file, and never half a file (``kgan.files.write_atomically``).
    """
    path = Path(path)

    def write(temporary):
        with open(temporary, "wb") as handle:  # np.savez(name) would append .npz
            np.savez(handle, x_train=images, y_train=labels)

    files.write_atomically(path, write, overwrite=False)
    return path


def classification_accuracy_score(
    source,
    n: int | None = None,
    *,
    seed: int = 0,
    truncation: float = 1.0,
    dataset: str | None = None,
    evaluator=None,
    progress=None,
) -> dict:
    """CAS: the fixed classifier trained on ``n`` generated images, tested on real held-out ones.

    ``source`` is a zoo entry, a run folder or a model; its evaluator (as
    ``kgan.evaluate`` chooses it) gives the real splits, and the pseudo-labels
    of an unconditional model. ``n`` defaults to the real training split's size
    (at most 10,000). Returns the accuracies on the real held-out split of
    the classifier trained on:

    - ``cas``: ``n`` generated images;
    - ``real``: ``n`` real training images (a seeded draw), the score CAS is read against;
    - ``real_plus_synthetic``: those real images and the generated ones together (the
      augmentation case: whether synthetic data adds to real data);

    with ``n``, the label source, the epochs and the evaluator's record.
    """
    say = progress or (lambda message: None)
    model, name, known = evaluation.resolve(source)
    evaluator = evaluation.choose_evaluator(model, name, dataset or known, None, evaluator, say)
    evaluator.check_fits(model, name)
    (train_x, train_y), (test_x, test_y) = evaluator.real_splits()
    n = int(n or min(len(train_x), MAX_CAS_SAMPLES))
    if n > len(train_x):
        raise ValueError(
            f"kgan: CAS compares n generated images with n real ones; the real training split "
            f"holds {len(train_x)}, so expected n <= {len(train_x)}; got {n}."
        )
    conditional = model.num_classes is not None
    say(f"generating {n} images")
    synthetic_x, synthetic_y = synthesize(
        model, n, seed=seed, truncation=truncation, evaluator=None if conditional else evaluator
    )
    pick = np.random.default_rng(seed).choice(len(train_x), n, replace=False)
    real_x, real_y = train_x[pick], train_y[pick]
    sets = {
        "cas": (to_unit_range(synthetic_x), synthetic_y),
        "real": (real_x, real_y),
        "real_plus_synthetic": (
            np.concatenate([real_x, to_unit_range(synthetic_x)]),
            np.concatenate([real_y, synthetic_y]),
        ),
    }
    result = {}
    for key, (x, y) in sets.items():
        epochs = auto_epochs(len(x))
        what = key.replace("_", " ")
        say(f"training the classifier on {what} ({len(x)} images, {epochs} epochs)")
        keras.utils.set_random_seed(seed)  # the same start for every training set
        classifier = fit_classifier(
            x, y, evaluator.num_classes, epochs, seed, network=SMALL_NETWORK
        )
        predicted = classifier.predict(test_x, batch_size=500, verbose=0).argmax(-1)
        result[key] = float(np.mean(predicted == test_y))
        result[f"{key}_epochs"] = epochs
    result.update(
        n=n,
        test_count=len(test_x),
        labels=CONDITIONING if conditional else PSEUDO_LABELS,
        truncation=truncation,
        seed=seed,
        **evaluator.identity,
        evaluator_accuracy=evaluator.record.get("test_accuracy"),
        classifier="kgan.evaluators.build_classifier, trained by "
        "kgan.evaluator_training.fit_classifier (the evaluator recipe)",
        network=SMALL_NETWORK.describe(),
    )
    return result
