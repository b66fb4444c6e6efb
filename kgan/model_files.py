"""The model folder layout, read without Keras: ``config.json`` beside ``model.weights.h5``.

A ``kgan train`` run directory and a zoo entry both end in this layout.
``config.json`` records the architecture, its constructor config, the
optimizer settings and the weights' sha256; a folder is a finished model only
when both files are there and the weights verify. ``kgan.saving`` writes and
loads such folders; this module only reads them, so the run directory and the
zoo catalogue can tell a finished model from a partial one cheaply.
"""

from pathlib import Path

from kgan import files

CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.weights.h5"


def read_model_config(directory) -> dict:
    """config.json of a model folder, checked: a one-line ValueError if it is not one."""
    path = Path(directory) / CONFIG_FILE
    config = files.read_json(path, "model folder")
    if (
        not isinstance(config, dict)
        or not isinstance(config.get("architecture"), str)
        or not isinstance(config.get("config"), dict)
    ):
        raise ValueError(
            f"kgan: {path} is not a kgan model config; expected an object with "
            '"architecture" (a name) and "config" (an object).'
        )
    return config


def verify_model_folder(directory, weights_checked: bool = False) -> dict:
    """The folder's config after checking that its weights are the ones it records.

    Raises ValueError (one line) for a missing, truncated or replaced weights
    file. Folders written before config.json recorded a sha256 are trusted.
    ``weights_checked``: a zoo manifest has verified the weights already.
    """
    directory = Path(directory)
    config = read_model_config(directory)
    weights = files.check_regular_file(directory / WEIGHTS_FILE, "model folder")
    expected = config.get("weights_sha256")
    if expected is not None and not weights_checked:
        # Not a zoo entry (its manifest is checked first): a run changed after it finished,
        # whose final model a resume writes again from the last checkpoint.
        fix = f"kgan train --resume --out {directory} writes it again from the last checkpoint"
        files.verify_file(weights, expected, str(directory), fix, "its config.json records")
    return config


def is_model_folder(directory) -> bool:
    """Whether ``directory`` holds a finished model whose weights verify."""
    try:
        verify_model_folder(directory)
    except ValueError:
        return False
    return True
