"""DCGAN (Radford et al. 2015): transposed-conv generator, strided-conv discriminator."""

import keras
from keras import layers

from kgan import checks
from kgan.models import networks
from kgan.models.gan import GAN
from kgan.models.registry import register_architecture

UPSAMPLING_MODES = ("transpose", "resize")


def resolution_plan(image_shape, model: str = "DCGAN"):
    """(number of 2x resamplings, base height, base width) for an image shape.

    ``model`` names the architecture in the error for a shape it cannot halve.

    The generator starts at the smallest size reachable by halving while it
    stays at least 4: 28 → 7 (two steps), 32 → 4 (three), 64 → 4 (four).
    """
    if len(image_shape) != 3:
        raise ValueError(
            f"kgan: {model} expects image_shape (height, width, channels); got {image_shape}."
        )
    height, width = int(image_shape[0]), int(image_shape[1])
    steps = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= 4:
        height, width, steps = height // 2, width // 2, steps + 1
    if steps < 2:
        raise ValueError(
            f"kgan: {model} expects height and width divisible by 4 and at least 16 "
            f"(such as 28x28 or 32x32); got {image_shape[0]}x{image_shape[1]}."
        )
    return steps, height, width


def _upsample(x, filters, mode, use_bias, name):
    if mode == "transpose":
        return layers.Conv2DTranspose(
            filters, 4, strides=2, padding="same", use_bias=use_bias, name=name
        )(x)
    # Upsample-then-convolve, as the widely copied PyTorch-GAN DCGAN does.
    x = layers.UpSampling2D(2, name=f"{name}_upsample")(x)
    return layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, name=name)(x)


def generator_body(x, image_shape, width, upsampling):
    """Latent features → image in [-1, 1]: dense, then 2x upsamplings with BN + ReLU."""
    if upsampling not in UPSAMPLING_MODES:
        raise ValueError(f"kgan: upsampling must be one of {UPSAMPLING_MODES}; got {upsampling!r}.")
    steps, height, base_width = resolution_plan(image_shape)
    channels = width * 2 ** (steps - 1)
    x = layers.Dense(height * base_width * channels, use_bias=False, name="project")(x)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((height, base_width, channels))(x)
    for step in range(steps - 1):
        channels //= 2
        x = _upsample(x, channels, upsampling, use_bias=False, name=f"up{step}")
        x = layers.BatchNormalization(name=f"up{step}_bn")(x)
        x = layers.ReLU()(x)
    x = _upsample(x, image_shape[-1], upsampling, use_bias=True, name="to_image")
    return layers.Activation("tanh", name="tanh")(x)


def discriminator_body(x, image_shape, width, batch_norm=True):
    """Image → flat features: strided convs with LeakyReLU(0.2), BN after the first."""
    steps, _, _ = resolution_plan(image_shape)
    for step in range(steps):
        x = layers.Conv2D(width * 2**step, 4, strides=2, padding="same", name=f"down{step}")(x)
        if batch_norm and step > 0:
            x = layers.BatchNormalization(name=f"down{step}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Flatten()(x)


def conv_network_args(image_shape, width, upsampling, d_batch_norm) -> dict:
    """The checked arguments of the DCGAN networks (DCGAN, WGAN-GP and CGAN share them)."""
    return {
        "image_shape": checks.bounded_image_shape(image_shape),
        "width": checks.bounded_int("width", width, 1, checks.MAX_SIZES["width"]),
        "upsampling": upsampling,
        "d_batch_norm": bool(d_batch_norm),
    }


def build_generator(latent_dim, image_shape, width=64, upsampling="transpose"):
    return networks.generator_from(
        latent_dim, lambda latents: generator_body(latents, image_shape, width, upsampling)
    )


def build_discriminator(image_shape, width=64, batch_norm=True):
    return networks.discriminator_from(
        image_shape, lambda images: discriminator_body(images, image_shape, width, batch_norm)
    )


@register_architecture("dcgan")
@keras.saving.register_keras_serializable(package="kgan")
class DCGAN(GAN):
    """DCGAN of Radford et al. 2015, for any image size divisible by 4 (≥ 16).

    Args:
        image_shape: (height, width, channels), e.g. (28, 28, 1) or (32, 32, 3).
        latent_dim: size of the latent vector.
        width: channels of the discriminator's first layer (and of the
            generator's last hidden layer); the others double per scale.
        upsampling: "transpose" (transposed convolutions, as in the paper) or
            "resize" (2x upsampling then a 3x3 convolution).
        d_batch_norm: BatchNorm in the discriminator (after every strided
            convolution but the first); R1 and spectral-norm recipes often drop it.
        network_args: more arguments for the networks (subclasses such as CGAN add theirs).
        **kwargs: ``kgan.GAN``'s: ``generator``/``discriminator`` (networks to use
            instead of building them), ``d_steps`` and the training recipe (``loss``,
            ``penalties``, ``ema``, ``augment``, ``spectral_norm``, ...).

    Example:

    >>> import kgan
    >>> model = kgan.DCGAN(image_shape=(32, 32, 3), width=32)
    >>> model.compile()
    >>> model.sample(2, seed=0).shape
    (2, 32, 32, 3)
    """

    def __init__(
        self,
        *,
        image_shape=(28, 28, 1),
        latent_dim=100,
        width=64,
        upsampling="transpose",
        d_batch_norm=True,
        network_args=None,
        **kwargs,
    ):
        network_args = {
            **(network_args or {}),
            **conv_network_args(image_shape, width, upsampling, d_batch_norm),
        }
        # generator, discriminator, d_steps and the recipe are GAN's.
        super().__init__(latent_dim=latent_dim, network_args=network_args, **kwargs)

    def build_generator(self, latent_dim, image_shape, width, upsampling, **_):
        return build_generator(latent_dim, image_shape, width, upsampling)

    def build_discriminator(self, image_shape, width, d_batch_norm, **_):
        return build_discriminator(image_shape, width, d_batch_norm)
