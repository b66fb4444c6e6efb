"""kgan: generative adversarial networks for Keras 3, on TensorFlow, JAX and PyTorch.

Importing kgan imports Keras (on ``KERAS_BACKEND``, as importing keras does) and
registers kgan's classes with it, so ``keras.saving.load_model`` opens any kgan
``.keras`` file in a fresh process. The ``kgan`` command defers that until its
``--backend`` option is read (``kgan_launcher.keras_deferred``).

Example:

>>> import numpy as np, kgan
>>> model = kgan.create("dcgan", image_shape=(28, 28, 1), width=32)
>>> model.compile()
>>> images = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
>>> history = model.fit(images, batch_size=32, epochs=1, verbose=0)
>>> model.sample(16, seed=0).shape
(16, 28, 28, 1)
"""

import importlib
import os

from kgan.version import __version__
from kgan_launcher import DEFER_KERAS

_EXPORTS = {
    "CGAN": "kgan.models",
    "CycleGAN": "kgan.models",
    "DCGAN": "kgan.models",
    "GAN": "kgan.models",
    "Pix2Pix": "kgan.models",
    "SRGAN": "kgan.models",
    "Translator": "kgan.models",
    "VanillaGAN": "kgan.models",
    "WGANGP": "kgan.models",
    "create": "kgan.models",
    "get_architecture": "kgan.models",
    "list_architectures": "kgan.models",
    "evaluate": "kgan.evaluation",
    "list_zoo": "kgan.zoo",
    "zoo_info": "kgan.zoo",
    "ZooEntry": "kgan.zoo",
    "load": "kgan.saving",
    "RunRecipe": "kgan.runs",
}
_SUBMODULES = (
    "augment",
    "backend",
    "callbacks",
    "checks",
    "data",
    "datasets",
    "evaluation",
    "files",
    "images",
    "interpolation",
    "losses",
    "metrics",
    "model_files",
    "models",
    "runs",
    "saving",
    "training",
    "zoo",
)

__all__ = ["__version__", *_EXPORTS, *_SUBMODULES]


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"kgan.{name}")
    raise AttributeError(f"module 'kgan' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


if os.environ.get(DEFER_KERAS) != "1":
    # Keras finds a saved model's classes by their registered names ("kgan>DCGAN"):
    # they must be registered before any load_model, not when a kgan name is first used.
    from kgan import quiet

    quiet.import_keras_quietly()
    importlib.import_module("kgan.models")
