"""Conditional GAN (Mirza & Osindero 2014) with DCGAN networks.

The generator sees a learned label embedding next to the latents; the
discriminator is a projection discriminator (Miyato & Koyama 2018): its logit
is a linear term plus the inner product of a label embedding with its features.
"""

import keras
import numpy as np
from keras import layers, ops

from kgan import backend, checks
from kgan.data import rules
from kgan.models import dcgan
from kgan.models.registry import register_architecture


def build_generator(latent_dim, image_shape, num_classes, width=64, upsampling="transpose"):
    latents = keras.Input((latent_dim,), name="latents")
    labels = keras.Input((1,), dtype="int32", name="labels")
    embedding = layers.Embedding(num_classes, latent_dim, name="label_embedding")
    embedded = layers.Flatten(name="label_vector")(embedding(labels))
    x = layers.Concatenate()([latents, embedded])
    images = dcgan.generator_body(x, image_shape, width, upsampling)
    return keras.Model([latents, labels], images, name="generator")


def build_discriminator(image_shape, num_classes, width=64, batch_norm=True):
    images = keras.Input(tuple(image_shape), name="images")
    labels = keras.Input((1,), dtype="int32", name="labels")
    features = dcgan.discriminator_body(images, image_shape, width, batch_norm)
    embedded = layers.Flatten()(
        layers.Embedding(num_classes, features.shape[-1], name="label_projection")(labels)
    )
    projection = layers.Dot(axes=1)([features, embedded])
    logits = layers.Add()([layers.Dense(1, name="logit")(features), projection])
    return keras.Model([images, labels], logits, name="discriminator")


