"""The architecture registry: names → model classes (as timm's ``_registry``)."""

import dataclasses
import inspect

from kgan import checks
from kgan.backend import keras_private
from kgan.models.recipe import Recipe

# float32 copies of each weight that training holds: the weight, its gradient, Adam's
# two moments, and room for an EMA copy or a second network's.
TRAINING_COPIES = 5

_ARCHITECTURES = {}


def register_architecture(name):
    """Class decorator: makes a model available as ``kgan.create(name)``."""

    def register(cls):
        if name in _ARCHITECTURES:
            raise ValueError(f"kgan: architecture {name!r} is registered twice.")
        _ARCHITECTURES[name] = cls
        cls.architecture = name
        return cls

    return register


# What an architecture's generator does: each model class says which (``task``).
TASKS = ("synthesis", "translation")


def list_architectures(task: str | None = None) -> list[str]:
    """The registered architecture names, sorted; ``task`` keeps those of one task:
    ``"synthesis"`` (noise to image) or ``"translation"`` (image to image).

    Example:

    >>> import kgan
    >>> kgan.list_architectures()
    ['cgan', 'cyclegan', 'dcgan', 'pix2pix', 'srgan', 'vanilla-gan', 'wgan-gp']
    >>> kgan.list_architectures("translation")
    ['cyclegan', 'pix2pix', 'srgan']
    """
    if task is not None:
        checks.one_of(task, TASKS, "task")
    return sorted(name for name, cls in _ARCHITECTURES.items() if task in (None, cls.task))


def get_architecture(name: str):
    """The model class registered as ``name``; a ValueError lists the known ones."""
    return _ARCHITECTURES[checks.one_of(name, list_architectures(), "architecture")]


def create(arch: str, **config):
    """Builds the architecture ``arch`` with its constructor ``config``.

    Example:

    >>> import kgan
    >>> model = kgan.create("dcgan", image_shape=(32, 32, 3), width=32)
    >>> model.image_shape
    (32, 32, 3)
    """
    return get_architecture(arch)(**config)


def check_fits_in_memory(arch: str, config: dict, copies: int = TRAINING_COPIES):
    """Raises ValueError (one line) if ``arch`` with ``config`` could not fit in memory.

    The model is built with its weights' shapes only, so a width the bounds allow but
    the machine cannot hold is refused before any allocation, not by the allocator.
    """
    available = checks.available_memory()
    if available is None:
        return
    weights = keras_private.count_weights_unallocated(lambda: create(arch, **config))
    needed = weights * 4 * copies
    if needed > available:
        use = "train" if copies > 1 else "hold"
        raise ValueError(
            f"kgan: {arch} with these settings has {weights:,} weights, about "
            f"{needed / 1e9:.1f} GB to {use}; this machine has {available / 1e9:.1f} GB "
            "free. Expected a smaller width, image_shape or latent_dim."
        )


# Constructor parameters that are not config keys: the networks themselves and
# the arguments subclasses pass to their bases.
_NOT_CONFIG = (
    "self",
    "generator",
    "discriminator",
    "feature_network",
    "network_args",
    "build_args",
    "name",
)


def config_keys(arch: str) -> dict:
    """The constructor keys of ``arch`` (network arguments and recipe) with their defaults.

    Keyword-only constructors pass the rest on to their bases (``**kwargs``),
    so the keys are collected along the class's bases; a subclass's default
    wins (WGAN-GP's ``d_steps=5`` over DCGAN's 1).

    Example:

    >>> import kgan
    >>> kgan.models.config_keys("dcgan")["width"]
    64
    """
    cls = get_architecture(arch)
    keys = {}
    for base in cls.__mro__:
        if "__init__" not in vars(base) or not hasattr(base, "build_generator"):
            continue  # Keras's own classes and the step mixin take no config keys
        for name, parameter in inspect.signature(base.__init__).parameters.items():
            if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                continue
            if name not in _NOT_CONFIG:
                keys.setdefault(name, parameter.default)
    for field in dataclasses.fields(Recipe):
        default = field.default_factory() if field.default is dataclasses.MISSING else field.default
        keys.setdefault(field.name, default)
    return keys


def check_config_keys(arch: str, config: dict):
    """Raises ValueError naming the first key ``arch`` does not take, with close matches."""
    known = config_keys(arch)
    for key in config:
        if key not in known and key not in ("generator", "discriminator", "name"):
            raise ValueError(
                f"kgan: {arch} has no config key {key!r}.{checks.did_you_mean(key, known, n=2)} "
                f"(kgan train {arch} --help-config lists them)"
            )
