"""The vanilla GAN of Goodfellow et al. 2014, with MLP networks."""

import math

import keras
from keras import layers

from kgan import checks
from kgan.models import networks
from kgan.models.gan import GAN
from kgan.models.registry import register_architecture


def generator_body(latents, image_shape, hidden_units):
    """Latents → Dense + LeakyReLU(0.2) per hidden size → image in [-1, 1] (tanh)."""
    x = latents
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, name=f"hidden{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh", name="to_image")(x)
    return layers.Reshape(tuple(image_shape))(x)


def discriminator_body(images, hidden_units):
    """Image → flat → Dense + LeakyReLU(0.2) per hidden size, mirrored."""
    x = layers.Flatten()(images)
    for i, units in enumerate(reversed(hidden_units)):
        x = layers.Dense(units, name=f"hidden{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
    return x


def build_generator(latent_dim, image_shape, hidden_units=(128, 256)):
    return networks.generator_from(
        latent_dim, lambda latents: generator_body(latents, image_shape, hidden_units)
    )


def build_discriminator(image_shape, hidden_units=(128, 256)):
    return networks.discriminator_from(
        image_shape, lambda images: discriminator_body(images, hidden_units)
    )


@register_architecture("vanilla-gan")
@keras.saving.register_keras_serializable(package="kgan")
class VanillaGAN(GAN):
    """MLP GAN: latent → 128 → 256 → image (tanh); image → 256 → 128 → 1.

    Args:
        image_shape: shape of one sample; any shape works, e.g. (28, 28, 1)
            for images or (2,) for points in the plane.
        latent_dim: size of the latent vector.
        hidden_units: generator hidden sizes; the discriminator mirrors them.
        **kwargs: ``kgan.GAN``'s: ``generator``/``discriminator`` (networks to use
            instead of building them), ``d_steps`` and the training recipe (``loss``,
            ``penalties``, ``ema``, ...).

    Example:

    >>> import kgan
    >>> model = kgan.VanillaGAN(image_shape=(28, 28, 1))
    >>> model.sample(3, seed=1).shape
    (3, 28, 28, 1)
    """

    def __init__(
        self,
        *,
        image_shape=(28, 28, 1),
        latent_dim=64,
        hidden_units=(128, 256),
        **kwargs,
    ):
        network_args = {
            "image_shape": checks.bounded_image_shape(image_shape),
            "hidden_units": tuple(
                checks.bounded_int("hidden_units", u, 1, checks.MAX_SIZES["hidden_units"])
                for u in hidden_units
            ),
        }
        # generator, discriminator, d_steps and the recipe are GAN's.
        super().__init__(latent_dim=latent_dim, network_args=network_args, **kwargs)

    def build_generator(self, latent_dim, image_shape, hidden_units):
        return build_generator(latent_dim, image_shape, hidden_units)

    def build_discriminator(self, image_shape, hidden_units):
        return build_discriminator(image_shape, hidden_units)
