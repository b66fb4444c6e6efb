"""The zoo's read side: named entries, each a folder of data in ``zoo/<name>/``.

An entry holds ``recipe.json`` (how it is trained: a ``ZooRecipe``),
``config.json`` and ``model.weights.h5`` (the model, as a ``kgan train`` run
leaves it), ``manifest.json`` (the weights' sha256, check values, provenance,
licenses), ``metrics.json`` (measured quality and its protocol), and a model
card ``README.md`` with ``samples.png``. The evaluator classifiers live in
``zoo/evaluators/<dataset>/``.

Standard library only (with kgan's ground floor): ``kgan list`` and ``kgan
info`` read entries without Keras. ``kgan.zoo.publish`` is the write side.

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
import os
from pathlib import Path

from kgan import checks, files
from kgan.data.specs import DataSpec
from kgan.datasets import EVALUATION_NAMES, STACKED_MNIST
from kgan.model_files import CONFIG_FILE, WEIGHTS_FILE
from kgan.runs import RunRecipe, checked_record
from kgan.version import __version__

RECIPE_FILE, MANIFEST_FILE, METRICS_FILE = "recipe.json", "manifest.json", "metrics.json"
CARD_FILE, SAMPLES_FILE = "README.md", "samples.png"
EVALUATORS = "evaluators"
# The keys every recipe.json has; it may also name its "backend" (default: the
# building process's), "optimizers" and the "search" that chose it.
RECIPE_KEYS = ("architecture", "config", "data", "dataset", "epochs", "batch_size", "seed")
# The numbers a release is compared on (a card's "versus" table, the zoo table).
HEADLINE_KEYS = (
    "classifier_score_ratio",
    "frechet_distance",
    "max_over_min",
    "classes_present",
    "precision",
    "recall",
    "label_accuracy",
)
# A Stacked-MNIST entry's (kgan.stacked_mnist): modes covered, and reverse KL beside real stacks'.
STACKED_HEADLINE_KEYS = ("modes", "reverse_kl", "real_reverse_kl")


def shipped_root() -> Path:
    """The zoo installed with kgan (``kgan/zoo_data``), or the checkout's ``zoo/``."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "zoo_data"
    return installed if installed.is_dir() else package.parent / "zoo"


def zoo_root() -> Path:
    return Path(os.environ.get("KGAN_ZOO_DIR") or shipped_root())


def list_recipes() -> list[str]:
    """Names of the zoo entries that record a training recipe, sorted."""
    return _entry_names(RECIPE_FILE)


def list_zoo() -> list[str]:
    """Names of the zoo entries with pretrained weights, sorted.

    Example:

    >>> import kgan
    >>> kgan.list_zoo()[:2]
    ['cgan-fashion-mnist', 'cgan-mnist']
    """
    return _entry_names(MANIFEST_FILE)


def left_aside() -> list[str]:
    """Entries a killed ``install_entry`` left aside as ``.NAME.old``, with none in place."""
    root = zoo_root()
    if not root.is_dir():
        return []
    found = (p.parent.name[1:-4] for p in root.glob(f".*.old/{MANIFEST_FILE}"))
    return sorted(name for name in found if not (root / name / MANIFEST_FILE).is_file())


def left_aside_fix(name: str) -> str:
    """How to put back entry ``name`` that a killed install left aside."""
    aside, directory = zoo_root() / f".{name}.old", zoo_root() / name
    return (
        f"zoo entry {name!r} was left aside by a killed install; put it back with "
        f"python scripts/build_zoo.py {name} --stage card (or rename {aside} to {directory})"
    )


def _entry_names(marker: str) -> list[str]:
    root = zoo_root()
    if not root.is_dir():
        return []
    # Dot-folders are a build's staging or an entry stepping aside (install_entry).
    return sorted(
        p.parent.name for p in root.glob(f"*/{marker}") if not p.parent.name.startswith(".")
    )


def is_zoo_name(source) -> bool:
    """Whether ``source`` names a zoo entry rather than a folder.

    Names are plain (``dcgan-mnist``); anything with a path separator, a
    leading dot or ``~`` is a folder. As timm does, kgan never guesses.
    """
    text = str(source)
    return not isinstance(source, Path) and not any(c in text for c in "/\\~") and text[:1] != "."


def _entry_folder(name: str, marker: str, names) -> Path:
    """The folder of entry ``name`` in the zoo, if it holds ``marker``; else a one-line error.

    A name that is a path (``/abs``, ``a/../..``) is no entry: the folder is always
    one level inside the zoo. An entry a killed install left aside (``.NAME.old``)
    is named with its fix.
    """
    directory = zoo_root() / str(name)
    if is_zoo_name(name) and (directory / marker).is_file():
        return directory
    if is_zoo_name(name) and (zoo_root() / f".{name}.old" / marker).is_file():
        raise ValueError(f"kgan: {left_aside_fix(name)}.")
    raise _unknown(str(name), names())