@register_architecture("cgan")
@keras.saving.register_keras_serializable(package="kgan")
class CGAN(dcgan.DCGAN):
    """Class-conditional DCGAN; trains on ``(images, labels)``.

    ``fit(images, labels)`` or a dataset of ``(images, labels)`` batches;
    labels are integers in [0, num_classes). User networks take
    ``[latents, labels]`` and ``[images, labels]``, labels shaped (batch, 1).
    The network arguments are DCGAN's (``image_shape``, ``width``, ...) plus
    ``num_classes`` and, optionally, ``class_names`` (one per class, so that
    ``sample(labels=["dress"])`` works). The training recipe (``loss``,
    ``penalties``, ``ema``, ``augment``, ``spectral_norm``, ...) is set as for
    ``kgan.GAN``.

    Example:

    >>> import kgan
    >>> model = kgan.CGAN(num_classes=10, width=32)
    >>> digits = model.sample(3, seed=0, labels=[7, 7, 7])
    >>> digits.shape
    (3, 28, 28, 1)
    """

    def __init__(self, *, num_classes=10, class_names=None, **kwargs):
        num_classes = checks.bounded_int(
            "num_classes", num_classes, 2, checks.MAX_SIZES["num_classes"]
        )
        network_args = {"num_classes": num_classes}
        if class_names is not None:  # recorded in configs only where given
            network_args["class_names"] = _check_class_names(class_names, num_classes)
        super().__init__(network_args=network_args, **kwargs)
        self.num_classes = num_classes
        self.class_names = network_args.get("class_names")

    def build_generator(self, latent_dim, num_classes, image_shape, width, upsampling, **_):
        return build_generator(latent_dim, image_shape, num_classes, width, upsampling)

    def build_discriminator(self, num_classes, image_shape, width, d_batch_norm, **_):
        return build_discriminator(image_shape, num_classes, width, d_batch_norm)

    def _generator_output_shape(self):
        spec = self.generator.compute_output_spec(
            [self._latent_spec(), keras.KerasTensor((None, 1), dtype="int32")]
        )
        return tuple(int(d) for d in spec.shape[1:])

    @staticmethod
    def _as_label_column(labels):
        return ops.reshape(ops.cast(labels, "int32"), (-1, 1))

    def generator_signature(self) -> list:
        """Latents (None, latent_dim) float32 and labels (None, 1) int32."""
        return [
            [
                *super().generator_signature(),
                keras.InputSpec(shape=(None, 1), dtype="int32", name="labels"),
            ]
        ]

    def call(self, inputs, training=False):
        latents, labels = inputs
        return self.generate(latents, labels, training=training)

    def generate(self, latents, labels=None, training=False, ema=None):
        network = self.generator_network(training, ema)
        return backend.call_network(network, [latents, self._as_label_column(labels)], training)

    def discriminate(self, images, labels=None, training=False):
        inputs = [images, self._as_label_column(labels)]
        return backend.call_network(self.discriminator, inputs, training)

    def _embedding_generator(self):
        """(label embedding layer, generator taking [latents, label vectors])."""
        generator = self.generator_network()
        try:
            embedding = generator.get_layer("label_embedding")
            vector = generator.get_layer("label_vector")
        except ValueError:
            raise ValueError(
                "kgan: moving between classes needs kgan's own CGAN generator "
                "(layers label_embedding and label_vector)."
            ) from None
        # Not stored on the model: a tracked sub-model would change its weights file.
        return embedding, keras.Model([generator.inputs[0], vector.output], generator.output)

    def label_embeddings(self, labels) -> np.ndarray:
        """The generator's label vectors (n, dim) for integer ``labels``."""
        embedding, _ = self._embedding_generator()
        vectors = embedding(self._as_label_column(ops.convert_to_tensor(np.asarray(labels))))
        return ops.convert_to_numpy(vectors)[:, 0].astype("float32")

    def sample_from_embeddings(self, latents, embeddings) -> np.ndarray:
        """Images from latents and label vectors, e.g. vectors mixed between two classes."""
        _, generator = self._embedding_generator()
        inputs = [ops.convert_to_tensor(np.asarray(x, "float32")) for x in (latents, embeddings)]
        images = ops.convert_to_numpy(generator(inputs, training=False))
        return np.clip(images, -1.0, 1.0).astype("float32")

    def edit(self, latents, direction, strength, labels=None, ema=None) -> np.ndarray:
        """Images of ``latents`` moved from their ``labels`` toward the class ``direction``
        (a number or a name): the generator's label vector is mixed, ``strength`` 0 keeps
        the class, 1 is the new one (between: both; beyond: extrapolated). The latents
        (the style) stay.

        Example:

        >>> import kgan
        >>> model = kgan.CGAN(num_classes=10, width=8)
        >>> model.edit(model.latents(2, seed=0), 7, strength=0.5, labels=[1, 1]).shape
        (2, 28, 28, 1)
        """
        latents = np.asarray(latents, "float32")
        if labels is None:
            raise ValueError("kgan: a conditional edit starts from labels (one, or one per row).")
        start = self._sample_labels(len(latents), labels)
        [target] = self._sample_labels(1, np.asarray(direction).reshape(-1)[:1])
        strength = np.asarray(strength, "float32").reshape(-1, 1)
        source, goal = self.label_embeddings(start), self.label_embeddings([target])
        return self.sample_from_embeddings(latents, source + strength * (goal - source))

    def label_ids(self, labels) -> np.ndarray:
        """Integer classes for ``labels``: integers, or class names where the model records them.

        Names match case-insensitively (``"dress"`` for ``"Dress"``); an
        unknown name is a one-line ValueError that lists the names.

        Example:

        >>> import kgan
        >>> model = kgan.load("cgan-fashion-mnist")
        >>> model.label_ids(["dress", "sneaker"]).tolist()
        [3, 7]
        """
        values = np.asarray(labels, dtype=object).reshape(-1)
        if not any(isinstance(v, str) for v in values):
            return np.asarray(labels).reshape(-1)
        return np.asarray(
            [checks.class_id(value, self.class_names, self.num_classes) for value in values]
        )

    def _sample_labels(self, n, labels):
        """Given labels (one, or one per sample), else classes in turn: 0, 1, 2, ..."""
        if labels is None:
            return np.arange(n) % self.num_classes
        labels = self.label_ids(labels)
        if labels.size == 1:
            labels = np.full(n, labels[0])
        rules.check_labels(labels, "labels", num_classes=self.num_classes, count=n)
        return labels.astype("int32")


def _check_class_names(class_names, num_classes) -> list:
    """One distinct, non-empty name per class (case-insensitively distinct)."""
    names = list(class_names) if isinstance(class_names, list | tuple) else None
    if (
        names is None
        or len(names) != num_classes
        or not all(isinstance(name, str) and name.strip() for name in names)
        or len({name.lower() for name in names}) != len(names)
    ):
        raise ValueError(
            f"kgan: expected class_names as {num_classes} distinct non-empty strings, one per "
            f"class; got {class_names!r}."
        )
    return names
