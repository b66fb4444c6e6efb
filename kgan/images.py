"""Image grids: samples in [-1, 1] → one PNG (Pillow)."""

import math
from pathlib import Path

import numpy as np
from PIL import Image

from kgan import files


def to_uint8(images):
    """[-1, 1] floats → uint8 [0, 255]."""
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype("uint8")


def class_rows(num_classes: int, n: int):
    """(labels, columns) for a grid of ``n`` images with one row per class, as even as fits."""
    columns = max(1, n // num_classes)
    return np.repeat(np.arange(num_classes), columns), columns


def grid_layout(n: int, num_classes: int | None = None, labels=None, columns: int | None = None):
    """(labels, count, columns) of a sample grid: the one rule for every grid kgan draws.

    Unconditional models: ``n`` images, ``columns`` as given. Conditional ones
    without ``labels``: a row per class, ``columns`` images each (default: as
    many as ``n`` allows). With ``labels``: one for all images or one per
    image as given; otherwise a row per given label, as many as ``n`` allows.

    Example:

    >>> from kgan.images import grid_layout
    >>> labels, count, columns = grid_layout(20, num_classes=10)
    >>> labels.tolist()[:4], count, columns
    ([0, 0, 1, 1], 20, 2)
    """
    if num_classes is None:
        return None, n, columns
    if labels is None:
        labels, per_class = class_rows(num_classes, n if columns is None else columns * num_classes)
        return labels, len(labels), per_class
    labels = list(labels)
    if len(labels) in (1, n):
        return labels, n, columns
    per_label = max(1, n // len(labels))  # a row per given class
    labels = [value for value in labels for _ in range(per_label)]
    return labels, len(labels), per_label


def comparison_rows(inputs, outputs, targets) -> np.ndarray:
    """(3n, H, W, C): input | output | target for each of n pairs, to show with 3 columns.

    Smaller inputs (a super-resolution model's) are enlarged by repeating pixels,
    so they show as the model saw them; grey images gain the others' channels.
    """
    outputs = np.asarray(outputs, "float32")
    height, width = outputs.shape[1:3]
    inputs = np.asarray(inputs, "float32")
    inputs = inputs.repeat(height // inputs.shape[1], axis=1).repeat(
        width // inputs.shape[2], axis=2
    )
    parts = [inputs, outputs, np.asarray(targets, "float32")]
    channels = max(part.shape[-1] for part in parts)
    parts = [np.broadcast_to(p, (*p.shape[:-1], channels)) for p in parts]
    return np.stack(parts, axis=1).reshape(-1, height, width, channels)


def make_grid(images, columns=None, padding=2):
    """Tiles (n, H, W, C) images in [-1, 1] into one uint8 array (rows × columns)."""
    images = to_uint8(np.asarray(images))
    n, height, width, channels = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels),
        "uint8",
    )
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def _picture(array):
    return Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)


def save_images(images, directory, names=None):
    """Writes each image in [-1, 1] as its own PNG in a new folder: ``NAME.png`` for each
    of ``names`` (one per image), else ``00000.png``, ``00001.png``, ..."""
    directory = Path(directory)
    directory.mkdir()
    images = np.asarray(images)
    names = names if names is not None else [f"{index:05d}" for index in range(len(images))]
    for name, image in zip(names, images, strict=True):
        save_image(image, directory / f"{name}.png")
    return directory


def save_image(image, path):
    """Writes one image (H, W, C) in [-1, 1] as a PNG file at ``path``."""
    _picture(to_uint8(np.asarray(image))).save(path, format="PNG")


def _scaled_picture(images, columns, scale):
    picture = _picture(make_grid(images, columns))
    if scale != 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return picture


def save_animation(frames, path, columns=None, scale=2, frame_ms=120, overwrite=True):
    """Writes an animation that plays ``frames`` (each a batch of images, as one grid)
    forwards and back, in a loop: an animated GIF (Pillow), or for a path ending in
    ``.mp4`` an H.264 video (imageio and its ffmpeg plugin: ``pip install "kgan[video]"``;
    without them a one-line ValueError). Crash-safe as ``save_grid``.

    Example:

    >>> import kgan
    >>> from kgan.images import save_animation
    >>> from kgan.interpolation import interpolation_grid
    >>> rows = interpolation_grid(kgan.load("dcgan-mnist"), 4, 16).reshape(4, 16, 28, 28, 1)
    >>> save_animation(rows.swapaxes(0, 1), "morph.gif", columns=2)  # doctest: +SKIP
    """
    pictures = [_scaled_picture(frame, columns, scale) for frame in frames]
    pictures += pictures[-2:0:-1]  # and back, so the loop has no jump
    video = Path(path).suffix.lower() == ".mp4"
    write = _video_writer(pictures, frame_ms) if video else _gif_writer(pictures, frame_ms)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    files.write_atomically(path, write, overwrite=overwrite)
    return Path(path)


def _gif_writer(pictures, frame_ms):
    def write(temporary):
        pictures[0].save(
            temporary, format="GIF", save_all=True, append_images=pictures[1:],
            duration=frame_ms, loop=0,
        )  # fmt: skip

    return write


def _video_writer(pictures, frame_ms):
    try:  # checked before anything is written
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401 - the plugin imageio's FFMPEG format runs
    except ImportError:
        raise ValueError(
            'kgan: writing .mp4 needs imageio and imageio-ffmpeg: pip install "kgan[video]" '
            "(or write a .gif, which needs nothing more)."
        ) from None
    # H.264 in yuv420p wants even sides: pad with black rather than resample the pixels.
    arrays = [np.asarray(picture.convert("RGB")) for picture in pictures]
    height, width = arrays[0].shape[:2]
    padding = ((0, height % 2), (0, width % 2), (0, 0))
    arrays = [np.pad(array, padding) for array in arrays]

    def write(temporary):
        imageio.mimwrite(temporary, arrays, format="FFMPEG", fps=1000.0 / frame_ms,
                         codec="libx264", macro_block_size=2)  # fmt: skip

    return write


def save_grid(images, path, columns=None, scale=2, overwrite=True):
    """Writes images in [-1, 1] as one PNG grid, each pixel ``scale`` times larger.

    Written under a temporary name and renamed (``kgan.files``): a kill leaves no
    half a PNG; ``overwrite=False`` never replaces an existing file.

    Example:

    >>> import kgan
    >>> from kgan.images import save_grid
    >>> save_grid(kgan.DCGAN().sample(16, seed=0), "grid.png")  # doctest: +SKIP
    """
    picture = _scaled_picture(images, columns, scale)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    files.write_atomically(
        path, lambda temporary: picture.save(temporary, format="PNG"), overwrite=overwrite
    )
    return Path(path)
