"""The checks every floor shares: "one of these, did you mean", bounded numbers, image shapes.

Standard library only, so the command line and the zoo catalogue use them
before Keras is imported. Each failure is a one-line ``ValueError`` that names
the setting and what was expected.

Example:

>>> from kgan import checks
>>> checks.bounded_int("width", 32, 1, checks.MAX_SIZES["width"])
32
>>> checks.did_you_mean("dcgn", ["dcgan", "cgan"])
' Did you mean dcgan, cgan?'
"""

import difflib
import os
from collections.abc import Iterable

# Upper bounds on sizes a config may ask for: far above any sensible model, low
# enough that a hostile or mistyped config.json fails in one line, not in an
# out-of-memory crash minutes later.
MAX_SIZES = {
    "latent_dim": 65_536,
    "d_steps": 100,
    "steps_per_execution": 10_000,
    "penalty_every": 1_000_000,
    "ada_interval": 1_000_000,
    "width": 4_096,
    "image_side": 2_048,
    "channels": 64,
    "hidden_units": 65_536,
    "num_classes": 100_000,
    "batch_size": 65_536,
    "projection_steps": 100_000,
}


def did_you_mean(name, choices: Iterable[str], n: int = 3, quote: bool = False) -> str:
    """`` Did you mean a, b?`` for the choices close to ``name``, or ``""``.

    ``quote``: each choice as ``repr`` shows it (``'dress'``), for free-form names.
    """
    close = difflib.get_close_matches(str(name), list(choices), n=n)
    close = [repr(choice) if quote else choice for choice in close]
    return f" Did you mean {', '.join(close)}?" if close else ""


def one_of(name, choices: Iterable[str], what: str, n: int = 3):
    """``name`` if it is one of ``choices``; else a ValueError listing them, with close matches."""
    choices = list(choices)
    if name not in choices:
        raise ValueError(
            f"kgan: unknown {what} {name!r}; expected one of {', '.join(choices)}."
            f"{did_you_mean(name, choices, n)}"
        )
    return name


def bounded_int(name: str, value, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; a one-line ValueError otherwise."""
    try:
        number = int(value)
        exact = number == value
    except (TypeError, ValueError, OverflowError):
        number, exact = None, False
    if isinstance(value, bool) or not exact or not low <= number <= high:
        raise ValueError(f"kgan: expected {name} as an integer in [{low}, {high}]; got {value!r}.")
    return number


def class_id(value, names, classes: int) -> int:
    """``value`` (an integer, or a class name in any case) as a class id in [0, classes).

    ``names`` are the classes' names, or None where none are recorded. Anything else is a
    one-line ValueError that gives the range, or lists the names with the closest one.
    """
    text = str(value).strip()
    lookup = {str(name).lower(): i for i, name in enumerate(names or [])}
    if text.lower() in lookup:
        return lookup[text.lower()]
    if text.lstrip("-").isdigit():
        if 0 <= int(text) < classes:
            return int(text)
        raise ValueError(f"kgan: expected a class in [0, {classes}); got {int(text)}.")
    if not names:
        raise ValueError(
            f"kgan: unknown class name {value!r}; this model records no class names: "
            f"give integers in [0, {classes})."
        )
    hint = did_you_mean(text.lower(), list(lookup), n=1, quote=True)
    raise ValueError(
        f"kgan: unknown class name {value!r}; the classes are: {', '.join(map(str, names))}.{hint}"
    )


def positive_int(name: str, value) -> int:
    """``value`` if it is an int >= 1 (not a bool); a one-line ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"kgan: expected {name} as an integer >= 1; got {value!r}.")
    return value


def is_number(value) -> bool:
    """An int or float, not a bool (JSON's true is no weight)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def bounded_image_shape(image_shape) -> tuple:
    """An image shape of positive, bounded sizes; channels last."""
    if not isinstance(image_shape, list | tuple) or not 1 <= len(image_shape) <= 3:
        raise ValueError(
            f"kgan: expected image_shape as a list like [28, 28, 1]; got {image_shape!r}."
        )
    *sides, last = image_shape
    sides = [bounded_int("image_shape side", d, 1, MAX_SIZES["image_side"]) for d in sides]
    limit = MAX_SIZES["channels"] if len(image_shape) == 3 else MAX_SIZES["image_side"]
    return (*sides, bounded_int("image_shape last axis", last, 1, limit))


def available_memory() -> int | None:
    """Bytes of memory this machine has free for a new allocation (Linux's MemAvailable,
    else its physical memory), or None where neither is known."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