def _unknown(name: str, names: list[str]) -> ValueError:
    known = ", ".join(names) or "none yet"
    return ValueError(
        f"kgan: no zoo entry {name!r}; the entries are: {known}.{checks.did_you_mean(name, names)}"
    )


@dataclasses.dataclass(frozen=True)
class ZooRecipe(RunRecipe):
    """A zoo entry's ``recipe.json``: the run that trains it, the dataset it is measured on,
    and the recipe search that chose it (trials, numbers, why)."""

    dataset: str = ""
    search: dict | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.dataset not in EVALUATION_NAMES:  # what kgan evaluate --dataset measures
            raise ValueError(
                f"kgan: dataset must be one of {', '.join(EVALUATION_NAMES)}; got {self.dataset!r}."
            )

    def as_run(self) -> RunRecipe:
        """The run alone, as ``kgan.training.train_run`` takes it."""
        names = [field.name for field in dataclasses.fields(RunRecipe)]
        return RunRecipe(**{name: getattr(self, name) for name in names})

    def to_json(self) -> dict:
        """The recipe.json layout: the run's fields that are set, the dataset, the search."""
        run = RunRecipe.to_json(self)
        recipe = {key: run[key] for key in ("architecture", "config", "data")}
        recipe["dataset"] = self.dataset
        recipe.update({key: run[key] for key in ("epochs", "batch_size", "seed")})
        for key in ("backend", "optimizers", "steps_per_epoch", "val_split"):
            if run[key] is not None:
                recipe[key] = run[key]
        if self.search is not None:
            recipe["search"] = self.search
        return recipe

    @classmethod
    def from_json(cls, value, source) -> "ZooRecipe":
        if not isinstance(value, dict):
            raise ValueError(f"kgan: {source} is not a JSON object.")
        missing = [key for key in RECIPE_KEYS if key not in value]
        if missing:
            raise ValueError(
                f"kgan: {source} lacks {', '.join(missing)}; expected {', '.join(RECIPE_KEYS)}."
            )
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(value) - fields)
        if unknown:
            raise ValueError(f"kgan: {source}: unknown recipe keys {', '.join(unknown)}.")
        return checked_record(cls, value, source)


def read_recipe(path) -> ZooRecipe:
    """A recipe file, checked: a one-line ValueError for a broken one."""
    path = Path(path)
    return ZooRecipe.from_json(files.read_json_object(path, "zoo recipe"), path)


def get_recipe(name: str) -> ZooRecipe:
    """The recipe of zoo entry ``name``; a ValueError lists the entries and close matches."""
    return read_recipe(_entry_folder(name, RECIPE_FILE, list_recipes) / RECIPE_FILE)


def entry_dir(name: str) -> Path:
    """The folder of a zoo entry with weights; unknown names list the entries."""
    return _entry_folder(name, MANIFEST_FILE, list_zoo)


