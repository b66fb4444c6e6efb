"""Saving and loading trained models: zoo entries by name, or folders.

A folder holds ``config.json`` (architecture + constructor config) and
``model.weights.h5`` (generator and discriminator): the layout of a
``kgan train`` run directory and of a zoo entry. A zoo entry also holds a
``manifest.json`` whose sha256 is checked before its weights are read.
"""

import json
from pathlib import Path

from kgan import zoo
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


def is_zoo_name(source) -> bool:
    """Whether ``source`` names a zoo entry rather than a folder.

    Names are plain (``dcgan-mnist``); anything with a path separator, a
    leading dot or ``~`` is a folder. As timm does, kgan never guesses.
    """
    text = str(source)
    return not isinstance(source, Path) and not any(c in text for c in "/\\~") and text[:1] != "."


def load(source):
    """Loads a trained GAN: a zoo entry by name, or a folder such as a ``kgan train`` run.

    The model comes with generator and discriminator weights, ready for
    ``sample()`` and for ``compile()`` + ``fit()`` (fine-tuning). A zoo
    entry's weights are checked against its sha256 before they are read.

    Example:

    >>> import kgan
    >>> model = kgan.load("dcgan-mnist")
    >>> model.sample(16, seed=0).shape
    (16, 28, 28, 1)
    >>> model = kgan.load("runs/dcgan-fashion")  # doctest: +SKIP
    """
    if is_zoo_name(source):
        if str(source) not in zoo.list_zoo() and Path(source).is_dir():
            raise ValueError(
                f"kgan: {source!r} is not a zoo entry; to load the folder of that name, "
                f"write ./{source}."
            )
        directory = zoo.entry_dir(str(source))
        expected = zoo.read_manifest(directory)["weights_sha256"]
        zoo.verify_file(directory / WEIGHTS_FILE, expected, f"zoo entry {source!r}")
        return _load_folder(directory, source)
    directory = Path(source)
    if (directory / zoo.MANIFEST_FILE).is_file():  # a copied zoo entry: still checked
        expected = zoo.read_manifest(directory)["weights_sha256"]
        zoo.verify_file(directory / WEIGHTS_FILE, expected, str(directory))
    return _load_folder(directory, source)


def _load_folder(directory: Path, source):
    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        raise ValueError(
            f"kgan: cannot load {str(source)!r}: expected a zoo entry name or a folder with "
            f"{CONFIG_FILE} and {WEIGHTS_FILE} (a finished kgan train run)."
        )
    config = json.loads(config_path.read_text())
    model = create(config["architecture"], **config["config"])
    model.load_weights(str(weights_path))
    return model
