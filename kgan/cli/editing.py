"""``kgan edit``: move samples of a trained generator toward a class, strength by strength."""

from pathlib import Path

import click

from kgan import checks
from kgan.cli.app import backend_option, main, refuse_existing_output
from kgan.console import use_backend

OUTPUT_KINDS = (".png", ".npy")


@main.command()
@click.argument("source")
@click.option(
    "--to", "target", required=True, help="The class to move toward (a number, or a name)."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A new .png (a row per sample, a column per strength) or .npy "
    "(count, strengths, H, W, C) in [-1, 1].",
)
@click.option("-n", "count", default=8, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--strengths",
    help="Comma-separated edit strengths  [default: 0,1,2,4,8 along a latent direction; "
    "0,0.25,0.5,0.75,1 of the way to the new label for conditional models]",
)
@click.option(
    "--from",
    "start",
    help="Conditional models: the class the samples start from (a number or a name)  "
    "[default: row i starts from class i mod classes]",
)
@click.option(
    "--evaluator",
    "evaluator_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The evaluator that finds an unconditional model's class directions and reads the "
    "edits  [default: the zoo's for mnist and fashion-mnist entries and runs]",
)
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0), help="Latents.")
@backend_option
def edit(source, target, output, count, strengths, start, evaluator_dir, seed, backend):
    """Move COUNT samples of SOURCE toward class --to, at each strength.

    Unconditional models move along the class's latent direction, found as InterFaceGAN does
    (10,000 latents labelled by the evaluator, split per class by linear discriminant
    analysis: kgan.editing.find_class_directions); conditional ones mix their label vector
    toward the new class's. Prints the share of edits the evaluator reads as the target.
    OUTPUT must not exist.
    """
    if output.suffix.lower() not in OUTPUT_KINDS:
        raise click.ClickException(f"-o must end in .png or .npy; got {output.name!r}.")
    refuse_existing_output(output)
    values = _strengths(strengths)
    use_backend(backend)
    import numpy as np

    from kgan import editing, evaluation, files, saving
    from kgan import images as grids
    from kgan.datasets import DATASET_NAMES
    from kgan.models.latent_space import check_has_latents

    model = saving.load(source)
    check_has_latents(model, source)
    conditional = model.num_classes is not None
    if start is not None and not conditional:
        raise click.ClickException(f"{source} is not conditional; it takes no --from.")
    dataset = None if evaluator_dir else evaluation.known_dataset(source)
    evaluator = None
    if evaluator_dir or dataset in DATASET_NAMES:
        evaluator = evaluation.load_evaluator(evaluator_dir or dataset)
        evaluator.check_fits(model, str(source))
    elif not conditional:
        raise click.ClickException(
            f"no evaluator knows what {source} makes, and an unconditional model's class "
            "directions are found with one; give --evaluator DIR (kgan evaluator train)."
        )
    names = model.class_names if conditional else evaluator.record.get("class_names")
    [goal] = _class_ids([target], names, "--to", model.num_classes or evaluator.num_classes)
    if values is None:
        values = editing.CONDITIONAL_STRENGTHS if conditional else editing.UNCONDITIONAL_STRENGTHS
    latents = np.repeat(model.latents(count, seed), len(values), axis=0)
    strength = np.tile(np.asarray(values, "float32"), count)
    if conditional:
        classes = model.num_classes
        first = (
            _class_ids([start], names, "--from", classes) * count
            if start is not None
            else list(np.arange(count) % classes)
        )
        labels = np.repeat(np.asarray(first, "int32"), len(values))
        pictures = model.edit(latents, goal, strength, labels=labels)
    else:
        direction = editing.find_class_directions(model, evaluator)[goal]
        pictures = model.edit(latents, direction, strength)
    if output.suffix.lower() == ".npy":
        grid = pictures.reshape(count, len(values), *pictures.shape[1:])

        def write(path):
            with open(path, "wb") as handle:  # a handle: np.save would append .npy to a name
                np.save(handle, grid, allow_pickle=False)

        files.write_atomically(output, write, overwrite=False)
    else:
        grids.save_grid(pictures, output, columns=len(values), overwrite=False)
    label = names[goal] if names else str(goal)
    click.echo(
        f"wrote {output} ({count} samples x strengths {', '.join(f'{v:g}' for v in values)})"
    )
    if evaluator is not None:
        read = evaluator.predict(pictures)[0].argmax(axis=1).reshape(count, len(values))
        shares = ", ".join(
            f"{value:g}: {np.mean(read[:, i] == goal):.2f}" for i, value in enumerate(values)
        )
        click.echo(f"read as {label} by the {evaluator.name} evaluator, by strength: {shares}")


def _strengths(text):
    """--strengths as floats (None: the defaults), or a one-line error."""
    if text is None:
        return None
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(abs(value) <= 1000 for value in values):
        raise click.ClickException(
            f"--strengths: expected comma-separated numbers such as 0,2,4,8; got {text!r}."
        )
    return values


def _class_ids(given, names, option: str, classes: int) -> list[int]:
    """Each of ``given`` (numbers or class names, case-insensitive) as a class id
    (``kgan.checks.class_id``; its message is the option's)."""
    try:
        return [checks.class_id(value, names, classes) for value in given]
    except ValueError as error:
        raise click.ClickException(f"{option}: {str(error).removeprefix('kgan: ')}") from None
