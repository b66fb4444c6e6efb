"""The zoo: named entries, each a folder of data in ``zoo/<name>/``.

An entry's ``recipe.json`` records how it is trained: architecture, config,
data spec, epochs, batch size and seed. ``kgan train NAME`` and
``scripts/train_zoo.py`` train from it. ``KGAN_ZOO_DIR`` points elsewhere
(tests use it).
"""

import difflib
import json
import os
from pathlib import Path

RECIPE_FILE = "recipe.json"
RECIPE_KEYS = ("architecture", "config", "data", "epochs", "batch_size", "seed")


def zoo_root() -> Path:
    return Path(os.environ.get("KGAN_ZOO_DIR") or Path(__file__).resolve().parents[1] / "zoo")


def list_recipes() -> list[str]:
    """Names of the zoo entries that record a training recipe, sorted."""
    root = zoo_root()
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{RECIPE_FILE}"))


def get_recipe(name: str) -> dict:
    """The recipe of zoo entry ``name``; a ValueError lists the entries and close matches."""
    path = zoo_root() / name / RECIPE_FILE
    if not path.is_file():
        names = list_recipes()
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        known = ", ".join(names) or "none yet"
        raise ValueError(f"kgan: no zoo entry {name!r}; the entries are: {known}.{hint}")
    recipe = json.loads(path.read_text())
    missing = [key for key in RECIPE_KEYS if key not in recipe]
    if missing:
        raise ValueError(
            f"kgan: {path} lacks {', '.join(missing)}; expected {', '.join(RECIPE_KEYS)}."
        )
    return recipe
