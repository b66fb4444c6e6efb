"""Run by tests/test_distributed.py in a fresh process: XLA must see 2 CPU devices from the start.

Trains a tiny DCGAN on one device and with keras.distribution.DataParallel over two
virtual CPU devices, from the same seed and data, and prints both results as JSON.
"""

import json
import os

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
os.environ["KERAS_BACKEND"] = "jax"

import keras
import numpy as np

import kgan


def train(distribution):
    keras.distribution.set_distribution(distribution)
    keras.utils.set_random_seed(0)
    model = kgan.create("dcgan", image_shape=(16, 16, 1), width=8, latent_dim=8)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (64, 16, 16, 1)).astype("float32")
    history = model.fit(images, batch_size=32, epochs=2, verbose=0, shuffle=False)
    devices = len(model.generator.trainable_variables[0].value.sharding.device_set)
    keras.distribution.set_distribution(None)
    weights = [np.asarray(v) for v in model.weights]
    return history.history, weights, devices


single, single_weights, _ = train(None)
devices = keras.distribution.list_devices("cpu")
parallel, parallel_weights, spread = train(keras.distribution.DataParallel(devices=devices))
print(
    json.dumps(
        {
            "devices": len(devices),
            "variable_devices": spread,
            "single": single,
            "parallel": parallel,
            "max_weight_difference": max(
                float(np.abs(a - b).max())
                for a, b in zip(single_weights, parallel_weights, strict=True)
            ),
        }
    )
)
