"""Saving and loading a trained model as a folder: ``config.json`` + ``model.weights.h5``.

The layout of a ``kgan train`` run directory (and, later, of a zoo entry).
"""

import json
from pathlib import Path

from kgan.models import create

CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.weights.h5"


def save_model_folder(model, directory):
    """Writes ``model``'s architecture, constructor config and weights into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = {"architecture": model.architecture, "config": model.architecture_config()}
    (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
    model.save_weights(str(directory / WEIGHTS_FILE))
    return directory


def load(source):
    """Loads a trained model from a folder holding config.json and model.weights.h5.

    Example:

    >>> import kgan
    >>> model = kgan.load("runs/dcgan-fashion")  # doctest: +SKIP
    >>> images = model.sample(16, seed=0)  # doctest: +SKIP
    """
    directory = Path(source)
    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        raise ValueError(
            f"kgan: cannot load {source!r}: expected a folder with {CONFIG_FILE} and "
            f"{WEIGHTS_FILE} (a finished kgan train run)."
        )
    config = json.loads(config_path.read_text())
    model = create(config["architecture"], **config["config"])
    model.load_weights(str(weights_path))
    return model
