"""One rule set for training images and labels, whoever hands them over.

Data files (``kgan train --data``) and arrays given to ``fit()`` pass through
the same checks, with the same messages. They differ in one thing only:
``fit()`` takes images already scaled to [-1, 1] (``scaled=True``), a file may
hold raw uint8 in [0, 255] too, which kgan scales when it loads them.

Each failure is a one-line ``DataError`` (a ``ValueError``).

The rule for floats in [0, 1] (keras.io's examples scale so): refused, with the
fix, since a tanh generator would learn a grey background from them.
"""

import numpy as np

from kgan.data.specs import DataError

_SCALE_HINT = "scale them with images / 127.5 - 1"
# Labels feed int32 embeddings and one-hots; anything larger is no class index.
MAX_LABEL = 2**31 - 1


def to_unit_range(images) -> np.ndarray:
    """Checked images as float32 in [-1, 1]: uint8-range pixels scaled, floats as they are."""
    images = np.asarray(images)
    if np.issubdtype(images.dtype, np.floating):
        return images.astype("float32")
    return images.astype("float32") / 127.5 - 1.0


def check_images(images, source: str = "the training data", *, scaled: bool = False):
    """Raises a one-line DataError unless ``images`` are usable training images, in full.

    Images are floats in [-1, 1], or (``scaled=False``) uint8-range integers in
    [0, 255]; never empty, never NaN or inf.
    """
    images = np.asarray(images)
    if images.ndim == 0 or len(images) == 0:
        raise DataError(f"kgan: {source} is empty: it holds no images; expected at least one.")
    if images.size == 0:
        raise DataError(
            f"kgan: {source} holds images of shape {images.shape[1:]}, of size 0; expected "
            "images with pixels."
        )
    expected = "floats in [-1, 1]" if scaled else "floats in [-1, 1] or uint8 in [0, 255]"
    if np.issubdtype(images.dtype, np.floating):
        _check_finite(images, source)
        low, high = float(images.min()), float(images.max())
        if low >= 0.0 and high <= 1.0:
            raise DataError(
                f"kgan: {source} holds float images in [0, 1]; expected {expected}: "
                "store images * 2 - 1."
            )
        if low < -1.0 - 1e-3 or high > 1.0 + 1e-3:
            hint = ""
            if high > 1.5:
                hint = f": {_SCALE_HINT}" if scaled else ": store them as uint8"
            raise DataError(
                f"kgan: {source} holds float images in [{low:g}, {high:g}]; expected "
                f"{expected}{hint}."
            )
    elif np.issubdtype(images.dtype, np.integer) and not scaled:
        low, high = int(images.min()), int(images.max())
        if low < 0 or high > 255:
            raise DataError(
                f"kgan: {source} holds integer images in [{low}, {high}]; expected [0, 255]."
            )
    elif scaled:
        raise DataError(
            f"kgan: expected float images in [-1, 1]; got dtype {images.dtype}: {_SCALE_HINT}."
        )
    else:
        raise DataError(f"kgan: {source} holds images of dtype {images.dtype}; expected numbers.")


def _check_finite(images, source):
    if not np.all(np.isfinite(images)):
        bad = int(np.flatnonzero(~np.isfinite(images.reshape(len(images), -1)).all(1))[0])
        raise DataError(f"kgan: {source}: image {bad} holds NaN or inf; expected finite values.")


def check_image_shape(
    images, image_shape, source: str = "the training data", hint=" (set -c image_shape=[H,W,C])"
):
    """Raises a one-line DataError unless each image has the model's ``image_shape``."""
    shape = tuple(np.shape(images)[1:])
    if shape != tuple(image_shape):
        raise DataError(
            f"kgan: {source} holds images of shape {shape}; the model expects "
            f"{tuple(image_shape)}{hint}."
        )


def check_labels(labels, source: str = "the training data", *, num_classes=None, count=None):
    """Raises a one-line DataError unless ``labels`` are class integers, one per image.

    ``count``: how many images they label (a (count, 1) column is accepted).
    ``num_classes``: the classes a conditional model has; labels must lie in
    [0, num_classes).
    """
    if labels is None:
        raise DataError(
            "kgan: this model is class-conditional and needs labels: "
            "fit(images, labels) or a dataset of (images, labels)."
        )
    labels = np.asarray(labels)
    if count is not None:
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1 or labels.shape[0] != count:
            raise DataError(
                f"kgan: expected one label per image, shape ({count},); "
                f"got labels of shape {labels.shape}."
            )
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels)):
            raise DataError(f"kgan: {source} holds labels that are not finite integers.")
        if not np.all(labels == np.round(labels)):
            raise DataError(f"kgan: {source} holds fractional labels; expected class integers.")
    flat = labels.reshape(-1)
    # Checked before any cast: 2**64 - 1 as int64 is -1, another class's row.
    high = MAX_LABEL + 1 if num_classes is None else min(num_classes, MAX_LABEL + 1)
    outside = (flat < 0) | (flat >= high)
    if flat.size and outside.any():
        bad = int(np.flatnonzero(outside)[0])
        if num_classes is not None:
            expected = f"the model expects labels in [0, {num_classes}) (set -c num_classes=N)"
        elif flat[bad] < 0:
            expected = "expected class integers >= 0"
        else:
            expected = f"expected class integers below 2**31 (at most {MAX_LABEL})"
        raise DataError(f"kgan: {source}: label {bad} is {flat[bad]:g}; {expected}.")
