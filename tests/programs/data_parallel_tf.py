"""Run by tests/test_distributed.py in a fresh process: TF's devices are fixed at first use.

Splits the CPU into two logical devices, trains a tiny model on one device and with
tf.distribute.MirroredStrategy over both, from the same seed and data, and prints both
results as JSON. ARCH (argv[1]) picks the architecture.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tests import helpers  # noqa: E402

ARCH = sys.argv[1]


def train(strategy):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = helpers.tiny_model(ARCH)
        model.compile()
    images, labels = helpers.make_data(model, n=64)
    history = model.fit(images, labels, batch_size=32, epochs=2, verbose=0, shuffle=False)
    weights = [np.asarray(v) for v in model.weights]
    # Under the strategy each Keras variable holds a tf MirroredVariable: one copy per device.
    replicas = {len(getattr(v.value, "values", [v])) for v in model.generator.trainable_variables}
    return (history.history, weights), replicas


single, _ = train(tf.distribute.get_strategy())
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
parallel, replicas = train(strategy)
print(
    helpers.one_device_comparison(
        single,
        parallel,
        replicas=strategy.num_replicas_in_sync,
        variable_copies=sorted(replicas),
    )
)
