"""``kgan.GAN``: the base model, which trains any generator/discriminator pair."""

import functools
import warnings
from pathlib import Path

import keras
import numpy as np
from keras import ops

from kgan import augment as augment_ops
from kgan import backend, files, inputs, losses
from kgan.models import networks


@keras.saving.register_keras_serializable(package="kgan")
class GAN(keras.Model):
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
        latent_dim: int | None = None,
        d_steps: int = 1,
        *,
        loss: str = "nonsaturating",
        penalties: dict | None = None,
        penalty_every: int = 1,
        ema: float | None = None,
        augment: str | None = None,
        augment_strength: float = 1.0,
        spectral_norm: bool = False,
        architecture: dict | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # Built-in architectures pass the arguments their networks are built
        # from; the networks are built here, once, for all of them.
        self.arch_config = None if architecture is None else dict(architecture)
        if latent_dim is None:
            raise ValueError("kgan: expected latent_dim, the size of the generator's input.")
        self.latent_dim = bounded_int("latent_dim", latent_dim, 1, MAX_SIZES["latent_dim"])
        self.d_steps = bounded_int("d_steps", d_steps, 1, MAX_SIZES["d_steps"])
        self.recipe = _check_recipe(
            loss=loss,
            penalties=penalties,
            penalty_every=penalty_every,
            ema=ema,
            augment=augment,
            augment_strength=augment_strength,
            spectral_norm=spectral_norm,
        )
        if generator is None or discriminator is None:
            if self.arch_config is None:
                raise ValueError("kgan: kgan.GAN needs both a generator and a discriminator.")
            if generator is None:
                generator = self.build_generator(self.latent_dim, **self.arch_config)
            if discriminator is None:
                discriminator = self.build_discriminator(**self.arch_config)
        for role, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.layers.Layer):
                raise ValueError(
                    f"kgan: expected the {role} as a Keras model; got {type(network).__name__}."
                )
        if self.recipe["spectral_norm"]:
            discriminator = networks.spectral_normalized(discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.adversarial_loss = losses.get_loss(self.recipe["loss"])
        self.augmentations = augment_ops.parse_policy(self.recipe["augment"])
        self.ema_generator = None
        if self.recipe["ema"] is not None:
            self.ema_generator = networks.ema_copy(generator)
        self.image_shape = self._generator_output_shape()
        augment_ops.check_image_shape(self.augmentations, self.image_shape)
        # One seed generator owned by the model: keras.random needs an explicit
        # seed state under JAX tracing, and it travels in the model state.
        self.seed_generator = keras.random.SeedGenerator()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.log_names()}
        self.built = True  # both networks are built; fit() must not trace call()

    # -- configuration -----------------------------------------------------

    def build_generator(self, latent_dim, **architecture):
        """Builds the architecture's generator (built-in architectures override it)."""
        raise NotImplementedError

    def build_discriminator(self, **architecture):
        """Builds the architecture's discriminator (built-in architectures override it)."""
        raise NotImplementedError

    @property
    def penalties(self) -> dict:
        return self.recipe["penalties"]

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
            **self.recipe,
            # Built-in architectures add the arguments they were built from.
            **(self.arch_config or {}),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def architecture_config(self):
        """The constructor arguments that rebuild this model (no network configs)."""
        if self.arch_config is None:
            raise ValueError(
                "kgan: a GAN built from user networks has no architecture config; "
                "save it with model.save('model.keras') instead."
            )
        return {
            **self.arch_config,
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            **self.recipe,
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
        for keyword in ("optimizer", "loss", "metrics"):
            if keyword in kwargs:
                hint = {
                    "optimizer": "pass d_optimizer= and g_optimizer= (two optimizers)",
                    "loss": "choose the loss by name when building the model, e.g. "
                    'kgan.DCGAN(loss="hinge")',
                    "metrics": "the losses and d_real/d_fake are logged already",
                }[keyword]
                raise ValueError(f"kgan: GAN.compile takes no {keyword}=; {hint}.")
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
        steps = bounded_int(
            "steps_per_execution",
            kwargs.pop("steps_per_execution", 1),
            1,
            MAX_SIZES["steps_per_execution"],
        )
        # The PyTorch trainer takes one step per call; the steps and results are the same.
        executed = steps if backend.MULTI_STEP_EXECUTION else 1
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
        return self.generator_network(training, ema)(latents, training=training)

    def discriminate(self, images, labels=None, training=False):
        """Discriminator outputs (logits, or critic scores) for a batch."""
        return self.discriminator(images, training=training)

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

    def augment(self, images):
        """DiffAugment of a batch, with the model's seed (the identity without ``augment``)."""
        return augment_ops.apply(
            images, self.augmentations, self.seed_generator, self.recipe["augment_strength"]
        )

    def penalty_due(self):
        """1.0 where this discriminator update computes the penalties, else 0.0.

        Read before the update's gradient is taken: under JAX only the step's
        outer scope maps the optimizer's iteration count.
        """
        every = self.recipe["penalty_every"]
        if every == 1:
            return ops.ones((), "float32")
        return ops.cast(ops.equal(ops.mod(self.d_optimizer.iterations, every), 0), "float32")

    def penalty_values(self, real, fake, labels, due=1.0):
        """{name: value} of the configured penalties; all 0 where ``due`` is 0 (lazy steps)."""
        if not self.penalties:
            return {}
        alpha_shape = (1,) * len(self.image_shape)
        alpha = self.draw_rows(keras.random.uniform, alpha_shape, ops.shape(real)[0])

        def critic(images):
            return self.discriminate(images, labels, training=True)

        def measure():
            with self._state_frozen():
                return {
                    name: losses.get_penalty(name)(critic, real, fake, alpha)
                    for name in self.penalties
                }

        if self.recipe["penalty_every"] == 1:
            return measure()
        skipped = {name: ops.zeros((), "float32") for name in self.penalties}
        return ops.cond(ops.greater(due, 0.0), measure, lambda: skipped)

    def _state_frozen(self):
        # Every variable mapped to its current value: whatever the networks
        # assign inside (BatchNorm statistics, spectral-norm vectors) stays in
        # the scope and is dropped, on every backend.
        return keras.StatelessScope(state_mapping=[(v, v.value) for v in self.variables])

    def discriminator_loss(self, real, fake, labels, due=1.0):
        """(d_loss, logs) for one discriminator update; real and fake are batches.

        ``due`` (from ``penalty_due()``) says whether this update computes the penalties.
        """
        real_out = self.discriminate(self.augment(real), labels, training=True)
        fake_out = self.discriminate(self.augment(fake), labels, training=True)
        d_loss = self.adversarial_loss.d_loss(real_out, fake_out)
        values = self.penalty_values(real, fake, labels, due)
        every = self.recipe["penalty_every"]
        for name, value in values.items():
            d_loss = d_loss + self.penalties[name] * every * value
        return d_loss, {
            "d_loss": d_loss,
            "d_real": ops.mean(self.adversarial_loss.score(_f32(real_out))),
            "d_fake": ops.mean(self.adversarial_loss.score(_f32(fake_out))),
            **values,
            PENALTY_WEIGHT: due,
        }

    def generator_loss(self, latents, labels):
        """(g_loss, logs) for one generator update."""
        fake = self.augment(self.generate(latents, labels, training=True))
        g_loss = self.adversarial_loss.g_loss(self.discriminate(fake, labels, training=True))
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
        for _ in range(self.d_steps):
            latents = self.draw_latents(batch_size)
            with backend.no_gradient():
                fake = ops.stop_gradient(self.generate(latents, labels, training=True))
            self.track(
                backend.minimize(
                    self,
                    functools.partial(
                        self.discriminator_loss, real, fake, labels, self.penalty_due()
                    ),
                    self.discriminator.trainable_variables,
                    self.d_optimizer,
                )
            )
        latents = self.draw_latents(batch_size)
        self.track(
            backend.minimize(
                self,
                functools.partial(self.generator_loss, latents, labels),
                self.generator.trainable_variables,
                self.g_optimizer,
            )
        )
        if self.ema_generator is not None:
            networks.update_ema(self.ema_generator, self.generator, self.ema_decay())
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def ema_decay(self):
        """This step's EMA decay: ``min(ema, (1 + n) / (10 + n))`` after n generator steps.

        The warm-up of TensorFlow's ``ExponentialMovingAverage(num_updates=n)``:
        without it, 0.999 would keep a quarter of the random initial weights in
        the average after 1,400 steps.
        """
        steps = ops.cast(self.g_optimizer.iterations, "float32")
        return ops.minimum(self.recipe["ema"], (1.0 + steps) / (10.0 + steps))

    def track(self, logs):
        """Adds one update's logs to the epoch means (D logs average over all D updates)."""
        for name, value in logs.items():
            if name in self.trackers:
                # Lazily computed penalties count only on the updates that computed them.
                weight = logs[PENALTY_WEIGHT] if name in self.penalties else 1.0
                self.trackers[name].update_state(value, sample_weight=weight)

    def train_step(self, *args):
        return backend.train_step(self, *args)

    def stateful_test_step(self, data):
        """Held-out losses without any update: ``evaluate()`` and ``fit(validation_data=...)``.

        The adversarial losses of the raw generator and the discriminator, both
        in inference mode, on the batch and fresh latents, and ``d_real`` /
        ``d_fake``; penalties and augmentation are training-time parts and are
        left out. Logged as ``val_d_loss`` etc. during ``fit()``.
        """
        real, labels = self.unpack_batch(data)
        latents = self.draw_latents(ops.shape(real)[0])
        fake = self.generate(latents, labels, training=False, ema=False)
        real_out = _f32(self.discriminate(real, labels, training=False))
        fake_out = _f32(self.discriminate(fake, labels, training=False))
        logs = {
            "d_loss": self.adversarial_loss.d_loss(real_out, fake_out),
            "g_loss": self.adversarial_loss.g_loss(fake_out),
            "d_real": ops.mean(self.adversarial_loss.score(real_out)),
            "d_fake": ops.mean(self.adversarial_loss.score(fake_out)),
        }
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in logs}

    def test_step(self, *args):
        return backend.test_step(self, *args)

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``, after checking the data (see ``kgan.inputs``).

        ``validation_data`` or ``validation_split`` add ``val_d_loss``,
        ``val_g_loss``, ``val_d_real`` and ``val_d_fake`` to the logs (see
        ``stateful_test_step``), for callbacks such as ``EarlyStopping``.
        """
        x = inputs.check_fit_data(x, y, self.image_shape, self.num_classes)
        validation = kwargs.get("validation_data")
        if validation is not None:
            kwargs["validation_data"] = self._check_validation_data(validation)
        backend.sync_replicas(self)
        with backend.keep_usable(self):
            return super().fit(x, y, *args, **kwargs)

    def _check_validation_data(self, validation):
        if isinstance(validation, tuple | list) and len(validation) in (1, 2, 3):
            held_x, held_y = validation[0], validation[1] if len(validation) > 1 else None
            checked = inputs.check_fit_data(held_x, held_y, self.image_shape, self.num_classes)
            return (checked, *validation[1:]) if checked is not held_x else validation
        return inputs.check_fit_data(validation, None, self.image_shape, self.num_classes)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.evaluate`` on held-out images: D and G losses, d_real, d_fake.

        Example:

        >>> import numpy as np, kgan
        >>> model = kgan.DCGAN(width=8)
        >>> model.compile()
        >>> images = np.random.uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
        >>> sorted(model.evaluate(images, verbose=0, return_dict=True))
        ['d_fake', 'd_loss', 'd_real', 'g_loss']
        """
        x = inputs.check_fit_data(x, y, self.image_shape, self.num_classes)
        with backend.keep_usable(self):
            return super().evaluate(x, y, *args, **kwargs)

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
    ) -> np.ndarray:
        """Generates ``n`` images as a float32 numpy array (n, H, W, C) in [-1, 1].

        Latents come from numpy (``seed``) unless given, so the same weights
        and the same latents give the same images on every backend. A model
        built with ``ema`` samples from its EMA generator unless ``ema=False``.

        Example:

        >>> import kgan
        >>> images = kgan.DCGAN().sample(16, seed=0)
        >>> images.shape, images.dtype
        ((16, 28, 28, 1), dtype('float32'))
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

    # -- export ---------------------------------------------------------------

    def generator_signature(self) -> list:
        """The generator's inputs for export: latents (None, latent_dim) float32."""
        return [keras.InputSpec(shape=(None, self.latent_dim), dtype="float32", name="latents")]

    def export_generator(self, path, format: str = "tf_saved_model") -> Path:
        """Writes the generator alone (the EMA one where the model keeps it) for serving.

        ``format`` is one that Keras exports on this backend
        (``kgan.backend.EXPORT_FORMATS``): ``"tf_saved_model"`` on TensorFlow
        and JAX, ``"onnx"`` on PyTorch (and on TensorFlow/JAX with tf2onnx or
        jax2onnx installed). The artifact maps latents (and, for conditional
        models, int32 labels shaped (n, 1)) to images in [-1, 1], the same
        images ``sample()`` gives for those latents. An existing ``path`` is
        never overwritten; a failed export leaves nothing behind.

        Example:

        >>> import kgan, tensorflow as tf
        >>> model = kgan.load("dcgan-mnist")
        >>> model.export_generator("dcgan-mnist-generator")  # doctest: +SKIP
        >>> served = tf.saved_model.load("dcgan-mnist-generator")  # doctest: +SKIP
        >>> images = served.serve(model.latents(16, seed=0))  # doctest: +SKIP
        """
        if format not in backend.EXPORT_FORMATS:
            raise ValueError(
                f"kgan: expected format as one of {', '.join(backend.EXPORT_FORMATS)} on the "
                f"{backend.name} backend (what Keras exports there); got {format!r}."
            )
        path = Path(path)
        if path.exists():
            raise ValueError(f"kgan: {path} exists already; choose another path to export to.")
        network = self.generator_network()

        def write(temporary):
            try:
                with warnings.catch_warnings():
                    # torch.onnx's tracer warns about Keras's shape arithmetic, static here.
                    warnings.simplefilter("ignore")
                    network.export(
                        temporary,
                        format=format,
                        verbose=False,
                        input_signature=self.generator_signature(),
                    )
            except ImportError as error:  # tf2onnx, jax2onnx, onnxscript are optional
                raise ValueError(
                    f"kgan: exporting {format} on {backend.name} needs a package that is not "
                    f"installed: {files.error_reason(error, 'ImportError')}"
                ) from None

        files.write_atomically(path, write)
        return path

    def export(self, filepath, format="tf_saved_model", verbose=None, **kwargs):
        """A GAN serves its generator: the same as ``export_generator(filepath, format)``."""
        return self.export_generator(filepath, format)


