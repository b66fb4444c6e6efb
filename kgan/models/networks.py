"""Recipe parts that act on whole networks: spectral normalization and the generator EMA.

Both work on any Functional or Sequential network, kgan's own or a user's.
"""

import warnings

import keras
from keras import layers

# Layers whose weight matrix spectral normalization divides by its largest singular value.
_NORMALIZED_LAYERS = (layers.Dense, layers.Conv2D, layers.Conv1D, layers.Conv3D, layers.Embedding)


def _needs_wrapping(layer):
    return isinstance(layer, _NORMALIZED_LAYERS) and not isinstance(
        layer, layers.SpectralNormalization
    )


@keras.saving.register_keras_serializable(package="kgan")
class SpectralNormalization(layers.SpectralNormalization):
    """``keras.layers.SpectralNormalization`` that computes W/σ instead of writing it back.

    Keras's layer, in training mode, assigns W/σ into the kernel in place. On
    PyTorch that breaks autograd as soon as a loss calls the discriminator
    twice (real and fake images: "modified by an inplace operation"), and the
    three backends then train different things. Here the kernel keeps the raw
    W (as PyTorch's ``spectral_norm`` keeps ``weight_orig``); each call runs the
    wrapped layer with W/σ mapped in its place, so the gradient flows through
    σ as in Miyato et al. 2018 on every backend. Training calls advance the
    power-iteration vector ``vector_u`` (a non-trainable weight, so it travels
    in JAX's state and in checkpoints); inference calls use it as it is.
    It also keeps the wrapped layer's output dtype (Keras's casts it to the
    inputs' dtype, which truncates an Embedding's output to integers).
    """

    def call(self, inputs, training=False):
        vector_u, kernel = self.normalized_weights()
        if training:
            self.vector_u.assign(vector_u)
        mapping = [(v, kernel if v is self.kernel else v.value) for v in self.layer.variables]
        # The layer reads only its own variables, so this scope maps all it needs.
        with keras.StatelessScope(state_mapping=mapping):
            # Not cast to the inputs' dtype as Keras's layer does: an Embedding's
            # integer inputs would turn its output into integers, with no gradient.
            return self.layer(inputs)


@keras.saving.register_keras_serializable(package="kgan")
class DepthToSpace(layers.Layer):
    """Sub-pixel upsampling (Shi et al. 2016): (H, W, C·b²) → (H·b, W·b, C).

    ``keras.ops.depth_to_space`` as a layer.

    Keras has the op but no layer for it; a Lambda layer would not load safely.
    """

    def __init__(self, block_size: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.block_size = int(block_size)

    def call(self, inputs):
        return keras.ops.depth_to_space(inputs, self.block_size, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        b = self.block_size
        scaled = [None if side is None else side * b for side in (height, width)]
        return (batch, *scaled, channels // (b * b))

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


def generator_from(latent_dim, body) -> keras.Model:
    """A generator network: latents ``(batch, latent_dim)`` → ``body(latents)`` (images)."""
    latents = keras.Input((latent_dim,), name="latents")
    return keras.Model(latents, body(latents), name="generator")


def discriminator_from(image_shape, body) -> keras.Model:
    """A discriminator network: images → ``body(images)`` (features) → one logit each."""
    images = keras.Input(tuple(image_shape), name="images")
    # The body's layers first: each layer takes its initializer's seed when it is made,
    # so this order is what keeps a seeded model's initial weights as they were.
    features = body(images)
    logits = layers.Dense(1, name="logit")(features)
    return keras.Model(images, logits, name="discriminator")


_SQUASHING = ("sigmoid", "softmax", "tanh", "hard_sigmoid", "log_softmax")


def warn_if_squashed(discriminator):
    """Warns when a discriminator's last layer squashes its output: kgan's losses take logits."""
    last = discriminator.layers[-1] if getattr(discriminator, "layers", None) else discriminator
    activation = getattr(last, "activation", None)
    name = getattr(activation, "__name__", None) or (
        activation if isinstance(activation, str) else None
    )
    if name in _SQUASHING:
        warnings.warn(
            f"kgan: the discriminator's last layer {last.name!r} ends in {name}, but kgan's "
            "losses take logits (raw scores); drop the activation, or the losses saturate.",
            stacklevel=3,
        )


def spectral_normalized(network):
    """``network`` with each Dense, Conv and Embedding layer in spectral normalization.

    Layers already wrapped are kept, so applying it twice (or to a network
    loaded from a config that has the wrappers) changes nothing. The wrapped
    network is a clone: its weights are freshly initialised. See
    ``SpectralNormalization`` for how it differs from Keras's layer.
    """
    if not any(_needs_wrapping(layer) for layer in _layers(network)):
        return network

    def wrap(layer):
        clone = layer.__class__.from_config(layer.get_config())
        if not _needs_wrapping(layer):
            return clone
        return SpectralNormalization(clone, name=f"{layer.name}_sn")

    return _clone(network, wrap, "spectral_norm")


def ema_copy(generator):
    """A frozen copy of ``generator`` with the same weights, to hold their moving average."""
    shadow = _clone(generator, None, "ema")
    shadow.set_weights(generator.get_weights())
    shadow.trainable = False  # its weights are non-trainable model variables
    return shadow


def update_ema(shadow, source, decay):
    """One EMA step: shadow ← decay·shadow + (1 - decay)·source for trainable weights.

    Non-trainable weights (BatchNorm moving statistics) are copied as they are:
    they are already averages, and the EMA generator then normalises with the
    statistics the raw generator has now.
    """
    for target, value in zip(shadow.variables, source.variables, strict=True):
        if value.trainable:
            target.assign(decay * target.value + (1.0 - decay) * value.value)
        else:
            target.assign(value.value)


def _layers(network):
    return getattr(network, "layers", [])


def _clone(network, clone_function, purpose):
    try:
        return keras.models.clone_model(network, clone_function=clone_function)
    except Exception as error:  # clone_model raises several types for networks it cannot copy
        raise ValueError(
            f"kgan: {purpose} needs a network that keras.models.clone_model can copy "
            f"(Functional or Sequential); {network.name!r} cannot be: {error}"
        ) from None
