"""The zoo's write side: publish a model as an entry, measure it, card it, seal it, install it.

``scripts/build_zoo.py`` drives it: ``publish_entry`` writes the model files,
the recipe and a manifest into a fresh folder beside the zoo;
``write_metrics`` records ``kgan.evaluate``'s result; ``write_card`` the
samples grid and the card; ``seal_entry`` every file's sha256; and only then
``install_entry`` moves the folder into the zoo.

Example:

>>> from kgan.zoo import publish
>>> entry = publish.publish_entry(staged, model, recipe, name=name, build=build)  # doctest: +SKIP
>>> entry = publish.write_metrics(entry, kgan.evaluate(staged))  # doctest: +SKIP
"""

import dataclasses
import os
import shutil
from pathlib import Path

import numpy as np

from kgan import files, images, saving
from kgan.data.kinds import data_kind
from kgan.data.specs import DataSpec
from kgan.datasets import measured_on
from kgan.evaluators import read_record
from kgan.model_files import WEIGHTS_FILE
from kgan.version import __version__
from kgan.zoo.cards import render_card
from kgan.zoo.catalog import (
    CARD_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    RECIPE_FILE,
    SAMPLES_FILE,
    ZooEntry,
    ZooRecipe,
    measured_numbers,
    read_manifest,
    read_recipe,
    zoo_root,
)

CHECK_SEED, CHECK_COUNT = 1234, 4


