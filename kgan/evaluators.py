"""The networks kgan measures generators with: a small classifier per data set, or InceptionV3.

- The zoo's data sets ship a classifier each (``zoo/evaluators/<dataset>/``).
- Any labelled data set gets one from ``kgan.evaluator_training`` (``kgan
  evaluator train``, or trained once and cached for ``kgan evaluate RUN
  --data SPEC``). The same network, the same training.
- ``InceptionEvaluator``: Keras's InceptionV3 pool features, the space other
  libraries and papers report the Fréchet distance in. It needs ImageNet
  weights that Keras downloads once; offline it is a one-line error.

An evaluator gives class probabilities and features for images in [-1, 1],
and reads its reference images (a train and a held-out split) itself.

Example:

>>> from kgan import evaluators
>>> evaluator = evaluators.load_evaluator("mnist")  # doctest: +SKIP
>>> probabilities, features = evaluator.predict(images)  # doctest: +SKIP
"""

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from kgan import checks, files
from kgan.backend.keras_private import keras_home
from kgan.data import DataSpec, read_scaled, split_indices
from kgan.datasets import DATASET_NAMES, DATASETS
from kgan.zoo import catalog

EVALUATOR_FILE, CLASSIFIER_WEIGHTS, CARD_FILE = (
    "evaluator.json",
    "classifier.weights.h5",
    "README.md",
)
# Data with no held-out split of its own: a seeded sixth is held out (as MNIST's 10k of 70k).
HELD_OUT_SHARE, SPLIT_SEED = 1 / 6, 0
MIN_SIZE = 8  # the classifier pools three times
INCEPTION_WEIGHTS = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_SIZE = 299


