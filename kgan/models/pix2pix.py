"""pix2pix (Isola et al. 2017): a U-Net generator, a PatchGAN discriminator of (output, input)."""

import keras
from keras import layers

from kgan import checks
from kgan.models.dcgan import resolution_plan
from kgan.models.registry import register_architecture
from kgan.models.translator import Translator


def build_unet(source_shape, channels, width=64):
    """A U-Net: strided-conv encoder, transposed-conv decoder, each scale's skip concatenated."""
    steps, _, _ = resolution_plan(source_shape)
    inputs = keras.Input(tuple(source_shape), name="images")
    x, skips = inputs, []
    for step in range(steps):
        x = layers.Conv2D(
            width * 2**step, 4, strides=2, padding="same", use_bias=step == 0, name=f"down{step}"
        )(x)
        if step > 0:
            x = layers.BatchNormalization(name=f"down{step}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)
    x = layers.Conv2D(
        width * 2 ** (steps - 1), 3, padding="same", use_bias=False, name="bottleneck"
    )(x)
    x = layers.BatchNormalization(name="bottleneck_bn")(x)
    x = layers.ReLU()(x)
    for step in reversed(range(1, steps)):
        x = layers.Concatenate(name=f"skip{step}")([x, skips[step]])
        x = layers.Conv2DTranspose(
            width * 2 ** (step - 1), 4, strides=2, padding="same", use_bias=False, name=f"up{step}"
        )(x)
        x = layers.BatchNormalization(name=f"up{step}_bn")(x)
        x = layers.ReLU()(x)
    x = layers.Concatenate(name="skip0")([x, skips[0]])
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name="to_image")(x)
    outputs = layers.Activation("tanh", name="tanh")(x)
    return keras.Model(inputs, outputs, name="generator")


def normalization(kind: str, name: str):
    """A normalization layer: ``"batch"`` (pix2pix's) or ``"instance"`` (CycleGAN's: one
    group per channel in Keras's ``GroupNormalization``)."""
    if kind == "instance":
        return layers.GroupNormalization(groups=-1, name=name)
    return layers.BatchNormalization(name=name)


def build_patch_discriminator(image_shape, source_shape=None, width=64, norm="batch"):
    """A PatchGAN: one logit per patch, shaped (H/4, W/4, 1), of the (output, input) pair,
    or of the image alone where ``source_shape`` is None (CycleGAN's)."""
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    if source_shape is not None:
        sources = keras.Input(tuple(source_shape), name="inputs")
        x = layers.Concatenate(name="pair")([images, sources])
    x = layers.Conv2D(width, 4, strides=2, padding="same", name="down0")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(width * 2, 4, strides=2, padding="same", use_bias=False, name="down1")(x)
    x = normalization(norm, "down1_bn")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, name="patch")(x)
    x = normalization(norm, "patch_bn")(x)
    x = layers.LeakyReLU(0.2)(x)
    # float32 under mixed precision, as Keras advises for outputs (PyTorch's CPU half
    # conv2d also cannot take the weight gradient of a 1-channel output).
    logits = layers.Conv2D(1, 3, padding="same", dtype="float32", name="logit")(x)
    network_inputs = images if source_shape is None else [images, sources]
    return keras.Model(network_inputs, logits, name="discriminator")


@register_architecture("pix2pix")
@keras.saving.register_keras_serializable(package="kgan")
class Pix2Pix(Translator):
    """pix2pix of Isola et al. 2017: paired image-to-image translation.

    The loss is the GAN's plus ``content_weight`` (λ = 100) times the L1
    distance to the target; the PatchGAN discriminator judges each patch of
    the (output, input) pair.

    Args:
        image_shape: the outputs' (height, width, channels); height and width
            divisible by 4 (≥ 16), e.g. (28, 28, 1).
        source_channels: the inputs' channels (their size is the outputs'); None: the same.
        width: channels of the first encoder layer (doubled per scale) and of the
            discriminator's first layer.
        **kwargs: ``kgan.Translator``'s (``content_loss``, ``content_weight``,
            ``adversarial_weight``, ``generator``/``discriminator``, ``d_steps``)
            and the training recipe.

    Example:

    >>> import numpy as np, kgan
    >>> model = kgan.Pix2Pix(width=8)
    >>> model.compile()
    >>> images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    >>> edges = kgan.data.edges(images)
    >>> history = model.fit(edges, images, batch_size=4, verbose=0)
    >>> model.translate(edges[:2]).shape
    (2, 28, 28, 1)
    """

    conditional_discriminator = True

    def __init__(
        self,
        *,
        image_shape: tuple = (28, 28, 1),
        source_channels: int | None = None,
        width: int = 64,
        content_loss: str = "l1",
        content_weight: float = 100.0,
        network_args: dict | None = None,
        **kwargs: object,
    ):
        image_shape = checks.bounded_image_shape(image_shape)
        resolution_plan(image_shape, "pix2pix")  # a one-line error for sizes the U-Net cannot halve
        channels = image_shape[-1] if source_channels is None else source_channels
        network_args = {
            **(network_args or {}),
            "image_shape": image_shape,
            "source_channels": checks.bounded_int(
                "source_channels", channels, 1, checks.MAX_SIZES["channels"]
            ),
            "width": checks.bounded_int("width", width, 1, checks.MAX_SIZES["width"]),
        }
        super().__init__(
            content_loss=content_loss,
            content_weight=content_weight,
            network_args=network_args,
            **kwargs,
        )

    def build_generator(self, image_shape, source_channels, width, **_):
        return build_unet((*image_shape[:2], source_channels), image_shape[-1], width)

    def build_discriminator(self, image_shape, source_channels, width, **_):
        return build_patch_discriminator(image_shape, (*image_shape[:2], source_channels), width)
