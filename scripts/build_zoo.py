"""Rebuild zoo entries end to end: train, evaluate, publish (weights, manifest, metrics, card).

    python scripts/build_zoo.py --all                      # every entry, resumable
    python scripts/build_zoo.py dcgan-mnist                # one entry
    python scripts/build_zoo.py dcgan-mnist --recipe new.json --overwrite   # a new recipe
    python scripts/build_zoo.py --all --stage train        # training only
    python scripts/build_zoo.py --all --stage card         # re-render cards and the zoo table
    python scripts/build_zoo.py pix2pix-fashion-edges --stage card --search s.json  # a new search
    python scripts/build_zoo.py --all --stage truncation   # measure each entry at ψ 0.8/0.6/0.4
    python scripts/build_zoo.py --all --stage cas          # measure each entry's CAS
    python scripts/build_zoo.py --all --stage metrics      # all of the above again, no training

Each entry trains into RUNS/<name> through kgan.training.train_run (the code
behind `kgan train`) on the backend its recipe names, is written as a new
entry beside the zoo (kgan.zoo.publish.publish_entry), evaluated there with
kgan.evaluate under the fixed protocol (and, where they apply, at each truncation ψ
and by the Classification Accuracy Score), given its card, sealed, and only then
moved into zoo/<name>/ (kgan.zoo.publish.install_entry), so a failed or killed build
leaves the published entry as it was. Entry by entry it resumes: a finished
run is not retrained, an unfinished one continues from its last checkpoint,
and a published entry is left alone unless --overwrite. With several entries,
each is built in a process of its own, since Keras picks its backend once per
process. The entry format itself lives in kgan/zoo/ (catalog: read, publish: write).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import click

from kgan_launcher import keras_deferred

with keras_deferred():  # the backend is chosen below, so kgan must not import Keras yet
    from kgan.console import OneLineErrorsCommand, use_backend

STAGES = ("train", "all", "card", "metrics", "truncation", "cas")
JSON_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)  # --recipe, --search


def training_seconds(run: Path) -> float:
    """Wall time from the run's start (run.json) to its last checkpoint, as the files record."""
    from kgan import callbacks
    from kgan.runs import RunDirectory

    directory = RunDirectory(run)
    # The .json is written last, so its time is when the newest complete checkpoint ended.
    last = callbacks.latest_checkpoint(directory.checkpoints)[0].with_suffix(".json")
    return round(last.stat().st_mtime - directory.run_file.stat().st_mtime, 1)


def check_run_matches(run: Path, recipe):
    """A finished run is published only if it is what the recipe says (a trial run moved here)."""
    import keras

    from kgan.runs import RunDirectory

    recorded = RunDirectory(run).read_recipe()  # a corrupt file is a one-line error
    expected = recipe.as_run().replace(backend=keras.config.backend())
    changed = expected.differences(recorded, also=("epochs",))
    if changed:
        raise click.ClickException(
            f"{run} was trained with other settings than the recipe (its {', '.join(changed)} "
            "differ); move it away or choose another --runs."
        )


def rewrite_card(name: str, runs: Path, search_file: Path | None = None):
    """Re-renders an entry's card from its files and seals it again (no training); with
    ``search_file``, the recipe search is that file's first (``replace_installed``)."""
    import kgan
    from kgan import files
    from kgan.zoo import ZooEntry, publish

    if search_file is None:
        entry = ZooEntry.read(name)
        publish.write_card(entry, kgan.load(name))
        publish.seal_entry(entry)
    else:
        search = files.read_json_object(search_file, "recipe search")
        publish.check_search(search, search_file)  # before anything is staged
        replace_installed(name, runs, lambda staged: publish.write_search(staged, search))
    click.echo(f"{name}: card rewritten")


def truncation_results(source, entry) -> dict:
    """``{ψ: kgan.evaluate's result}`` of ``source`` at each ψ of the card's truncation table
    (ψ = 1: the entry's own metrics)."""
    from kgan import evaluation
    from kgan.zoo import publish

    results = {1.0: entry.metrics}
    for psi in publish.TRUNCATIONS[1:]:
        click.echo(f"{entry.name}: evaluating at truncation {psi:g}")
        results[psi] = evaluation.evaluate(source, dataset=entry.dataset, truncation=psi)
    return results


def cas_result(source, entry) -> dict:
    """``kgan.synthesis.classification_accuracy_score`` of ``source`` with its defaults."""
    from kgan import synthesis

    def say(message):
        click.echo(f"{entry.name}: CAS: {message}")

    return synthesis.classification_accuracy_score(source, dataset=entry.dataset, progress=say)


def measurements():
    """``{stage: (whether it applies to an entry, measure(source, entry), write(entry,
    result))}``: what a build measures beyond ``kgan.evaluate``, each a stage of its own."""
    from kgan.zoo import publish

    return {
        "truncation": (
            lambda entry: entry.task == "synthesis",
            truncation_results,
            publish.write_truncation,
        ),
        "cas": (lambda entry: entry.judged_by_classifier, cas_result, publish.write_cas),
    }


