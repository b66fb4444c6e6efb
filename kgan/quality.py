"""Quality while training: a fast evaluation every few epochs, logged and drawn.

``QualityMonitor`` measures the generator every ``every`` epochs with the
data's evaluator on ``num_samples`` samples (2,000 by default, against as
many held-out images): the Fréchet distance, the classifier score and the
class balance. They go into the epoch's logs (so ``log.csv`` and TensorBoard
get them, as ``frechet_distance``, ``classifier_score`` and ``max_over_min``;
``kgan.callbacks.CSVLog(columns=quality.KEYS)`` writes NA on the epochs
between); ``QualityCurve`` draws them into ``quality.png``. Fewer samples than
``kgan evaluate``'s 10,000 make the Fréchet distance larger (it is biased
upwards at small counts): compare these numbers with each other, not with
the zoo's.

Example:

>>> import kgan
>>> from kgan import evaluators, quality
>>> monitor = quality.QualityMonitor(evaluators.load_evaluator("mnist"), every=5)
>>> log = kgan.callbacks.CSVLog("log.csv", columns=quality.KEYS)
>>> curve = quality.QualityCurve(monitor, "log.csv", "quality.png")
>>> model.fit(dataset, epochs=20, callbacks=[monitor, log, curve])  # doctest: +SKIP
"""

import math
import time
from pathlib import Path

import keras
import numpy as np

from kgan import metrics, run_log
from kgan.evaluators import load_evaluator, zoo_dataset_of

QUICK_SAMPLES, DEFAULT_EVERY, QUALITY_SEED = 2000, 5, 0
KEYS = run_log.QUALITY_COLUMNS
TITLES = {
    "frechet_distance": "Fréchet distance (lower is better)",
    "classifier_score": "classifier score (real: dashed)",
    "max_over_min": "largest / smallest class (1 is balanced)",
}


def zoo_evaluator_for(data, model):
    """The zoo evaluator of ``data`` where it is mnist or fashion-mnist and fits ``model``."""
    dataset = zoo_dataset_of(data)
    if dataset is None:
        return None
    evaluator = load_evaluator(dataset)
    try:
        evaluator.check_fits(model, "the model")
    except ValueError:
        return None
    return evaluator


class QualityMonitor(keras.callbacks.Callback):
    """Every ``every`` epochs, a fast evaluation into the epoch's logs (so into log.csv).

    ``measure()`` can be called before training (``kgan train`` does, to show
    its cost in the run header). Sampling uses fixed numpy latents and never
    the model's seed generator, so a resumed run stays exact.
    """

    def __init__(self, evaluator, every=DEFAULT_EVERY, num_samples=QUICK_SAMPLES, echo=print):
        super().__init__()
        self.evaluator, self.every, self.num_samples = evaluator, int(every), int(num_samples)
        self.echo = echo
        self.last_epoch = None  # the epoch (from 1) last measured
        self._real = None

    def _real_features(self):
        if self._real is None:  # once: the held-out images do not change
            images, _ = self.evaluator.real_images("test")
            probabilities, features = self.evaluator.predict(images[: self.num_samples])
            self._real = features, metrics.classifier_score(probabilities)
        return self._real

    def measure(self, model=None) -> dict:
        """The three numbers for the model now, and ``seconds``, what measuring took."""
        model = model or self.model
        start = time.perf_counter()
        real_features, real_score = self._real_features()
        labels = None
        if model.num_classes is not None:
            labels = np.arange(self.num_samples) % model.num_classes
        samples = model.sample(self.num_samples, seed=QUALITY_SEED, labels=labels)
        probabilities, features = self.evaluator.predict(samples)
        predicted = probabilities.argmax(axis=1)
        histogram = metrics.class_histogram(predicted, self.evaluator.num_classes)
        return {
            "frechet_distance": metrics.frechet_distance(features, real_features),
            "classifier_score": metrics.classifier_score(probabilities),
            "max_over_min": metrics.class_balance(histogram)["max_over_min"],
            "real_classifier_score": real_score,
            "seconds": time.perf_counter() - start,
        }

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if (epoch + 1) % self.every:
            return  # kgan.callbacks.CSVLog(columns=KEYS) writes NA for these epochs
        measured = self.measure()
        logs.update({key: measured[key] for key in KEYS})
        self.last_epoch = epoch + 1
        self.echo(
            f"quality at epoch {epoch + 1}: Fréchet {measured['frechet_distance']:.2f}, score "
            f"{measured['classifier_score']:.2f} (real {measured['real_classifier_score']:.2f}), "
            f"balance {measured['max_over_min']:.2f} ({measured['seconds']:.1f} s)"
        )

    @property
    def real_score(self):
        """The held-out images' classifier score (once measured), the score's ceiling."""
        return None if self._real is None else self._real[1]


class QualityCurve(keras.callbacks.Callback):
    """Redraws ``png_path`` from ``log_path`` after each epoch ``monitor`` measured.

    It goes after the CSV logger, so the drawing has the epoch's row.
    """

    def __init__(self, monitor: QualityMonitor, log_path, png_path):
        super().__init__()
        self.monitor, self.log_path, self.png_path = monitor, Path(log_path), Path(png_path)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor.last_epoch == epoch + 1:
            plot_quality(self.log_path, self.png_path, self.monitor.real_score)


def plot_quality(log_path, png_path, real_score=None):
    """Draws the quality columns of a log.csv, one panel each, into ``png_path``."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    from matplotlib import pyplot  # after use("Agg"): no display is needed

    rows = run_log.read_log(log_path)
    keys = [key for key in KEYS if rows and key in rows[0]]
    if not keys:
        return
    figure, axes = pyplot.subplots(1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    for axis, key in zip(axes[0], keys, strict=True):
        points = [(row["epoch"], row[key]) for row in rows if math.isfinite(row[key])]
        if points:
            axis.plot(*zip(*points, strict=True), marker="o")
        if key == "classifier_score" and real_score is not None:
            axis.axhline(real_score, linestyle="--", color="grey")
        if key != "classifier_score":  # both fall over orders of magnitude early on
            axis.set_yscale("log")
        axis.set_title(TITLES[key], fontsize=9)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    figure.tight_layout()
    figure.savefig(png_path)
    pyplot.close(figure)