@dataclass(frozen=True)
class ClassifierNetwork:
    """The shape of the evaluator CNN: ``filters`` per stage, and ``convs_per_stage`` 3x3
    convolutions (each with BN and ReLU) before each stage's max-pool. An evaluator.json
    records it under ``network``; one without (kgan 0.2's) has the default.

    Example:

    >>> from kgan.evaluators import ClassifierNetwork, build_classifier
    >>> deeper = ClassifierNetwork(convs_per_stage=2)
    >>> build_classifier((28, 28, 1), 10, deeper).count_params()
    436650
    """

    filters: tuple[int, ...] = (32, 64, 128)
    convs_per_stage: int = 1

    def __post_init__(self):
        filters = tuple(int(f) for f in self.filters)
        if not filters or min(filters) < 1 or int(self.convs_per_stage) < 1:
            raise ValueError(
                f"kgan: an evaluator network needs positive filters and convs_per_stage; "
                f"got filters {list(self.filters)}, convs_per_stage {self.convs_per_stage}."
            )
        object.__setattr__(self, "filters", filters)
        object.__setattr__(self, "convs_per_stage", int(self.convs_per_stage))

    @classmethod
    def from_record(cls, record: dict | None) -> "ClassifierNetwork":
        """The network an evaluator.json's ``network`` names (None: the default)."""
        if record is None:
            return cls()
        try:
            return cls(tuple(record["filters"]), record["convs_per_stage"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f'kgan: an evaluator\'s network must read {{"filters": [32, 64, 128], '
                f'"convs_per_stage": 1}} (positive integers); got {record!r}.'
            ) from None

    def as_record(self) -> dict:
        return {"filters": list(self.filters), "convs_per_stage": self.convs_per_stage}

    def describe(self) -> str:
        """As a card says it: "conv 32 / 64 / 128", or "2 x conv 32 / 64 / 128"."""
        times = "" if self.convs_per_stage == 1 else f"{self.convs_per_stage} x "
        return times + "conv " + " / ".join(str(f) for f in self.filters)


# kgan 0.2's network, and still the one the Classification Accuracy Score trains.
SMALL_NETWORK = ClassifierNetwork()


def build_classifier(
    image_shape=(28, 28, 1), num_classes=10, network: ClassifierNetwork = SMALL_NETWORK
) -> keras.Model:
    """The evaluator CNN: conv 32 / 64 / 128 (BN, ReLU, max-pool), 128 ``features``, logits.

    Small by default (about 15 MFLOP per 28x28 image), so it trains in minutes on a CPU;
    ``network`` makes it wider or deeper (``ClassifierNetwork``).
    """
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for stage, filters in enumerate(network.filters):
        for conv in range(network.convs_per_stage):
            # The first convolution of a stage keeps kgan 0.2's names.
            suffix = f"{stage}" if conv == 0 else f"{stage}_{conv}"
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{suffix}")(x)
            x = layers.BatchNormalization(name=f"bn{suffix}")(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2, name=f"pool{stage}")(x)
    # Any image size: global pooling past 28x28, as Flatten gives at 28x28 (3x3 cells).
    x = layers.Flatten()(x) if x.shape[1] * x.shape[2] <= 9 else layers.GlobalAveragePooling2D()(x)
    features = layers.Dense(128, activation="relu", name="features")(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(images, logits, name="evaluator")


def reference_splits(data: dict):
    """An evaluator's ``(train images, labels), (test images, labels)`` in [-1, 1].

    ``data`` is ``{"train": SPEC, "test": SPEC}``, or ``{"train": SPEC, "test":
    None, "held_out_share": s, "split_seed": k}`` for data with one split, of
    which the seeded share ``s`` is held out; that data is read once for both.
    """
    if data.get("test"):
        return read_scaled(data["train"]), read_scaled(data["test"])
    images, labels = read_scaled(data["train"])
    kept, held = split_indices(len(images), data["held_out_share"], data["split_seed"])
    return (images[kept], labels[kept]), (images[held], labels[held])


def reference_images(data: dict, split: str):
    """One of ``reference_splits``: the ``train`` or ``test`` images and labels."""
    if data.get("test"):
        return read_scaled(data[split])  # only the split asked for is read
    return reference_splits(data)[split == "test"]


def data_record(train, test=None) -> dict:
    """The data record of an evaluator of ``train`` (held out from it unless ``test``)."""
    train = str(DataSpec.parse(train))
    if test is not None:
        return {"train": train, "test": str(DataSpec.parse(test))}
    return {
        "train": train,
        "test": None,
        "held_out_share": HELD_OUT_SHARE,
        "split_seed": SPLIT_SEED,
    }


class Evaluator:
    """A classifier with its record: data, classes, image shape, accuracy, weights' sha256.

    ``name`` is the data set's (or the folder's) name, as messages say it.
    """

    features_description = "the evaluator's 128-unit penultimate layer"
    batch_size = 500

    def __init__(self, name: str, classifier, record: dict, features_layer="features", logits=None):
        self.name, self.classifier, self.record = name, classifier, record
        self.dataset = record.get("dataset")
        self.num_classes = int(record["num_classes"])
        logits = classifier.output if logits is None else classifier.get_layer(logits).output
        self._outputs = keras.Model(
            classifier.inputs, [logits, classifier.get_layer(features_layer).output]
        )

    @property
    def identity(self) -> dict:
        """Which evaluator measured a result: its name and its weights' sha256 (None for
        weights a record does not list, as ImageNet's InceptionV3), as metrics record them."""
        return {"evaluator": self.name, "evaluator_sha256": self.record.get("weights_sha256")}

    def check_fits(self, model, name: str):
        """Raises ValueError (one line) unless ``model`` makes images this evaluator reads."""
        expected = tuple(self.record["image_shape"])
        made = tuple(getattr(model, "image_shape", ()))
        if made != expected:
            raise ValueError(
                f"kgan: {name} makes {_shape(made)} images, but the {self.name} evaluator "
                f"reads {_shape(expected)} ones; expected a model of {self.name} "
                f"(kgan's evaluators: {', '.join(DATASET_NAMES)}; for other data give --data "
                "SPEC or --features inception)."
            )
        classes = getattr(model, "num_classes", None)
        if classes is not None and classes != self.num_classes:
            raise ValueError(
                f"kgan: {name} is conditioned on {classes} classes, but {self.name} has "
                f"{self.num_classes}; its label accuracy would mean nothing."
            )

    def prepare(self, images):
        """Images as the network reads them (the classifier: as they are)."""
        return images

    def predict(self, images):
        """(class probabilities, features) for images in [-1, 1]."""
        probabilities, features = [], []
        for start in range(0, len(images), self.batch_size):
            batch = np.asarray(images[start : start + self.batch_size], "float32")
            logits, feats = self._outputs(
                self.prepare(ops.convert_to_tensor(batch)), training=False
            )
            probabilities.append(ops.convert_to_numpy(ops.softmax(logits, axis=-1)))
            features.append(ops.convert_to_numpy(feats))
        return np.concatenate(probabilities), np.concatenate(features)

    def real_images(self, split: str):
        """The evaluator's train or test split as float32 images in [-1, 1], and labels."""
        return reference_images(self.record["data"], split)

    def real_splits(self):
        """Both splits, ``(train images, labels), (test images, labels)``, read once."""
        return reference_splits(self.record["data"])


class InceptionEvaluator(Evaluator):
    """InceptionV3's 2,048 pool features and 1,000 ImageNet classes, on ``reference`` data.

    ``reference`` is a data set name (its train and held-out splits) or a
    spec (a seeded sixth held out). Images are resized to 299x299 and grey
    ones repeated to three channels, as TF-FID and pytorch-fid do; the
    numbers are close to those tools' but not identical (their Inception graph
    and resizing differ from Keras's InceptionV3). ``weights`` is
    "imagenet" (read from Keras's cache; never downloaded here), a weights
    file, or None (random weights, for testing the pipeline); ``image_size``
    (75 to 299) is for such tests too, as the ImageNet weights read 299x299.

    Example:

    >>> import kgan
    >>> evaluator = kgan.evaluators.InceptionEvaluator("folder:photos")  # doctest: +SKIP
    >>> kgan.evaluate("runs/photos", evaluator=evaluator)  # doctest: +SKIP
    """

    features_description = "InceptionV3's 2,048-unit average pool (Keras, ImageNet weights)"
    batch_size = 25  # 299x299 activations: about 1 GB per 25 images

    def __init__(self, reference, weights="imagenet", image_size: int = INCEPTION_SIZE):
        if reference in DATASETS:
            facts = DATASETS[reference]
            data, name = data_record(facts.train_data, facts.test_data), reference
        else:
            data, name = data_record(reference), str(reference)
        path = inception_weights() if weights == "imagenet" else weights  # before any work
        if image_size != INCEPTION_SIZE and weights == "imagenet":
            raise ValueError(f"kgan: expected image_size {INCEPTION_SIZE} with ImageNet weights.")
        self.image_size = checks.bounded_int("image_size", image_size, 75, INCEPTION_SIZE)
        network = keras.applications.InceptionV3(
            weights=None,
            classifier_activation=None,
            input_shape=(self.image_size, self.image_size, 3),
        )
        if path is not None:
            network.load_weights(str(path))
        record = {"dataset": reference if reference in DATASETS else None, "data": data}
        record.update(num_classes=1000, weights=str(path) if path else None, features="inception")
        super().__init__(name, network, record, features_layer="avg_pool", logits="predictions")

    def check_fits(self, model, name: str):
        shape = tuple(getattr(model, "image_shape", ()))
        if len(shape) != 3 or shape[-1] not in (1, 3):
            raise ValueError(
                f"kgan: --features inception reads grey or RGB images; {name} makes "
                f"{_shape(shape)} ones."
            )

    def prepare(self, images):
        if images.shape[-1] == 1:
            images = ops.repeat(images, 3, axis=-1)
        size = (self.image_size, self.image_size)
        return ops.image.resize(images, size, interpolation="bilinear")


def inception_weights() -> Path:
    """Keras's cached InceptionV3 ImageNet weights; a one-line error where they are absent."""
    path = Path(keras_home()) / "models" / INCEPTION_WEIGHTS
    if not path.is_file():
        raise ValueError(
            f"kgan: --features inception needs InceptionV3's ImageNet weights (92 MB) once, in "
            f'{path}; with the internet run: python -c "import keras; '
            'keras.applications.InceptionV3()"'
        )
    return path


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def zoo_dataset_of(data) -> str | None:
    """The zoo data set (mnist, fashion-mnist) that the data spec ``data`` reads, or None."""
    spec = DataSpec.parse(data)
    for name, facts in DATASETS.items():
        if spec in (DataSpec.parse(facts.train_data), DataSpec.parse(facts.full_data)):
            return name
    return None


def evaluator_dir(dataset: str) -> Path:
    """The zoo's evaluator folder of ``dataset``."""
    if dataset not in DATASET_NAMES:
        raise ValueError(f"kgan: no evaluator for {dataset!r}; expected one of {DATASET_NAMES}.")
    return catalog.shipped_root() / catalog.EVALUATORS / dataset


def _folder_of(source) -> Path:
    return evaluator_dir(source) if source in DATASET_NAMES else Path(source)


def read_record(source) -> dict:
    """An evaluator's evaluator.json, from a zoo data set name or an evaluator folder."""
    folder = _folder_of(source)
    record_path = folder / EVALUATOR_FILE
    if not record_path.is_file():
        hint = f"train it with scripts/train_evaluator.py {source}" if source in DATASETS else (
            "kgan evaluator train --data SPEC --out DIR writes one"
        )  # fmt: skip
        raise ValueError(f"kgan: no evaluator in {folder} (no {EVALUATOR_FILE}); {hint}.")
    return files.read_json_object(record_path, f"the evaluator in {folder}")


def load_evaluator(source) -> Evaluator:
    """The evaluator of a zoo data set ("mnist", "fashion-mnist") or in a folder, hash-checked."""
    folder, record = _folder_of(source), read_record(source)
    # Messages name it by its data set, or the data it was trained on.
    trained_on = record.get("dataset") or record["data"]["train"]
    name = source if source in DATASET_NAMES else str(trained_on)
    weights = folder / CLASSIFIER_WEIGHTS
    files.verify_file(weights, record["weights_sha256"], f"the {name} evaluator")
    network = ClassifierNetwork.from_record(record.get("network"))
    classifier = build_classifier(tuple(record["image_shape"]), int(record["num_classes"]), network)
    try:
        classifier.load_weights(str(weights))
    except ValueError:  # Keras lists every layer that did not fit, over many lines
        raise ValueError(
            f"kgan: the {name} evaluator's weights do not fit the network its "
            f"{EVALUATOR_FILE} records ({network.describe()}); expected the record written "
            "with them (train the evaluator again)."
        ) from None
    return Evaluator(name, classifier, record)
