"""The zoo: pretrained entries by name, read without Keras (``kgan.zoo.catalog``).

- ``kgan.zoo.catalog``: the read side (names, ``ZooRecipe``, ``ZooEntry``, manifests,
  sha256 checks).
- ``kgan.zoo.cards``: model cards and the zoo README's table, as text.
- ``kgan.zoo.publish``: the write side (publish, measure, card, seal, install); it
  sits above evaluation and is imported by ``scripts/build_zoo.py``, not here.

Example:

>>> import kgan
>>> entry = kgan.zoo.ZooEntry.read("dcgan-mnist")
>>> entry.recipe.architecture
'dcgan'
"""

from kgan.zoo.catalog import (
    CARD_FILE,
    EVALUATORS,
    HEADLINE_KEYS,
    MANIFEST_FILE,
    METRICS_FILE,
    RECIPE_FILE,
    RECIPE_KEYS,
    SAMPLES_FILE,
    ZooEntry,
    ZooRecipe,
    entry_dir,
    get_recipe,
    headline_numbers,
    list_recipes,
    list_zoo,
    measured_numbers,
    read_manifest,
    read_recipe,
    shipped_root,
    verify_entry,
    zoo_info,
    zoo_root,
)

__all__ = [
    "CARD_FILE",
    "EVALUATORS",
    "HEADLINE_KEYS",
    "MANIFEST_FILE",
    "METRICS_FILE",
    "RECIPE_FILE",
    "RECIPE_KEYS",
    "SAMPLES_FILE",
    "ZooEntry",
    "ZooRecipe",
    "entry_dir",
    "get_recipe",
    "headline_numbers",
    "list_recipes",
    "list_zoo",
    "measured_numbers",
    "read_manifest",
    "read_recipe",
    "shipped_root",
    "verify_entry",
    "zoo_info",
    "zoo_root",
]
