"""The zoo: named entries, each a folder of data in ``zoo/<name>/``.

An entry holds ``recipe.json`` (how it is trained: architecture, config, data
spec, epochs, batch size, seed, dataset, backend), ``config.json`` and
``model.weights.h5`` (the model, as a ``kgan train`` run leaves it),
``manifest.json`` (the weights' sha256, check values, provenance, licenses),
``metrics.json`` (measured quality and its protocol), and a model card
``README.md`` with ``samples.png``. The evaluator classifiers live in
``zoo/evaluators/<dataset>/``.

The zoo ships inside the package (as ``kgan/zoo_data``); in a source checkout
it is the repository's ``zoo/``. ``KGAN_ZOO_DIR`` points elsewhere (tests
use it).

Example:

>>> import kgan
>>> "dcgan-mnist" in kgan.list_zoo()
True
>>> images = kgan.load("dcgan-mnist").sample(16, seed=0)
>>> images.shape
(16, 28, 28, 1)
"""

import dataclasses
import datetime
import difflib
import hashlib
import json
import os
import platform
import sys
from pathlib import Path

RECIPE_FILE, MANIFEST_FILE, METRICS_FILE = "recipe.json", "manifest.json", "metrics.json"
RECIPE_KEYS = ("architecture", "config", "data", "epochs", "batch_size", "seed")
EVALUATORS = "evaluators"


def shipped_root() -> Path:
    """The zoo installed with kgan (``kgan/zoo_data``), or the checkout's ``zoo/``."""
    package = Path(__file__).resolve().parent
    installed = package / "zoo_data"
    return installed if installed.is_dir() else package.parent / "zoo"


def zoo_root() -> Path:
    return Path(os.environ.get("KGAN_ZOO_DIR") or shipped_root())


def list_recipes() -> list[str]:
    """Names of the zoo entries that record a training recipe, sorted."""
    root = zoo_root()
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{RECIPE_FILE}"))


def list_zoo() -> list[str]:
    """Names of the zoo entries with pretrained weights, sorted.

    Example:

    >>> import kgan
    >>> kgan.list_zoo()[:2]
    ['cgan-fashion-mnist', 'cgan-mnist']
    """
    root = zoo_root()
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{MANIFEST_FILE}"))


def _unknown(name: str, names: list[str]) -> ValueError:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    known = ", ".join(names) or "none yet"
    return ValueError(f"kgan: no zoo entry {name!r}; the entries are: {known}.{hint}")


def get_recipe(name: str) -> dict:
    """The recipe of zoo entry ``name``; a ValueError lists the entries and close matches."""
    path = zoo_root() / name / RECIPE_FILE
    if not path.is_file():
        raise _unknown(name, list_recipes())
    recipe = json.loads(path.read_text())
    missing = [key for key in RECIPE_KEYS if key not in recipe]
    if missing:
        raise ValueError(
            f"kgan: {path} lacks {', '.join(missing)}; expected {', '.join(RECIPE_KEYS)}."
        )
    return recipe


def entry_dir(name: str) -> Path:
    """The folder of a zoo entry with weights; unknown names list the entries."""
    directory = zoo_root() / name
    if not (directory / MANIFEST_FILE).is_file():
        raise _unknown(name, list_zoo())
    return directory


def read_json(path, owner: str):
    """The JSON value in the regular file ``path``; a one-line ValueError otherwise."""
    from kgan.files import check_regular_file

    path = check_regular_file(path, owner)
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"kgan: {path} is not valid JSON ({error}).") from None


def read_manifest(directory) -> dict:
    """An entry's manifest, checked: a one-line ValueError for a broken one."""
    path = Path(directory) / MANIFEST_FILE
    manifest = read_json(path, "zoo manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("weights_sha256"), str):
        raise ValueError(f"kgan: {path} is not a kgan manifest; it lacks weights_sha256.")
    files = manifest.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ValueError(f"kgan: {path}: files must map file names to sha256 digests.")
    return manifest


def seal_entry(directory):
    """Records the sha256 of every file of an entry (but the manifest) in its manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    manifest["files"] = {
        path.name: sha256_file(path)
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != MANIFEST_FILE
    }
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def verify_entry(directory, owner: str) -> dict:
    """Checks an entry's files against its manifest before any is read; returns the manifest.

    The weights always; every other file the manifest lists (config.json, the
    card, ...) too, so a copied entry with an edited config does not load as genuine.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    # Each file hashed once: the weights' digest is in weights_sha256 and usually in files too.
    expected = dict(manifest.get("files", {}))
    weights = "model.weights.h5"
    if expected.setdefault(weights, manifest["weights_sha256"]) != manifest["weights_sha256"]:
        raise ValueError(f"kgan: {owner}: its manifest records two sha256 for {weights}.")
    for name, digest in expected.items():
        if Path(name).name != name:
            raise ValueError(f"kgan: {owner}: its manifest names {name!r}, not an entry file.")
        verify_file(directory / name, digest, owner)
    return manifest


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path, expected_sha256: str, owner: str):
    """Raises ValueError unless ``path``'s sha256 is ``expected_sha256``.

    Weights are checked before they are read, so a corrupted or tampered file
    is never loaded. Anything but a regular file is refused before it is read.
    """
    from kgan.files import check_regular_file

    actual = sha256_file(check_regular_file(path, owner))
    if actual != expected_sha256:
        raise ValueError(
            f"kgan: {owner}: {Path(path).name} has sha256 {actual}, but its manifest "
            f"expects {expected_sha256}; refusing to load it (reinstall kgan or rebuild "
            "the entry)."
        )


