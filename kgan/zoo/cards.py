"""Model cards and the zoo README's table, rendered from the entries' records.

Pure text from ``ZooEntry`` records; ``kgan.zoo.publish`` writes the card of
an entry it builds, ``write_zoo_table`` the zoo README's table.
"""

import json
from pathlib import Path

from kgan import files
from kgan.datasets import DATASETS
from kgan.zoo import stacked_cards, translation_cards
from kgan.zoo.catalog import SAMPLES_FILE, ZooEntry, headline_numbers, list_zoo, zoo_root
from kgan.zoo.markdown import hub_front_matter, not_measured, number, table, verdict


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
        (t["target"], number(t["value"]), t["goal"], "met" if t["met"] else "**missed**")
        for t in result["targets"]
    ]
    return (
        table(["metric", "this model", "real data"], rows)
        + "\n\n"
        + table(["target", "value", "goal", "result"], targets)
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


def truncation_section(result: dict) -> str:
    """What the truncation trick trades: the headline numbers at each ψ that metrics.json
    records (``kgan.zoo.publish.write_truncation``), or a line saying none were measured."""
    rows = result.get("truncation")
    if not rows:
        return not_measured(result["source"], "truncation")
    labels = "label_accuracy" in rows[0]  # conditional models
    lines = [
        (
            f"{row['psi']:g}",
            f"{row['classifier_score_ratio']:.3f}",
            f"{row['frechet_distance']:.2f}",
            f"{row['precision']:.3f} / {row['recall']:.3f}",
            f"{row['max_over_min']:.2f}",
            *([f"{row['label_accuracy']:.4f}"] if labels else []),
        )
        for row in rows
    ]
    header = ["ψ", "score / real", "Fréchet", "precision / recall", "largest / smallest class"]
    header += ["CGAN label accuracy"] * labels
    return (
        f"`kgan evaluate {result['source']} --truncation ψ` (the same protocol; ψ scales "
        "the latents toward their mean, `GAN.sample(truncation=ψ)`):\n\n" + table(header, lines)
    )


def cas_section(result: dict) -> str:
    """Whether generated images can stand in for real ones: the Classification Accuracy Score
    that metrics.json records (``kgan.zoo.publish.write_cas``), or a line saying it was not
    measured."""
    cas = result.get("cas")
    if not cas:
        return not_measured(result["source"], "cas")
    n = cas["n"]
    labels = (
        "their conditioning"
        if "label_accuracy" in result  # a conditional model's
        else f"pseudo-labels, the {cas['evaluator']} evaluator's reading of each image (so the "
        "score inherits what the evaluator knows)"
    )
    rows = [
        ("generated (CAS)", f"{n:,}", cas["cas_epochs"], f"{cas['cas']:.4f}"),
        ("real", f"{n:,}", cas["real_epochs"], f"{cas['real']:.4f}"),
        ("real + generated", f"{2 * n:,}", cas["real_plus_synthetic_epochs"],
         f"{cas['real_plus_synthetic']:.4f}"),
    ]  # fmt: skip
    # Records since the deeper fashion-mnist evaluator name CAS's own (small) network.
    network = (
        f"kgan's small evaluator network ({cas['network']}) and the evaluator training recipe"
        if "network" in cas
        else "the evaluator's network and training recipe"
    )
    return (
        f"`kgan evaluate {result['source']} --cas` (Ravuri & Vinyals 2019): {network} "
        f"(seed {cas['seed']}) trained on each set below and "
        f"tested on the real held-out split ({cas['test_count']:,} images) of the "
        f"{cas['evaluator']} evaluator (whose own held-out accuracy is "
        f"{number(cas['evaluator_accuracy'])}). The generated images' labels: {labels}.\n\n"
        + table(["trained on", "images", "epochs", "held-out accuracy"], rows)
        + f"\n\nCAS / real: {cas['cas'] / cas['real']:.3f}."
    )


def versus_table(entry: ZooEntry) -> str:
    """This release's headline numbers beside the previous release's."""
    previous = entry.previous
    if not previous:
        return "No earlier release of this entry was measured."
    now = headline_numbers(entry.metrics)
    rows = [
        (label, number(previous.get(key)), number(now[key]))
        for key, label in _HEADLINE_LABELS.items()
        if now.get(key) is not None
    ]
    versus = table(["", f"kgan {previous['kgan_version']}", f"kgan {entry.kgan_version}"], rows)
    if entry.same_evaluator_as_previous():
        return versus
    return versus + (
        f"\n\nThe two columns are not on one scale: the kgan {previous['kgan_version']} one "
        f"was measured with the {entry.dataset} evaluator of its day, this entry's with the "
        f"one it names now (weights sha256 `{entry.metrics['evaluator_sha256'][:16]}`)."
    )


def search_section(search: dict | None) -> str:
    """The recipe search a recipe records: the runs tried, their numbers, and the choice."""
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
    return f"{search.get('setting', '')}\n\n{table(header, rows)}\n\n{search['why']}".lstrip()


# The metrics a card's front matter reports, as the Hub's model-index names them.
HUB_METRICS = {
    "frechet_distance": "Fréchet distance (kgan evaluator features)",
    "classifier_score": "classifier score (Inception-score analogue, kgan evaluator)",
    "kid": "KID (kgan evaluator features)",
    "precision": "precision (k=3)",
    "recall": "recall (k=3)",
    "label_accuracy": "label accuracy",
}


def front_matter(entry: ZooEntry) -> str:
    """The Hugging Face Hub's model-card metadata of an entry (``markdown.hub_front_matter``)."""
    result = entry.metrics
    tags = ["kgan", "keras", "gan", entry.architecture, "image-generation"]
    if "label_accuracy" in result:
        tags.append("class-conditional")
    metrics = [(key, name, result[key]) for key, name in HUB_METRICS.items() if key in result]
    return hub_front_matter(
        entry.name, DATASETS[entry.dataset], "unconditional-image-generation", tags, metrics
    )


def render_card(entry: ZooEntry) -> str:
    """The model card (README.md) of an entry, from its recipe, manifest and metrics.

    It begins with the Hub's front matter (``front_matter``), so an entry folder
    is ready to upload as a model repository. Image-to-image entries get
    ``translation_cards.render_translation_card``, Stacked-MNIST ones
    ``stacked_cards.render_stacked_card``.
    """
    if entry.task == "translation":
        return translation_cards.render_translation_card(entry)
    if entry.counts_modes:
        return stacked_cards.render_stacked_card(entry)
    recipe, prov, result = entry.recipe, entry.provenance, entry.metrics
    dataset_info = DATASETS[entry.dataset]
    name, dataset = entry.name, entry.dataset
    rows_note = ", one row per class" if "label_accuracy" in result else ""
    versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
    protocol, counts = result["protocol"], result["real_counts"]
    timing = f" ({prov['timing_note']})" if prov.get("timing_note") else ""
    optimizers = recipe.optimizers
    # Results since kgan 0.3 name the evaluator's weights (Evaluator.identity).
    sha = result.get("evaluator_sha256")
    weights = f", weights sha256 `{sha[:16]}`" if sha else ""
    optimizer_note = (
        f"Adam settings `{json.dumps(optimizers)}` over the architecture's defaults"
        if optimizers
        else "the architecture's default optimizers"
    )
    return f"""{front_matter(entry)}
# {name}

A {entry.architecture} trained with kgan on {dataset}. Load it offline:

```python
import kgan

model = kgan.load("{name}")  # sha256-checked; generator and discriminator
images = model.sample(16, seed=0)  # float32 (16, 28, 28, 1) in [-1, 1]
```

![samples]({SAMPLES_FILE})

`{SAMPLES_FILE}`: 100 samples, seed 0{rows_note}.

## Training

- Architecture: `{recipe.architecture}`, config `{json.dumps(recipe.config)}`
- Data: {dataset_info.description}. Spec `{recipe.data}`.
- {recipe.epochs} epochs, batch size {recipe.batch_size}, seed {recipe.seed},
  {optimizer_note}
- Backend `{prov["backend"]}`; {prov["machine"]}; {prov.get("device", "no GPU")}
- Training wall time (run start to last checkpoint): {prov["training_seconds"]:.0f} s{timing}
- Built {prov["date"]} with `{prov["command"]}`
  (its training step: `{prov["train_command"]}`)
- Versions: {versions}

Retrain on the full {dataset} through tfds, where the internet is available:

```
kgan train {name} --data {dataset_info.full_data} --out runs/{name}-full
```

## Measured quality

`kgan evaluate {name}` with the {dataset} evaluator (`zoo/evaluators/{dataset}/`{weights}):
{protocol["num_samples"]:,} samples (seed {protocol["seed"]}) against the held-out split
({counts["test"]:,} real images; the floor compares {min(counts["train"], 10000):,} train
images with them).

{quality_tables(result)}

Class histogram (the evaluator's argmax over the samples): {result["class_histogram"]}.

{verdict(result["targets"])}

The full result and its protocol are in `metrics.json`.

## Truncation

{truncation_section(result)}

## Synthetic training data

{cas_section(result)}

## Versus the previous release

{versus_table(entry)}

## How this recipe was chosen

{search_section(recipe.search)}

## Files and licenses

- `config.json` + `model.weights.h5` (sha256 `{entry.sha256}`, checked at load)
- `manifest.json`: provenance, and check values (the middle pixel row of
  {entry.manifest["check"]["count"]} samples from numpy latents, seed
  {entry.manifest["check"]["seed"]}) that the tests verify on TensorFlow, JAX and PyTorch
- `recipe.json`: how `scripts/build_zoo.py` retrains it, and the search that chose it
- Weights: {entry.licenses["weights"]}. Training data: {entry.licenses["training_data"]}.
"""


def zoo_table(entries: list[ZooEntry]) -> str:
    """The zoo README's tables: each entry's headline numbers, targets met, and the change;
    the Stacked-MNIST and the image-to-image entries in tables of their own."""
    translators = [entry for entry in entries if entry.task == "translation"]
    stacked = [entry for entry in entries if entry.counts_modes]
    tables = [synthesis_table([e for e in entries if e.judged_by_classifier])]
    if stacked:
        tables.append(stacked_cards.stacked_table(stacked))
    if translators:
        tables.append(translation_cards.translation_table(translators))
    return "\n\n".join(tables)


def synthesis_table(entries: list[ZooEntry]) -> str:
    """The table of the entries that make images from noise."""
    rows = []
    for entry in entries:
        if not entry.metrics:
            continue
        head, previous = entry.headline(), entry.previous or {}
        label = f"{head['label_accuracy']:.3f}" if "label_accuracy" in head else "—"
        missed = [t["target"] for t in entry.metrics["targets"] if not t["met"]]
        before = previous.get("frechet_distance")
        change = "—" if before is None else f"{before:.1f} → {head['frechet_distance']:.1f}"
        if before is not None and not entry.same_evaluator_as_previous():
            change += " (evaluators differ)"
        cas = entry.metrics.get("cas")
        rows.append(
            (
                f"[{entry.name}]({entry.name}/README.md)",
                f"{head['classifier_score_ratio']:.3f}",
                f"{head['frechet_distance']:.2f}",
                f"{head['max_over_min']:.2f}",
                f"{head['precision']:.2f} / {head['recall']:.2f}",
                label,
                "—" if cas is None else f"{cas['cas']:.3f} / {cas['real']:.3f}",
                f"{head['targets_met']}/{head['targets']}"
                + (f" (missed: {', '.join(missed)})" if missed else ""),
                change,
            )
        )
    header = [
        "entry", "score / real", "Fréchet", "max / min class", "precision / recall",
        "CGAN label acc.", "CAS / real", "targets met", "Fréchet vs previous release",
    ]  # fmt: skip
    return table(header, rows)


def write_zoo_table(root=None):
    """Rewrites the table between the markers of the zoo's README.md (appended if it has none)."""
    root = Path(root or zoo_root())
    readme = root / "README.md"
    text = readme.read_text() if readme.is_file() else "# Zoo\n"
    begin, end = "<!-- entries:begin -->", "<!-- entries:end -->"
    if begin not in text or end not in text:
        text = f"{text.rstrip()}\n\n{begin}\n{end}\n"
    rendered = zoo_table([ZooEntry.read(name) for name in list_zoo()])
    head, _, rest = text.partition(begin)
    files.write_text_atomically(readme, f"{head}{begin}\n{rendered}\n{end}{rest.partition(end)[2]}")
