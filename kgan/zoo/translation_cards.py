"""The cards and zoo table of the image-to-image entries (pix2pix, SRGAN, CycleGAN).

Pure text from ``ZooEntry`` records, as ``kgan.zoo.cards`` for the others. An
entry's ``metrics.json`` is ``kgan.translation_quality.evaluate_translator``'s
result; its recipe's ``search`` records the runs tried, the non-adversarial
baseline of the same network and budget among them (``"baseline": true``),
each with the same metrics. The card compares the entry with the baselines and
checks ``BASELINE_TARGETS`` against them.
"""

import json

from kgan.data.specs import DataSpec
from kgan.datasets import DATASETS
from kgan.zoo.catalog import SAMPLES_FILE, ZooEntry, headline_numbers
from kgan.zoo.markdown import (
    files_section,
    hub_front_matter,
    number,
    provenance_lines,
    table,
    verdict,
)

METRICS = {  # name: (what it is, whether higher is better)
    "label_preservation": ("label preservation (evaluator's accuracy vs the source's label)", True),
    "frechet_distance": ("Fréchet distance to the real targets (evaluator features)", False),
    "psnr_db": ("PSNR against the target (dB)", True),
    "ssim": ("SSIM against the target", True),
    "a_to_b_target_share": ("A→B classified as B's class", True),
    "b_to_a_target_share": ("B→A classified as A's class", True),
    "a_to_b_frechet_distance": ("Fréchet distance of A→B to real B", False),
    "b_to_a_frechet_distance": ("Fréchet distance of B→A to real A", False),
    "a_to_b_cycle_l1": ("cycle L1 of A→B→A (images in [-1, 1])", False),
    "b_to_a_cycle_l1": ("cycle L1 of B→A→B (images in [-1, 1])", False),
}
# Targets against the non-adversarial baseline of the same network and budget (issue 27):
# (metric, relation, margin): "not_worse" (>= for higher-better), "better", or "within".
BASELINE_TARGETS = {
    "pix2pix": [("label_preservation", "not_worse", 0.0), ("frechet_distance", "better", 0.0)],
    "srgan": [("frechet_distance", "better", 0.0), ("psnr_db", "within", 1.5)],
}


def baselines_of(entry: ZooEntry) -> dict:
    """{name: metrics} of the entry's baselines: its search's baseline runs, then bicubic."""
    found = {trial["run"]: trial for trial in entry.trials if trial.get("baseline")}
    found.update(entry.metrics.get("baselines") or {})
    return found


def baseline_targets(entry: ZooEntry) -> list[dict]:
    """``BASELINE_TARGETS`` of the entry's architecture against its first baseline run."""
    runs = [trial for trial in entry.trials if trial.get("baseline")]
    rules = BASELINE_TARGETS.get(entry.architecture, [])
    if not runs or not rules:
        return []
    baseline, ours = runs[0], entry.metrics["metrics"]
    rows = []
    for metric, relation, margin in rules:
        higher = METRICS[metric][1]
        value, theirs = ours[metric], baseline[metric]
        if relation == "within":
            met, goal = value >= theirs - margin, f">= {theirs - margin:.4g} ({margin:g} of "
        elif relation == "better":
            met = value > theirs if higher else value < theirs
            goal = f"{'>' if higher else '<'} {theirs:.4g} ("
        else:
            met = value >= theirs if higher else value <= theirs
            goal = f"{'>=' if higher else '<='} {theirs:.4g} ("
        goal += f"{baseline['run']})"
        rows.append({"target": metric, "value": value, "goal": goal, "met": bool(met)})
    return rows


def _usage(entry: ZooEntry) -> str:
    spec = DataSpec.parse(entry.recipe.data)
    kind, _, argument = spec.pairing.partition(":")
    if kind == "classes":
        names = DATASETS[entry.dataset].class_names
        a, b = (names[c] if c < len(names) else str(c) for c in spec.domain_classes)
        return (
            f"b_images = model.translate(a_images)  # {a} (A) → {b} (B), float32 in [-1, 1]\n"
            f'a_images = model.translate(b_images, direction="b_to_a")  # {b} → {a}'
        )
    if kind == "downscale":
        made = f"kgan.data.downscale(images, {argument})  # (n, 28, 28, 1) → (n, 7, 7, 1)"
    else:
        method = ', method="canny"' if kind == "canny" else ""
        made = f"kgan.data.edges(images{method})  # edge maps, as the entry was trained"
    return f"inputs = {made}\noutputs = model.translate(inputs)  # float32 in [-1, 1]"


def comparison_section(entry: ZooEntry) -> str:
    """The entry's metrics beside each baseline's, and where the GAN wins and loses."""
    ours, baselines = entry.metrics["metrics"], baselines_of(entry)
    shown = [key for key in METRICS if key in ours]
    header = ["metric", entry.name, *baselines]
    rows = [
        (
            METRICS[key][0],
            f"{ours[key]:.4f}",
            *(number(b.get(key, "—")) for b in baselines.values()),
        )
        for key in shown
    ]
    lines = [table(header, rows)]
    for name, theirs in baselines.items():
        wins, losses = [], []
        for key in shown:
            if key not in theirs or ours[key] == theirs[key]:
                continue
            better = (ours[key] > theirs[key]) == METRICS[key][1]
            (wins if better else losses).append(f"{key} ({ours[key]:.4g} vs {theirs[key]:.4g})")
        lines.append(
            f"Against {name}: better in {', '.join(wins) or 'nothing'}; "
            f"worse in {', '.join(losses) or 'nothing'}."
        )
    return "\n\n".join(lines)


