"""The ``kgan`` command: train, sample, export, evaluate, list the zoo.

One module per group of commands, each adding its commands to ``main``
(``kgan.cli.app``); the plumbing the scripts share is ``kgan.console``.
"""

from kgan.cli import (  # noqa: F401 - they add the commands
    editing,
    evaluate,
    inversion,
    sampling,
    train,
    translation,
    zoo_entries,
)
from kgan.cli.app import main

__all__ = ["main"]
