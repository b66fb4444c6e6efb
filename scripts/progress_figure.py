"""One figure of a training run's progress: its sample grids at a few epochs beside its quality.

    python scripts/progress_figure.py runs/trial docs/images/progress.png --epochs 5,15,30

Reads ``samples/epoch-NNNN.png`` and the quality columns of ``log.csv`` (a run
trained with ``--eval-every``); writes one PNG, never over an existing file.
"""

import math
from pathlib import Path

import click
import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot  # after use("Agg"): no display is needed
from PIL import Image

from kgan_launcher import keras_deferred

with keras_deferred():  # reading a log needs no Keras
    from kgan import files, run_log
    from kgan.console import OneLineErrorsCommand
    from kgan.runs import RunDirectory


@click.command(cls=OneLineErrorsCommand)
@click.argument("run", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--epochs", required=True, help="Comma-separated epochs whose grids to show.")
def main(run, output, epochs):
    """Write RUN's grids at --epochs and its Fréchet distance curve into OUTPUT (a PNG)."""
    if output.exists():
        raise click.ClickException(f"{output} exists already; choose another OUTPUT.")
    directory = RunDirectory(run)
    wanted = [int(part) for part in epochs.split(",")]
    grids = [directory.samples / f"epoch-{epoch:04d}.png" for epoch in wanted]
    missing = [str(path) for path in grids if not path.is_file()]
    if missing:
        raise click.ClickException(f"no sample grid {missing[0]}; choose epochs the run has.")
    rows = run_log.read_log(directory.log)
    points = [
        (row["epoch"], row["frechet_distance"])
        for row in rows
        if math.isfinite(row.get("frechet_distance", math.nan))
    ]
    if not points:
        raise click.ClickException(f"{directory.log} has no quality; train with --eval-every N.")
    figure, axes = pyplot.subplots(
        1, len(grids) + 1, figsize=(2.2 * len(grids) + 4.5, 3.6),
        gridspec_kw={"width_ratios": [1] * len(grids) + [2.2]},
    )  # fmt: skip
    for axis, epoch, path in zip(axes, wanted, grids, strict=False):
        with Image.open(path) as picture:
            axis.imshow(picture.convert("RGB"))
        axis.set_title(f"epoch {epoch}", fontsize=10)
        axis.axis("off")
    curve = axes[-1]
    curve.plot(*zip(*points, strict=True), marker="o")
    for epoch in wanted:
        curve.axvline(epoch, color="grey", linestyle=":", linewidth=1)
    curve.set_yscale("log")
    curve.set_xlabel("epoch")
    curve.set_title("Fréchet distance, 2,000 samples (log scale)", fontsize=10)
    figure.tight_layout()
    files.write_atomically(
        output, lambda temporary: figure.savefig(temporary, format="png", dpi=90), overwrite=False
    )
    pyplot.close(figure)
    click.echo(f"wrote {output}")


if __name__ == "__main__":
    main()
