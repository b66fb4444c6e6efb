"""The PyTorch fast path (``kgan.backend.call_network``) trains exactly as Keras's own layer calls.

On PyTorch, ``call_network`` runs a network's plain layers' ``call`` directly, skipping
``Layer.__call__``'s Python; everything else goes through ``__call__``. These tests train the
same model twice from the same seed, once each way, and ask for bit-identical variables. On
TensorFlow and JAX both ways are Keras's call (their tracing removes the Python), so there
only the user-network case runs, as a check that a step is deterministic from its seed.
"""

import contextlib

import keras
import numpy as np
import pytest
from keras import layers

import kgan
from kgan import backend
from kgan.backend import keras_private
from tests import helpers

TORCH_ONLY = pytest.mark.skipif(
    keras.config.backend() != "torch", reason="the direct path is PyTorch's"
)
RECIPES = {
    "plain": {},
    "spectral-norm-ema-r1": {"spectral_norm": True, "ema": 0.9, "penalties": {"r1": 1.0}},
}


def trained_variables(build, data, direct: bool, epochs=2):
    keras.utils.set_random_seed(0)
    model = build()
    model.compile()
    calls = contextlib.nullcontext() if direct else backend.through_keras_layer_calls()
    with calls:
        model.fit(*data, batch_size=8, epochs=epochs, verbose=0, shuffle=False)
        samples = helpers.outputs(model, 4, seed=3)
    return [*helpers.numpy_values(model.variables), samples]


def assert_both_ways_identical(build, data):
    direct = trained_variables(build, data, direct=True)
    through_keras = trained_variables(build, data, direct=False)
    for fast, keras_value in zip(direct, through_keras, strict=True):
        np.testing.assert_array_equal(fast, keras_value)


@TORCH_ONLY  # elsewhere both ways are the same Keras call (the user-network test still runs)
@pytest.mark.parametrize("recipe", sorted(RECIPES))
@pytest.mark.parametrize("arch", kgan.list_architectures())
def test_direct_layer_calls_train_bit_for_bit_as_keras(arch, recipe):
    accepted = kgan.models.config_keys(arch)
    extra = {key: value for key, value in RECIPES[recipe].items() if key in accepted}
    probe = helpers.tiny_model(arch)
    images, labels = helpers.make_data(probe, n=16)
    data = (images,) if labels is None else (images, labels)
    assert_both_ways_identical(lambda: helpers.tiny_model(arch, **extra), data)


class _Block(layers.Layer):
    """A layer with sublayers that calls its BatchNorm without ``training``: Keras's call
    context must still reach it, so this layer goes through ``__call__``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense, self.norm = layers.Dense(16), layers.BatchNormalization()

    def call(self, x):
        return self.norm(self.dense(x))


def _user_networks():
    inner = keras.Sequential([layers.Dense(16), layers.LeakyReLU(0.2)])  # a nested model
    latents = keras.Input((4,))
    features = _Block()(inner(latents))
    generator = keras.Model(latents, layers.Reshape((4, 4, 1))(layers.Dense(16)(features)))
    discriminator = keras.Sequential(
        [keras.Input((4, 4, 1)), layers.Flatten(), layers.Dropout(0.3), _Block(), layers.Dense(1)]
    )
    return kgan.GAN(generator=generator, discriminator=discriminator, latent_dim=4)


def test_user_networks_with_nested_layers_train_as_keras():
    images = np.random.default_rng(0).uniform(-1, 1, (16, 4, 4, 1)).astype("float32")
    assert_both_ways_identical(_user_networks, (images,))


@TORCH_ONLY
def test_kgan_networks_take_the_direct_path():
    model = helpers.tiny_model("dcgan")
    latents = keras.random.normal((2, model.latent_dim))
    assert keras_private.call_directly(model.generator, latents, training=False) is not None
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(backend.call_network(model.generator, latents, False)),
        keras.ops.convert_to_numpy(model.generator(latents, training=False)),
    )


@TORCH_ONLY
def test_the_torch_kernels_give_each_layers_call_bit_for_bit():
    from kgan.backend import torch as torch_backend  # the PyTorch module: only importable here

    network = keras.Sequential(
        [keras.Input((5,)), layers.Dense(8, activation="tanh"), layers.LeakyReLU(0.3),
         layers.Dense(8, use_bias=False), layers.Dense(3)]
    )  # fmt: skip
    x = keras.random.normal((4, 5), seed=0)
    kernels = torch_backend.KERNELS
    assert all(kernels[type(layer)](layer) is not None for layer in network.layers)
    with_kernels = backend.call_network(network, x, False)
    with backend.without_layer_kernels():
        calls = backend.call_network(network, x, False)
    for outputs in (with_kernels, calls):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(outputs), keras.ops.convert_to_numpy(network(x))
        )
    adapted = layers.Dense(4)
    adapted.build((None, 5))
    adapted.enable_lora(2)  # its kernel is a sum of three: Dense.call's own path
    assert kernels[layers.Dense](adapted) is None


@TORCH_ONLY
def test_what_keras_would_convert_or_autocast_goes_through_keras():
    model = helpers.tiny_model("dcgan")
    as_numpy = np.zeros((2, model.latent_dim), "float32")  # __call__ converts it first
    assert keras_private.call_directly(model.generator, as_numpy, training=False) is None
    as_float64 = keras.ops.zeros((2, model.latent_dim), "float64")
    assert keras_private.call_directly(model.generator, as_float64, training=False) is None
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:  # compute and variable dtypes differ: __call__'s autocast scope is needed
        mixed = helpers.tiny_model("dcgan")
    finally:
        keras.config.set_dtype_policy(previous)
    latents = keras.random.normal((2, mixed.latent_dim))
    assert keras_private.call_directly(mixed.generator, latents, training=False) is None
    assert (
        backend.call_network(mixed.generator, latents, False).dtype
        == mixed.generator(latents).dtype
    )


@TORCH_ONLY
def test_a_network_that_can_make_masks_runs_as_keras():
    words = keras.Sequential(
        [keras.Input((3,)), layers.Embedding(5, 4, mask_zero=True), layers.GlobalAveragePooling1D()]
    )
    tokens = keras.ops.convert_to_tensor(np.array([[1, 0, 0], [2, 3, 0]]))
    assert keras_private.call_directly(words, tokens, training=False) is None
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(backend.call_network(words, tokens, False)),
        keras.ops.convert_to_numpy(words(tokens, training=False)),
    )
