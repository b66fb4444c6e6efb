"""``AdversarialModel``: what every kgan model with a generator and a discriminator shares.

The networks (given, or built by the architecture), the frozen training
``Recipe`` (loss, penalties, spectral norm, EMA, augmentation), the two
optimizers, the config round trip and the generator's export. What the
generator maps from is the subclass's: latents for ``kgan.GAN``
(``kgan.models.gan``), images for the translators (``kgan.models.translator``).
The training step is ``kgan.models.adversarial.AdversarialStep``.
"""

import keras

from kgan import augment as augment_ops
from kgan import backend, checks, losses
from kgan.models import networks
from kgan.models.adversarial import AdversarialStep
from kgan.models.export import export_network
from kgan.models.optimizers import check_compile_arguments, combined, warn_if_unscaled
from kgan.models.recipe import RECIPE_KEYS, Recipe


def checked_network(role: str, network):
    """``network`` if it is a Keras layer or model; else a one-line ValueError naming ``role``."""
    if not isinstance(network, keras.layers.Layer):
        raise ValueError(
            f"kgan: expected the {role} as a Keras model; got {type(network).__name__}."
        )
    return network


def chosen_generator(raw, average, training=False, ema=None):
    """The generator to run: ``raw`` while training or with ``ema=False``, else its EMA
    copy ``average`` where there is one (``ema=True`` without one is a one-line error)."""
    if ema and average is None:
        raise ValueError("kgan: this model keeps no EMA generator; build it with ema=0.999.")
    use_ema = (not training) if ema is None else bool(ema)
    return average if use_ema and average is not None else raw