PENALTY_WEIGHT = "penalty_weight"  # in the step's logs, not logged itself

# Upper bounds on sizes a config may ask for: far above any sensible model, low
# enough that a hostile or mistyped config.json fails in one line, not in an
# out-of-memory crash minutes later.
MAX_SIZES = {
    "latent_dim": 65_536,
    "d_steps": 100,
    "steps_per_execution": 10_000,
    "penalty_every": 1_000_000,
    "width": 4_096,
    "image_side": 2_048,
    "channels": 64,
    "hidden_units": 65_536,
    "num_classes": 100_000,
}


def bounded_int(name, value, low, high) -> int:
    """``value`` as an int in [low, high]; a one-line ValueError otherwise."""
    try:
        number = int(value)
        exact = number == value
    except (TypeError, ValueError, OverflowError):
        number, exact = None, False
    if isinstance(value, bool) or not exact or not low <= number <= high:
        raise ValueError(f"kgan: expected {name} as an integer in [{low}, {high}]; got {value!r}.")
    return number


def bounded_image_shape(image_shape) -> tuple:
    """An image shape of positive, bounded sizes; channels last."""
    if not isinstance(image_shape, list | tuple) or not 1 <= len(image_shape) <= 3:
        raise ValueError(
            f"kgan: expected image_shape as a list like [28, 28, 1]; got {image_shape!r}."
        )
    *sides, last = image_shape
    sides = [bounded_int("image_shape side", d, 1, MAX_SIZES["image_side"]) for d in sides]
    limit = MAX_SIZES["channels"] if len(image_shape) == 3 else MAX_SIZES["image_side"]
    return (*sides, bounded_int("image_shape last axis", last, 1, limit))


