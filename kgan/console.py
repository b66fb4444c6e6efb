"""Command-line plumbing shared by the ``kgan`` command and the scripts beside it.

Choosing the Keras backend before Keras loads, importing it without
TensorFlow's C++ log lines, and click commands whose errors are one line.
Standard library and click only: nothing here loads Keras until asked.
"""

import os
import sys

import click

from kgan.quiet import import_keras_quietly, import_tensorflow_quietly
from kgan.runs import BACKENDS

__all__ = [
    "BACKENDS",
    "OneLineErrorsCommand",
    "OneLineErrorsGroup",
    "import_keras_quietly",
    "import_tensorflow_quietly",
    "one_line",
    "use_backend",
]


def use_backend(backend):
    """Sets KERAS_BACKEND for this process, unless Keras already runs on another backend;
    then imports Keras quietly."""
    if backend is not None:
        _set_backend(backend)
    import_keras_quietly()


def _set_backend(backend):
    if "keras" in sys.modules and sys.modules["keras"].config.backend() != backend:
        raise click.ClickException(
            f"the Keras backend is already chosen; cannot switch to {backend}."
        )
    os.environ["KERAS_BACKEND"] = backend


def one_line(error, limit=400) -> str:
    """The whole message on one line (Keras puts its reason on later lines), shortened.

    A message that must be cut loses its middle: the start says what failed and
    the end usually says how to fix it.
    """
    text = " ".join(str(error).split()) or type(error).__name__
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


class _OneLineErrors:
    """Turns kgan's ValueErrors (bad data, unknown architectures, ...) into one-line exits."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ValueError as error:
            raise click.ClickException(one_line(error).removeprefix("kgan: ")) from None
        except OSError as error:  # a read-only folder, a full disk, a vanished file
            where = f" ({error.filename})" if error.filename else ""
            raise click.ClickException(f"{error.strerror or one_line(error)}{where}") from None


class OneLineErrorsGroup(_OneLineErrors, click.Group):
    pass


class OneLineErrorsCommand(_OneLineErrors, click.Command):
    """For click scripts beside the kgan command (scripts/build_zoo.py, ...)."""
