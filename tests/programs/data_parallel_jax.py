"""Run by tests/test_distributed.py in a fresh process: XLA must see 2 CPU devices from the start.

Trains a tiny DCGAN on one device and with keras.distribution.DataParallel over two
virtual CPU devices, from the same seed and data, and prints both results as JSON.
"""

import os

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
os.environ["KERAS_BACKEND"] = "jax"

import keras
import numpy as np

from tests import helpers


def train(distribution):
    keras.distribution.set_distribution(distribution)
    keras.utils.set_random_seed(0)
    model = helpers.tiny_model("dcgan")
    model.compile()
    images, _ = helpers.make_data(model, n=64)
    history = model.fit(images, batch_size=32, epochs=2, verbose=0, shuffle=False)
    devices = len(model.generator.trainable_variables[0].value.sharding.device_set)
    keras.distribution.set_distribution(None)
    weights = [np.asarray(v) for v in model.weights]
    return (history.history, weights), devices


single, _ = train(None)
devices = keras.distribution.list_devices("cpu")
parallel, spread = train(keras.distribution.DataParallel(devices=devices))
print(
    helpers.one_device_comparison(single, parallel, devices=len(devices), variable_devices=spread)
)
