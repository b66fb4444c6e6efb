"""The step contract TensorFlow and PyTorch share: Keras hands ``train_step`` the batch, and the
model's variables hold their values throughout (no state threading, as JAX needs)."""

import contextlib


def train_step(model, data):
    return model.stateful_train_step(data)


def test_step(model, data):
    return model.stateful_test_step(data)


def keep_usable(model):
    # Variables stay attached to their values whatever happens in fit().
    return contextlib.nullcontext()
