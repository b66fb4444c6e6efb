"""Latent (and class) interpolation grids: the morphing ``kgan sample --interpolate`` draws."""

import numpy as np

from kgan.models.latent_space import truncate


def slerp(a, b, steps):
    """Spherical interpolation from each row of ``a`` to the same row of ``b``.

    Returns (rows * steps, dim) latents, row by row; the first and last of
    each row are ``a[i]`` and ``b[i]``.
    """
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    a_unit = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b_unit = b / np.linalg.norm(b, axis=-1, keepdims=True)
    omega = np.arccos(np.clip(np.sum(a_unit * b_unit, -1, keepdims=True), -1.0, 1.0))[:, None]
    t = np.linspace(0.0, 1.0, steps)[None, :, None]
    sin_omega = np.maximum(np.sin(omega), 1e-7)  # a and b parallel: fall back towards lerp
    mixed = (np.sin((1 - t) * omega) * a[:, None] + np.sin(t * omega) * b[:, None]) / sin_omega
    return mixed.reshape(-1, a.shape[-1]).astype("float32")


def interpolation_grid(model, rows, steps, seed=0, labels=None, truncation=1.0):
    """(rows * steps) images; each row morphs between two random latents.

    For a conditional model without ``labels``, row r also morphs from class
    r to class r + 1 (mixing the generator's label vectors); with ``labels``
    (one, or one per row) each row keeps its class. ``truncation`` scales the
    morph's latents as ``sample(truncation=)`` does.

    Example:

    >>> import kgan
    >>> from kgan.interpolation import interpolation_grid
    >>> images = interpolation_grid(kgan.DCGAN(), rows=2, steps=8)
    >>> images.shape
    (16, 28, 28, 1)
    """
    rng = np.random.default_rng(seed)
    ends = rng.standard_normal((2, rows, model.latent_dim)).astype("float32")
    latents = truncate(slerp(ends[0], ends[1], steps), truncation)
    if model.num_classes is None:
        return model.sample(len(latents), latents=latents)
    if labels is not None:
        per_row = np.resize(np.asarray(labels).reshape(-1), rows)
        return model.sample(len(latents), latents=latents, labels=np.repeat(per_row, steps))
    first = np.arange(rows) % model.num_classes
    start = model.label_embeddings(first)
    end = model.label_embeddings((first + 1) % model.num_classes)
    t = np.linspace(0.0, 1.0, steps, dtype="float32")[None, :, None]
    vectors = ((1 - t) * start[:, None] + t * end[:, None]).reshape(rows * steps, -1)
    return model.sample_from_embeddings(latents, vectors)