def provenance(command: str, **fields) -> dict:
    """Where and how something was made: command, date, machine, library versions."""
    import keras
    import numpy

    from kgan.version import __version__

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


CARD_FILE, CONFIG_FILE = "README.md", "config.json"


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """A zoo entry as data: its recipe, manifest, model config, measured metrics and card.

    Read with ``kgan.zoo_info(name)``; nothing is loaded into Keras. Files
    are read as they are; ``kgan.load`` is what checks them against the
    manifest's sha256.

    Example:

    >>> import kgan
    >>> entry = kgan.zoo_info("cgan-mnist")
    >>> entry.architecture, entry.dataset
    ('cgan', 'mnist')
    >>> round(entry.headline()["classifier_score_ratio"], 2)  # doctest: +SKIP
    1.02
    """

    name: str
    directory: Path
    recipe: dict
    manifest: dict
    model_config: dict
    metrics: dict

    @classmethod
    def read(cls, name: str) -> "ZooEntry":
        directory = entry_dir(name)
        manifest = read_manifest(directory)
        recipe_path = directory / RECIPE_FILE
        return cls(
            name=name,
            directory=directory,
            recipe=get_recipe(name) if recipe_path.is_file() else {},
            manifest=manifest,
            model_config=_read_json(directory / CONFIG_FILE, "model config"),
            metrics=_read_json(directory / METRICS_FILE, "metrics")
            if (directory / METRICS_FILE).is_file()
            else {},
        )

    @property
    def architecture(self) -> str:
        return self.manifest["architecture"]

    @property
    def dataset(self) -> str:
        return self.manifest["dataset"]

    @property
    def config(self) -> dict:
        """The constructor config the model loads with."""
        return self.model_config["config"]

    @property
    def class_names(self) -> list | None:
        return self.config.get("class_names")

    @property
    def sha256(self) -> str:
        """The weights' sha256 (``kgan.load`` checks it before reading them)."""
        return self.manifest["weights_sha256"]

    @property
    def licenses(self) -> dict:
        return self.manifest.get("licenses", {})

    @property
    def kgan_version(self) -> str | None:
        return self.manifest.get("kgan_version")

    @property
    def sizes(self) -> dict:
        """{file name: bytes} of the entry's files."""
        return {
            path.name: path.stat().st_size
            for path in sorted(self.directory.iterdir())
            if path.is_file()
        }

    @property
    def card(self) -> str:
        """The model card (Markdown)."""
        path = self.directory / CARD_FILE
        return path.read_text() if path.is_file() else ""

    def headline(self) -> dict:
        """The metrics a table shows: classifier score / real, Fréchet distance, targets met."""
        m = self.metrics
        if not m:
            return {}
        targets = m.get("targets", [])
        headline = {
            "classifier_score_ratio": m["classifier_score"] / m["real_classifier_score"],
            "frechet_distance": m["frechet_distance"],
            "classes_present": m.get("classes_present"),
            "max_over_min": m.get("max_over_min"),
            "targets_met": sum(bool(t["met"]) for t in targets),
            "targets": len(targets),
        }
        if "label_accuracy" in m:
            headline["label_accuracy"] = m["label_accuracy"]
        return headline


def zoo_info(name: str) -> ZooEntry:
    """The record of zoo entry ``name``: recipe, metrics, card, licenses, sha256, sizes.

    Example:

    >>> import kgan
    >>> entry = kgan.zoo_info("dcgan-mnist")
    >>> entry.licenses["weights"]
    'Apache-2.0'
    >>> print(entry.card[:40])  # doctest: +SKIP
    """
    return ZooEntry.read(name)


def _read_json(path: Path, what: str) -> dict:
    value = read_json(path, f"zoo {what}")
    if not isinstance(value, dict):
        raise ValueError(f"kgan: {path} is not a JSON object.")
    return value