def check_images(model, seed: int, count: int, labels=None):
    """The images a manifest's check values are read from: samples from numpy latents, or
    for an image-to-image model its outputs (A→B) for numpy inputs uniform in [-1, 1]."""
    if data_kind(model).name == "images":
        latents = model.latents(count, seed)
        return model.sample(count, latents=latents, labels=labels)
    shape = (count, *model.source_shape)
    return model.translate(np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32"))


def reproduction_check(model) -> dict:
    """Each ``check_images`` image's middle pixel row, which every backend must reproduce."""
    labels = list(range(CHECK_COUNT)) if model.num_classes is not None else None
    pictures = check_images(model, CHECK_SEED, CHECK_COUNT, labels)
    row = pictures.shape[1] // 2
    return {
        "seed": CHECK_SEED,
        "count": CHECK_COUNT,
        "labels": labels,
        "row": row,
        "atol": 1e-3,
        "pixels": pictures[:, row, :, 0].round(6).tolist(),
    }


def publish_entry(
    directory, model, recipe: ZooRecipe, *, name: str, build: dict, previous=None
) -> ZooEntry:
    """Writes ``model`` as entry ``name`` into the new folder ``directory``.

    The model files (with the recipe's optimizer settings), ``recipe.json``
    and a manifest: sha256, check values, ``build`` (provenance, from
    ``provenance()``), licenses and ``previous`` (``ZooEntry.release_record()``
    of the entry it replaces). Metrics and card follow with ``write_metrics``
    and ``write_card``; ``seal_entry`` records every file's sha256 last.
    """
    directory = Path(directory)
    directory.mkdir(parents=True)  # a fresh folder: nothing in it is overwritten
    recipe_path = directory / RECIPE_FILE
    files.write_json_atomically(recipe_path, recipe.to_json())
    recipe = read_recipe(recipe_path)
    saving.save_model_folder(model, directory, recipe.optimizers)
    evaluator = read_record(measured_on(recipe.dataset).name)  # stacked-mnist: mnist's
    manifest = {
        "name": name,
        "kgan_version": __version__,
        "weights_sha256": files.sha256_file(directory / WEIGHTS_FILE),
        "check": reproduction_check(model),
        "provenance": build,
        "licenses": {"weights": "Apache-2.0", "training_data": evaluator["data_license"]},
    }
    if previous:
        manifest["previous"] = previous
    files.write_json_atomically(directory / MANIFEST_FILE, manifest)
    return ZooEntry.read_folder(directory, name)


def write_metrics(entry: ZooEntry, result: dict) -> ZooEntry:
    """Writes ``kgan.evaluate``'s result as the entry's metrics.json."""
    files.write_json_atomically(entry.directory / METRICS_FILE, result)
    return dataclasses.replace(entry, metrics=result)


def write_trials(entry: ZooEntry, measured: dict) -> ZooEntry:
    """Gives the recipe search's trials named in ``{run: fields}`` those fields (recipe.json):
    a translator's own run and its baselines, measured again with a new evaluator
    (``trial_numbers``). The other trials keep the numbers and evaluator they were measured
    with."""
    if not measured:
        return entry
    unknown = sorted(set(measured) - {trial["run"] for trial in entry.trials})
    if unknown:
        raise ValueError(f"kgan: {entry.name}'s recipe search has no trial {', '.join(unknown)}.")
    trials = [{**trial, **measured.get(trial["run"], {})} for trial in entry.trials]
    return write_search(entry, {**entry.recipe.search, "trials": trials})


def check_search(search, source) -> dict:
    """``search`` if it reads as a recipe search (an object with ``trials``, objects each
    naming its ``run``, and ``why``, text); else a one-line ValueError naming ``source``."""
    trials = search.get("trials") if isinstance(search, dict) else None
    if not (
        isinstance(trials, list)
        and all(isinstance(trial, dict) and isinstance(trial.get("run"), str) for trial in trials)
        and isinstance(search.get("why"), str)
    ):
        raise ValueError(
            f"kgan: {source} is not a recipe search; expected an object with trials (objects, "
            "each with its run) and why (text)."
        )
    return search


def write_search(entry: ZooEntry, search: dict) -> ZooEntry:
    """Writes ``search`` (trials, setting, why; ``check_search``) as the recipe search of an
    entry being built or staged (recipe.json); the run the recipe describes is unchanged."""
    check_search(search, "the recipe search")
    path = entry.directory / RECIPE_FILE
    files.write_json_atomically(path, dataclasses.replace(entry.recipe, search=search).to_json())
    return dataclasses.replace(entry, recipe=read_recipe(path))


def trial_numbers(result: dict) -> dict:
    """A search trial's fields from a translator's ``kgan.evaluate`` result: its metrics to
    4 decimals (but the held-out counts, metrics.json's alone) and the evaluator's sha256."""
    numbers = {
        key: round(value, 4)
        for key, value in result["metrics"].items()
        if not key.startswith("count")
    }
    return {**numbers, "evaluator_sha256": result["evaluator_sha256"]}


# The ψ of each noise-to-image card's truncation table (kgan.evaluate(..., truncation=ψ)).
TRUNCATIONS = (1.0, 0.8, 0.6, 0.4)


def write_truncation(entry: ZooEntry, results: dict) -> ZooEntry:
    """Records ``{ψ: kgan.evaluate's result at ψ}`` in metrics.json as ``truncation``: one
    row of headline numbers per ψ, the largest first (ψ = 1 is the entry's own)."""
    rows = [
        {"psi": float(psi), **measured_numbers(results[psi])}
        for psi in sorted(results, reverse=True)
    ]
    return write_metrics(entry, {**entry.metrics, "truncation": rows})


def write_cas(entry: ZooEntry, result: dict) -> ZooEntry:
    """Records ``kgan.synthesis.classification_accuracy_score``'s result in metrics.json as
    ``cas``."""
    return write_metrics(entry, {**entry.metrics, "cas": result})


COMPARED = 12  # the held-out pairs (or images of each domain) a translator's picture shows


def write_card(entry: ZooEntry, model) -> None:
    """Writes samples.png and the card. The picture: 100 samples, seed 0 (a row per class
    for a CGAN); for an image-to-image entry its ``comparison`` of the first held-out
    pairs or domain images (metrics.json names them), two triplets a row."""
    if entry.task == "translation":
        first, second = data_kind(model).read(DataSpec.parse(entry.metrics["data"]), model)
        half = COMPARED // 2 if entry.metrics["metrics"].get("count_a") else COMPARED
        rows, columns = model.comparison(first[:half], second[:half])
        images.save_grid(rows, entry.directory / SAMPLES_FILE, columns=2 * columns)
    else:
        labels, count, columns = images.grid_layout(100, model.num_classes, columns=10)
        pictures = model.sample(count, seed=0, labels=labels)
        images.save_grid(pictures, entry.directory / SAMPLES_FILE, columns=columns)
    files.write_text_atomically(entry.directory / CARD_FILE, render_card(entry))


def seal_entry(entry: ZooEntry) -> ZooEntry:
    """Records the sha256 of every file of an entry (but the manifest) in its manifest.

    ``kgan.load`` checks them. Atomic: ``build_zoo --stage card`` reseals an
    installed entry in place.
    """
    directory = entry.directory
    manifest = read_manifest(directory)
    manifest["files"] = {
        path.name: files.sha256_file(path)
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != MANIFEST_FILE
    }
    files.write_json_atomically(directory / MANIFEST_FILE, manifest)
    return dataclasses.replace(entry, manifest=manifest)


def unseal_entry(entry: ZooEntry) -> ZooEntry:
    """The manifest of a copy of an installed entry forgets its files' sha256 (the weights'
    stays, and ``kgan.load`` still checks it), so the copy can be measured again and its
    metrics and card rewritten; ``seal_entry`` lists them again."""
    manifest = {k: v for k, v in read_manifest(entry.directory).items() if k != "files"}
    files.write_json_atomically(entry.directory / MANIFEST_FILE, manifest)
    return dataclasses.replace(entry, manifest=manifest)


def install_entry(staged, name: str) -> Path:
    """Moves a built entry from ``staged`` into the zoo as ``name``, replacing the old one.

    Two renames within the zoo folder: the old entry steps aside as
    ``.NAME.old`` and is removed only after the new one is in place. A kill in
    between leaves ``.NAME.old``, which ``recover_entry`` (run before each
    build) puts back.
    """
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
    root = zoo_root()
    target, aside = root / name, root / f".{name}.old"
    if aside.exists():
        if target.exists():
            shutil.rmtree(aside)
        else:
            os.rename(aside, target)
