"""CycleGAN (Zhu et al. 2017): unpaired translation between two domains, both ways.

Two generators (A → B and B → A) and two discriminators (one per domain),
trained by the one step's blocks: each discriminator's loss is
``AdversarialStep.critic_loss`` (the loss registry, penalties, augmentation),
both are updated by ``d_optimizer`` and both generators by ``g_optimizer``
(Adam keeps per-variable state, so one optimizer over two networks whose
losses do not share variables is two optimizers). Spectral norm and EMA apply
to both pairs.
"""

import functools

import keras
import numpy as np
from keras import layers, ops

from kgan import backend, checks, losses
from kgan import images as image_grids
from kgan.data import fit_inputs
from kgan.models.adversarial_model import checked_network, chosen_generator
from kgan.models.dcgan import resolution_plan
from kgan.models.export import export_network
from kgan.models.networks import update_ema
from kgan.models.pix2pix import build_patch_discriminator, normalization
from kgan.models.registry import register_architecture
from kgan.models.translator import Translator, _weight, image_shapes

DIRECTIONS = ("a_to_b", "b_to_a")
MAX_POOL = 1000


def _mean_of(logs_a: dict, logs_b: dict) -> dict:
    # The two directions' logs, averaged name by name (one number per log, as a GAN's).
    return {name: 0.5 * (logs_a[name] + logs_b[name]) for name in logs_a}


def build_resnet_generator(image_shape, width=64, blocks=6):
    """The CycleGAN generator: a 7x7 conv, two stride-2 convs, residual ``blocks``, two
    transposed convs back up and a 7x7 conv to the image (instance norm throughout)."""
    inputs = keras.Input(tuple(image_shape), name="images")
    x = layers.Conv2D(width, 7, padding="same", use_bias=False, name="head")(inputs)
    x = layers.ReLU()(normalization("instance", "head_in")(x))
    for step in (1, 2):
        x = layers.Conv2D(
            width * 2**step, 3, strides=2, padding="same", use_bias=False, name=f"down{step}"
        )(x)
        x = layers.ReLU()(normalization("instance", f"down{step}_in")(x))
    for block in range(blocks):
        y = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, name=f"res{block}_a")(x)
        y = layers.ReLU()(normalization("instance", f"res{block}_a_in")(y))
        y = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, name=f"res{block}_b")(y)
        x = layers.Add(name=f"res{block}")([x, normalization("instance", f"res{block}_b_in")(y)])
    for step in (1, 0):
        x = layers.Conv2DTranspose(
            width * 2**step, 3, strides=2, padding="same", use_bias=False, name=f"up{step}"
        )(x)
        x = layers.ReLU()(normalization("instance", f"up{step}_in")(x))
    # float32 under mixed precision, as the other generators' last conv.
    x = layers.Conv2D(image_shape[-1], 7, padding="same", dtype="float32", name="to_image")(x)
    return keras.Model(inputs, layers.Activation("tanh", name="tanh")(x), name="generator")


class ImagePool(keras.layers.Layer):
    """The last ``size`` generated images of one domain (Shrivastava et al. 2017).

    Once full, each image a discriminator is shown is, with probability 1/2,
    replaced by one drawn from the pool; every batch then enters the pool in
    ring order, so the draw is a gather and the write has no conflicting indices.
    Its state is model variables: it is saved, checkpointed and resumed with them.
    """

    def __init__(self, size, image_shape, **kwargs):
        super().__init__(**kwargs)
        self.size = size
        self.images = self.add_weight(
            shape=(size, *image_shape), initializer="zeros", trainable=False, name="images"
        )
        self.filled = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="filled"
        )
        self.position = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="position"
        )

    def query(self, fakes, draws):
        """The images to judge for a batch of ``fakes``; ``draws`` is (n, 2) uniform [0, 1)."""
        count = ops.shape(fakes)[0]
        fakes32 = ops.cast(fakes, "float32")
        slots = ops.minimum(ops.cast(draws[:, 1] * self.size, "int32"), self.size - 1)
        full = ops.greater_equal(self.filled.value, self.size)
        use_pool = ops.logical_and(ops.less(draws[:, 0], 0.5), full)
        chosen = ops.where(
            ops.reshape(use_pool, (-1, 1, 1, 1)),
            ops.take(self.images.value, slots, axis=0),
            fakes32,
        )
        # Slot k takes the batch's image (k - position) mod size where that is in the batch.
        offset = ops.mod(ops.arange(self.size, dtype="int32") - self.position.value, self.size)
        written = ops.less(offset, count)
        incoming = ops.take(fakes32, ops.minimum(offset, count - 1), axis=0)
        self.images.assign(
            ops.where(ops.reshape(written, (-1, 1, 1, 1)), incoming, self.images.value)
        )
        self.position.assign(ops.mod(self.position.value + count, self.size))
        self.filled.assign(ops.minimum(self.filled.value + count, self.size))
        return ops.cast(chosen, fakes.dtype)


