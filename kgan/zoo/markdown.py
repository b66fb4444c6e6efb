"""The Markdown and YAML pieces the model cards are written with (standard library only)."""

import json


def number(value) -> str:
    """A float to four significant digits; anything else as ``str`` gives it."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def table(header: list[str], rows: list) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def yaml_value(value) -> str:
    """A value for YAML front matter: JSON strings and numbers are YAML too."""
    return json.dumps(value, ensure_ascii=False)


def hub_front_matter(name: str, dataset, pipeline: str, tags: list, metrics: list) -> str:
    """The Hugging Face Hub's model-card metadata (YAML between ``---`` lines).

    ``dataset`` is a ``kgan.datasets.Dataset``, ``pipeline`` the Hub's task
    (``unconditional-image-generation``, ``image-to-image``), ``metrics``
    (type, name, value) triples. JSON strings and numbers are YAML too, so every
    value is written as JSON (``yaml_value``).
    """
    lines = [
        "---",
        "library_name: kgan",
        "license: apache-2.0",
        "datasets:",
        f"- {yaml_value(dataset.hub_id)}",
        "tags:",
        *(f"- {yaml_value(tag)}" for tag in tags),
        f"pipeline_tag: {pipeline}",
        "model-index:",
        f"- name: {yaml_value(name)}",
        "  results:",
        "  - task:",
        f"      type: {pipeline}",
        "    dataset:",
        f"      type: {yaml_value(dataset.hub_id)}",
        f"      name: {yaml_value(dataset.name)}",
        "      split: test",
        "    metrics:",
    ]
    for key, label, value in metrics:
        lines += [
            f"    - type: {yaml_value(key)}",
            f"      name: {yaml_value(label)}",
            f"      value: {yaml_value(round(float(value), 4))}",
        ]
    return "\n".join([*lines, "---", ""])


def provenance_lines(provenance: dict) -> str:
    """A card's lines on where and how an entry was built (its manifest's provenance)."""
    versions = ", ".join(f"{k} {v}" for k, v in provenance["versions"].items())
    timing = f" ({provenance['timing_note']})" if provenance.get("timing_note") else ""
    return f"""- Backend `{provenance["backend"]}`; {provenance["machine"]}; \
{provenance.get("device", "no GPU")}
- Training wall time (run start to last checkpoint): {provenance["training_seconds"]:.0f} s{timing}
- Built {provenance["date"]} with `{provenance["command"]}` \
(its training step: `{provenance["train_command"]}`)
- Versions: {versions}"""


def files_section(entry, check: str, chosen_by: str) -> str:
    """A card's list of an entry's files: ``check`` says what its check values are read from,
    ``chosen_by`` what its recipe records (the search, the ablation)."""
    return f"""- `config.json` + `model.weights.h5` (sha256 `{entry.sha256}`, checked at load)
- `manifest.json`: provenance, and check values ({check})
  that the tests verify on TensorFlow, JAX and PyTorch
- `recipe.json`: how `scripts/build_zoo.py` retrains it, and the {chosen_by} that chose it
- Weights: {entry.licenses["weights"]}. Training data: {entry.licenses["training_data"]}."""


def verdict(targets: list[dict]) -> str:
    """A card's sentence on its targets: all met, or which are missed."""
    missed = [t["target"] for t in targets if not t["met"]]
    if not missed:
        return "All quality targets that apply to this entry are met."
    return f"**This entry misses {len(missed)} target(s): {', '.join(missed)}** (numbers above)."


def not_measured(name: str, stage: str) -> str:
    """A card's line where an entry's metrics lack what ``build_zoo.py --stage STAGE`` adds."""
    return f"Not measured yet (`python scripts/build_zoo.py {name} --stage {stage}`)."
