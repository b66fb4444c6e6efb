"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) as pure functions.

A GAN with ``augment="translation,cutout"`` passes real and generated images
through the same random transformations before every discriminator call, in
both the discriminator's and the generator's loss. The transformations are
differentiable, so the generator learns through them, and the discriminator
cannot memorise a small training set. Random numbers come from the seed
generator passed in (the model's), so runs are reproducible and resume exactly.

Images are (batch, height, width, channels) in [-1, 1]; every augmentation
returns that shape and range, and is the identity at ``strength=0``.

Adaptive discriminator augmentation (ADA, Karras et al. 2020) runs the same
pipeline with each augmentation applied to each image with probability p
(``apply(..., probability=p)``); ``AdaptiveProbability`` holds p and moves it
by ADA's overfitting heuristic. ADA's cheap geometric ops are here too: random
x-flips (``flip``) and quarter turns (``rotate90``, square images), beside
DiffAugment's integer ``translation``.

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


def flip(images, seed, strength=1.0):
    """Mirrors each image left to right with probability ½ (ADA's xflip); for data whose
    mirror image is still of the data, such as faces (not digits)."""
    mirrored = _per_sample(images, seed) < 0.5 * min(strength, 1.0)
    return ops.where(mirrored, ops.flip(images, axis=2), images)


def rotate90(images, seed, strength=1.0):
    """Turns each (square) image by 0, 90, 180 or 270 degrees, each as likely (ADA's rotate90)."""
    if strength <= 0:
        return images
    turns = ops.floor(_per_sample(images, seed, 0.0, 4.0))
    turned = images
    result = images
    for quarter in (1.0, 2.0, 3.0):
        turned = ops.flip(ops.transpose(turned, (0, 2, 1, 3)), axis=1)  # 90° anticlockwise
        result = ops.where(ops.equal(turns, quarter), turned, result)
    return result


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


# In pipeline order: ADA's geometric ops first, then DiffAugment's order.
AUGMENTATIONS = {
    "flip": flip,
    "rotate90": rotate90,
    "color": color,
    "translation": translation,
    "cutout": cutout,
}


def parse_policy(policy) -> tuple[str, ...]:
    """``"translation,cutout"`` (or a list of names, or None) → a tuple of known names.

    The order is ``AUGMENTATIONS``'s (flip, rotate90, color, translation, cutout: ADA's
    geometric ops, then DiffAugment's), whatever the order given.
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
    if "rotate90" in policy and image_shape[0] != image_shape[1]:
        raise ValueError(
            f"kgan: augment rotate90 needs square images; this model's samples are "
            f"{image_shape[0]}x{image_shape[1]}."
        )


def apply(images, policy, seed, strength=1.0, probability=None):
    """Applies the augmentations named in ``policy`` (from ``parse_policy``) in turn.

    With ``probability`` p (a scalar in [0, 1], ADA's), each image takes each
    augmentation with probability p and is left as it is otherwise.
    """
    for name in policy:
        augmented = AUGMENTATIONS[name](images, seed, strength)
        if probability is not None:
            chosen = _per_sample(images, seed) < probability
            augmented = ops.where(chosen, augmented, images)
        images = augmented
    return images


class AdaptiveProbability(keras.layers.Layer):
    """ADA's augmentation probability p and the heuristic that moves it (Karras et al. 2020).

    Every discriminator update reports the signs of its outputs on the
    (augmented) real images; every ``interval`` updates, rₜ = E[sign(D(x))]
    over them moves p by sign(rₜ - ``target``) · (images seen) / (``kimg`` ·
    1000), clipped to [0, 1]: p rises while the discriminator is sure of the
    reals (it overfits) and falls otherwise, and can go from 0 to 1 in
    ``kimg`` thousand images. Its state is model variables, so it is saved,
    checkpointed and resumed with the model (the official code's p starts
    again from 0 on a resume).

    Example:

    >>> import numpy as np
    >>> ada = AdaptiveProbability(target=0.6, interval=1, kimg=0.1)
    >>> ada.observe(np.float32(64.0), np.float32(64.0))  # every real judged real
    >>> round(float(ada.p.value), 2)
    0.64
    """

    def __init__(self, target=0.6, interval=4, kimg=500.0, **kwargs):
        super().__init__(**kwargs)
        self.target, self.interval, self.kimg = float(target), int(interval), float(kimg)
        # float32 counts: exact to 2**24, far beyond ``interval`` updates' images.
        self.p = self.add_weight(shape=(), initializer="zeros", trainable=False, name="p")
        self.signs = self.add_weight(shape=(), initializer="zeros", trainable=False, name="signs")
        self.seen = self.add_weight(shape=(), initializer="zeros", trainable=False, name="seen")
        self.updates = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="updates"
        )
        self.built = True  # its state is all it has: Keras must not trace a call to build it

    def observe(self, sign_sum, count):
        """Counts one discriminator update: the sum of sign(D(x)) over its ``count`` reals."""
        signs = self.signs.value + ops.cast(sign_sum, "float32")
        seen = self.seen.value + ops.cast(count, "float32")
        updates = self.updates.value + 1.0
        due = ops.greater_equal(updates, float(self.interval))
        heuristic = signs / ops.maximum(seen, 1.0)
        moved = self.p.value + ops.sign(heuristic - self.target) * seen / (self.kimg * 1000.0)
        self.p.assign(ops.where(due, ops.clip(moved, 0.0, 1.0), self.p.value))
        self.signs.assign(ops.where(due, 0.0, signs))
        self.seen.assign(ops.where(due, 0.0, seen))
        self.updates.assign(ops.where(due, 0.0, updates))

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target,
            "interval": self.interval,
            "kimg": self.kimg,
        }
