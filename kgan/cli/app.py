"""The ``kgan`` command group; each module of ``kgan.cli`` adds its commands to it.

Heavy imports (keras, TensorFlow) wait until a command runs, so ``--backend``
can still pick the Keras backend and ``--help`` stays fast: that is why the
command modules import kgan's Keras floors inside their functions.
"""

import click

from kgan.console import BACKENDS, OneLineErrorsGroup


@click.group(cls=OneLineErrorsGroup)
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