def staged_copy(name: str, runs: Path) -> Path:
    """A copy of the installed entry ``name`` beside the zoo, to be measured and installed
    again. Every installed file is checked against its sha256 first, so that sealing the
    copy again never passes an edited file off as genuine."""
    from kgan.zoo import ZooEntry, verify_entry

    directory = ZooEntry.read(name).directory
    verify_entry(directory, f"zoo entry {name!r}")
    staged = runs / f"{name}.entry"
    shutil.rmtree(staged, ignore_errors=True)  # a killed build's leftovers
    shutil.copytree(directory, staged)
    return staged


def remeasure(name: str, runs: Path, stage: str):
    """Adds one of the ``measurements`` to an installed entry, as a build replaces one:
    measured first (a load checks every file's sha256), then written into a copy beside the
    zoo, carded, sealed and installed (``replace_installed``)."""
    from kgan.zoo import ZooEntry

    entry = ZooEntry.read(name)
    applies, measure, write = measurements()[stage]
    if not applies(entry):
        click.echo(
            f"{name}: --stage {stage} does not apply to a {entry.task} entry on {entry.dataset}"
        )
        return
    result = measure(name, entry)  # a load checks every file's sha256
    replace_installed(name, runs, lambda staged: write(staged, result))
    click.echo(f"{name}: {stage} measured")


def replace_installed(name: str, runs: Path, change):
    """Installs the entry ``name`` again with ``change(staged entry) -> entry`` applied to a
    checked, unsealed copy beside the zoo (``staged_copy``), then carded, sealed and
    installed, so a failure or a kill leaves the installed entry as it was."""
    import kgan
    from kgan.zoo import ZooEntry, publish

    model = kgan.load(name)
    staged = staged_copy(name, runs)
    entry = change(publish.unseal_entry(ZooEntry.read_folder(staged, name)))
    publish.write_card(entry, model)
    publish.seal_entry(entry)
    publish.install_entry(staged, name)


def measure_and_install(entry, name: str):
    """Measures a staged entry (``kgan.evaluate`` and every one of the ``measurements`` that
    applies), writes its metrics and card, seals it and installs it as ``name``; returns
    its targets (a translator's against its baseline too)."""
    from kgan import evaluation, saving
    from kgan.zoo import publish, translation_cards

    result = evaluation.evaluate(entry.directory, dataset=entry.dataset)
    result["source"] = name
    entry = publish.write_metrics(entry, result)
    if entry.task == "translation":  # its own trial of the search is its metrics
        own = [trial["run"] for trial in entry.trials if trial.get("published")]
        entry = publish.write_trials(entry, {run: publish.trial_numbers(result) for run in own})
    for applies, measure, write in measurements().values():
        if applies(entry):
            entry = write(entry, measure(entry.directory, entry))
    publish.write_card(entry, saving.load(entry.directory))
    publish.seal_entry(entry)
    publish.install_entry(entry.directory, name)
    targets = result["targets"]
    if entry.task == "translation":  # and those against its baseline, which the card checks
        targets = targets + translation_cards.baseline_targets(entry)
    return targets


def remeasure_metrics(name: str, runs: Path) -> list[dict]:
    """Measures an installed entry again from its weights (after a new evaluator, say): its
    checked copy beside the zoo, unsealed, its baselines trained and measured again
    (``remeasure_baselines``), then ``measure_and_install``."""
    from kgan.zoo import ZooEntry, publish

    staged = staged_copy(name, runs)
    entry = remeasure_baselines(publish.unseal_entry(ZooEntry.read_folder(staged, name)), runs)
    return measure_and_install(entry, name)


def remeasure_baselines(entry, runs: Path):
    """A translator's baseline trials (those recording a ``config``: the entry's recipe with
    it on top, for the trial's epochs) trained again into RUNS/NAME.RUN (resumable; their
    runs are not kept in the zoo) and measured with the installed evaluator; their numbers
    and training time go into the staged entry's search, whose targets compare with them."""
    from kgan import evaluation, training
    from kgan.runs import RunDirectory
    from kgan.zoo import publish

    measured = {}
    for trial in entry.trials:
        if not (trial.get("baseline") and "config" in trial):
            continue
        recipe = entry.recipe.replace(
            config={**entry.recipe.config, **trial["config"]}, epochs=trial["epochs"]
        )
        run = runs / f"{entry.name}.{trial['run']}"
        if RunDirectory(run).is_finished():
            check_run_matches(run, recipe)
        else:
            click.echo(f"{entry.name}: training its baseline {trial['run']} into {run}")
            training.train_run(
                recipe.as_run(), run, resume=True, steps_per_execution=8, verbose=2, echo=click.echo
            )
        result = evaluation.evaluate(run, dataset=entry.dataset)
        measured[trial["run"]] = {**publish.trial_numbers(result), "seconds": training_seconds(run)}
    return publish.write_trials(entry, measured)


