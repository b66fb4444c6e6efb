"""``Translator``: the image-to-image GAN (pix2pix, SRGAN) on (input, target) pairs.

The generator maps an input image to an output image; the discriminator
judges outputs against real targets (seeing the input beside them where
``conditional_discriminator`` is set, as pix2pix's). The generator's loss is
``adversarial_weight · g_loss + content_weight · content(output, target)``.
The step is the GAN's, composed from ``AdversarialStep``'s blocks: the same
``update``, loss registry, penalties, spectral norm and EMA.
"""

import functools

import keras
import numpy as np
from keras import ops

from kgan import backend, checks, losses
from kgan import images as image_grids
from kgan.data import fit_inputs, rules
from kgan.models.adversarial_model import AdversarialModel
from kgan.models.latent_space import discriminator_features

# Bounds of the loss weights (a typo such as 1e10 is refused, not trained).
_MAX_WEIGHT = 1e6


def _weight(name, value) -> float:
    if not checks.is_number(value) or not 0.0 <= value <= _MAX_WEIGHT:
        raise ValueError(
            f"kgan: expected {name} as a number in [0, {_MAX_WEIGHT:g}]; got {value!r}."
        )
    return float(value)


def image_shapes(network, role: str) -> tuple[tuple, tuple]:
    """(input shape, output shape) of an images-to-images network, batch left out; a
    one-line ValueError naming ``role`` unless it is a Keras model with one image input."""
    inputs = getattr(network, "inputs", None)
    if not inputs or len(inputs) != 1:
        raise ValueError(
            f"kgan: a translator's {role} must be a Keras model with one image input "
            "(a Functional or Sequential model with an Input)."
        )
    input_shape = tuple(int(d) for d in inputs[0].shape[1:])
    spec = network.compute_output_spec(keras.KerasTensor((None, *input_shape)))
    return input_shape, tuple(int(d) for d in spec.shape[1:])


