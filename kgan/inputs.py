"""Checks on what users pass to ``fit()``, run on numpy before any step.

kgan expects float images already scaled to [-1, 1] (the range of the tanh
generators) and refuses anything else rather than guessing a scaling: a
uint8 or [0, 255] batch is an error that says how to scale it.
"""

import warnings

import numpy as np

_SCALE_HINT = "scale them with images / 127.5 - 1"


def _describe(shape):
    return "(batch, " + ", ".join(str(d) for d in shape) + ")"


def check_images(images, image_shape):
    """Raises ValueError unless ``images`` is a non-empty float batch in [-1, 1]."""
    images = np.asarray(images)
    if images.ndim != len(image_shape) + 1 or tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"kgan: expected images of shape {_describe(image_shape)}; "
            f"got an array of shape {images.shape}."
        )
    if images.shape[0] == 0:
        raise ValueError("kgan: the training data is empty; expected at least one image.")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            f"kgan: expected float images in [-1, 1]; got dtype {images.dtype}: {_SCALE_HINT}."
        )
    if not np.all(np.isfinite(images)):
        raise ValueError("kgan: the images contain NaN or inf; expected finite values in [-1, 1].")
    low, high = float(images.min()), float(images.max())
    if low < -1.0 - 1e-3 or high > 1.0 + 1e-3:
        hint = f": {_SCALE_HINT}" if high > 1.5 else ""
        raise ValueError(
            f"kgan: expected images in [-1, 1]; got values in [{low:g}, {high:g}]{hint}."
        )
    if low >= 0.0 and high > 0.0:
        # keras.io's examples scale to [0, 1]; a tanh generator then learns a grey background.
        warnings.warn(
            f"kgan: the images lie in [{low:g}, {high:g}], not [-1, 1] as kgan's generators "
            "produce; if they were scaled to [0, 1], use images * 2 - 1.",
            UserWarning,
            stacklevel=4,
        )


def check_labels(labels, num_classes, num_images):
    """Raises ValueError unless ``labels`` holds one integer class per image."""
    if labels is None:
        raise ValueError(
            "kgan: this model is class-conditional and needs labels: "
            "fit(images, labels) or a dataset of (images, labels)."
        )
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.shape[0] != num_images:
        raise ValueError(
            f"kgan: expected one label per image, shape ({num_images},); "
            f"got labels of shape {labels.shape}."
        )
    if not np.issubdtype(labels.dtype, np.integer) and not np.all(labels == np.round(labels)):
        raise ValueError(f"kgan: expected integer class labels; got dtype {labels.dtype}.")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"kgan: expected labels in [0, {num_classes}); "
            f"got values in [{labels.min()}, {labels.max()}]."
        )


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
    check_images(images, image_shape)
    if num_classes is not None:
        check_labels(_to_numpy(labels), num_classes, images.shape[0])
    return x


def _prepend(first, rest):
    yield first
    yield from rest
