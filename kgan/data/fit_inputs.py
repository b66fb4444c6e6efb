"""What users pass to ``fit()``, checked on numpy before any step (``kgan.data.rules``).

kgan expects float images already scaled to [-1, 1] (the range of the tanh
generators) and refuses anything else rather than guessing a scaling: a
uint8 or [0, 255] batch is an error that says how to scale it.
"""

import numpy as np

from kgan.data import rules


def split_batch(batch):
    """(images, labels-or-None) from a batch as datasets yield it."""
    if isinstance(batch, dict):
        return batch.get("image", batch.get("images")), batch.get("label", batch.get("labels"))
    if isinstance(batch, (tuple, list)):
        return batch[0], (batch[1] if len(batch) > 1 else None)
    return batch, None


def _to_numpy(value):
    return None if value is None else np.asarray(value)


def first_batch(x):
    """The first batch of a tf.data.Dataset or PyDataset, or None for other inputs."""
    if type(x).__module__.startswith("tensorflow") and hasattr(x, "take"):
        for batch in x.take(1):
            return batch
        raise ValueError("kgan: the training dataset is empty; expected at least one batch.")
    if hasattr(x, "__getitem__") and hasattr(x, "on_epoch_end") and hasattr(x, "__len__"):
        if len(x) == 0:
            raise ValueError("kgan: the training dataset is empty; expected at least one batch.")
        return x[0]
    return None


def _first_pair(x, y):
    """(x, first x-part, first y-part) of ``fit(x, y)``: whole arrays, or the first batch.

    ``x`` comes back as given, or for a one-pass iterator (a Python generator)
    as a new generator that yields the batch read here and then the rest;
    (x, None, None) where ``x`` is nothing kgan can read ahead.
    """
    if x is None:
        raise ValueError("kgan: fit() needs training images; got x=None.")
    batch = first_batch(x)
    if batch is not None:
        return (x, *split_batch(batch))
    if isinstance(x, (np.ndarray, list)) or hasattr(x, "__array__"):
        return x, x, y
    if hasattr(x, "__next__"):  # a generator: its first batch is read once, then given back
        try:
            batch = next(x)
        except StopIteration:
            raise ValueError("kgan: the training generator is empty; expected batches.") from None
        return (_prepend(batch, x), *split_batch(batch))
    if hasattr(x, "__iter__") and not isinstance(x, dict):  # re-iterable: a DataLoader
        return (x, *split_batch(next(iter(x))))
    return x, None, None


def check_fit_data(x, y, image_shape, num_classes=None):
    """Checks ``fit(x, y)`` input: whole arrays, or the first batch of anything else.

    Returns ``x``, or for a one-pass iterator (a Python generator) a new
    generator that yields the batch read for the check and then the rest.
    Later batches are not read ahead of training; a NaN that appears there
    shows up as a NaN loss (see keras.callbacks.TerminateOnNaN).
    """
    x, images, labels = _first_pair(x, y)
    if images is None:
        return x
    images = _to_numpy(images)
    rules.check_image_shape(images, image_shape)
    rules.check_images(images, scaled=True)
    if num_classes is not None:
        rules.check_labels(_to_numpy(labels), num_classes=num_classes, count=images.shape[0])
    return x


def check_pair_data(x, y, source_shape, target_shape, unpaired: bool = False):
    """Checks ``fit(inputs, targets)`` of an image-to-image model, as ``check_fit_data``.

    Both are float images in [-1, 1]: ``inputs`` shaped ``source_shape``,
    ``targets`` shaped ``target_shape``, one target per input; ``unpaired``
    (CycleGAN's two domains): as many of domain B as of domain A per batch.
    """
    first, second = ("domain A", "domain B") if unpaired else ("inputs", "targets")
    x, inputs, targets = _first_pair(x, y)
    if inputs is None:
        return x
    if targets is None:
        expected = (
            "unpaired (a, b) batches: fit(domain_a, domain_b) or a dataset of (a, b) batches"
            if unpaired
            else "(input, target) pairs: fit(inputs, targets) or a dataset of (input, target) "
            "batches"
        )
        raise ValueError(f"kgan: an image-to-image model trains on {expected}; got {first} alone.")
    inputs, targets = _to_numpy(inputs), _to_numpy(targets)
    rules.check_image_shape(inputs, source_shape, f"the {first}")
    rules.check_image_shape(targets, target_shape, f"the {second}")
    rules.check_images(inputs, f"the {first}", scaled=True)
    rules.check_images(targets, f"the {second}", scaled=True)
    if len(inputs) != len(targets):
        raise ValueError(
            f"kgan: expected as many {second} as {first}"
            f"{'' if unpaired else ' (one target per input)'}; got {len(inputs)} {first} "
            f"and {len(targets)} {second}."
        )
    return x


def _prepend(first, rest):
    yield first
    yield from rest
