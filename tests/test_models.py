"""The training contract and sampling, for every registered architecture."""

import numpy as np
import pytest

import kgan
from tests import helpers

ARCHITECTURES = kgan.list_architectures()
SYNTHESIS = kgan.list_architectures("synthesis")  # the ones that sample from latents


def test_list_architectures():
    assert kgan.list_architectures() == [
        "cgan",
        "cyclegan",
        "dcgan",
        "pix2pix",
        "srgan",
        "vanilla-gan",
        "wgan-gp",
    ]
    assert kgan.list_architectures("translation") == ["cyclegan", "pix2pix", "srgan"]
    with pytest.raises(ValueError, match="unknown task 'noise'"):
        kgan.list_architectures("noise")


def test_unknown_architecture_names_close_matches():
    with pytest.raises(ValueError, match=r"unknown architecture 'dcgam'.*Did you mean dcgan"):
        kgan.create("dcgam")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_fit_trains_both_networks(arch):
    model = helpers.tiny_model(arch)
    x, y = helpers.make_data(model)
    helpers.run_train_contract_test(model, x, y)


@pytest.mark.parametrize("arch", SYNTHESIS)
def test_sample(arch):
    helpers.run_sample_test(helpers.tiny_model(arch))


@pytest.mark.parametrize("arch", SYNTHESIS)
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
    assert (model.d_steps, model.penalties, model.recipe.loss) == (
        5,
        {"gp": 10.0},
        "wasserstein",
    )
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


@pytest.fixture(params=["mixed_bfloat16", "mixed_float16"])
def mixed_policy(request):
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy(previous)


def optimizers_for(policy, optimizer=None, **kwargs):
    """Two optimizers; static loss scaling under mixed_float16 (float16 gradients underflow)."""
    import keras

    optimizer = optimizer or (lambda **kw: keras.optimizers.Adam(2e-4, beta_1=0.5, **kw))
    if policy == "mixed_float16":
        kwargs["loss_scale_factor"] = 128.0
    return {"d_optimizer": optimizer(**kwargs), "g_optimizer": optimizer(**kwargs)}


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_mixed_precision_trains_through_the_same_step(arch, mixed_policy):
    model = helpers.tiny_model(arch)
    assert model.generator.layers[-1].compute_dtype == mixed_policy.removeprefix("mixed_")
    x, y = helpers.make_data(model)
    history = helpers.run_train_contract_test(model, x, y, **optimizers_for(mixed_policy))
    assert all(np.asarray(v).dtype.kind == "f" for v in history.history.values())
    assert helpers.outputs(model).dtype == np.float32


def sgd_step_update(policy):
    """The weight change of one SGD step of a tiny DCGAN under ``policy``, from fixed weights."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        model = helpers.tiny_model("dcgan")
        model.compile(**optimizers_for(policy, lambda **kw: keras.optimizers.SGD(0.1, **kw)))
        before = helpers.numpy_values(model.trainable_variables)
        x, _ = helpers.make_data(model, n=16)
        model.fit(x, batch_size=16, epochs=1, verbose=0, shuffle=False)
        after = helpers.numpy_values(model.trainable_variables)
    finally:
        keras.config.set_dtype_policy(previous)
    return [a - b for a, b in zip(after, before, strict=True)]


def test_mixed_float16_loss_scaling_gives_the_float32_update():
    # SGD moves weights by the gradient itself, so a loss scale left in the gradients
    # (x128) or a skipped update (x0) would show. float16 rounding of this tiny DCGAN's
    # activations moves each variable's update by up to 13% of its norm (measured on
    # all three backends), plus ~1e-4 where the exact gradient is 0 (a bias before BN).
    reference, mixed = sgd_step_update("float32"), sgd_step_update("mixed_float16")
    for ref, got in zip(reference, mixed, strict=True):
        assert np.linalg.norm(got - ref) <= 0.25 * np.linalg.norm(ref) + 1e-3


def test_optimizers_must_share_one_plain_loss_scale():
    import keras

    model = helpers.tiny_model("dcgan")
    with pytest.raises(ValueError, match=r"not a LossScaleOptimizer.*loss_scale_factor"):
        model.compile(d_optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()))
    with pytest.raises(ValueError, match=r"share one loss_scale_factor; got 128\.0 and None"):
        model.compile(d_optimizer=keras.optimizers.Adam(loss_scale_factor=128.0))
