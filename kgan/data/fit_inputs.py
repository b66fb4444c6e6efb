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


def check_fit_data(x, y, image_shape, num_classes=None):
    """Checks ``fit(x, y)`` input: whole arrays, or the first batch of anything else.

    Returns ``x``, or for a one-pass iterator (a Python generator) a new
    generator that yields the batch read for the check and then the rest.
    Later batches are not read ahead of training; a NaN that appears there
    shows up as a NaN loss (see keras.callbacks.TerminateOnNaN).
    """
    if x is None:
        raise ValueError("kgan: fit() needs training images; got x=None.")
    batch = first_batch(x)
    if batch is not None:
        images, labels = split_batch(batch)
    elif isinstance(x, (np.ndarray, list)) or hasattr(x, "__array__"):
        images, labels = x, y
    elif hasattr(x, "__next__"):  # a generator: its first batch is read once, then given back
        try:
            batch = next(x)
        except StopIteration:
            raise ValueError("kgan: the training generator is empty; expected batches.") from None
        x = _prepend(batch, x)
        images, labels = split_batch(batch)
    elif hasattr(x, "__iter__") and not isinstance(x, dict):  # re-iterable: a DataLoader
        images, labels = split_batch(next(iter(x)))
    else:
        return x
    images = _to_numpy(images)
    rules.check_image_shape(images, image_shape)
    rules.check_images(images, scaled=True)
    if num_classes is not None:
        rules.check_labels(_to_numpy(labels), num_classes=num_classes, count=images.shape[0])
    return x


def _prepend(first, rest):
    yield first
    yield from rest
