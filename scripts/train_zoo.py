"""Retrain zoo entries from their recorded recipes (zoo/<name>/recipe.json).

    python scripts/train_zoo.py --all --runs runs/zoo        # every entry, resumable
    python scripts/train_zoo.py dcgan-mnist --backend jax    # one entry

Each entry trains into RUNS/<name> through kgan.training.train_run, the same
code as `kgan train`. A finished entry is skipped and an unfinished one resumes
from its last checkpoint, so an interrupted rebuild picks up where it stopped.
"""

from pathlib import Path

import click

from kgan.cli import BACKENDS, OneLineErrorsCommand, use_backend


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
@click.option("--backend", type=click.Choice(BACKENDS), help="Keras backend.")
@click.option("--quiet", is_flag=True, help="One line per epoch instead of a progress bar.")
def main(names, all_entries, runs, backend, quiet):
    """Train the zoo entries NAMES (or --all) from their recipes."""
    use_backend(backend)
    from kgan import training, zoo

    if all_entries == bool(names):
        raise click.UsageError("name entries or pass --all (not both).")
    recipes = {name: zoo.get_recipe(name) for name in (names or zoo.list_recipes())}
    if not recipes:
        raise click.ClickException(f"no zoo entry has a recipe in {zoo.zoo_root()}.")
    for name, recipe in recipes.items():
        out = runs / name
        if training.is_finished(out):
            click.echo(f"{name}: finished already in {out}")
            continue
        training.train_run(
            recipe["architecture"],
            recipe["data"],
            out,
            epochs=recipe["epochs"],
            batch_size=recipe["batch_size"],
            seed=recipe["seed"],
            config=recipe["config"],
            resume=True,
            verbose=2 if quiet else 1,
            echo=click.echo,
        )


if __name__ == "__main__":
    main()