@keras.saving.register_keras_serializable(package="kgan")
class Translator(AdversarialModel):
    """An image-to-image GAN that trains with ``fit(inputs, targets)`` on every backend.

    Bring your own networks or use an architecture (``kgan.Pix2Pix``,
    ``kgan.SRGAN``). ``generator`` maps images shaped ``source_shape`` to
    images in [-1, 1]; ``discriminator`` maps an image to logits (one, or a
    patch map), or, with ``conditional_discriminator=True``, takes
    ``[images, inputs]``.

    Args:
        content_loss: ``"l1"``, ``"mse"`` (pixel losses) or ``"features"``: the
            squared distance of ``feature_network``'s outputs, or, without one,
            of the discriminator's last hidden features (feature matching).
        content_weight: the content loss's weight in the generator loss.
        adversarial_weight: the adversarial loss's weight; 0 trains the generator
            on content alone (the non-adversarial baseline: an L1 U-Net, SRResNet).
        feature_network: a Keras network applied to outputs and targets for
            ``content_loss="features"``, e.g. a pretrained classifier's trunk
            (frozen: set ``trainable = False``).
        conditional_discriminator: whether the discriminator sees the input.
        d_steps: discriminator updates per generator update.
        network_args: the arguments built-in architectures build their networks from.
        **recipe: the training recipe (``loss``, ``penalties``, ``ema``,
            ``spectral_norm``, ``augment``), as for ``kgan.GAN``. ``augment``
            needs an unconditional discriminator (it would move an output away
            from its input).

    ``fit(inputs, targets)``, or a dataset of ``(input, target)`` batches,
    both float images in [-1, 1]. The logs are ``d_loss``, ``g_loss`` (the
    adversarial part), ``content`` (unweighted), ``d_real``, ``d_fake`` and
    the penalties.

    Example:

    >>> import keras, numpy as np, kgan
    >>> generator = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3,
    ...     padding="same", activation="tanh")])
    >>> discriminator = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
    ...     keras.layers.Dense(1)])
    >>> model = kgan.Translator(generator, discriminator, content_loss="l1")
    >>> model.compile()
    >>> targets = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    >>> history = model.fit(-targets, targets, batch_size=8, verbose=0)
    >>> model.translate(targets[:2]).shape
    (2, 8, 8, 1)
    """

    task = "translation"
    trains_on = "pairs"  # what kgan train reads for it (kgan.training.DATA_KINDS)
    conditional_discriminator = False

    def __init__(
        self,
        generator=None,
        discriminator=None,
        *,
        content_loss: str = "l1",
        content_weight: float = 100.0,
        adversarial_weight: float = 1.0,
        feature_network: keras.layers.Layer | None = None,
        conditional_discriminator: bool | None = None,
        d_steps: int = 1,
        network_args: dict | None = None,
        **recipe: object,
    ):
        losses.get_content_loss(content_loss)  # raises for unknown names
        fixed = type(self).conditional_discriminator
        if network_args is not None and conditional_discriminator not in (None, fixed):
            raise ValueError(
                f"kgan: {type(self).__name__}'s own discriminator "
                f"{'sees' if fixed else 'does not see'} the input; conditional_discriminator "
                "is for user networks."
            )
        if conditional_discriminator is not None:
            if not isinstance(conditional_discriminator, bool):
                raise ValueError(
                    "kgan: expected conditional_discriminator as true or false; "
                    f"got {conditional_discriminator!r}."
                )
        else:
            conditional_discriminator = fixed
        if feature_network is not None and not isinstance(feature_network, keras.layers.Layer):
            raise ValueError(
                "kgan: expected feature_network as a Keras model; "
                f"got {type(feature_network).__name__}."
            )
        super().__init__(
            generator,
            discriminator,
            d_steps=d_steps,
            network_args=network_args,
            build_args={
                "content_loss": content_loss,
                "content_weight": _weight("content_weight", content_weight),
                "adversarial_weight": _weight("adversarial_weight", adversarial_weight),
                "conditional_discriminator": conditional_discriminator,
            },
            **recipe,
        )
        if self.augmentations and self.conditional_discriminator:
            raise ValueError(
                "kgan: augment needs an unconditional discriminator: it would move an output "
                "away from the input it is judged beside (set augment=None)."
            )
        if content_loss == "features" and feature_network is None and conditional_discriminator:
            raise ValueError(
                "kgan: content_loss='features' without a feature_network needs an "
                "unconditional discriminator (its features of one image)."
            )
        if feature_network is not None:
            feature_network.trainable = False  # it measures; only the two networks train
        self.feature_network = feature_network
        self._content = losses.get_content_loss(content_loss)

    # -- configuration -----------------------------------------------------

    def log_names(self):
        return ["d_loss", "g_loss", "content", "d_real", "d_fake", *self.recipe_log_names()]

    def model_settings(self) -> dict:
        return {
            "content_loss": self.content_loss,
            "content_weight": self.content_weight,
            "adversarial_weight": self.adversarial_weight,
            "conditional_discriminator": self.conditional_discriminator,
            **super().model_settings(),
        }

    def get_config(self):
        config = super().get_config()
        if self.feature_network is not None:
            config["feature_network"] = keras.saving.serialize_keras_object(self.feature_network)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("feature_network"), dict):
            config["feature_network"] = keras.saving.deserialize_keras_object(
                config["feature_network"]
            )
        return super().from_config(config)

    def constructor_config(self):
        if self.feature_network is not None:
            raise ValueError(
                "kgan: a translator with a user feature_network has no architecture config; "
                "save it with model.save('model.keras') instead."
            )
        return super().constructor_config()

    # -- the networks --------------------------------------------------------

    def _generator_output_shape(self):
        # The input shape is read off the generator, so user networks need no argument.
        self.source_shape, output_shape = image_shapes(self.generator, "generator")
        return output_shape

    def call(self, inputs, training=False):
        return self.generate(inputs, training=training)

    def generate(self, inputs, labels=None, training=False, ema=None):
        """Output images for a batch of input images (the EMA generator unless training)."""
        return backend.call_network(self.generator_network(training, ema), inputs, training)

    def discriminate(self, images, labels=None, training=False):
        """Discriminator outputs for images; ``labels`` are the inputs they translate."""
        if self.conditional_discriminator:
            return backend.call_network(self.discriminator, [images, labels], training)
        return backend.call_network(self.discriminator, images, training)

    def content_value(self, outputs, targets):
        """The unweighted content loss of outputs against their targets."""
        if self.content_loss != "features":
            return self._content(outputs, targets)
        features = self._features()
        return self._content(features(outputs), features(targets))

    def _features(self):
        if self.feature_network is not None:
            return functools.partial(backend.call_network, self.feature_network, training=False)
        # Built once and kept outside Keras's tracking: it shares the discriminator's weights.
        cached = self.__dict__.get("_feature_view")
        if cached is None:
            cached = discriminator_features(self)
            object.__setattr__(self, "_feature_view", cached)
        return cached

    # -- the step --------------------------------------------------------------

    def unpack_pair(self, data):
        """(inputs, targets) from a batch as Keras hands it to ``train_step``."""
        inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        return inputs, targets

    def generator_loss(self, inputs, targets):
        """(weighted generator loss, logs) for one generator update."""
        outputs = self.generate(inputs, training=True)
        critic = functools.partial(self.discriminate, labels=inputs, training=True)
        g_loss = self.adversarial_g_loss(critic, outputs, targets)
        content = self.content_value(outputs, targets)
        total = self.adversarial_weight * g_loss + self.content_weight * content
        return total, {"g_loss": g_loss, "content": content}

    def stateful_train_step(self, data):
        """d_steps discriminator updates on (target, output) pairs, one generator update."""
        inputs, targets = self.unpack_pair(data)
        for _ in range(self.d_steps):
            with backend.no_gradient():
                outputs = ops.stop_gradient(self.generate(inputs, training=True))
            self.update_discriminator(targets, outputs, inputs)
        self.update(
            functools.partial(self.generator_loss, inputs, targets),
            self.generator.trainable_variables,
            self.g_optimizer,
        )
        self.update_ema(ops.shape(inputs)[0])
        return self.results()

    def stateful_test_step(self, data):
        """Held-out d_loss, g_loss, content, d_real and d_fake (raw generator, no update)."""
        inputs, targets = self.unpack_pair(data)
        outputs = self.generate(inputs, training=False, ema=False)
        content = self.content_value(outputs, targets)
        return self.held_out_results(targets, outputs, inputs, {"content": content})

    def checked_inputs(self, x, y=None):
        return fit_inputs.check_pair_data(x, y, self.source_shape, self.image_shape)

    # -- using it --------------------------------------------------------------

    def translate(self, images, batch_size: int = 256, ema: bool | None = None) -> np.ndarray:
        """Output images for ``images`` (n, H, W, C) in [-1, 1], as a float32 numpy array.

        Uses the EMA generator where the model keeps one, unless ``ema=False``.
        ``kgan.data.edges`` and ``kgan.data.downscale`` make inputs from your own
        images as the zoo's entries were trained.

        Example:

        >>> import numpy as np, kgan
        >>> model = kgan.Pix2Pix(width=8)
        >>> model.translate(-np.ones((2, 28, 28, 1), "float32")).shape
        (2, 28, 28, 1)
        """
        return self.generated_in_batches(images, batch_size, ema=ema)

    def generated_in_batches(self, images, batch_size, check=True, **generate_args) -> np.ndarray:
        """``generate(images, **generate_args)`` batch by batch, as numpy in [-1, 1].

        ``check=False`` skips the input checks, for the model's own outputs (a
        translation translated back: all-bright outputs would look unscaled).
        """
        images = np.asarray(images)
        if check:
            rules.check_image_shape(images, self.source_shape, "the images to translate", hint="")
            rules.check_images(images, "the images to translate", scaled=True)
        batch_size = checks.bounded_int("batch_size", batch_size, 1, checks.MAX_SIZES["batch_size"])
        chunks = [
            ops.convert_to_numpy(
                self.generate(
                    ops.convert_to_tensor(images[start : start + batch_size], "float32"),
                    **generate_args,
                )
            )
            for start in range(0, len(images), batch_size)
        ]
        return np.clip(np.concatenate(chunks), -1.0, 1.0).astype("float32")

    def comparison(self, inputs, targets):
        """(rows, columns) of the epoch picture: input | output | target per pair."""
        return image_grids.comparison_rows(inputs, self.translate(inputs), targets), 3

    def generator_signature(self) -> list:
        """The generator's input for export: images (None, *source_shape) float32."""
        return [keras.InputSpec(shape=(None, *self.source_shape), dtype="float32", name="images")]