class AdversarialModel(AdversarialStep, keras.Model):
    """A generator and a discriminator trained by one recipe (the base of kgan's models).

    Subclasses give ``build_args`` (their own settings, set as attributes
    before the networks are built from them, such as ``latent_dim``),
    ``build_generator``/``build_discriminator`` for their architectures,
    ``model_settings()`` (what their configs record besides the networks'
    arguments and the recipe) and ``_generator_output_shape()``.
    """

    num_classes = None
    # The networks a config records (each serialized whole, with its weights' layout).
    NETWORKS = ("generator", "discriminator")
    trains_on = "images"  # or "pairs", "domains": what kgan train reads for the model

    def __init__(
        self,
        generator=None,
        discriminator=None,
        *,
        d_steps: int = 1,
        network_args: dict | None = None,
        build_args: dict | None = None,
        **kwargs,
    ):
        settings = {key: kwargs.pop(key) for key in list(kwargs) if key in RECIPE_KEYS}
        super().__init__(**kwargs)
        for name, value in (build_args or {}).items():
            setattr(self, name, value)
        # Built-in architectures pass the arguments their networks are built
        # from; the networks are built here, once, for all of them.
        self.network_args = None if network_args is None else dict(network_args)
        self.d_steps = checks.bounded_int("d_steps", d_steps, 1, checks.MAX_SIZES["d_steps"])
        self.recipe = Recipe.checked(**settings)
        if generator is None or discriminator is None:
            if self.network_args is None:
                raise ValueError(
                    f"kgan: kgan.{type(self).__name__} needs both a generator and a discriminator."
                )
            if generator is None:
                generator = self.build_generator(**(build_args or {}), **self.network_args)
            if discriminator is None:
                discriminator = self.build_discriminator(**self.network_args)
        self.generator = checked_network("generator", generator)
        self.discriminator = self.prepared_discriminator(discriminator)
        self.adversarial_loss = losses.get_loss(self.recipe.loss)
        self.augmentations = augment_ops.parse_policy(self.recipe.augment)
        self.ada = self.adaptive_probability()
        self.ema_generator = self.ema_of(generator)
        self.image_shape = self._generator_output_shape()
        augment_ops.check_image_shape(self.augmentations, self.image_shape)
        # One seed generator owned by the model: keras.random needs an explicit
        # seed state under JAX tracing, and it travels in the model state.
        self.seed_generator = keras.random.SeedGenerator()
        self.make_trackers()
        self.built = True  # both networks are built; fit() must not trace call()

    def prepared_discriminator(self, network, role: str = "discriminator"):
        """A discriminator as the recipe trains it: checked, in spectral norm where set."""
        network = checked_network(role, network)
        networks.warn_if_squashed(network)
        return networks.spectral_normalized(network) if self.recipe.spectral_norm else network

    def adaptive_probability(self):
        """ADA's p and its heuristic (``augment.AdaptiveProbability``) where the recipe
        adapts its augmentation, else None."""
        recipe = self.recipe
        if recipe.ada_target is None:
            return None
        return augment_ops.AdaptiveProbability(
            recipe.ada_target, recipe.ada_interval, recipe.ada_kimg, name="ada"
        )

    def ema_of(self, generator):
        """The EMA copy of a generator where the recipe keeps one, else None."""
        return networks.ema_copy(generator) if self.recipe.keeps_ema else None

    # -- configuration -----------------------------------------------------

    def build_generator(self, **network_args):
        """Builds the architecture's generator (built-in architectures override it)."""
        raise NotImplementedError

    def build_discriminator(self, **network_args):
        """Builds the architecture's discriminator (built-in architectures override it)."""
        raise NotImplementedError

    def model_settings(self) -> dict:
        """The model's own settings that its configs record (subclasses add theirs)."""
        return {"d_steps": self.d_steps}

    @property
    def penalties(self) -> dict:
        return self.recipe.penalties

    def recipe_log_names(self) -> list[str]:
        """What the recipe adds to every model's logs: its penalties, and ADA's ``ada_p``."""
        return [*self.penalties, *(["ada_p"] if self.ada is not None else [])]

    def get_config(self):
        networks_config = {
            name: keras.saving.serialize_keras_object(getattr(self, name)) for name in self.NETWORKS
        }
        return {
            "name": self.name,
            **networks_config,
            **self.model_settings(),
            **self.recipe.to_config(),
            # Built-in architectures add the arguments they were built from.
            **(self.network_args or {}),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.NETWORKS:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def constructor_config(self):
        """The constructor arguments that rebuild this model (no network configs)."""
        if self.network_args is None:
            raise ValueError(
                f"kgan: a {type(self).__name__} built from user networks has no architecture "
                "config; save it with model.save('model.keras') instead."
            )
        return {**self.network_args, **self.model_settings(), **self.recipe.to_config()}

    def default_optimizers(self):
        """Adam(2e-4, beta_1=0.5) for both networks, as in Radford et al. 2015."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    def generator_variables(self) -> list:
        """The variables ``g_optimizer`` trains (every other trainable one is ``d_optimizer``'s)."""
        return self.generator.trainable_variables

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets the two optimizers (defaults: ``default_optimizers()``).

        They are kept as ``model.d_optimizer`` and ``model.g_optimizer`` and
        travel together inside ``model.optimizer``, a
        ``keras.optimizers.MultiOptimizer``, so that their state survives the
        JAX backend's stateless steps and is saved with the model.

        Mixed precision: ``mixed_bfloat16`` needs nothing. Under ``mixed_float16``
        give both optimizers the same ``loss_scale_factor`` (Keras's static loss
        scaling: the loss is multiplied by it, the gradients divided), e.g.
        ``Adam(2e-4, beta_1=0.5, loss_scale_factor=128.0)``; a dynamic
        ``LossScaleOptimizer`` cannot sit inside a ``MultiOptimizer``.

        ``steps_per_execution=N`` runs N training steps per compiled call on
        TensorFlow and JAX, which saves the per-call dispatch that dominates
        small steps on a GPU; the weights and logs are those of N single steps.
        Callbacks' batch hooks then run every N steps. Keras runs whole calls, so
        give ``fit()`` a ``steps_per_epoch`` that N divides (``kgan train`` picks
        the largest N' <= N that divides its epochs). On PyTorch it is
        accepted and steps run one per call (Keras's torch trainer has no
        multi-step call; eager steps have nothing to amortize).

        Example:

        >>> import kgan
        >>> model = kgan.DCGAN()
        >>> model.compile(steps_per_execution=8)
        """
        check_compile_arguments(kwargs)
        default_d, default_g = self.default_optimizers()
        self.d_optimizer = keras.optimizers.get(d_optimizer or default_d)
        self.g_optimizer = keras.optimizers.get(g_optimizer or default_g)
        generator_ids = {id(v) for v in self.generator_variables()}
        optimizer = combined(
            {"d": self.d_optimizer, "g": self.g_optimizer},
            route=lambda variable: "g" if id(variable) in generator_ids else "d",
        )
        steps = checks.bounded_int(
            "steps_per_execution",
            kwargs.pop("steps_per_execution", 1),
            1,
            checks.MAX_SIZES["steps_per_execution"],
        )
        # The PyTorch trainer takes one step per call; the steps and results are the same.
        executed = steps if backend.MULTI_STEP_EXECUTION else 1
        warn_if_unscaled(self.generator, (self.d_optimizer, self.g_optimizer))
        super().compile(optimizer=optimizer, steps_per_execution=executed, **kwargs)
        self._kgan_compile_config = {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "steps_per_execution": steps,
        }
        self.optimizer.build(self.trainable_variables)

    def get_compile_config(self):
        return getattr(self, "_kgan_compile_config", None)

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            steps_per_execution=config.get("steps_per_execution", 1),
        )

    # -- the networks --------------------------------------------------------

    def _generator_output_shape(self):
        raise NotImplementedError

    def generator_network(self, training=False, ema=None):
        """The generator to run: the raw one while training or with ``ema=False``,
        else the EMA copy where the model keeps one."""
        return chosen_generator(self.generator, self.ema_generator, training, ema)

    def discriminate(self, images, labels=None, training=False):
        """Discriminator outputs (logits, or critic scores) for a batch."""
        return backend.call_network(self.discriminator, images, training)

    # -- export ---------------------------------------------------------------

    def generator_signature(self) -> list:
        """The generator's inputs for export (``keras.InputSpec`` each)."""
        raise NotImplementedError

    def export_generator(self, path, format: str | None = None):
        """Writes the generator alone (the EMA one where the model keeps it) for serving.

        ``format`` is one that Keras exports on this backend
        (``kgan.backend.EXPORT_FORMATS``): ``"tf_saved_model"`` on TensorFlow
        and JAX, ``"onnx"`` on PyTorch (and on TensorFlow/JAX with tf2onnx or
        jax2onnx installed). None picks what the backend writes: onnx for a
        path ending in ``.onnx``, else the first of those. The artifact maps
        the generator's inputs (``generator_signature()``: latents, with int32
        labels shaped (n, 1) for conditional models; images for translators)
        to images in [-1, 1], the same images the model gives for them. An
        existing ``path`` is never overwritten; a failed export leaves nothing
        behind.

        Example:

        >>> import kgan, tensorflow as tf
        >>> model = kgan.load("dcgan-mnist")
        >>> model.export_generator("dcgan-mnist-generator")  # doctest: +SKIP
        >>> served = tf.saved_model.load("dcgan-mnist-generator")  # doctest: +SKIP
        >>> images = served.serve(model.latents(16, seed=0))  # doctest: +SKIP

        A conditional generator takes ``[latents, labels]``, labels int32 shaped (n, 1):

        >>> cgan = kgan.load("cgan-mnist")
        >>> cgan.export_generator("cgan-mnist-generator")  # doctest: +SKIP
        >>> served = tf.saved_model.load("cgan-mnist-generator")  # doctest: +SKIP
        >>> labels = tf.constant([[3]] * 16, tf.int32)  # doctest: +SKIP
        >>> threes = served.serve([cgan.latents(16, seed=0), labels])  # doctest: +SKIP
        """
        return export_network(self.generator_network(), path, format, self.generator_signature())

    def export(self, filepath, format=None, verbose=None, **kwargs):
        """The model serves its generator: the same as ``export_generator(filepath, format)``."""
        return self.export_generator(filepath, format)
