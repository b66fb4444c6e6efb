"""``kgan.GAN``: the base model, which trains any generator/discriminator pair.

The model owns its networks, its recipe and configs, sampling and export;
its training step is ``kgan.models.adversarial.AdversarialStep``.
"""

import keras
import numpy as np
from keras import ops

from kgan import augment as augment_ops
from kgan import backend, checks, losses
from kgan.models import networks
from kgan.models.adversarial import AdversarialStep
from kgan.models.export import export_network
from kgan.models.latent_space import edited_latents, project, truncate
from kgan.models.optimizers import check_compile_arguments, combined, warn_if_unscaled
from kgan.models.recipe import RECIPE_KEYS, Recipe


@keras.saving.register_keras_serializable(package="kgan")
class GAN(AdversarialStep, keras.Model):
    """A generative adversarial network that trains with ``fit()`` on every backend.

    Bring your own networks: ``generator`` maps latents ``(batch, latent_dim)``
    to images in [-1, 1]; ``discriminator`` maps images to one logit each.
    Each training step updates the discriminator ``d_steps`` times (each time
    on the same real batch, with fresh latents), then the generator once.

    The training recipe is configuration, the same for every architecture:

    - ``loss``: ``"nonsaturating"`` (Goodfellow et al. 2014), ``"hinge"``,
      ``"wasserstein"`` or ``"least-squares"`` (``kgan.losses.LOSSES``).
    - ``penalties``: discriminator penalties and their weights, e.g.
      ``{"r1": 1.0}`` ((γ/2)·E‖∇D(x)‖² on real images), ``{"r2": γ}`` (the same
      on generated ones) or ``{"gp": 10.0}`` (WGAN-GP's, at interpolates with
      α ~ U[0, 1]). Each is logged under its name. Penalties are measured on
      the un-augmented images and do not update the discriminator's state
      (BatchNorm statistics, spectral-norm vectors): they measure D, they are
      not a training pass of it.
    - ``penalty_every``: lazy regularization (StyleGAN2): the penalties are
      computed on every k-th discriminator update only, weighted by k.
    - ``ema``: keep an exponential moving average of the generator's weights
      with this decay (e.g. 0.999), updated after each generator step, with
      the warm-up of TensorFlow's ``ExponentialMovingAverage`` (``ema_decay``).
      ``sample()``, ``generate()`` and ``predict()`` use it unless told
      ``ema=False``. BatchNorm moving statistics are copied from the raw
      generator, not averaged.
    - ``augment``: DiffAugment (Zhao et al. 2020) before every discriminator
      call on real and generated images, e.g. ``"translation,cutout"`` (also
      ``"color"``), at ``augment_strength`` (1.0 = the paper's magnitudes).
    - ``spectral_norm``: wrap every Dense, Conv and Embedding layer of the
      discriminator in ``keras.layers.SpectralNormalization``.

    Data for ``fit()``: float images scaled to [-1, 1], as numpy arrays, a
    ``tf.data.Dataset`` or a ``keras.utils.PyDataset``. Labels, if present,
    are ignored by unconditional models.

    Example:

    >>> import keras, numpy as np, kgan
    >>> generator = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="tanh")])
    >>> discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> gan = kgan.GAN(generator, discriminator, latent_dim=8, loss="hinge", penalties={"r1": 0.1})
    >>> gan.compile()
    >>> history = gan.fit(np.zeros((64, 2), "float32"), batch_size=32, verbose=0)
    >>> gan.sample(4, seed=0).shape
    (4, 2)
    """

    num_classes = None

    def __init__(
        self,
        generator=None,
        discriminator=None,
        *,
        latent_dim: int | None = None,
        d_steps: int = 1,
        network_args: dict | None = None,
        **recipe,
    ):
        settings = {key: recipe.pop(key) for key in list(recipe) if key in RECIPE_KEYS}
        super().__init__(**recipe)
        # Built-in architectures pass the arguments their networks are built
        # from; the networks are built here, once, for all of them.
        self.network_args = None if network_args is None else dict(network_args)
        if latent_dim is None:
            raise ValueError("kgan: expected latent_dim, the size of the generator's input.")
        self.latent_dim = checks.bounded_int(
            "latent_dim", latent_dim, 1, checks.MAX_SIZES["latent_dim"]
        )
        self.d_steps = checks.bounded_int("d_steps", d_steps, 1, checks.MAX_SIZES["d_steps"])
        self.recipe = Recipe.checked(**settings)
        if generator is None or discriminator is None:
            if self.network_args is None:
                raise ValueError("kgan: kgan.GAN needs both a generator and a discriminator.")
            if generator is None:
                generator = self.build_generator(self.latent_dim, **self.network_args)
            if discriminator is None:
                discriminator = self.build_discriminator(**self.network_args)
        for role, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.layers.Layer):
                raise ValueError(
                    f"kgan: expected the {role} as a Keras model; got {type(network).__name__}."
                )
        networks.warn_if_squashed(discriminator)
        if self.recipe.spectral_norm:
            discriminator = networks.spectral_normalized(discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.adversarial_loss = losses.get_loss(self.recipe.loss)
        self.augmentations = augment_ops.parse_policy(self.recipe.augment)
        self.ema_generator = None
        if self.recipe.ema is not None:
            self.ema_generator = networks.ema_copy(generator)
        self.image_shape = self._generator_output_shape()
        augment_ops.check_image_shape(self.augmentations, self.image_shape)
        # One seed generator owned by the model: keras.random needs an explicit
        # seed state under JAX tracing, and it travels in the model state.
        self.seed_generator = keras.random.SeedGenerator()
        self.make_trackers()
        self.built = True  # both networks are built; fit() must not trace call()

    # -- configuration -----------------------------------------------------

    def build_generator(self, latent_dim, **network_args):
        """Builds the architecture's generator (built-in architectures override it)."""
        raise NotImplementedError

    def build_discriminator(self, **network_args):
        """Builds the architecture's discriminator (built-in architectures override it)."""
        raise NotImplementedError

    @property
    def penalties(self) -> dict:
        return self.recipe.penalties

    def log_names(self):
        """The names of the logged metrics, each shown once by the progress bar."""
        return ["d_loss", "g_loss", "d_real", "d_fake", *self.penalties]

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            **self.recipe.to_config(),
            # Built-in architectures add the arguments they were built from.
            **(self.network_args or {}),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def constructor_config(self):
        """The constructor arguments that rebuild this model (no network configs)."""
        if self.network_args is None:
            raise ValueError(
                "kgan: a GAN built from user networks has no architecture config; "
                "save it with model.save('model.keras') instead."
            )
        return {
            **self.network_args,
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            **self.recipe.to_config(),
        }

    def default_optimizers(self):
        """Adam(2e-4, beta_1=0.5) for both networks, as in Radford et al. 2015."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

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
        generator_ids = {id(v) for v in self.generator.trainable_variables}
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
        spec = self.generator.compute_output_spec(self._latent_spec())
        return tuple(int(d) for d in spec.shape[1:])

    def _latent_spec(self):
        return keras.KerasTensor((None, self.latent_dim))

    def call(self, latents, training=False):
        return self.generate(latents, training=training)

    def generator_network(self, training=False, ema=None):
        """The generator to run: the raw one while training or with ``ema=False``,
        else the EMA copy where the model keeps one."""
        if ema and self.ema_generator is None:
            raise ValueError("kgan: this model keeps no EMA generator; build it with ema=0.999.")
        use_ema = (not training) if ema is None else bool(ema)
        return self.ema_generator if use_ema and self.ema_generator is not None else self.generator

    def generate(self, latents, labels=None, training=False, ema=None):
        """Images from latents (labels are used by conditional models only).

        Uses the EMA generator unless ``training`` or ``ema=False``.
        """
        return backend.call_network(self.generator_network(training, ema), latents, training)

    def discriminate(self, images, labels=None, training=False):
        """Discriminator outputs (logits, or critic scores) for a batch."""
        return backend.call_network(self.discriminator, images, training)

    def draw_latents(self, batch_size):
        return self.draw_rows(keras.random.normal, (self.latent_dim,), batch_size)

    # -- sampling ---------------------------------------------------------------

    def latents(self, n: int, seed: int | None = None) -> np.ndarray:
        """Standard-normal latents from numpy, identical on every backend."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def _sample_labels(self, n, labels):
        return None

    def sample(
        self,
        n: int,
        seed: int | None = None,
        latents: np.ndarray | None = None,
        labels=None,
        batch_size: int = 256,
        ema: bool | None = None,
        truncation: float = 1.0,
    ) -> np.ndarray:
        """Generates ``n`` images as a float32 numpy array (n, H, W, C) in [-1, 1].

        Latents come from numpy (``seed``) unless given, so the same weights
        and the same latents give the same images on every backend. A model
        built with ``ema`` samples from its EMA generator unless ``ema=False``.
        ``truncation`` (ψ in [0, 1]) scales the latents toward their mean first
        (``kgan.models.latent_space.truncate``): less variety, more typical images.

        Example:

        >>> import kgan
        >>> images = kgan.DCGAN().sample(16, seed=0)
        >>> images.shape, images.dtype
        ((16, 28, 28, 1), dtype('float32'))
        >>> typical = kgan.DCGAN().sample(16, seed=0, truncation=0.6)
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(
                f"kgan: expected n, the number of images, as an integer >= 0; got {n!r}."
            )
        if labels is not None and self.num_classes is None:
            raise ValueError("kgan: labels are for conditional models; this model takes none.")
        if latents is None:
            latents = self.latents(int(n), seed)
        latents = np.asarray(latents, dtype="float32")
        if latents.shape != (n, self.latent_dim):
            raise ValueError(
                f"kgan: expected latents of shape ({n}, {self.latent_dim}); got {latents.shape}."
            )
        latents = truncate(latents, truncation)
        labels = self._sample_labels(n, labels)
        chunks = []
        for start in range(0, n, batch_size):
            stop = start + batch_size
            chunk_labels = None if labels is None else labels[start:stop]
            chunk_latents = ops.convert_to_tensor(latents[start:stop])
            images = self.generate(chunk_latents, chunk_labels, training=False, ema=ema)
            chunks.append(ops.convert_to_numpy(images))
        images = np.concatenate(chunks) if chunks else np.zeros((0, *self.image_shape))
        return np.clip(images, -1.0, 1.0).astype("float32")

    # GAN inversion, written once as a function of the model: its docstring is the method's.
    project = project

    def edit(self, latents, direction, strength, labels=None, ema=None) -> np.ndarray:
        """Images of ``latents`` moved by ``strength`` along ``direction`` (a latent vector,
        one for all or one per row; unit-normalized), e.g. a class direction found by
        ``kgan.editing.find_class_directions``. Conditional models move between classes.

        Example:

        >>> import kgan
        >>> model = kgan.DCGAN(width=8, latent_dim=16)
        >>> z = model.latents(4, seed=0)
        >>> model.edit(z, z[0], strength=2.0).shape
        (4, 28, 28, 1)
        """
        if labels is not None:
            raise ValueError("kgan: labels are for conditional models; this model takes none.")
        moved = edited_latents(latents, direction, strength)
        return self.sample(len(moved), latents=moved, ema=ema)

    # -- export ---------------------------------------------------------------

    def generator_signature(self) -> list:
        """The generator's inputs for export: latents (None, latent_dim) float32."""
        return [keras.InputSpec(shape=(None, self.latent_dim), dtype="float32", name="latents")]

    def export_generator(self, path, format: str | None = None):
        """Writes the generator alone (the EMA one where the model keeps it) for serving.

        ``format`` is one that Keras exports on this backend
        (``kgan.backend.EXPORT_FORMATS``): ``"tf_saved_model"`` on TensorFlow
        and JAX, ``"onnx"`` on PyTorch (and on TensorFlow/JAX with tf2onnx or
        jax2onnx installed). None picks what the backend writes: onnx for a
        path ending in ``.onnx``, else the first of those. The artifact maps
        latents (and, for conditional models, int32 labels shaped (n, 1)) to
        images in [-1, 1], the same images ``sample()`` gives for those
        latents. An existing ``path`` is never overwritten; a failed export
        leaves nothing behind.

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
        """A GAN serves its generator: the same as ``export_generator(filepath, format)``."""
        return self.export_generator(filepath, format)
