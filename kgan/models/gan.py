"""``kgan.GAN``: the base model, which trains any generator/discriminator pair."""

import functools

import keras
import numpy as np
from keras import ops

from kgan import backend, inputs, losses


@keras.saving.register_keras_serializable(package="kgan")
class GAN(keras.Model):
    """A generative adversarial network that trains with ``fit()`` on every backend.

    Bring your own networks: ``generator`` maps latents ``(batch, latent_dim)``
    to images in [-1, 1]; ``discriminator`` maps images to one logit each.
    Training uses the non-saturating losses of Goodfellow et al. 2014 and
    updates the discriminator ``d_steps`` times per generator update (each
    time on the same real batch, with fresh latents). Subclasses change the
    losses (``d_loss_fn``, ``g_loss_fn``) or how the networks are called.

    Data for ``fit()``: float images scaled to [-1, 1], as numpy arrays, a
    ``tf.data.Dataset`` or a ``keras.utils.PyDataset``. Labels, if present,
    are ignored by unconditional models.

    Example:

    >>> import keras, numpy as np, kgan
    >>> generator = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="tanh")])
    >>> discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> gan = kgan.GAN(generator, discriminator, latent_dim=8)
    >>> gan.compile()
    >>> history = gan.fit(np.zeros((64, 2), "float32"), batch_size=32, verbose=0)
    >>> gan.sample(4, seed=0).shape
    (4, 2)
    """

    d_loss_fn = staticmethod(losses.nonsaturating_d_loss)
    g_loss_fn = staticmethod(losses.nonsaturating_g_loss)
    num_classes = None

    def __init__(self, generator, discriminator, latent_dim: int, d_steps: int = 1, **kwargs):
        super().__init__(**kwargs)
        if int(latent_dim) < 1 or int(d_steps) < 1:
            raise ValueError(
                f"kgan: expected latent_dim >= 1 and d_steps >= 1; "
                f"got latent_dim={latent_dim}, d_steps={d_steps}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.d_steps = int(d_steps)
        self.image_shape = self._generator_output_shape()
        # One seed generator owned by the model: keras.random needs an explicit
        # seed state under JAX tracing, and it travels in the model state.
        self.seed_generator = keras.random.SeedGenerator()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.log_names()}
        self.built = True  # both networks are built; fit() must not trace call()

    # -- configuration -----------------------------------------------------

    def log_names(self):
        """The names of the logged metrics, each shown once by the progress bar."""
        return ["d_loss", "g_loss", "d_real", "d_fake"]

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            # Built-in architectures add the arguments they were built from.
            **getattr(self, "arch_config", {}),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def architecture_config(self):
        """The constructor arguments that rebuild this architecture (no network configs)."""
        arch_config = getattr(self, "arch_config", None)
        if arch_config is None:
            raise ValueError(
                "kgan: a GAN built from user networks has no architecture config; "
                "save it with model.save('model.keras') instead."
            )
        return {**arch_config, "latent_dim": self.latent_dim, "d_steps": self.d_steps}

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
        """
        default_d, default_g = self.default_optimizers()
        self.d_optimizer = keras.optimizers.get(d_optimizer or default_d)
        self.g_optimizer = keras.optimizers.get(g_optimizer or default_g)
        loss_scale = _shared_loss_scale(self.d_optimizer, self.g_optimizer)
        if self.d_optimizer is self.g_optimizer:
            raise ValueError("kgan: d_optimizer and g_optimizer must be two different optimizers.")
        generator_ids = {id(v) for v in self.generator.trainable_variables}
        d_optimizer, g_optimizer = self.d_optimizer, self.g_optimizer

        def choose_optimizer(variable):
            return g_optimizer if id(variable) in generator_ids else d_optimizer

        optimizer = keras.optimizers.MultiOptimizer(choose_optimizer, loss_scale_factor=loss_scale)
        super().compile(optimizer=optimizer, **kwargs)
        self._kgan_compile_config = {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
        }
        self.optimizer.build(self.trainable_variables)

    def get_compile_config(self):
        return getattr(self, "_kgan_compile_config", None)

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
        )

    @property
    def metrics(self):
        return list(self.trackers.values())

    # -- the networks --------------------------------------------------------

    def _generator_output_shape(self):
        spec = self.generator.compute_output_spec(self._latent_spec())
        return tuple(int(d) for d in spec.shape[1:])

    def _latent_spec(self):
        return keras.KerasTensor((None, self.latent_dim))

    def call(self, latents, training=False):
        return self.generator(latents, training=training)

    def generate(self, latents, labels=None, training=False):
        """Images from latents (labels are used by conditional models only)."""
        return self.generator(latents, training=training)

    def discriminate(self, images, labels=None, training=False):
        """Discriminator outputs (logits, or critic scores) for a batch."""
        return self.discriminator(images, training=training)

    def score(self, outputs):
        """What ``d_real``/``d_fake`` report: the probability of 'real'."""
        return ops.sigmoid(outputs)

    # -- training: written once, run by kgan.backend on each backend ---------

    def unpack_batch(self, data):
        """(images, labels) from a batch as Keras hands it to ``train_step``."""
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(images, dict):
            images, labels = inputs.split_batch(images)
        return images, labels

    def draw_rows(self, distribution, shape, batch_size):
        """A ``(batch_size, *shape)`` draw from the model's seed generator, per replica.

        ``distribution`` is a ``keras.random`` sampler such as ``keras.random.normal``.
        """
        return backend.replica_rows(
            lambda rows: distribution((rows, *shape), seed=self.seed_generator), batch_size
        )

    def draw_latents(self, batch_size):
        return self.draw_rows(keras.random.normal, (self.latent_dim,), batch_size)

    def discriminator_loss(self, real, fake, labels):
        """(d_loss, logs) for one discriminator update; real and fake are batches."""
        real_out = self.discriminate(real, labels, training=True)
        fake_out = self.discriminate(fake, labels, training=True)
        d_loss = self.d_loss_fn(real_out, fake_out)
        return d_loss, {
            "d_loss": d_loss,
            "d_real": ops.mean(self.score(real_out)),
            "d_fake": ops.mean(self.score(fake_out)),
        }

    def generator_loss(self, latents, labels):
        """(g_loss, logs) for one generator update."""
        fake = self.generate(latents, labels, training=True)
        g_loss = self.g_loss_fn(self.discriminate(fake, labels, training=True))
        return g_loss, {"g_loss": g_loss}

    def stateful_train_step(self, data):
        """One training step in ordinary stateful style: d_steps D updates, one G update.

        ``kgan.backend`` runs it under each backend's ``train_step`` contract
        (for JAX, inside a ``keras.StatelessScope``).
        """
        real, labels = self.unpack_batch(data)
        if self.num_classes is not None and labels is None:
            inputs.check_labels(None, self.num_classes, 0)
        batch_size = ops.shape(real)[0]
        logs = {}
        for _ in range(self.d_steps):
            latents = self.draw_latents(batch_size)
            with backend.no_gradient():
                fake = ops.stop_gradient(self.generate(latents, labels, training=True))
            logs = backend.minimize(
                self,
                functools.partial(self.discriminator_loss, real, fake, labels),
                self.discriminator.trainable_variables,
                self.d_optimizer,
            )
        latents = self.draw_latents(batch_size)
        logs |= backend.minimize(
            self,
            functools.partial(self.generator_loss, latents, labels),
            self.generator.trainable_variables,
            self.g_optimizer,
        )
        for name, tracker in self.trackers.items():
            tracker.update_state(logs[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, *args):
        return backend.train_step(self, *args)

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``, after checking the data (see ``kgan.inputs``)."""
        inputs.check_fit_data(x, y, self.image_shape, self.num_classes)
        return super().fit(x, y, *args, **kwargs)

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
    ) -> np.ndarray:
        """Generates ``n`` images as a float32 numpy array (n, H, W, C) in [-1, 1].

        Latents come from numpy (``seed``) unless given, so the same weights
        and the same latents give the same images on every backend.

        Example:

        >>> import kgan
        >>> images = kgan.DCGAN().sample(16, seed=0)
        >>> images.shape, images.dtype
        ((16, 28, 28, 1), dtype('float32'))
        """
        if latents is None:
            latents = self.latents(int(n), seed)
        latents = np.asarray(latents, dtype="float32")
        if latents.shape != (n, self.latent_dim):
            raise ValueError(
                f"kgan: expected latents of shape ({n}, {self.latent_dim}); got {latents.shape}."
            )
        labels = self._sample_labels(n, labels)
        chunks = []
        for start in range(0, n, batch_size):
            stop = start + batch_size
            chunk_labels = None if labels is None else labels[start:stop]
            chunk_latents = ops.convert_to_tensor(latents[start:stop])
            images = self.generate(chunk_latents, chunk_labels, training=False)
            chunks.append(ops.convert_to_numpy(images))
        images = np.concatenate(chunks) if chunks else np.zeros((0, *self.image_shape))
        return np.clip(images, -1.0, 1.0).astype("float32")


def _shared_loss_scale(d_optimizer, g_optimizer):
    """The loss_scale_factor both optimizers share (MultiOptimizer imposes one on both)."""
    for optimizer in (d_optimizer, g_optimizer):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            raise ValueError(
                "kgan: expected plain optimizers, not a LossScaleOptimizer (Keras's "
                "MultiOptimizer refuses it); for mixed_float16 give both optimizers the "
                "same loss_scale_factor, e.g. Adam(2e-4, beta_1=0.5, loss_scale_factor=128.0)."
            )
    if d_optimizer.loss_scale_factor != g_optimizer.loss_scale_factor:
        raise ValueError(
            "kgan: expected d_optimizer and g_optimizer to share one loss_scale_factor; "
            f"got {d_optimizer.loss_scale_factor} and {g_optimizer.loss_scale_factor}."
        )
    return d_optimizer.loss_scale_factor
