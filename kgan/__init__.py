"""kgan: generative adversarial networks for Keras 3, on TensorFlow, JAX and PyTorch.

Example:

>>> import numpy as np, kgan
>>> model = kgan.create("dcgan", image_shape=(28, 28, 1), width=32)
>>> model.compile()
>>> images = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
>>> history = model.fit(images, batch_size=32, epochs=1, verbose=0)
>>> model.sample(16, seed=0).shape
(16, 28, 28, 1)
"""

from kgan import backend, data, images, losses
from kgan.models import (
    CGAN,
    DCGAN,
    GAN,
    WGANGP,
    VanillaGAN,
    create,
    get_architecture,
    list_architectures,
)
from kgan.version import __version__

__all__ = [
    "CGAN",
    "DCGAN",
    "GAN",
    "WGANGP",
    "VanillaGAN",
    "__version__",
    "backend",
    "create",
    "data",
    "get_architecture",
    "images",
    "list_architectures",
    "losses",
]
