"""The vanilla GAN of Goodfellow et al. 2014, with MLP networks."""

import math

import keras
from keras import layers

from kgan.models.gan import GAN, MAX_SIZES, bounded_image_shape, bounded_int
from kgan.models.registry import register_architecture


def build_generator(latent_dim, image_shape, hidden_units=(128, 256)):
    latents = keras.Input((latent_dim,), name="latents")
    x = latents
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, name=f"hidden{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh", name="to_image")(x)
    images = layers.Reshape(tuple(image_shape))(x)
    return keras.Model(latents, images, name="generator")


def build_discriminator(image_shape, hidden_units=(128, 256)):
    images = keras.Input(tuple(image_shape), name="images")
    x = layers.Flatten()(images)
    for i, units in enumerate(reversed(hidden_units)):
        x = layers.Dense(units, name=f"hidden{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Dense(1, name="logit")(x)
    return keras.Model(images, logits, name="discriminator")


@register_architecture("vanilla-gan")
@keras.saving.register_keras_serializable(package="kgan")
class VanillaGAN(GAN):
    """MLP GAN: latent → 128 → 256 → image (tanh); image → 256 → 128 → 1.

    Args:
        image_shape: shape of one sample; any shape works, e.g. (28, 28, 1)
            for images or (2,) for points in the plane.
        latent_dim: size of the latent vector.
        hidden_units: generator hidden sizes; the discriminator mirrors them.
        generator, discriminator: networks to use instead of building them.
        **recipe: the training recipe (``loss``, ``penalties``, ``ema``, ...), as for ``kgan.GAN``.

    Example:

    >>> import kgan
    >>> model = kgan.VanillaGAN(image_shape=(28, 28, 1))
    >>> model.sample(3, seed=1).shape
    (3, 28, 28, 1)
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=64,
        hidden_units=(128, 256),
        d_steps=1,
        generator=None,
        discriminator=None,
        **recipe,
    ):
        architecture = {
            "image_shape": bounded_image_shape(image_shape),
            "hidden_units": tuple(
                bounded_int("hidden_units", u, 1, MAX_SIZES["hidden_units"]) for u in hidden_units
            ),
        }
        super().__init__(
            generator, discriminator, latent_dim, d_steps, architecture=architecture, **recipe
        )

    def build_generator(self, latent_dim, image_shape, hidden_units):
        return build_generator(latent_dim, image_shape, hidden_units)

    def build_discriminator(self, image_shape, hidden_units):
        return build_discriminator(image_shape, hidden_units)