def _targets_table(targets: list[dict]) -> str:
    rows = [
        (t["target"], number(t["value"]), t["goal"], "met" if t["met"] else "**missed**")
        for t in targets
    ]
    return table(["target", "value", "goal", "result"], rows)


def search_table(search: dict | None, evaluator_sha256: str | None = None) -> str:
    """The runs a translator's recipe search records, each with its metrics and, where the
    trials name them, the evaluator weights each was measured with (``evaluator_sha256``:
    the entry's own)."""
    if not search:
        return "No recipe search is recorded for this entry."
    trials = search["trials"]
    keys = [key for key in METRICS if any(key in trial for trial in trials)]
    named = any("evaluator_sha256" in trial for trial in trials)
    rows = [
        (
            trial["run"] + (" (baseline)" if trial.get("baseline") else ""),
            trial["changes"],
            trial["epochs"],
            "—" if trial.get("seconds") is None else f"{trial['seconds'] / 60:.0f}",
            *(number(trial.get(key, "—")) for key in keys),
            *([trial.get("evaluator_sha256", "—")[:8]] if named else []),
        )
        for trial in trials
    ]
    header = ["run", "recipe", "epochs", "minutes", *keys, *(["evaluator"] if named else [])]
    parts = [search.get("setting", ""), table(header, rows)]
    if named:
        parts.append(
            "The evaluator column is the start of the sha256 of the evaluator weights each run "
            f"was measured with; this entry's metrics name {(evaluator_sha256 or '—')[:8]}. "
            "Rows measured with different evaluators are not on one scale."
        )
    return "\n\n".join([*parts, search["why"]]).lstrip()


def front_matter(entry: ZooEntry) -> str:
    """The Hugging Face Hub's model-card metadata of an image-to-image entry."""
    measured = entry.metrics["metrics"]
    tags = ["kgan", "keras", "gan", entry.architecture, "image-to-image"]
    metrics = [(key, METRICS[key][0], measured[key]) for key in METRICS if key in measured]
    return hub_front_matter(entry.name, DATASETS[entry.dataset], "image-to-image", tags, metrics)


def render_translation_card(entry: ZooEntry) -> str:
    """The model card (README.md) of an image-to-image entry."""
    recipe, prov, result = entry.recipe, entry.provenance, entry.metrics
    targets = result["targets"] + baseline_targets(entry)
    check = entry.manifest["check"]
    check = (
        f"the middle pixel row of the outputs for\n  {check['count']} numpy inputs, seed "
        f"{check['seed']}"
    )
    pictured = (
        "rows of A | A→B | A→B→A, then B | B→A | B→A→B"
        if DataSpec.parse(recipe.data).unpaired
        else "input | output | target"
    )
    return f"""{front_matter(entry)}
# {entry.name}

A {entry.architecture} (image to image) trained with kgan on {entry.dataset}. Load it offline:

```python
import kgan

model = kgan.load("{entry.name}")  # sha256-checked
{_usage(entry)}
```

or `kgan translate {entry.name} INPUT -o OUTPUT` (a PNG, a folder of PNGs or an `.npy`).

![held-out examples]({SAMPLES_FILE})

`{SAMPLES_FILE}`: the first held-out images of `{result["data"]}`, {pictured}.

## Training

- Architecture: `{recipe.architecture}`, config `{json.dumps(recipe.config)}`
- Data: {DATASETS[entry.dataset].description}. Spec `{recipe.data}`.
- {recipe.epochs} epochs, batch size {recipe.batch_size}, seed {recipe.seed}
{provenance_lines(prov)}

## Measured quality

`kgan evaluate {entry.name}`: the held-out `{result["data"]}` with the {result["evaluator"]}
evaluator (`zoo/evaluators/{entry.dataset}/`), {result["protocol"]["generator"]}.

{comparison_section(entry)}

{_targets_table(targets)}

{verdict(targets)}

The full result is in `metrics.json`.

## How this recipe was chosen

{search_table(recipe.search, result.get("evaluator_sha256"))}

## Files and licenses

{files_section(entry, check, "search")}
"""


def translation_table(entries: list[ZooEntry]) -> str:
    """The zoo README's table of the image-to-image entries."""
    rows = []
    for entry in entries:
        if not entry.metrics:
            continue
        head = headline_numbers(entry.metrics)
        targets = entry.metrics["targets"] + baseline_targets(entry)
        missed = [t["target"] for t in targets if not t["met"]]
        measured = ", ".join(f"{key} {head[key]:.3f}" for key in METRICS if key in head)
        met = sum(t["met"] for t in targets)
        rows.append(
            (
                f"[{entry.name}]({entry.name}/README.md)",
                entry.architecture,
                measured,
                f"{met}/{len(targets)}" + (f" (missed: {', '.join(missed)})" if missed else ""),
            )
        )
    return table(["image-to-image entry", "architecture", "held-out metrics", "targets met"], rows)