def _f32(x):
    return ops.cast(x, "float32")


def _check_recipe(**recipe):
    """The recipe settings, checked and in plain types (they go to JSON configs)."""
    losses.get_loss(recipe["loss"])  # raises for unknown names
    penalties = recipe["penalties"] or {}
    if not isinstance(penalties, dict):
        raise ValueError(
            f"kgan: expected penalties as a dict of name to weight, e.g. {{'r1': 1.0}}; "
            f"got {penalties!r}."
        )
    for name, weight in penalties.items():
        losses.get_penalty(name)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise ValueError(f"kgan: expected a penalty weight >= 0 for {name!r}; got {weight!r}.")
    every, ema = recipe["penalty_every"], recipe["ema"]
    bounded_int("penalty_every", every, 1, MAX_SIZES["penalty_every"])
    if ema is not None and (
        isinstance(ema, bool) or not isinstance(ema, int | float) or not 0.0 <= ema < 1.0
    ):
        raise ValueError(
            f"kgan: expected ema as a decay in [0, 1), e.g. 0.999, or None; got {ema!r}."
        )
    strength = recipe["augment_strength"]
    if isinstance(strength, bool) or not isinstance(strength, int | float) or strength < 0:
        raise ValueError(f"kgan: expected augment_strength >= 0; got {strength!r}.")
    policy = augment_ops.parse_policy(recipe["augment"])
    if not isinstance(recipe["spectral_norm"], bool):
        raise ValueError(
            f"kgan: expected spectral_norm as true or false; got {recipe['spectral_norm']!r}."
        )
    return {
        **recipe,
        "penalties": {name: float(weight) for name, weight in penalties.items()},
        "ema": None if ema is None else float(ema),
        "augment": ",".join(policy) or None,
        "augment_strength": float(strength),
    }


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
