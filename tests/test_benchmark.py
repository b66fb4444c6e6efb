"""scripts/benchmark.py: its native loops train the same network as kgan (no timings asserted)."""

import math

import keras
import numpy as np
import pytest

from kgan.models import dcgan
from scripts import benchmark

BACKEND = keras.config.backend()


def test_flop_count_matches_the_layer_arithmetic():
    generator = dcgan.build_generator(100, (28, 28, 1), 64)
    discriminator = dcgan.build_discriminator((28, 28, 1), 64)
    g_macs = 100 * 7 * 7 * 128 + 7 * 7 * 16 * 128 * 64 + 14 * 14 * 16 * 64 * 1
    d_macs = 14 * 14 * 16 * 1 * 64 + 7 * 7 * 16 * 64 * 128 + 7 * 7 * 128
    expected = 2 * (4 * g_macs + 9 * d_macs)
    assert benchmark.train_flops_per_image(generator, discriminator) == expected


def test_native_loop_trains_on_this_backend():
    if BACKEND == "jax":
        pytest.importorskip("optax")
    step, to_float = benchmark.NATIVE[BACKEND](8)
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    latents = rng.standard_normal((8, 100)).astype("float32")
    losses = [to_float(step(real, latents)) for _ in range(3)]
    assert all(math.isfinite(loss) for loss in losses) and losses[0] != losses[-1]


def test_native_torch_network_has_kgans_shapes():
    pytest.importorskip("torch")
    generator, discriminator = benchmark.torch_networks()
    kgan_g = dcgan.build_generator(100, (28, 28, 1), 64)
    kgan_d = dcgan.build_discriminator((28, 28, 1), 64)
    for torch_net, keras_net in ((generator, kgan_g), (discriminator, kgan_d)):
        count = sum(p.numel() for p in torch_net.parameters())
        assert count == sum(math.prod(v.shape) for v in keras_net.trainable_variables)
