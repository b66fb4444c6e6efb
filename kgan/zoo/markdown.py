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
