"""What a trained generator's latent space is used for: truncation and projection.

``truncate`` is the truncation trick ``GAN.sample(truncation=)`` applies;
``project`` is GAN inversion, ``GAN.project``: latents (and, for conditional
models, labels) whose images reconstruct given ones.
"""

import dataclasses

import keras
import numpy as np
from keras import layers, ops

from kgan import backend, checks
from kgan.data import rules


def check_has_latents(model, name: str = "the model"):
    """Raises ValueError (one line) unless ``model`` makes images from latents (a ``GAN``):
    sampling, projection and synthetic data need them; a translator maps images instead."""
    if getattr(model, "task", "synthesis") != "synthesis":
        raise ValueError(
            f"kgan: {name} is an image-to-image model ({getattr(model, 'architecture', '?')}): "
            "it has no latents to sample or project; apply it with translate (kgan translate)."
        )


def truncate(latents: np.ndarray, truncation: float) -> np.ndarray:
    """The truncation trick: latents scaled toward their mean (zero) by ψ = ``truncation``.

    StyleGAN's ``w̄ + ψ (w − w̄)``, applied to the latent z itself: kgan's
    generators have no mapping network, and z's mean is 0, so it is ``ψ z``.
    ψ = 1 returns the latents unchanged; smaller ψ trades variety (recall) for
    typical images (precision); ψ = 0 gives every image the mean latent. The
    same latents and ψ give the same result on every backend (it is numpy).

    Example:

    >>> import numpy as np
    >>> from kgan.models.latent_space import truncate
    >>> truncate(np.array([[2.0, -1.0]], "float32"), 0.5)
    array([[ 1. , -0.5]], dtype=float32)
    """
    psi = check_truncation(truncation)
    if psi == 1.0:
        return latents
    return np.asarray(latents, "float32") * np.float32(psi)  # float32 × float32 stays float32


def check_truncation(truncation) -> float:
    """``truncation`` as a float in [0, 1]; a one-line ValueError otherwise."""
    if not checks.is_number(truncation) or not 0.0 <= float(truncation) <= 1.0:
        raise ValueError(f"kgan: expected truncation as a number in [0, 1]; got {truncation!r}.")
    return float(truncation)


@dataclasses.dataclass(frozen=True)
class Projection:
    """What ``GAN.project`` found for n images.

    Attributes:
        latents: float32 (n, latent_dim), the latents found.
        labels: int32 (n,) for conditional models (given, or inferred as the
            class whose projection reconstructs best); None otherwise.
        images: float32 (n, H, W, C) in [-1, 1], the reconstructions
            (``model.sample(n, latents=latents, labels=labels)``).
        errors: float32 (n,), each reconstruction's mean squared pixel error
            (on [-1, 1] images).
    """

    latents: np.ndarray
    labels: np.ndarray | None
    images: np.ndarray
    errors: np.ndarray

    @property
    def psnr(self) -> np.ndarray:
        """Each reconstruction's peak signal-to-noise ratio in dB (peak-to-peak 2 on [-1, 1])."""
        return (10.0 * np.log10(4.0 / np.maximum(self.errors, 1e-10))).astype("float32")


# Adam on z: the latents of one image get gradients from that image alone, so a batch is n
# separate problems solved at once.
PROJECTION_DEFAULTS = {
    "steps": 300,
    "learning_rate": 0.05,
    "feature_weight": 1.0,
    "prior_weight": 1e-3,
}


