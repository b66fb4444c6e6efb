"""SRGAN (Ledig et al. 2017): a residual generator with sub-pixel upsampling."""

import math

import keras
from keras import layers

from kgan import checks
from kgan.models import dcgan, networks
from kgan.models.registry import register_architecture
from kgan.models.translator import Translator


def _prelu(name):
    # One slope per channel, shared over the image (the paper's PReLU).
    return layers.PReLU(shared_axes=[1, 2], name=name)


def build_sr_generator(source_shape, factor, width=64, blocks=8):
    """SRResNet: a 9x9 conv, residual ``blocks``, a long skip, log2(factor) sub-pixel 2x steps."""
    inputs = keras.Input(tuple(source_shape), name="images")
    x = _prelu("head_prelu")(layers.Conv2D(width, 9, padding="same", name="head")(inputs))
    trunk = x
    for block in range(blocks):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"res{block}_a")(x)
        y = _prelu(f"res{block}_prelu")(layers.BatchNormalization(name=f"res{block}_a_bn")(y))
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"res{block}_b")(y)
        y = layers.BatchNormalization(name=f"res{block}_b_bn")(y)
        x = layers.Add(name=f"res{block}")([x, y])
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="trunk_end")(x)
    x = layers.Add(name="long_skip")([layers.BatchNormalization(name="trunk_end_bn")(x), trunk])
    for step in range(int(math.log2(factor))):
        x = layers.Conv2D(width * 4, 3, padding="same", name=f"up{step}")(x)
        x = _prelu(f"up{step}_prelu")(networks.DepthToSpace(2, name=f"up{step}_shuffle")(x))
    # float32 under mixed precision (PyTorch's CPU half conv2d cannot take this layer's
    # weight gradient); the tanh after it follows the policy.
    x = layers.Conv2D(source_shape[-1], 9, padding="same", dtype="float32", name="to_image")(x)
    return keras.Model(inputs, layers.Activation("tanh", name="tanh")(x), name="generator")


@register_architecture("srgan")
@keras.saving.register_keras_serializable(package="kgan")
class SRGAN(Translator):
    """SRGAN of Ledig et al. 2017: super-resolution by ``factor`` (2, 4 or 8).

    The generator (SRResNet) upsamples a low-resolution image; the
    discriminator (DCGAN's strided convs) judges high-resolution ones alone.
    The generator loss is the pixel MSE plus 10⁻³ times the adversarial loss,
    as in the paper; ``content_loss="features"`` swaps the pixels for the
    discriminator's features, or for a ``feature_network`` of your own (the
    paper's VGG features need ImageNet weights). ``adversarial_weight=0``
    trains SRResNet, the non-adversarial baseline.

    Args:
        image_shape: the high-resolution (height, width, channels), divisible by
            ``factor`` and by 4 (≥ 16), e.g. (28, 28, 1).
        factor: the upsampling factor: the inputs are ``image_shape / factor``.
        width: channels of the generator's trunk and of the discriminator's first layer.
        blocks: residual blocks in the generator (16 in the paper).
        **kwargs: ``kgan.Translator``'s and the training recipe.

    Example:

    >>> import numpy as np, kgan
    >>> model = kgan.SRGAN(width=8, blocks=1)
    >>> low = kgan.data.downscale(-np.ones((2, 28, 28, 1), "float32"), 4)
    >>> model.translate(low).shape
    (2, 28, 28, 1)
    """

    conditional_discriminator = False

    def __init__(
        self,
        *,
        image_shape: tuple = (28, 28, 1),
        factor: int = 4,
        width: int = 64,
        blocks: int = 8,
        content_loss: str = "mse",
        content_weight: float = 1.0,
        adversarial_weight: float = 1e-3,
        network_args: dict | None = None,
        **kwargs: object,
    ):
        image_shape = checks.bounded_image_shape(image_shape)
        if checks.bounded_int("factor", factor, 2, 8) not in (2, 4, 8):
            raise ValueError(
                f"kgan: expected factor 2, 4 or 8 (sub-pixel 2x steps); got {factor!r}."
            )
        factor = int(factor)
        dcgan.resolution_plan(image_shape, "SRGAN")  # the discriminator halves twice or more
        if len(image_shape) != 3 or image_shape[0] % factor or image_shape[1] % factor:
            raise ValueError(
                f"kgan: SRGAN expects image_shape (height, width, channels) with height and "
                f"width divisible by factor {factor}; got {image_shape}."
            )
        network_args = {
            **(network_args or {}),
            "image_shape": image_shape,
            "factor": factor,
            "width": checks.bounded_int("width", width, 1, checks.MAX_SIZES["width"]),
            "blocks": checks.bounded_int("blocks", blocks, 0, 64),
        }
        super().__init__(
            content_loss=content_loss,
            content_weight=content_weight,
            adversarial_weight=adversarial_weight,
            network_args=network_args,
            **kwargs,
        )

    def build_generator(self, image_shape, factor, width, blocks, **_):
        source = (image_shape[0] // factor, image_shape[1] // factor, image_shape[2])
        return build_sr_generator(source, factor, width, blocks)

    def build_discriminator(self, image_shape, width, **_):
        return dcgan.build_discriminator(image_shape, width, batch_norm=True)
