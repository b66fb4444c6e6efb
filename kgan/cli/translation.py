"""``kgan translate``: an image-to-image model (pix2pix, SRGAN, CycleGAN) applied to your
images."""

from pathlib import Path

import click

from kgan.cli.app import backend_option, main, refuse_existing_output
from kgan.console import use_backend
from kgan.data.specs import IMAGE_SUFFIXES


@main.command()
@click.argument("source")
@click.argument("images", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where the outputs go, of INPUT's kind: a .png for a .png, a folder of PNGs (the "
    "same names) for a folder, an .npy for an .npy. It must not exist.",
)
@click.option(
    "--batch-size", default=256, show_default=True, type=click.IntRange(1, 4096), help="Per call."
)
@click.option(
    "--direction",
    type=click.Choice(["a_to_b", "b_to_a"]),
    help="CycleGAN's way: domain A to B (its default) or B to A.",
)
@backend_option
def translate(source, images, output, batch_size, direction, backend):
    """Translate INPUT with the generator of SOURCE (the EMA one where it keeps one).

    SOURCE is a zoo entry, a run directory or a .keras file of an image-to-image model;
    INPUT an image file, a flat folder of images or an .npy array (n, H, W[, C]) of the
    model's inputs: an edge map for pix2pix (kgan.data.edges makes them), a low-resolution
    image for SRGAN (kgan.data.downscale), an image of either domain for CycleGAN (with
    --direction). Nothing that exists is overwritten.
    """
    kind = _kind(images)
    if kind != _kind(output, must_exist=False) or (kind == "png" and output.suffix != ".png"):
        raise click.ClickException(
            f"expected -o of INPUT's kind ({kind}: {_KIND_HELP[kind]}); got {output}."
        )
    refuse_existing_output(output)
    use_backend(backend)
    import numpy as np

    from kgan import data, files, saving
    from kgan import images as pictures

    model = saving.load(source)
    if getattr(model, "task", None) != "translation":
        raise click.ClickException(
            f"{source} is not an image-to-image model; expected pix2pix, srgan or cyclegan "
            "(kgan sample makes images from noise)."
        )
    ways = {} if direction is None else {"direction": direction}
    if ways and getattr(model, "architecture", None) != "cyclegan":
        raise click.ClickException(f"{source} translates one way; --direction is CycleGAN's.")
    names = None
    if kind == "folder":
        if not data.readers.is_flat_folder(images):
            raise click.ClickException(f"expected {images} as a flat folder of images.")
        names = [path.stem for path in data.readers.image_files(images)]  # read in this order
    inputs, _ = data.read_images(str(images))
    outputs = model.translate(data.rules.to_unit_range(inputs), batch_size=batch_size, **ways)

    def write(path):
        if kind == "npy":
            with open(path, "wb") as f:
                np.save(f, outputs)
        elif kind == "png":
            pictures.save_image(outputs[0], path)
        else:
            pictures.save_images(outputs, path, names=names)

    files.write_atomically(output, write, overwrite=False)
    click.echo(
        f"wrote {output} ({len(outputs)} image{'s' * (len(outputs) != 1)} "
        f"{'x'.join(map(str, outputs.shape[1:3]))} from {'x'.join(map(str, inputs.shape[1:3]))})"
    )


_KIND_HELP = {"png": "a .png file", "folder": "a folder", "npy": "an .npy file"}


def _kind(path: Path, must_exist: bool = True) -> str:
    if path.suffix.lower() == ".npy":
        return "npy"
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return "png"
    if path.is_dir() or not must_exist:
        return "folder"
    raise click.ClickException(
        f"expected INPUT as an image file, a folder of images or an .npy array; got {path}."
    )