def project(
    model,
    images,
    labels=None,
    steps: int = PROJECTION_DEFAULTS["steps"],
    *,
    learning_rate: float = PROJECTION_DEFAULTS["learning_rate"],
    feature_weight: float = PROJECTION_DEFAULTS["feature_weight"],
    prior_weight: float = PROJECTION_DEFAULTS["prior_weight"],
    seed: int = 0,
    batch_size: int = 256,
    ema: bool | None = None,
) -> Projection:
    """GAN inversion (``GAN.project``): latents whose images reconstruct ``images``.

    ``images`` are floats in [-1, 1] or uint8 pixels. From seeded
    standard-normal latents, Adam (``learning_rate``) takes ``steps`` steps
    on each image's loss: the mean squared pixel error, plus
    ``feature_weight`` times the squared error of the discriminator's
    features (the input of its last Dense layer, relative to the targets'
    mean square), plus ``prior_weight`` times the latents' mean square (a
    Gaussian prior, so the latents stay where the generator was trained).
    A conditional model uses ``labels`` (one, or one per image) or, without
    them, projects each image with every class and keeps the class that
    reconstructs best. Returns a ``Projection`` (latents, labels,
    reconstructions and their errors); the generator is the EMA one where
    the model keeps it, unless ``ema=False``.

    Example:

    >>> import kgan
    >>> model = kgan.DCGAN(width=8, latent_dim=16)
    >>> target = model.sample(2, seed=1)
    >>> found = model.project(target, steps=20)
    >>> found.latents.shape, found.images.shape
    ((2, 16), (2, 28, 28, 1))
    """
    images = _checked_images(model, images)
    steps = checks.bounded_int("steps", steps, 1, checks.MAX_SIZES["projection_steps"])
    batch_size = checks.bounded_int("batch_size", batch_size, 1, checks.MAX_SIZES["batch_size"])
    for name, value in (
        ("learning_rate", learning_rate),
        ("feature_weight", feature_weight),
        ("prior_weight", prior_weight),
    ):
        if not checks.is_number(value) or float(value) < 0 or not np.isfinite(value):
            raise ValueError(f"kgan: expected {name} as a finite number >= 0; got {value!r}.")
    features = discriminator_features(model) if feature_weight else None
    n = len(images)
    if model.num_classes is None:
        if labels is not None:
            raise ValueError("kgan: labels are for conditional models; this model takes none.")
        candidates = None
    elif labels is not None:
        candidates = model._sample_labels(n, labels)[None]  # (1, n): the given classes
    else:  # every class for every image; the best reconstruction names the label
        candidates = np.repeat(np.arange(model.num_classes, dtype="int32")[:, None], n, 1)
    start = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype("float32")
    settings = (steps, float(learning_rate), float(feature_weight), float(prior_weight), ema)
    rounds = 1 if candidates is None else len(candidates)
    found_latents, found_labels = [], []
    for chunk in range(0, n, batch_size):
        rows = slice(chunk, chunk + batch_size)
        size = len(images[rows])
        # Every candidate class in one batch: (rounds * size) rows, round-major.
        tiled = np.concatenate([images[rows]] * rounds)
        tiled_labels = None if candidates is None else candidates[:, rows].reshape(-1)
        starts = np.concatenate([start[rows]] * rounds)
        latents, errors = _fit_latents(model, features, tiled, tiled_labels, starts, *settings)
        pick = np.argmin(errors.reshape(rounds, size), axis=0) * size + np.arange(size)
        found_latents.append(latents[pick])
        if candidates is not None:
            found_labels.append(tiled_labels[pick])
    latents = np.concatenate(found_latents) if found_latents else start
    chosen = None if candidates is None else np.concatenate(found_labels).astype("int32")
    reconstructions = model.sample(n, latents=latents, labels=chosen, ema=ema)
    errors = np.mean((reconstructions - images) ** 2, axis=(1, 2, 3)).astype("float32")
    return Projection(latents, chosen, reconstructions, errors)


