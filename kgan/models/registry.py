"""The architecture registry: names → model classes (as timm's ``_registry``)."""

import difflib
import inspect

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


def config_keys(arch: str) -> dict:
    """The constructor keys of ``arch`` (architecture and recipe) with their defaults.

    Example:

    >>> import kgan
    >>> kgan.models.config_keys("dcgan")["width"]
    64
    """
    from kgan.models.gan import GAN

    keys = {}
    for cls in (get_architecture(arch), GAN):
        for name, parameter in inspect.signature(cls.__init__).parameters.items():
            if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                continue
            if name not in ("self", "generator", "discriminator", "architecture"):
                keys.setdefault(name, parameter.default)
    return keys


def check_config_keys(arch: str, config: dict):
    """Raises ValueError naming the first key ``arch`` does not take, with close matches."""
    known = config_keys(arch)
    for key in config:
        if key not in known and key not in ("generator", "discriminator", "name"):
            close = difflib.get_close_matches(key, known, n=2)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ValueError(
                f"kgan: {arch} has no config key {key!r}.{hint} "
                f"(kgan train {arch} --help-config lists them)"
            )