@register_architecture("cyclegan")
@keras.saving.register_keras_serializable(package="kgan")
class CycleGAN(Translator):
    """CycleGAN of Zhu et al. 2017: unpaired image-to-image translation, both ways.

    ``generator`` maps domain A to B and ``discriminator`` judges B;
    ``generator_ba`` maps B to A and ``discriminator_a`` judges A. The
    generators' loss is the adversarial loss both ways (least squares by
    default, as in the paper), ``cycle_weight`` (λ = 10) times the cycle L1
    ‖G_ba(G_ab(a)) − a‖ + ‖G_ab(G_ba(b)) − b‖, and ``identity_weight``
    (0.5·λ) times the identity L1 ‖G_ab(b) − b‖ + ‖G_ba(a) − a‖. The
    discriminators see their fakes through an ``ImagePool`` of ``pool_size``
    past ones (50 in the paper; 0: none).

    Args:
        image_shape: both domains' (height, width, channels); height and width
            divisible by 4 (≥ 16), e.g. (28, 28, 1).
        width: channels of the generators' first layer and the discriminators'.
        blocks: residual blocks per generator (6 in the paper at 128x128).
        cycle_weight: the cycle L1's weight (λ).
        identity_weight: the identity L1's weight (0.5·λ in the paper).
        pool_size: past fakes kept per discriminator (0: none).
        generator: your own A → B network instead of the built-in one; with it,
            ``discriminator`` (judges B), ``generator_ba`` (B → A) and
            ``discriminator_a`` (judges A): all four, or none.
        discriminator: see ``generator``.
        generator_ba: see ``generator``.
        discriminator_a: see ``generator``.
        **kwargs: the training recipe (``loss``, ``penalties``, ``ema``,
            ``spectral_norm``, ``augment``) and ``d_steps``.

    ``fit(domain_a, domain_b)``, or a dataset of ``(a, b)`` batches (unpaired:
    ``kgan.data.load_epochs`` of ``classes:A|B:SPEC`` shuffles each domain on its
    own). The logs are ``d_loss`` and ``g_loss`` (the mean of the two
    directions), ``cycle``, ``identity``, ``d_real``, ``d_fake`` and the penalties.

    Example:

    >>> import numpy as np, kgan
    >>> model = kgan.CycleGAN(width=4, blocks=1)
    >>> model.compile()
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.uniform(-1, 1, (2, 8, 28, 28, 1)).astype("float32")
    >>> history = model.fit(a, b, batch_size=4, verbose=0)
    >>> model.translate(a[:2], direction="b_to_a").shape
    (2, 28, 28, 1)
    """

    conditional_discriminator = False
    trains_on = "domains"
    NETWORKS = ("generator", "discriminator", "generator_ba", "discriminator_a")

    def __init__(
        self,
        generator: keras.layers.Layer | None = None,
        discriminator: keras.layers.Layer | None = None,
        *,
        generator_ba: keras.layers.Layer | None = None,
        discriminator_a: keras.layers.Layer | None = None,
        image_shape: tuple = (28, 28, 1),
        width: int = 64,
        blocks: int = 6,
        cycle_weight: float = 10.0,
        identity_weight: float = 5.0,
        pool_size: int = 50,
        loss: str = "least-squares",
        network_args: dict | None = None,
        **kwargs: object,
    ):
        given = [n is not None for n in (generator, discriminator, generator_ba, discriminator_a)]
        if any(given) and not all(given):
            raise ValueError(
                "kgan: CycleGAN takes all four networks (generator, discriminator, "
                "generator_ba, discriminator_a) or none."
            )
        if not all(given) or network_args is not None:  # built-in networks (or their config)
            image_shape = checks.bounded_image_shape(image_shape)
            resolution_plan(image_shape, "CycleGAN")
            network_args = {
                **(network_args or {}),
                "image_shape": image_shape,
                "width": checks.bounded_int("width", width, 1, checks.MAX_SIZES["width"]),
                "blocks": checks.bounded_int("blocks", blocks, 0, 64),
            }
        weights = {
            "cycle_weight": _weight("cycle_weight", cycle_weight),
            "identity_weight": _weight("identity_weight", identity_weight),
            "pool_size": checks.bounded_int("pool_size", pool_size, 0, MAX_POOL),
        }
        super().__init__(
            generator,
            discriminator,
            content_loss="l1",
            content_weight=1.0,
            loss=loss,
            network_args=network_args,
            **kwargs,
        )
        for name, value in weights.items():
            setattr(self, name, value)
        if generator_ba is None:
            generator_ba = self.build_generator(**self.network_args)
            discriminator_a = self.build_discriminator(**self.network_args)
        self.generator_ba = checked_network("generator_ba", generator_ba)
        self.discriminator_a = self.prepared_discriminator(discriminator_a, "discriminator_a")
        self.ema_generator_ba = self.ema_of(self.generator_ba)
        _, shape_ba = image_shapes(self.generator_ba, "generator_ba")
        if shape_ba != self.source_shape or self.source_shape != self.image_shape:
            raise ValueError(
                "kgan: CycleGAN's generators map images of one shape to that shape; got "
                f"{self.source_shape} -> {self.image_shape} and back to {shape_ba}."
            )
        self.pools = None
        if self.pool_size:
            self.pools = [
                ImagePool(self.pool_size, self.image_shape, name=f"pool_{domain}")
                for domain in "ab"
            ]

    # -- configuration -----------------------------------------------------

    def log_names(self):
        return [
            "d_loss",
            "g_loss",
            "cycle",
            "identity",
            "d_real",
            "d_fake",
            *self.recipe_log_names(),
        ]

    def model_settings(self) -> dict:
        settings = super().model_settings()
        for key in ("content_loss", "content_weight", "adversarial_weight"):
            settings.pop(key)  # CycleGAN's losses are its own three weights
        settings.pop("conditional_discriminator")
        return {
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            **settings,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "image_shape" in config:  # the built-in networks' config: their arguments stay in it
            config["network_args"] = {}
        return super().from_config(config)

    def constructor_config(self):
        config = super().constructor_config()
        config.pop("adversarial_weight", None)
        return config

    def build_generator(self, image_shape, width, blocks, **_):
        return build_resnet_generator(image_shape, width, blocks)

    def build_discriminator(self, image_shape, width, **_):
        return build_patch_discriminator(image_shape, None, width, norm="instance")

    def generator_variables(self) -> list:
        return self.generator.trainable_variables + self.generator_ba.trainable_variables

    # -- the networks --------------------------------------------------------

    def generator_network(self, training=False, ema=None, direction="a_to_b"):
        if direction == "a_to_b":
            return super().generator_network(training, ema)
        return chosen_generator(self.generator_ba, self.ema_generator_ba, training, ema)

    def generate(self, inputs, labels=None, training=False, ema=None, direction="a_to_b"):
        """Images of the other domain for a batch (``direction`` a_to_b or b_to_a)."""
        network = self.generator_network(training, ema, direction)
        return backend.call_network(network, inputs, training)

    def judge(self, domain, images, training=True):
        """Domain ``"a"``'s or ``"b"``'s discriminator outputs for images."""
        network = self.discriminator_a if domain == "a" else self.discriminator
        return backend.call_network(network, images, training)

    def update_ema(self, batch_size):
        super().update_ema(batch_size)
        if self.ema_generator_ba is not None:
            update_ema(self.ema_generator_ba, self.generator_ba, self.ema_decay(batch_size))

    # -- the step --------------------------------------------------------------

    def pooled(self, domain, fakes):
        """The fakes a discriminator is shown: through the domain's pool where kept."""
        if self.pools is None:
            return fakes
        draws = self.draw_rows(keras.random.uniform, (2,), ops.shape(fakes)[0])
        return self.pools["ab".index(domain)].query(fakes, draws)

    def discriminators_loss(self, real_a, real_b, fake_a, fake_b, due=1.0):
        """(d_loss, logs): the mean of both discriminators' ``critic_loss`` (halved as in
        the paper, so that each discriminator learns at the GAN's pace)."""
        loss_a, logs_a = self.critic_loss(functools.partial(self.judge, "a"), real_a, fake_a, due)
        loss_b, logs_b = self.critic_loss(functools.partial(self.judge, "b"), real_b, fake_b, due)
        return 0.5 * (loss_a + loss_b), _mean_of(logs_a, logs_b)

    def generators_loss(self, real_a, real_b):
        """(total generator loss, logs) for one update of both generators."""
        fake_b = self.generate(real_a, training=True)
        fake_a = self.generate(real_b, training=True, direction="b_to_a")
        g_loss = 0.5 * (
            self.adversarial_g_loss(functools.partial(self.judge, "b"), fake_b, real_b)
            + self.adversarial_g_loss(functools.partial(self.judge, "a"), fake_a, real_a)
        )
        cycle = losses.l1_loss(self.generate(fake_b, training=True, direction="b_to_a"), real_a)
        cycle = cycle + losses.l1_loss(self.generate(fake_a, training=True), real_b)
        logs = {"g_loss": g_loss, "cycle": cycle}
        total = 2.0 * g_loss + self.cycle_weight * cycle
        if self.identity_weight:
            identity = losses.l1_loss(self.generate(real_b, training=True), real_b)
            identity = identity + losses.l1_loss(
                self.generate(real_a, training=True, direction="b_to_a"), real_a
            )
            total = total + self.identity_weight * identity
            logs["identity"] = identity
        return total, logs

    def stateful_train_step(self, data):
        """d_steps updates of both discriminators, then one of both generators."""
        real_a, real_b = self.unpack_pair(data)
        discriminators = (
            self.discriminator_a.trainable_variables + self.discriminator.trainable_variables
        )
        for _ in range(self.d_steps):
            with backend.no_gradient():
                fake_b = ops.stop_gradient(self.generate(real_a, training=True))
                fake_a = ops.stop_gradient(self.generate(real_b, training=True, direction="b_to_a"))
            fake_a, fake_b = self.pooled("a", fake_a), self.pooled("b", fake_b)
            due = self.penalty_due(self.d_optimizer)
            logs = self.update(
                functools.partial(self.discriminators_loss, real_a, real_b, fake_a, fake_b, due),
                discriminators,
                self.d_optimizer,
                self.penalty_weights(due),
            )
            self.observe_real_outputs(logs)
        self.update(
            functools.partial(self.generators_loss, real_a, real_b),
            self.generator_variables(),
            self.g_optimizer,
        )
        self.update_ema(ops.shape(real_a)[0])
        return self.results()

    def stateful_test_step(self, data):
        """Held-out losses of both directions and the cycle L1 (raw generators, no update)."""
        real_a, real_b = self.unpack_pair(data)
        fake_b = self.generate(real_a, ema=False)
        fake_a = self.generate(real_b, ema=False, direction="b_to_a")
        logs_a, logs_b = (
            self.held_out_logs(functools.partial(self.judge, domain, training=False), real, fake)
            for domain, real, fake in (("a", real_a, fake_a), ("b", real_b, fake_b))
        )
        logs = _mean_of(logs_a, logs_b)
        cycle = losses.l1_loss(self.generate(fake_b, ema=False, direction="b_to_a"), real_a)
        logs["cycle"] = cycle + losses.l1_loss(self.generate(fake_a, ema=False), real_b)
        return self.tracked(logs)

    def checked_inputs(self, x, y=None):
        return fit_inputs.check_pair_data(x, y, self.image_shape, self.image_shape, unpaired=True)

    # -- using it --------------------------------------------------------------

    def translate(
        self,
        images,
        batch_size: int = 256,
        ema: bool | None = None,
        direction: str = "a_to_b",
    ) -> np.ndarray:
        """``images`` of one domain translated to the other (``direction`` ``"a_to_b"``
        or ``"b_to_a"``), float32 in [-1, 1]; the EMA generators where kept.

        Example:

        >>> import numpy as np, kgan
        >>> model = kgan.CycleGAN(width=4, blocks=1)
        >>> model.translate(-np.ones((2, 28, 28, 1), "float32"), direction="b_to_a").shape
        (2, 28, 28, 1)
        """
        checks.one_of(direction, DIRECTIONS, "direction")
        return self.generated_in_batches(images, batch_size, ema=ema, direction=direction)

    def export_generator(self, path, format: str | None = None, direction: str = "a_to_b"):
        """Writes one way's generator (the EMA one where kept) for serving, as
        ``kgan.GAN.export_generator`` does: ``direction`` ``"a_to_b"`` or ``"b_to_a"``."""
        checks.one_of(direction, DIRECTIONS, "direction")
        network = self.generator_network(direction=direction)
        return export_network(network, path, format, self.generator_signature())

    def comparison(self, domain_a, domain_b):
        """(rows, columns) of the epoch picture: a | a→b | a→b→a, then b | b→a | b→a→b."""
        a_to_b = self.translate(domain_a)
        b_to_a = self.translate(domain_b, direction="b_to_a")
        cycles = [
            image_grids.comparison_rows(domain_a, a_to_b, self.cycled(a_to_b, "b_to_a")),
            image_grids.comparison_rows(domain_b, b_to_a, self.cycled(b_to_a, "a_to_b")),
        ]
        return np.concatenate(cycles), 3

    def cycled(self, translations, direction: str) -> np.ndarray:
        """The model's own ``translations`` translated back (``direction``: the way back)."""
        return self.generated_in_batches(translations, 256, check=False, direction=direction)