def report_targets(name: str, targets: list[dict], done: str):
    missed = [t["target"] for t in targets if not t["met"]]
    click.echo(f"{name}: {done}; targets missed: {', '.join(missed) or 'none'}")


def build_entry(
    name, recipe, runs, stage, overwrite, quiet, device, timing_note=None, search_file=None
):
    from kgan import provenance, saving, training, zoo
    from kgan.runs import RunDirectory
    from kgan.zoo import publish

    publish.recover_entry(name)
    if stage == "card":
        rewrite_card(name, runs, search_file)
        return
    if stage in measurements():
        remeasure(name, runs, stage)
        return
    if stage == "metrics":
        report_targets(name, remeasure_metrics(name, runs), "measured again")
        return
    published = (zoo.zoo_root() / name / zoo.MANIFEST_FILE).is_file()
    if stage == "all" and published and not overwrite:
        click.echo(f"{name}: published already (--overwrite replaces it)")
        return
    run = runs / name
    if RunDirectory(run).is_finished():
        check_run_matches(run, recipe)
        click.echo(f"{name}: finished already in {run}")
    else:
        training.train_run(
            recipe.as_run(),
            run,
            resume=True,
            steps_per_execution=8,
            verbose=2 if quiet else 1,
            echo=click.echo,
        )
    if stage == "train":
        return
    previous = zoo.ZooEntry.read(name).release_record() if published else None
    staged = runs / f"{name}.entry"
    shutil.rmtree(staged, ignore_errors=True)  # a killed build's leftovers
    model = saving.load(run)
    build = provenance.provenance(
        f"python scripts/build_zoo.py {name}",
        train_command=f"kgan train {name} --out runs/zoo/{name}",
        training_seconds=training_seconds(run),
        device=device,
        **({"timing_note": timing_note} if timing_note else {}),
    )
    entry = publish.publish_entry(staged, model, recipe, name=name, build=build, previous=previous)
    report_targets(name, measure_and_install(entry, name), "published")


@click.command(cls=OneLineErrorsCommand)
@click.argument("names", nargs=-1)
@click.option("--all", "all_entries", is_flag=True, help="Every entry with a recipe.")
@click.option(
    "--recipe",
    "recipe_file",
    type=JSON_FILE,
    help="Build the one named entry from this recipe file instead of its own "
    "(it is installed with the entry).",
)
@click.option(
    "--runs",
    default="runs/zoo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the run directories go.",
)
@click.option("--stage", type=click.Choice(STAGES), default="all", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace published entries.")
@click.option(
    "--device",
    default="no GPU",
    show_default=True,
    help="The accelerator it trains on, for the provenance (e.g. 'NVIDIA H100').",
)
@click.option(
    "--timing-note",
    help="A note on the training time for the card (e.g. that the run was resumed).",
)
@click.option(
    "--search",
    "search_file",
    type=JSON_FILE,
    help="With --stage card: the named entry's recipe search (trials, setting, why) from "
    "this JSON file.",
)
@click.option("--quiet", is_flag=True, help="One line per epoch instead of a progress bar.")
def main(
    names, all_entries, recipe_file, runs, stage, overwrite, device, timing_note, search_file, quiet
):
    """Train, evaluate and publish the zoo entries NAMES (or --all) from their recipes."""
    from kgan import zoo

    if all_entries == bool(names):
        raise click.UsageError("name entries or pass --all (not both).")
    if recipe_file is not None and len(names) != 1:
        raise click.UsageError("--recipe builds one named entry.")
    if search_file is not None and (len(names) != 1 or stage != "card"):
        raise click.UsageError("--search goes with --stage card and one named entry.")
    names = names or zoo.list_recipes()
    if not names:
        raise click.ClickException(f"no zoo entry has a recipe in {zoo.zoo_root()}.")
    if len(names) == 1:
        [name] = names
        # get_recipe: an unknown name lists the entries
        recipe = zoo.read_recipe(recipe_file) if recipe_file else zoo.get_recipe(name)
        use_backend(recipe.backend)
        build_entry(name, recipe, runs, stage, overwrite, quiet, device, timing_note, search_file)
    else:
        for name in names:
            command = [sys.executable, __file__, name, "--runs", str(runs), "--stage", stage]
            command += ["--overwrite"] * overwrite + ["--quiet"] * quiet + ["--device", device]
            if subprocess.run(command).returncode:
                raise click.ClickException(f"building {name} failed (see above).")
    if stage != "train":
        from kgan.zoo import cards

        cards.write_zoo_table()


if __name__ == "__main__":
    main()
