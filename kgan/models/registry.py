"""The architecture registry: names → model classes (as timm's ``_registry``)."""

import difflib

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


def list_architectures() -> list[str]:
    """The registered architecture names, sorted.

    Example:

    >>> import kgan
    >>> kgan.list_architectures()
    ['cgan', 'dcgan', 'vanilla-gan', 'wgan-gp']
    """
    return sorted(_ARCHITECTURES)


def get_architecture(name: str):
    """The model class registered as ``name``; a ValueError lists the known ones."""
    if name not in _ARCHITECTURES:
        close = difflib.get_close_matches(name, _ARCHITECTURES, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"kgan: unknown architecture {name!r}; expected one of "
            f"{', '.join(list_architectures())}.{hint}"
        )
    return _ARCHITECTURES[name]


def create(arch: str, **config):
    """Builds the architecture ``arch`` with its constructor ``config``.

    Example:

    >>> import kgan
    >>> model = kgan.create("dcgan", image_shape=(32, 32, 3), width=32)
    >>> model.image_shape
    (32, 32, 3)
    """
    return get_architecture(arch)(**config)
