"""Saving and loading trained models: zoo entries by name, folders, ``.keras`` files.

A folder holds ``config.json`` (architecture + constructor config) and
``model.weights.h5`` (generator and discriminator): the layout of a
``kgan train`` run directory and of a zoo entry (``kgan.model_files``). A zoo
entry also holds a ``manifest.json`` whose sha256 is checked before its
weights are read.
"""

import tempfile
from pathlib import Path

import h5py
import keras
import numpy as np

from kgan import files
from kgan.model_files import CONFIG_FILE, WEIGHTS_FILE, verify_model_folder
from kgan.models import GAN, check_config_keys, check_fits_in_memory, create
from kgan.models.optimizers import configured_optimizers
from kgan.runs import check_optimizers
from kgan.zoo import catalog
from kgan.zoo.catalog import is_zoo_name

__all__ = ["CONFIG_FILE", "WEIGHTS_FILE", "is_zoo_name", "load", "save_model_folder"]


def save_model_folder(model, directory, optimizers: dict | None = None):
    """Writes ``model``'s architecture, constructor config and weights into ``directory``.

    Crash-safe: the weights are written first, each file under a temporary
    name and renamed, and config.json, written last, records the weights'
    sha256. A folder is a finished model only when both verify
    (``kgan.model_files.verify_model_folder``). ``optimizers`` (the run's
    optimizer settings) are recorded so that ``load`` compiles the model with them.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = {"architecture": model.architecture, "config": model.constructor_config()}
    if optimizers:
        config["optimizers"] = optimizers
    weights = directory / WEIGHTS_FILE
    files.write_atomically(weights, model.save_weights)
    config["weights_sha256"] = files.sha256_file(weights)
    files.write_json_atomically(directory / CONFIG_FILE, config)
    return directory


def load(source, generator_only: bool = False):
    """Loads a trained GAN: a zoo entry by name, a folder such as a ``kgan train`` run,
    or a ``.keras`` file.

    The model comes compiled with its recipe's optimizers (``default_optimizers()``
    with the Adam settings its training recorded),
    ready for ``sample()`` and for ``fit()`` (fine-tuning); ``compile()`` again
    for other optimizers. A zoo entry's files are checked against its sha256
    before they are read. ``generator_only=True`` returns just the generator
    (the EMA one where the model keeps it), a ``keras.Model`` from latents
    (and labels) to images.

    Example:

    >>> import kgan
    >>> model = kgan.load("dcgan-mnist")
    >>> model.sample(16, seed=0).shape
    (16, 28, 28, 1)
    >>> generator = kgan.load("dcgan-mnist", generator_only=True)
    >>> generator.predict(model.latents(4, seed=0), verbose=0).shape
    (4, 28, 28, 1)
    >>> model = kgan.load("runs/dcgan-fashion")  # doctest: +SKIP
    >>> model = kgan.load("my-gan.keras")  # doctest: +SKIP
    """
    model = _load_model(source)
    if generator_only:
        return model.generator_network()
    if not model.compiled:
        model.compile()
    return model


def _load_model(source):
    if str(source).endswith(".keras"):
        return _load_keras_file(Path(source))
    if is_zoo_name(source):
        if str(source) not in catalog.list_zoo() and Path(source).is_dir():
            raise ValueError(
                f"kgan: {source!r} is not a zoo entry; to load the folder of that name, "
                f"write ./{source}."
            )
        directory = catalog.entry_dir(str(source))
        catalog.verify_entry(directory, f"zoo entry {source!r}")
        return _load_folder(directory, source, weights_checked=True)
    directory = Path(source)
    if (directory / catalog.MANIFEST_FILE).exists():  # a copied zoo entry: still checked
        catalog.verify_entry(directory, str(directory))
        return _load_folder(directory, source, weights_checked=True)
    return _load_folder(directory, source)


def _load_keras_file(path: Path):
    """A GAN saved with ``model.save("name.keras")``."""
    files.check_regular_file(path, "kgan.load")
    try:
        model = keras.saving.load_model(str(path))
    except Exception as error:  # zip, JSON and h5 errors all mean "not a loadable .keras file"
        reason = files.error_reason(error, type(error).__name__)
        raise ValueError(f"kgan: cannot load {path}: {reason}") from None
    if not isinstance(model, GAN):
        raise ValueError(
            f"kgan: {path} holds a {type(model).__name__}, not a kgan GAN; "
            "load it with keras.saving.load_model."
        )
    return model


def check_weights_file(model, path):
    """Raises ValueError unless ``path`` holds exactly ``model``'s weights, by shape.

    Checked before Keras reads the file, which would otherwise load what fits
    and skip the rest (DCGAN weights under a WGAN-GP config lose their
    BatchNorm weights silently), and would read an oversized file whole.
    """
    # Room for two optimizer slots per weight (Adam) and float64, plus h5 overhead.
    budget = 3 * sum(int(np.prod(v.shape)) * 8 for v in model.weights) + (1 << 20)
    size = path.stat().st_size
    if size > budget:
        raise ValueError(
            f"kgan: {path} is {size:,} bytes, far more than this model's weights need "
            f"(at most {budget:,}); refusing to read it."
        )
    with tempfile.TemporaryDirectory() as scratch:
        # What Keras writes for this model is the layout the file must have.
        reference = Path(scratch) / "reference.weights.h5"
        model.save_weights(str(reference))
        expected = _network_arrays(reference)
    found = _network_arrays(path)
    if found != expected:
        raise ValueError(
            f"kgan: {path} holds {len(found)} network weight arrays that do not match the "
            f"{model.architecture} its config.json describes ({len(expected)} arrays); "
            "refusing to load it."
        )


def _network_arrays(path) -> dict:
    """{path in the file: shape} of the networks' weights (not an optimizer's state)."""
    networks = ("generator/", "discriminator/", "ema_generator/")
    found = {}

    def collect(name, item):
        if isinstance(item, h5py.Dataset) and name.startswith(networks):
            found[name] = tuple(item.shape)

    try:
        with h5py.File(path, "r") as f:
            f.visititems(collect)
    except OSError as error:
        reason = files.error_reason(error, "unreadable")
        raise ValueError(f"kgan: {path} is not a readable weights file ({reason}).") from None
    return found


def _load_folder(directory: Path, source, weights_checked=False):
    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not config_path.exists() or not weights_path.exists():
        raise ValueError(
            f"kgan: cannot load {str(source)!r}: expected a zoo entry name or a folder with "
            f"{CONFIG_FILE} and {WEIGHTS_FILE} (a finished kgan train run)."
        )
    config = verify_model_folder(directory, weights_checked)
    try:
        # The keys -c takes, checked alike (no Keras-only dtype or trainable, did-you-mean).
        check_config_keys(config["architecture"], config["config"])
        check_fits_in_memory(config["architecture"], config["config"], copies=1)
        model = create(config["architecture"], **config["config"])
    except (TypeError, ValueError) as error:  # unknown, missing or out-of-range arguments
        reason = " ".join(str(error).split()).removeprefix("kgan: ")
        raise ValueError(
            f"kgan: {config_path} does not fit {config['architecture']}: {reason}"
        ) from None
    check_weights_file(model, weights_path)
    try:
        model.load_weights(str(weights_path))
    except Exception as error:  # h5py's OSError, Keras's ValueError: all mean "not these weights"
        reason = files.error_reason(error, type(error).__name__)
        raise ValueError(
            f"kgan: cannot load {weights_path}: it does not hold this model's weights ({reason})."
        ) from None
    try:
        optimizers = check_optimizers(config.get("optimizers"))
    except ValueError as error:
        raise ValueError(f"kgan: {config_path}: {str(error).removeprefix('kgan: ')}") from None
    model.compile(*configured_optimizers(model, optimizers))
    return model
