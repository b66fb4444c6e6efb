"""The adversarial step, written once, apart from the networks (as Keras's Trainer beside Model).

``AdversarialStep`` is a mixin for ``keras.Model`` subclasses. It brings:

- the building blocks any adversarial model composes its step from, whatever
  its number of networks: ``update`` (one gradient step of some variables with
  one optimizer, its logs tracked), ``penalty_due`` and ``penalty_values``
  (R1/R2/GP on a critic, lazily), ``augment``, ``draw_rows`` and the
  trackers behind the progress bar;
- the two-network step of a GAN on top of them (``stateful_train_step``:
  ``d_steps`` discriminator updates, then one generator update, then the
  EMA), and its held-out counterpart ``stateful_test_step``;
- ``train_step``/``test_step``, which ``kgan.backend`` runs under each
  backend's contract, and ``fit``/``evaluate``, which check the data first.

The model provides the networks (``generate``, ``discriminate``), the
``recipe`` (``kgan.models.recipe.Recipe``), the optimizers and
``log_names()``.
"""

import functools

import keras
from keras import ops

from kgan import augment as augment_ops
from kgan import backend, losses
from kgan.data import fit_inputs, rules
from kgan.models import networks


def _f32(x):
    return ops.cast(x, "float32")


class AdversarialStep:
    """The training and test steps of kgan's models (a mixin for ``keras.Model``)."""

    # -- building blocks --------------------------------------------------------

    def make_trackers(self):
        """One ``keras.metrics.Mean`` per logged name, each shown once by the progress bar."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.log_names()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def track(self, logs: dict, weights: dict | None = None):
        """Adds one update's logs to the epoch means (D logs average over all D updates).

        ``weights`` gives a log its sample weight: a lazily computed penalty
        counts only on the updates that computed it.
        """
        weights = weights or {}
        for name, value in logs.items():
            if name in self.trackers:
                # No weight rather than 1.0: the same mean, with fewer eager ops on PyTorch.
                self.trackers[name].update_state(value, sample_weight=weights.get(name))

    def results(self) -> dict:
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def update(self, loss_fn, variables, optimizer, weights: dict | None = None) -> dict:
        """One gradient step of ``variables`` for ``loss_fn() -> (loss, logs)``; logs tracked
        (and returned, for what the step does after the update)."""
        logs = backend.minimize(self, loss_fn, variables, optimizer)
        self.track(logs, weights)
        return logs

    def draw_rows(self, distribution, shape, batch_size):
        """A ``(batch_size, *shape)`` draw from the model's seed generator, per replica.

        ``distribution`` is a ``keras.random`` sampler such as ``keras.random.normal``.
        """
        return backend.replica_rows(
            lambda rows: distribution((rows, *shape), seed=self.seed_generator), batch_size
        )

    def augment(self, images):
        """DiffAugment of a batch, with the model's seed (the identity without ``augment``);
        under adaptive augmentation each image takes each augmentation with probability p."""
        return augment_ops.apply(
            images,
            self.augmentations,
            self.seed_generator,
            self.recipe.augment_strength,
            probability=None if self.ada is None else self.ada.p.value,
        )

    def observe_real_outputs(self, logs: dict):
        """Feeds one discriminator update's ``real_signs`` to the adaptive augmentation (ADA's
        overfitting heuristic moves p every ``ada_interval`` updates) and logs ``ada_p``."""
        if self.ada is not None:
            self.ada.observe(logs["real_signs"], logs["real_count"])
            self.trackers["ada_p"].update_state(self.ada.p.value)

    def penalty_due(self, optimizer):
        """1.0 where this update of ``optimizer`` computes the penalties, else 0.0.

        Read before the update's gradient is taken: under JAX only the step's
        outer scope maps the optimizer's iteration count.
        """
        every = self.recipe.penalty_every
        if every == 1:
            return ops.ones((), "float32")
        return ops.cast(ops.equal(ops.mod(optimizer.iterations, every), 0), "float32")

    def penalty_weights(self, due) -> dict:
        """The sample weight of each penalty's log for an update with this ``due``."""
        return {name: due for name in self.recipe.penalties}

    def penalty_values(self, critic, real, fake, due=1.0) -> dict:
        """{name: value} of the recipe's penalties on ``critic``; all 0 where ``due`` is 0.

        Penalties are measured on the un-augmented images and do not update the
        critic's state (BatchNorm statistics, spectral-norm vectors).
        """
        penalties = self.recipe.penalties
        if not penalties:
            return {}
        alpha_shape = (1,) * (len(ops.shape(real)) - 1)
        alpha = self.draw_rows(keras.random.uniform, alpha_shape, ops.shape(real)[0])

        def measure():
            with self.frozen_state():
                return {
                    name: losses.get_penalty(name)(critic, real, fake, alpha) for name in penalties
                }

        if self.recipe.penalty_every == 1:
            return measure()
        skipped = {name: ops.zeros((), "float32") for name in penalties}
        return ops.cond(ops.greater(due, 0.0), measure, lambda: skipped)

    def penalized(self, d_loss, values: dict):
        """``d_loss`` plus each penalty times its weight (and the lazy interval)."""
        every = self.recipe.penalty_every
        for name, value in values.items():
            d_loss = d_loss + self.recipe.penalties[name] * every * value
        return d_loss

    def frozen_state(self):
        # Every variable mapped to its current value: whatever the networks
        # assign inside (BatchNorm statistics, spectral-norm vectors) stays in
        # the scope and is dropped, on every backend.
        return keras.StatelessScope(state_mapping=[(v, v.value) for v in self.variables])

    def update_ema(self, batch_size):
        """One EMA step of the generator's average (where the model keeps one)."""
        if self.ema_generator is not None:
            networks.update_ema(self.ema_generator, self.generator, self.ema_decay(batch_size))

    def ema_decay(self, batch_size):
        """This step's EMA decay: ``min(decay, (1 + n) / (10 + n))`` after n generator steps.

        ``decay`` is ``ema``, or ``0.5 ** (batch_size / (1000 * ema_kimg))`` for a
        half-life of ``ema_kimg`` thousand images (StyleGAN2's ``ema_kimg``), so the
        average spans as many images at any batch size. The warm-up is TensorFlow's
        ``ExponentialMovingAverage(num_updates=n)``: without it, 0.999 would keep a
        quarter of the random initial weights in the average after 1,400 steps.
        """
        steps = ops.cast(self.g_optimizer.iterations, "float32")
        if self.recipe.ema_kimg is None:
            decay = self.recipe.ema
        else:
            images = ops.cast(batch_size, "float32") / (1000.0 * self.recipe.ema_kimg)
            decay = ops.power(0.5, images)
        return ops.minimum(decay, (1.0 + steps) / (10.0 + steps))

    # -- the two-network step of a GAN -----------------------------------------

    def unpack_batch(self, data):
        """(images, labels) from a batch as Keras hands it to ``train_step``."""
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(images, dict):
            images, labels = fit_inputs.split_batch(images)
        return images, labels

    def discriminator_loss(self, real, fake, labels, due=1.0):
        """(d_loss, logs) for one discriminator update; real and fake are batches.

        ``due`` (from ``penalty_due()``) says whether this update computes the
        penalties; ``penalty_weights(due)`` weighs their logs.
        """
        return self.critic_loss(
            functools.partial(self.discriminate, labels=labels, training=True), real, fake, due
        )

    def critic_loss(self, critic, real, fake, due=1.0):
        """(d_loss, logs) of one ``critic(images)`` (a discriminator in training mode) on a
        real and a fake batch: the adversarial loss, augmentation and penalties (models
        with several discriminators, such as CycleGAN, add theirs up)."""
        real_out = critic(self.augment(real))
        fake_out = critic(self.augment(fake))
        d_loss = self.adversarial_loss.d_loss(real_out, fake_out)
        values = self.penalty_values(critic, real, fake, due)
        d_loss = self.penalized(d_loss, values)
        logs = {
            "d_loss": d_loss,
            "d_real": ops.mean(self.adversarial_loss.score(_f32(real_out))),
            "d_fake": ops.mean(self.adversarial_loss.score(_f32(fake_out))),
            **values,
        }
        if self.ada is not None:  # ADA's r_t reads the signs of D's outputs on the reals
            logs["real_signs"] = ops.sum(ops.sign(_f32(real_out)))
            logs["real_count"] = ops.cast(ops.size(real_out), "float32")
        return d_loss, logs

    def adversarial_g_loss(self, critic, fake, real):
        """The generator's adversarial loss for a generated batch on ``critic(images)`` (a
        discriminator in training mode); a relativistic loss (RpGAN) also judges the
        paired real batch."""
        fake_out = critic(self.augment(fake))
        real_out = None
        if self.adversarial_loss.relativistic:
            # No gradient reaches the generator through D(x): none is recorded for it.
            real_out = ops.stop_gradient(critic(self.augment(real)))
        return self.adversarial_loss.generator_loss(fake_out, real_out)

    def generator_loss(self, latents, labels, real=None):
        """(g_loss, logs) for one generator update (``real``: the batch, for RpGAN)."""
        fake = self.generate(latents, labels, training=True)
        critic = functools.partial(self.discriminate, labels=labels, training=True)
        g_loss = self.adversarial_g_loss(critic, fake, real)
        return g_loss, {"g_loss": g_loss}

    def update_discriminator(self, real, fake, labels):
        """One discriminator update on a real and a generated batch (penalties where due)."""
        due = self.penalty_due(self.d_optimizer)
        logs = self.update(
            functools.partial(self.discriminator_loss, real, fake, labels, due),
            self.discriminator.trainable_variables,
            self.d_optimizer,
            self.penalty_weights(due),
        )
        self.observe_real_outputs(logs)

    def stateful_train_step(self, data):
        """One training step in ordinary stateful style: d_steps D updates, one G update.

        ``kgan.backend`` runs it under each backend's ``train_step`` contract
        (for JAX, inside a ``keras.StatelessScope``).
        """
        real, labels = self.unpack_batch(data)
        if self.num_classes is not None and labels is None:
            rules.check_labels(None)
        batch_size = ops.shape(real)[0]
        for _ in range(self.d_steps):
            latents = self.draw_latents(batch_size)
            with backend.no_gradient():
                fake = ops.stop_gradient(self.generate(latents, labels, training=True))
            self.update_discriminator(real, fake, labels)
        latents = self.draw_latents(batch_size)
        self.update(
            functools.partial(self.generator_loss, latents, labels, real),
            self.generator.trainable_variables,
            self.g_optimizer,
        )
        self.update_ema(batch_size)
        return self.results()

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
        return self.held_out_results(real, fake, labels)

    def held_out_results(self, real, fake, labels, extra_logs: dict | None = None) -> dict:
        """The held-out D and G losses, d_real and d_fake of one batch (plus ``extra_logs``),
        tracked; the discriminator in inference mode."""
        critic = functools.partial(self.discriminate, labels=labels, training=False)
        return self.tracked({**self.held_out_logs(critic, real, fake), **(extra_logs or {})})

    def held_out_logs(self, critic, real, fake) -> dict:
        """d_loss, g_loss, d_real and d_fake of one ``critic(images)`` (in inference mode)."""
        real_out, fake_out = _f32(critic(real)), _f32(critic(fake))
        return {
            "d_loss": self.adversarial_loss.d_loss(real_out, fake_out),
            "g_loss": self.adversarial_loss.generator_loss(fake_out, real_out),
            "d_real": ops.mean(self.adversarial_loss.score(real_out)),
            "d_fake": ops.mean(self.adversarial_loss.score(fake_out)),
        }

    def tracked(self, logs: dict) -> dict:
        """Adds held-out ``logs`` to their trackers; their means so far, by name."""
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in logs}

    # -- what Keras calls ---------------------------------------------------------

    def train_step(self, *args):
        return backend.train_step(self, *args)

    def test_step(self, *args):
        return backend.test_step(self, *args)

    def checked_inputs(self, x, y=None):
        """``x`` after checking it as training data for this model (``kgan.data.fit_inputs``)."""
        return fit_inputs.check_fit_data(x, y, self.image_shape, self.num_classes)

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``, after checking the data (see ``kgan.data.fit_inputs``).

        ``validation_data`` or ``validation_split`` add ``val_d_loss``,
        ``val_g_loss``, ``val_d_real`` and ``val_d_fake`` to the logs (see
        ``stateful_test_step``), for callbacks such as ``EarlyStopping``.
        """
        x = self.checked_inputs(x, y)
        validation = kwargs.get("validation_data")
        if validation is not None:
            kwargs["validation_data"] = self._checked_validation_data(validation)
        backend.sync_replicas(self)
        with backend.keep_usable(self):
            return super().fit(x, y, *args, **kwargs)

    def _checked_validation_data(self, validation):
        if isinstance(validation, tuple | list) and len(validation) in (1, 2, 3):
            held_x, held_y = validation[0], validation[1] if len(validation) > 1 else None
            checked = self.checked_inputs(held_x, held_y)
            return (checked, *validation[1:]) if checked is not held_x else validation
        return self.checked_inputs(validation)

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
        x = self.checked_inputs(x, y)
        with backend.keep_usable(self):
            return super().evaluate(x, y, *args, **kwargs)
