"""``kgan.GAN``: the base model, which trains any generator/discriminator pair.

The model adds latents and sampling to ``AdversarialModel`` (networks, recipe,
optimizers, configs, export); its training step is
``kgan.models.adversarial.AdversarialStep``.
"""

import keras
import numpy as np
from keras import ops

from kgan import backend, checks
from kgan.models.adversarial_model import AdversarialModel
from kgan.models.latent_space import edited_latents, project, truncate


@keras.saving.register_keras_serializable(package="kgan")
class GAN(AdversarialModel):
    """A generative adversarial network that trains with ``fit()`` on every backend.

    Bring your own networks: ``generator`` maps latents ``(batch, latent_dim)``
    to images in [-1, 1]; ``discriminator`` maps images to one logit each.
    Each training step updates the discriminator ``d_steps`` times (each time
    on the same real batch, with fresh latents), then the generator once.

    The training recipe is configuration, the same for every architecture:

    - ``loss``: ``"nonsaturating"`` (Goodfellow et al. 2014), ``"hinge"``,
      ``"wasserstein"``, ``"least-squares"`` or ``"rpgan"`` (R3GAN's relativistic
      pairing loss, Huang et al. 2024: D compares each real image with the
      generated one paired with it; use it with ``{"r1": γ, "r2": γ}``)
      (``kgan.losses.LOSSES``).
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
      the warm-up of TensorFlow's ``ExponentialMovingAverage`` (``ema_decay``);
      or ``ema_kimg``: the same average given as its half-life in thousands of
      images (StyleGAN2's ``ema_kimg``, e.g. 10), whatever the batch size.
      ``sample()``, ``generate()`` and ``predict()`` use it unless told
      ``ema=False``. BatchNorm moving statistics are copied from the raw
      generator, not averaged.
    - ``augment``: DiffAugment (Zhao et al. 2020) before every discriminator
      call on real and generated images, e.g. ``"translation,cutout"`` (also
      ``"color"``, and ADA's ``"flip"`` and ``"rotate90"``), at
      ``augment_strength`` (1.0 = the paper's magnitudes).
    - ``ada_target``: adaptive discriminator augmentation (StyleGAN2-ADA, Karras
      et al. 2020) on that policy: each image takes each augmentation with a
      probability p, which moves every ``ada_interval`` (4) discriminator
      updates towards E[sign(D(x))] = ``ada_target`` (0.6 in the paper) and can
      cross [0, 1] in ``ada_kimg`` (500) thousand images. p is a model variable,
      logged as ``ada_p`` (the epoch's mean), saved and resumed with the model.
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

    task = "synthesis"

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
        if latent_dim is None:
            raise ValueError("kgan: expected latent_dim, the size of the generator's input.")
        latent_dim = checks.bounded_int("latent_dim", latent_dim, 1, checks.MAX_SIZES["latent_dim"])
        super().__init__(
            generator,
            discriminator,
            d_steps=d_steps,
            network_args=network_args,
            build_args={"latent_dim": latent_dim},
            **recipe,
        )

    # -- configuration -----------------------------------------------------

    def build_generator(self, latent_dim, **network_args):
        """Builds the architecture's generator (built-in architectures override it)."""
        raise NotImplementedError

    def log_names(self):
        """The names of the logged metrics, each shown once by the progress bar."""
        return ["d_loss", "g_loss", "d_real", "d_fake", *self.recipe_log_names()]

    def model_settings(self) -> dict:
        return {"latent_dim": self.latent_dim, **super().model_settings()}

    # -- the networks --------------------------------------------------------

    def _generator_output_shape(self):
        spec = self.generator.compute_output_spec(self._latent_spec())
        return tuple(int(d) for d in spec.shape[1:])

    def _latent_spec(self):
        return keras.KerasTensor((None, self.latent_dim))

    def call(self, latents, training=False):
        return self.generate(latents, training=training)

    def generate(self, latents, labels=None, training=False, ema=None):
        """Images from latents (labels are used by conditional models only).

        Uses the EMA generator unless ``training`` or ``ema=False``.
        """
        return backend.call_network(self.generator_network(training, ema), latents, training)

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
