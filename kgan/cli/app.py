"""The ``kgan`` command group; each module of ``kgan.cli`` adds its commands to it.

Heavy imports (keras, TensorFlow) wait until a command runs, so ``--backend``
can still pick the Keras backend and ``--help`` stays fast: that is why the
command modules import kgan's Keras floors inside their functions.
"""

import sys

import click

from kgan.console import BACKENDS, OneLineErrorsGroup, one_line


class KganCommands(OneLineErrorsGroup):
    """One-line errors, and a failed allocation (of any backend) as one line too."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as error:
            if not _out_of_memory(error):
                raise
            raise click.ClickException(
                f"out of memory: {one_line(error, 200)} (try a smaller width, batch size or "
                "count; -c width=64 is the default)"
            ) from None


def _out_of_memory(error) -> bool:
    if isinstance(error, MemoryError):
        return True
    # Only a command that has loaded a backend can have hit its allocator.
    return "kgan.backend" in sys.modules and sys.modules["kgan.backend"].is_out_of_memory(error)


@click.group(cls=KganCommands)
@click.version_option(package_name="kgan")
def main():
    """kgan: GANs for Keras 3 on TensorFlow, JAX and PyTorch.

    \b
    kgan train dcgan --data idx:/usr/share/datasets/fashion-mnist --epochs 20 --out runs/fashion
    kgan sample runs/fashion -n 64 -o grid.png
    kgan sample dcgan-mnist -n 64 -o digits.png
    kgan evaluate dcgan-mnist
    """


# The option every command that loads a model takes.
backend_option = click.option(
    "--backend", type=click.Choice(BACKENDS), help="Keras backend (default: KERAS_BACKEND)."
)


def truncation_option(purpose: str):
    """``--truncation PSI`` (the truncation trick, ``GAN.sample(truncation=)``) for ``purpose``."""
    return click.option(
        "--truncation",
        default=1.0,
        show_default=True,
        type=click.FloatRange(0.0, 1.0),
        metavar="PSI",
        help=f"The truncation trick: latents scaled by PSI toward their mean (1: none; "
        f"smaller: more typical images, less variety){purpose}.",
    )


def refuse_existing_output(output):
    """A one-line error where ``-o`` exists (a dangling link too): nothing a user made is
    overwritten."""
    if output.exists() or output.is_symlink():
        raise click.ClickException(f"{output} exists already; choose another -o.")
