"""The training contract and sampling, for every registered architecture."""

import numpy as np
import pytest

import kgan
from tests import helpers

ARCHITECTURES = kgan.list_architectures()


def test_list_architectures():
    assert kgan.list_architectures() == ["cgan", "dcgan", "vanilla-gan", "wgan-gp"]


def test_unknown_architecture_names_close_matches():
    with pytest.raises(ValueError, match=r"unknown architecture 'dcgam'.*Did you mean dcgan"):
        kgan.create("dcgam")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_fit_trains_both_networks(arch):
    model = helpers.tiny_model(arch)
    x, y = helpers.make_data(model)
    helpers.run_train_contract_test(model, x, y)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_sample(arch):
    helpers.run_sample_test(helpers.tiny_model(arch))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_sample_with_given_latents(arch):
    model = helpers.tiny_model(arch)
    latents = model.latents(4, seed=3)
    np.testing.assert_array_equal(model.sample(4, latents=latents), model.sample(4, seed=3))
    with pytest.raises(ValueError, match=r"expected latents of shape \(4, 8\)"):
        model.sample(4, latents=latents[:, :2])


@pytest.mark.parametrize("image_shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
@pytest.mark.parametrize("upsampling", ["transpose", "resize"])
def test_dcgan_image_shapes(image_shape, upsampling):
    model = kgan.DCGAN(image_shape=image_shape, width=8, latent_dim=8, upsampling=upsampling)
    assert model.image_shape == image_shape
    assert model.discriminator.output_shape == (None, 1)
    helpers.run_sample_test(model, n=2)


def test_dcgan_rejects_unsupported_shapes():
    with pytest.raises(ValueError, match=r"divisible by 4 and at least 16.*got 30x30"):
        kgan.DCGAN(image_shape=(30, 30, 1))
    with pytest.raises(ValueError, match="upsampling must be one of"):
        kgan.DCGAN(upsampling="bilinear")


def test_wgan_gp_defaults_follow_the_paper():
    model = kgan.WGANGP(width=8)
    model.compile()
    assert (model.d_steps, model.gp_weight) == (5, 10.0)
    for optimizer in (model.d_optimizer, model.g_optimizer):
        config = optimizer.get_config()
        assert config["learning_rate"] == pytest.approx(1e-4)
        assert (config["beta_1"], config["beta_2"]) == (0.5, 0.9)
    assert not helpers.moving_statistics(model.discriminator), "a WGAN-GP critic has no BatchNorm"


def test_compile_keeps_given_optimizers():
    import keras

    model = helpers.tiny_model("dcgan")
    d_optimizer, g_optimizer = keras.optimizers.SGD(0.1), keras.optimizers.Adam(0.01)
    model.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)
    assert model.d_optimizer is d_optimizer and model.g_optimizer is g_optimizer
    with pytest.raises(ValueError, match="two different optimizers"):
        model.compile(d_optimizer=d_optimizer, g_optimizer=d_optimizer)


def test_d_steps_counts_discriminator_updates():
    model = helpers.tiny_model("dcgan", d_steps=3)
    x, _ = helpers.make_data(model, n=32)
    helpers.run_train_contract_test(model, x)  # asserts d iterations == 3 * steps


def test_cgan_sample_labels():
    model = helpers.tiny_model("cgan")
    by_class = model.sample(3, seed=0, labels=[0, 1, 2])
    np.testing.assert_array_equal(model.sample(3, seed=0), by_class)  # default: 0, 1, 2, ...
    same_latents_other_label = model.sample(3, seed=0, labels=[1, 1, 1])
    assert not np.allclose(by_class[0], same_latents_other_label[0])
    np.testing.assert_allclose(by_class[1], same_latents_other_label[1], atol=1e-6)
    with pytest.raises(ValueError, match=r"labels in \[0, 3\)"):
        model.sample(2, labels=[0, 5])


@pytest.fixture
def mixed_bfloat16():
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    yield
    keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_mixed_bfloat16_trains_through_the_same_step(arch, mixed_bfloat16):
    model = helpers.tiny_model(arch)
    assert model.generator.layers[-1].compute_dtype == "bfloat16"
    x, y = helpers.make_data(model)
    history = helpers.run_train_contract_test(model, x, y)
    assert all(np.asarray(v).dtype.kind == "f" for v in history.history.values())
    assert model.sample(3, seed=0).dtype == np.float32