def read_manifest(directory) -> dict:
    """An entry's manifest, checked: a one-line ValueError for a broken one."""
    path = Path(directory) / MANIFEST_FILE
    manifest = files.read_json(path, "zoo manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("weights_sha256"), str):
        raise ValueError(f"kgan: {path} is not a kgan manifest; it lacks weights_sha256.")
    listed = manifest.get("files", {})
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise ValueError(f"kgan: {path}: files must map file names to sha256 digests.")
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
    if expected.setdefault(WEIGHTS_FILE, manifest["weights_sha256"]) != manifest["weights_sha256"]:
        raise ValueError(f"kgan: {owner}: its manifest records two sha256 for {WEIGHTS_FILE}.")
    for name, digest in expected.items():
        if Path(name).name != name:
            raise ValueError(f"kgan: {owner}: its manifest names {name!r}, not an entry file.")
        files.verify_file(directory / name, digest, owner)
    return manifest


def headline_numbers(metrics: dict) -> dict:
    """``HEADLINE_KEYS`` of a metrics.json (None where it has no such number); an
    image-to-image entry's measured metrics (``kgan.translation_quality``) but counts; a
    Stacked-MNIST entry's ``STACKED_HEADLINE_KEYS``."""
    if metrics.get("task") == "translation":
        return {k: v for k, v in metrics["metrics"].items() if not k.startswith("count")}
    if metrics.get("dataset") == STACKED_MNIST:  # kgan.stacked_mnist's: modes, reverse KL
        return {key: metrics[key] for key in STACKED_HEADLINE_KEYS}
    numbers = {key: metrics.get(key) for key in HEADLINE_KEYS}
    numbers["classifier_score_ratio"] = (
        metrics["classifier_score"] / metrics["real_classifier_score"]
    )
    return numbers


def measured_numbers(metrics: dict) -> dict:
    """The ``headline_numbers`` that a metrics.json has (those it lacks are left out)."""
    return {key: value for key, value in headline_numbers(metrics).items() if value is not None}


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """A zoo entry as data: its recipe, manifest, model config, measured metrics and card.

    Each fact has one home: the recipe says how the entry is trained (dataset
    included), config.json what it loads as, the manifest what was built
    (sha256, check values, provenance, licenses, the previous release's
    numbers), metrics.json what ``kgan evaluate`` measured. The card is
    rendered from them (``kgan.zoo.cards``). ``ZooEntry.read(name)`` (or
    ``kgan.zoo_info``) reads one without loading Keras; ``kgan.load`` is what
    checks the files against the manifest's sha256. ``kgan.zoo.publish`` writes
    entries.

    Example:

    >>> import kgan
    >>> entry = kgan.zoo_info("cgan-mnist")
    >>> entry.architecture, entry.dataset, entry.recipe.epochs
    ('cgan', 'mnist', 200)
    >>> round(entry.headline()["classifier_score_ratio"], 2)  # doctest: +SKIP
    1.02
    """

    name: str
    directory: Path
    recipe: ZooRecipe
    manifest: dict
    model_config: dict
    metrics: dict

    @classmethod
    def read(cls, name: str) -> "ZooEntry":
        """The zoo entry ``name``; unknown names get a one-line error listing the entries."""
        return cls.read_folder(entry_dir(name), name)

    @classmethod
    def read_folder(cls, directory, name: str | None = None) -> "ZooEntry":
        """An entry in any folder (a staged build, a copied entry)."""
        directory = Path(directory)
        metrics_path = directory / METRICS_FILE
        manifest = read_manifest(directory)
        return cls(
            name=name or manifest.get("name", directory.name),
            directory=directory,
            recipe=read_recipe(directory / RECIPE_FILE),
            manifest=manifest,
            model_config=files.read_json_object(directory / CONFIG_FILE, "zoo model config"),
            metrics=(
                files.read_json_object(metrics_path, "zoo metrics")
                if metrics_path.is_file()
                else {}
            ),
        )

    @property
    def architecture(self) -> str:
        """What the entry loads as (config.json's architecture)."""
        return self.model_config["architecture"]

    @property
    def dataset(self) -> str:
        return self.recipe.dataset

    @property
    def task(self) -> str:
        """``"translation"`` for an image-to-image entry (its recipe's data is paired or
        unpaired: ``edges:``, ``downscale:K:``, ``classes:A|B:``), else ``"synthesis"``."""
        return "translation" if DataSpec.parse(self.recipe.data).pairing else "synthesis"

    @property
    def counts_modes(self) -> bool:
        """Whether the entry is measured on Stacked-MNIST's 1,000 modes (``kgan.stacked_mnist``)."""
        return self.dataset == STACKED_MNIST

    @property
    def judged_by_classifier(self) -> bool:
        """Whether it makes images from noise that its data set's classifier evaluator reads
        (not an image-to-image entry, not Stacked-MNIST's three digits): what CAS, edit
        directions and the projection table measure."""
        return self.task == "synthesis" and not self.counts_modes

    @property
    def trials(self) -> list[dict]:
        """The runs its recipe search records (none without a search)."""
        return (self.recipe.search or {}).get("trials", [])

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
    def provenance(self) -> dict:
        return self.manifest.get("provenance", {})

    @property
    def previous(self) -> dict | None:
        """The previous release's headline numbers of this entry, where recorded."""
        return self.manifest.get("previous")

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
        """The metrics a table shows: ``HEADLINE_KEYS`` and how many targets are met."""
        m = self.metrics
        if not m:
            return {}
        targets = m.get("targets", [])
        headline = measured_numbers(m)
        headline["targets_met"] = sum(bool(t["met"]) for t in targets)
        headline["targets"] = len(targets)
        return headline

    def release_record(self) -> dict | None:
        """What the next release's card compares with: this release's numbers.

        Rebuilding within the same kgan version keeps the comparison with the
        release before it.
        """
        if self.kgan_version == __version__:
            return self.previous
        if not self.metrics:
            return None
        evaluator = {"evaluator_sha256": self.metrics.get("evaluator_sha256")}
        return {"kgan_version": self.kgan_version, **evaluator, **headline_numbers(self.metrics)}

    def same_evaluator_as_previous(self) -> bool:
        """Whether this release was measured with the evaluator weights the previous one
        was (the zoo's kgan 0.1.0 records were given theirs from its git history; both
        unnamed counts as the same)."""
        previous = self.previous or {}
        return previous.get("evaluator_sha256") == self.metrics.get("evaluator_sha256")


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
