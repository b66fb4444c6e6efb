"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) as pure functions.

A GAN with ``augment="translation,cutout"`` passes real and generated images
through the same random transformations before every discriminator call, in
both the discriminator's and the generator's loss. The transformations are
differentiable, so the generator learns through them, and the discriminator
cannot memorise a small training set. Random numbers come from the seed
generator passed in (the model's), so runs are reproducible and resume exactly.

Images are (batch, height, width, channels) in [-1, 1]; every augmentation
returns that shape and range, and is the identity at ``strength=0``.

Example:

>>> import numpy as np, keras
>>> from kgan import augment
>>> images = np.zeros((4, 28, 28, 1), "float32")
>>> seed = keras.random.SeedGenerator(0)
>>> augment.apply(images, augment.parse_policy("translation,cutout"), seed).shape
(4, 28, 28, 1)
"""

import keras
from keras import ops

from kgan import checks


def _per_sample(images, seed, low=0.0, high=1.0):
    batch = ops.shape(images)[0]
    return keras.random.uniform((batch, 1, 1, 1), low, high, seed=seed)


def color(images, seed, strength=1.0):
    """Random brightness (±0.5), saturation (×[0, 2]) and contrast (×[0.5, 1.5]), as DiffAugment.

    Magnitudes scale with ``strength``; the result is clipped to [-1, 1].
    """
    brightness = (_per_sample(images, seed) - 0.5) * strength
    images = images + brightness
    saturation = 1.0 + (_per_sample(images, seed, 0.0, 2.0) - 1.0) * strength
    mean = ops.mean(images, axis=-1, keepdims=True)
    images = (images - mean) * saturation + mean
    contrast = 1.0 + (_per_sample(images, seed, 0.5, 1.5) - 1.0) * strength
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    images = (images - mean) * contrast + mean
    return ops.clip(images, -1.0, 1.0)


def _shift_matrices(batch, size, max_shift, seed):
    # (batch, size, size) one-hot matrices M with M[i, j] = 1 where j = i - shift:
    # M @ x moves rows by `shift` and fills with zeros, differentiably (no gather).
    shifts = keras.random.randint((batch, 1, 1), -max_shift, max_shift + 1, seed=seed)
    rows = ops.reshape(ops.arange(size), (1, size, 1))
    columns = ops.reshape(ops.arange(size), (1, 1, size))
    return ops.cast(ops.equal(rows - columns, shifts), "float32")


def translation(images, seed, strength=1.0):
    """Shifts each image by up to 1/8 of its size (times ``strength``), zero-filled."""
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    shift_y = int(height * 0.125 * strength + 0.5)
    shift_x = int(width * 0.125 * strength + 0.5)
    if shift_y == 0 and shift_x == 0:
        return images
    rows = _shift_matrices(batch, height, shift_y, seed)
    columns = _shift_matrices(batch, width, shift_x, seed)
    dtype = images.dtype
    moved = ops.einsum("bij,bjwc->biwc", rows, ops.cast(images, "float32"))
    moved = ops.einsum("bkw,biwc->bikc", columns, moved)
    return ops.cast(moved, dtype)


def cutout(images, seed, strength=1.0):
    """Zeroes a random square of half the image size (times ``strength``) in each image."""
    height, width = images.shape[1], images.shape[2]
    half_y, half_x = height * 0.25 * strength, width * 0.25 * strength
    if half_y <= 0 and half_x <= 0:
        return images
    centre_y = _per_sample(images, seed, 0.0, float(height))
    centre_x = _per_sample(images, seed, 0.0, float(width))
    y = ops.reshape(ops.arange(height, dtype="float32") + 0.5, (1, height, 1, 1))
    x = ops.reshape(ops.arange(width, dtype="float32") + 0.5, (1, 1, width, 1))
    inside = ops.logical_and(ops.abs(y - centre_y) < half_y, ops.abs(x - centre_x) < half_x)
    return images * ops.cast(ops.logical_not(inside), images.dtype)


AUGMENTATIONS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy) -> tuple[str, ...]:
    """``"translation,cutout"`` (or a list of names, or None) → a tuple of known names.

    The order is DiffAugment's (color, translation, cutout), whatever the order given.
    """
    if not policy:
        return ()
    names = [n.strip() for n in policy.split(",")] if isinstance(policy, str) else list(policy)
    for name in names:
        if name not in AUGMENTATIONS:
            raise ValueError(
                f"kgan: unknown augmentation {name!r}; expected a comma-separated list of "
                f"{', '.join(AUGMENTATIONS)}.{checks.did_you_mean(name, AUGMENTATIONS, n=1)}"
            )
    return tuple(name for name in AUGMENTATIONS if name in names)


def check_image_shape(policy, image_shape):
    """Raises ValueError unless a model with ``policy`` makes images (height, width, channels)."""
    if policy and len(image_shape) != 3:
        raise ValueError(
            f"kgan: augment needs images of shape (height, width, channels); this model's "
            f"samples have shape {tuple(image_shape)}."
        )


def apply(images, policy, seed, strength=1.0):
    """Applies the augmentations named in ``policy`` (from ``parse_policy``) in turn."""
    for name in policy:
        images = AUGMENTATIONS[name](images, seed, strength)
    return images