def _checked_images(model, images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(model.image_shape):
        raise ValueError(
            f"kgan: expected images shaped (n, {', '.join(map(str, model.image_shape))}) for this "
            f"model; got {images.shape}."
        )
    rules.check_images(images, "images")
    return rules.to_unit_range(images)


def _fit_latents(
    model, features, targets, labels, start, steps, learning_rate, feature_weight, prior_weight, ema
):
    """Adam on the latents of one batch; returns (latents, per-image loss) at the end."""
    latents = keras.Variable(start, name="projected_latents")
    optimizer = keras.optimizers.Adam(learning_rate)
    targets = ops.convert_to_tensor(targets)
    label_tensor = None if labels is None else ops.convert_to_tensor(labels.astype("int32"))
    target_features = None
    if features is not None:
        with backend.no_gradient():
            target_features = ops.stop_gradient(features(targets))
        # Relative: features of any scale weigh as much as the pixels do.
        feature_scale = ops.mean(ops.square(target_features)) + 1e-8

    def per_image_loss():
        generated = model.generate(latents.value, label_tensor, training=False, ema=ema)
        loss = ops.mean(ops.square(generated - targets), axis=(1, 2, 3))
        if target_features is not None:
            difference = ops.square(features(generated) - target_features) / feature_scale
            loss = loss + feature_weight * ops.mean(difference, axis=-1)
        return loss + prior_weight * ops.mean(ops.square(latents.value), axis=-1)

    def total_loss():
        # A sum, not a mean: each image's latents see the gradient of their own loss.
        return ops.sum(per_image_loss()), {}

    backend.descend(model, total_loss, [latents], optimizer, steps)
    with backend.no_gradient():
        final = ops.convert_to_numpy(per_image_loss())
    return ops.convert_to_numpy(latents.value).astype("float32"), final


def discriminator_features(model):
    """A function images → the discriminator's features (the input of its last Dense layer).

    Works for any Functional or Sequential discriminator (spectral-normalized or
    not); a discriminator built otherwise hides its features: project with
    ``feature_weight=0`` then.
    """
    discriminator = model.discriminator
    dense = [
        layer
        for layer in getattr(discriminator, "layers", [])
        if isinstance(getattr(layer, "layer", layer), layers.Dense)
    ]
    try:
        inputs = discriminator.inputs
        network = keras.Model(inputs[0] if len(inputs) > 1 else inputs, dense[-1].input)
    except (AttributeError, IndexError, ValueError, TypeError):
        raise ValueError(
            "kgan: the feature loss reads the input of the discriminator's last Dense layer, "
            "which this discriminator does not expose (it is not a Functional or Sequential "
            "model of images alone); project with feature_weight=0."
        ) from None
    return lambda images: backend.call_network(network, images, False)


def class_directions(latents, labels, num_classes: int) -> np.ndarray:
    """One unit latent direction per class, (num_classes, latent_dim): InterFaceGAN's idea,
    a linear classifier's normal in latent space, with linear discriminant analysis.

    For class c the direction is Σ⁻¹(μ_c − μ_rest), Σ the pooled within-class
    covariance of ``latents`` (n, latent_dim) labelled ``labels`` (for example,
    by an evaluator); moving along it makes class c more likely. A class
    without members, or with every latent, gets a zero direction.

    Example:

    >>> import numpy as np
    >>> from kgan.models.latent_space import class_directions
    >>> z = np.array([[1.0, 0.1], [1.2, -0.1], [-1.0, 0.0], [-0.8, 0.2]])
    >>> class_directions(z, [0, 0, 1, 1], 2).round(2)
    array([[ 0.93, -0.37],
           [-0.93,  0.37]])
    """
    latents = np.asarray(latents, "float64")
    labels = np.asarray(labels).reshape(-1)
    centred = latents.copy()
    for c in np.unique(labels):
        centred[labels == c] -= latents[labels == c].mean(0)
    # Ridge: a few latents per dimension would leave the covariance singular.
    covariance = centred.T @ centred / max(1, len(latents) - 1) + 1e-3 * np.eye(latents.shape[1])
    directions = np.zeros((num_classes, latents.shape[1]))
    for c in range(num_classes):
        inside = labels == c
        if inside.any() and not inside.all():
            difference = latents[inside].mean(0) - latents[~inside].mean(0)
            direction = np.linalg.solve(covariance, difference)
            directions[c] = direction / np.linalg.norm(direction)
    return directions.astype("float32")


def edited_latents(latents, direction, strength) -> np.ndarray:
    """``latents + strength · direction / ‖direction‖``: ``GAN.edit``'s move, in numpy."""
    latents = np.asarray(latents, "float32")
    direction = np.asarray(direction, "float32")
    if direction.shape[-1:] != latents.shape[-1:]:
        raise ValueError(
            f"kgan: expected a direction of {latents.shape[-1]} numbers (the latent size); "
            f"got shape {direction.shape}."
        )
    norm = np.linalg.norm(direction, axis=-1, keepdims=True)
    unit = np.divide(direction, norm, out=np.zeros_like(direction), where=norm > 0)
    strength = np.asarray(strength, "float32").reshape(-1, 1)
    return (latents + strength * unit).astype("float32")
