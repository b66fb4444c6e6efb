"""Where and how something was made, as the zoo and the evaluators record it."""

import datetime
import os
import platform
import sys

import keras
import numpy

from kgan.version import __version__


def provenance(command: str, **fields) -> dict:
    """Where and how something was made: command, date, machine, library versions."""
    versions = {"kgan": __version__, "keras": keras.__version__, "numpy": numpy.__version__}
    backend = keras.config.backend()
    # The backend's module has the backend's name (tensorflow, jax, torch).
    versions[backend] = getattr(sys.modules.get(backend), "__version__", None)
    return {
        "command": command,
        **fields,
        "backend": backend,
        "versions": versions,
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
    }
