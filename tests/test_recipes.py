"""Training recipes: known answers for each part, and every part through fit() for every model.

The contract test is parametrised over the registries (architectures × losses,
penalties and the other recipe parts), so a new entry in any of them is tested
without new test code.
"""

import keras
import numpy as np
import pytest
from keras import layers, ops

import kgan
from kgan import augment, backend, losses
from kgan.models import networks
from tests import helpers

ARCHITECTURES = kgan.list_architectures()

# One recipe part each, on top of the architecture's defaults.
RECIPE_PARTS = {
    **{f"loss={name}": {"loss": name} for name in losses.LOSSES},
    **{f"penalty={name}": {"penalties": {name: 1.0}} for name in losses.PENALTIES},
    "lazy-r1": {"penalties": {"r1": 1.0, "r2": 0.5}, "penalty_every": 2},
    "ema": {"ema": 0.9},
    **{f"augment={name}": {"augment": name} for name in augment.AUGMENTATIONS},
    "spectral_norm": {"spectral_norm": True},
    # R3GAN's pairing with its two penalties, under ADA's adaptive augmentation (a p that
    # moves every update, at a pace these few images can see).
    "rpgan-r1-r2-ada": {
        "loss": "rpgan",
        "penalties": {"r1": 1.0, "r2": 1.0},
        "augment": "flip,translation",
        "ada_target": 0.6,
        "ada_interval": 1,
        "ada_kimg": 0.01,
    },
}


def numpy(x):
    return ops.convert_to_numpy(x)


# -- known answers -----------------------------------------------------------------


def test_hinge_loss_on_fixed_logits():
    real, fake = np.array([2.0, 0.5, -1.0], "float32"), np.array([-2.0, 0.3, 1.0], "float32")
    # relu(1 - real): 0, 0.5, 2 → mean 2.5/3; relu(1 + fake): 0, 1.3, 2 → mean 3.3/3.
    assert float(losses.hinge_d_loss(real, fake)) == pytest.approx(2.5 / 3 + 3.3 / 3, rel=1e-6)
    assert float(losses.hinge_g_loss(fake)) == pytest.approx(-(-2.0 + 0.3 + 1.0) / 3, rel=1e-6)


def test_least_squares_loss_on_fixed_outputs():
    real, fake = np.array([1.0, 0.0], "float32"), np.array([0.0, 2.0], "float32")
    assert float(losses.least_squares_d_loss(real, fake)) == pytest.approx(0.5 * 0.5 + 0.5 * 2.0)
    assert float(losses.least_squares_g_loss(fake)) == pytest.approx(0.5 * (1.0 + 1.0) / 2)


def test_rpgan_loss_on_fixed_logits():
    real, fake = np.array([2.0, 0.5], "float32"), np.array([-1.0, 1.0], "float32")
    softplus = lambda x: np.log1p(np.exp(x))  # noqa: E731
    # Pair i against pair i: D wants real_i above fake_i, G wants fake_i above real_i.
    d_expected = (softplus(-1.0 - 2.0) + softplus(1.0 - 0.5)) / 2
    g_expected = (softplus(2.0 + 1.0) + softplus(0.5 - 1.0)) / 2
    assert float(losses.rpgan_d_loss(real, fake)) == pytest.approx(d_expected, rel=1e-6)
    assert float(losses.rpgan_g_loss(fake, real)) == pytest.approx(g_expected, rel=1e-6)
    rpgan = losses.get_loss("rpgan")
    assert rpgan.relativistic and float(rpgan.generator_loss(fake, real)) == pytest.approx(
        g_expected, rel=1e-6
    )


def test_registries_refuse_unknown_names_in_one_line():
    with pytest.raises(ValueError, match=r"unknown loss 'hinged'.*Did you mean hinge\?"):
        kgan.DCGAN(loss="hinged")
    with pytest.raises(ValueError, match=r"unknown penalty 'r3'; expected one of gp, r1, r2"):
        kgan.DCGAN(penalties={"r3": 1.0})
    with pytest.raises(ValueError, match=r"unknown augmentation 'flop'"):
        kgan.DCGAN(augment="translation,flop")
    with pytest.raises(ValueError, match=r"ada_target adapts an augment policy"):
        kgan.DCGAN(ada_target=0.6)
    with pytest.raises(ValueError, match=r"ada_target in \(0, 1\)"):
        kgan.DCGAN(augment="flip", ada_target=1.5)
    with pytest.raises(ValueError, match=r"ada_kimg > 0"):
        kgan.DCGAN(augment="flip", ada_target=0.6, ada_kimg=0)
    with pytest.raises(ValueError, match=r"rotate90 needs square images"):
        kgan.VanillaGAN(image_shape=(8, 4, 1), augment="rotate90")
    with pytest.raises(ValueError, match=r"ema as a decay in \[0, 1\)"):
        kgan.DCGAN(ema=1.5)
    with pytest.raises(ValueError, match=r"ema_kimg as the average's half-life"):
        kgan.DCGAN(ema_kimg=0)
    with pytest.raises(ValueError, match=r"as ema .* or as ema_kimg .*, not both"):
        kgan.DCGAN(ema=0.999, ema_kimg=10)
    with pytest.raises(ValueError, match=r"penalty weight >= 0 for 'r1'"):
        kgan.DCGAN(penalties={"r1": -1})
    with pytest.raises(ValueError, match=r"penalty_every as an integer in \[1, "):
        kgan.DCGAN(penalty_every=0)
    with pytest.raises(ValueError, match=r"augment needs images.*shape \(2,\)"):
        kgan.VanillaGAN(image_shape=(2,), augment="cutout")
    with pytest.raises(ValueError, match="gp_weight or penalties, not both"):
        kgan.WGANGP(gp_weight=1.0, penalties={"gp": 2.0})


def _linear_discriminator(weights, bias=0.3):
    network = keras.Sequential([keras.Input((len(weights),)), layers.Dense(1)])
    network.layers[0].kernel.assign(np.asarray(weights, "float32")[:, None])
    network.layers[0].bias.assign(np.array([bias], "float32"))
    return network


@pytest.mark.parametrize("name", ["r1", "r2"])
def test_r1_and_r2_of_a_linear_discriminator(name):
    # ∇D(x) = w everywhere, so ½E‖∇D‖² = ½‖w‖², on real (R1) or fake (R2) batches.
    weights = np.array([0.3, -0.4, 1.2], "float32")
    rng = np.random.default_rng(0)
    real, fake = (ops.convert_to_tensor(rng.normal(size=(5, 3)).astype("float32")) for _ in "ab")
    value = losses.get_penalty(name)(_linear_discriminator(weights), real, fake, None)
    assert float(value) == pytest.approx(0.5 * float(weights @ weights), rel=1e-5)


def test_gp_weight_is_the_gp_penalty():
    assert kgan.WGANGP(width=8, gp_weight=0.1).penalties == {"gp": 0.1}
    model = kgan.DCGAN(width=8, loss="wasserstein", penalties={"gp": 10.0}, d_batch_norm=False)
    assert model.constructor_config()["penalties"] == kgan.WGANGP(width=8).penalties


def test_ema_update_is_the_closed_form():
    # shadow_k = β^k·w₀ + (1-β)·Σ β^(k-i)·w_i for a known sequence of weights w_1..w_k.
    source = keras.Sequential([keras.Input((2,)), layers.Dense(3), layers.BatchNormalization()])
    shadow = networks.ema_copy(source)
    decay, kernel = 0.8, source.layers[0].kernel
    start = numpy(kernel).copy()
    sequence = [np.full((2, 3), float(i), "float32") for i in range(1, 5)]
    for value in sequence:
        kernel.assign(value)
        source.layers[1].moving_mean.assign(value[0])
        networks.update_ema(shadow, source, decay)
    k = len(sequence)
    expected = decay**k * start + sum(
        (1 - decay) * decay ** (k - i) * w for i, w in enumerate(sequence, 1)
    )
    np.testing.assert_allclose(numpy(shadow.layers[0].kernel), expected, rtol=1e-5)
    # BatchNorm statistics are copied, not averaged.
    np.testing.assert_array_equal(numpy(shadow.layers[1].moving_mean), sequence[-1][0])
    assert not shadow.trainable_variables


# ema_kimg is a half-life: 0.004 thousand images at batch 8 is two halvings a step, 0.25.
@pytest.mark.parametrize(
    "setting, decay", [({"ema": 0.2}, 0.2), ({"ema_kimg": 0.004}, 0.25)], ids=["ema", "ema_kimg"]
)
def test_ema_through_fit_is_the_closed_form(setting, decay):
    # Step n averages with d_n = min(decay, (1 + n) / (10 + n)), the warm-up of TF's
    # ExponentialMovingAverage: shadow_n = d_n·shadow_(n-1) + (1 - d_n)·w_n.
    model = helpers.tiny_model("vanilla-gan", **setting)
    model.compile()
    x, _ = helpers.make_data(model, n=8)
    seen = [helpers.numpy_values(model.generator.trainable_variables)]
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda *_: seen.append(
            helpers.numpy_values(model.generator.trainable_variables)
        )
    )
    model.fit(x, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[record])
    expected = seen[0]
    for n, weights in enumerate(seen[1:], 1):
        step = min(decay, (1 + n) / (10 + n))  # 0.18, then decay: both branches of the min
        expected = [step * e + (1 - step) * w for e, w in zip(expected, weights, strict=True)]
    shadow = helpers.numpy_values(model.ema_generator.variables)
    for value, want in zip(shadow, expected, strict=True):
        np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-7)


def test_sample_uses_the_ema_generator_unless_told_not_to():
    model = helpers.tiny_model("dcgan", ema=0.999)
    kernel = model.ema_generator.get_layer("to_image").kernel
    kernel.assign(np.zeros(kernel.shape, "float32"))  # an EMA that differs from the raw weights
    ema_images, raw_images = model.sample(3, seed=0), model.sample(3, seed=0, ema=False)
    assert not np.allclose(ema_images, raw_images)
    raw = model.generator(ops.convert_to_tensor(model.latents(3, seed=0)), training=False)
    np.testing.assert_allclose(raw_images, numpy(raw), atol=1e-6)
    latents = ops.convert_to_tensor(model.latents(3, seed=0))
    np.testing.assert_allclose(numpy(model.generate(latents)), ema_images, atol=1e-6)
    with pytest.raises(ValueError, match="keeps no EMA generator"):
        helpers.tiny_model("dcgan").sample(2, ema=True)


@pytest.mark.parametrize("name", list(augment.AUGMENTATIONS))
def test_each_augmentation_keeps_shape_and_range_and_lets_gradients_through(name):
    images = np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    fn = augment.AUGMENTATIONS[name]
    seed = keras.random.SeedGenerator(1)
    out = numpy(fn(ops.convert_to_tensor(images), seed))
    assert out.shape == images.shape and out.min() >= -1.0 and out.max() <= 1.0
    assert not np.allclose(out, images), "strength 1 changes the images"
    np.testing.assert_allclose(
        numpy(fn(ops.convert_to_tensor(images), seed, 0.0)), images, atol=1e-6
    )
    weights = ops.convert_to_tensor(
        np.linspace(-1, 1, images.size, dtype="float32").reshape(images.shape)
    )
    grads = backend.input_gradient(
        lambda x: ops.sum(fn(x, keras.random.SeedGenerator(1)) * weights),
        ops.convert_to_tensor(images),
    )
    assert np.abs(numpy(grads)).sum() > 0


def test_augmentations_are_reproducible_from_the_seed():
    images = ops.convert_to_tensor(
        np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 1)).astype("float32")
    )
    policy = augment.parse_policy("cutout,translation,color")
    assert policy == ("color", "translation", "cutout")
    first = numpy(augment.apply(images, policy, keras.random.SeedGenerator(3)))
    np.testing.assert_array_equal(
        first, numpy(augment.apply(images, policy, keras.random.SeedGenerator(3)))
    )


def test_adaptive_probability_follows_the_heuristic_in_closed_form():
    ada = augment.AdaptiveProbability(target=0.6, interval=2, kimg=0.1)

    def p():
        return float(numpy(ada.p.value))

    ada.observe(np.float32(16), np.float32(16))
    assert p() == 0.0  # not due before ``interval`` updates
    ada.observe(np.float32(16), np.float32(16))
    assert p() == pytest.approx(32 / 100)  # r = 1 > 0.6: up by 32 images / (0.1 kimg)
    ada.observe(np.float32(-8), np.float32(16))
    ada.observe(np.float32(12), np.float32(16))
    assert p() == pytest.approx(0.0, abs=1e-7)  # r = 4/32 < 0.6: down by as much
    for _ in range(4):
        ada.observe(np.float32(-16), np.float32(16))
    assert p() == 0.0  # clipped at 0
    for _ in range(8):
        ada.observe(np.float32(16), np.float32(16))
    assert p() == 1.0  # and at 1


def test_augmentation_probability_gates_each_image():
    images = ops.convert_to_tensor(
        np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    )
    policy = ("translation",)
    never = numpy(augment.apply(images, policy, keras.random.SeedGenerator(3), probability=0.0))
    np.testing.assert_array_equal(never, numpy(images))
    always = numpy(augment.apply(images, policy, keras.random.SeedGenerator(3), probability=1.0))
    plain = numpy(augment.apply(images, policy, keras.random.SeedGenerator(3)))
    np.testing.assert_array_equal(always, plain)
    half = numpy(augment.apply(images, policy, keras.random.SeedGenerator(3), probability=0.5))
    kept = [np.array_equal(half[i], numpy(images)[i]) for i in range(8)]
    assert 0 < sum(kept) < 8  # each image on its own draw


def test_ada_p_is_logged_saved_and_loaded(tmp_path):
    model = helpers.tiny_model(
        "dcgan", augment="translation", ada_target=0.6, ada_interval=1, ada_kimg=0.01
    )
    x, _ = helpers.make_data(model, n=16)
    model.ada.p.assign(0.5)
    history = helpers.run_train_contract_test(model, x)
    # One update of 16 images moves p by ±16 / (0.01 · 1000), clipped: the step's new p
    # reaches the model's variable on every backend (JAX's state included), and the log.
    p = float(numpy(model.ada.p.value))
    assert p in (0.0, 1.0) and history.history["ada_p"][0] == p
    model.ada.p.assign(0.375)
    model.save(tmp_path / "ada.keras")
    loaded = keras.saving.load_model(tmp_path / "ada.keras")
    assert float(numpy(loaded.ada.p.value)) == 0.375
    assert loaded.recipe == model.recipe


# -- every part through fit(), for every architecture -----------------------------------


# A model of four networks (CycleGAN) composes the shared blocks (critic_loss,
# adversarial_g_loss, update) in a step of its own, at 10-20 s a fit() on CI's CPU: it
# trains the parts that reach its own code (a loss that reads the real batch in the
# generator's loss, lazy penalties on two critics and gp's interpolates, the EMA of two
# generators, spectral norm of two critics, ADA's observation of both), not each loss
# and augmentation that the other architectures run through the same blocks.
MULTI_NETWORK_PARTS = {"loss=rpgan", "lazy-r1", "penalty=gp", "ema", "spectral_norm",
                       "rpgan-r1-r2-ada"}  # fmt: skip


def _takes(arch, part) -> bool:
    model_class = kgan.get_architecture(arch)
    if len(model_class.NETWORKS) > 2 and part not in MULTI_NETWORK_PARTS:
        return False
    # A discriminator that sees the input (pix2pix) refuses augmentation (test_translation).
    conditional = getattr(model_class, "conditional_discriminator", False)
    return not (conditional and RECIPE_PARTS[part].get("augment"))


def test_the_multi_network_parts_are_recipe_parts():
    assert MULTI_NETWORK_PARTS.issubset(RECIPE_PARTS)


@pytest.mark.parametrize(
    ("arch", "part"),
    [(arch, part) for arch in ARCHITECTURES for part in RECIPE_PARTS if _takes(arch, part)],
)
def test_recipe_part_trains_through_fit(arch, part):
    overrides = RECIPE_PARTS[part]
    if arch == "wgan-gp" and "penalties" in overrides:
        overrides = {**overrides, "penalties": {**overrides["penalties"], "gp": 10.0}}
    model = helpers.tiny_model(arch, **overrides)
    x, y = helpers.make_data(model, n=16)
    history = helpers.run_train_contract_test(model, x, y)
    for name in model.penalties:
        assert np.all(np.asarray(history.history[name]) > 0), name
    assert model.constructor_config()["loss"] == overrides.get("loss", model.recipe.loss)


def test_lazy_penalties_are_computed_every_kth_step_and_logged_over_those():
    # penalty_every=3 with d_steps=3: each train step computes R1 on exactly one D update.
    model = helpers.tiny_model("vanilla-gan", penalties={"r1": 1.0}, penalty_every=3, d_steps=3)
    x, _ = helpers.make_data(model, n=32)
    history = helpers.run_train_contract_test(model, x)
    assert history.history["r1"][0] > 0


def test_spectral_norm_state_survives_jax_steps_and_saving(tmp_path):
    model = helpers.tiny_model("dcgan", spectral_norm=True, ema=0.9)
    wrapped = [
        layer
        for layer in model.discriminator.layers
        if isinstance(layer, networks.SpectralNormalization)
    ]
    assert len(wrapped) == 3  # two convolutions and the logit
    before = [numpy(layer.vector_u).copy() for layer in wrapped]
    x, _ = helpers.make_data(model)
    helpers.run_train_contract_test(model, x)
    after = [numpy(layer.vector_u) for layer in wrapped]
    assert all(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for saved, restored in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(numpy(saved), numpy(restored), err_msg=saved.path)
    np.testing.assert_array_equal(loaded.sample(3, seed=1), model.sample(3, seed=1))
    np.testing.assert_array_equal(
        loaded.sample(3, seed=1, ema=False), model.sample(3, seed=1, ema=False)
    )
    assert networks.spectral_normalized(loaded.discriminator) is loaded.discriminator

    folder = kgan.saving.save_model_folder(model, tmp_path / "folder")
    reloaded = kgan.load(folder)
    np.testing.assert_array_equal(reloaded.sample(3, seed=1), model.sample(3, seed=1))


def test_spectral_norm_bounds_the_largest_singular_value():
    model = helpers.tiny_model("vanilla-gan", spectral_norm=True)
    layer = model.discriminator.layers[2]
    assert isinstance(layer, networks.SpectralNormalization)
    layer.layer.kernel.assign(numpy(layer.layer.kernel) * 50)
    for _ in range(200):  # power iterations converge on the top singular value
        _, kernel = layer.normalized_weights()
        layer.vector_u.assign(_)
    top = np.linalg.svd(numpy(kernel).reshape(-1, numpy(kernel).shape[-1]), compute_uv=False)[0]
    assert top == pytest.approx(1.0, rel=2e-3)


class R1DCGAN(kgan.DCGAN):
    """A user's penalty written by hand through a discriminator with BatchNorm."""

    def discriminator_loss(self, real, fake, labels, due=1.0):
        d_loss, logs = super().discriminator_loss(real, fake, labels, due)
        grads = backend.input_gradient(lambda x: self.discriminate(x, labels, training=True), real)
        return d_loss + 0.1 * ops.mean(ops.square(grads)), logs


def test_a_penalty_through_a_batchnorm_discriminator_trains_on_every_backend():
    # Regression: on JAX the BatchNorm update inside jax.grad leaked a tracer.
    model = R1DCGAN(**helpers.tiny_config("dcgan"))
    assert helpers.moving_statistics(model.discriminator)
    x, _ = helpers.make_data(model)
    helpers.run_train_contract_test(model, x)
    bn = helpers.tiny_model("dcgan", penalties={"r1": 1.0, "r2": 1.0})
    helpers.run_train_contract_test(bn, x)


def test_user_networks_take_every_recipe_part():
    generator = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16 * 16),
            layers.Reshape((16, 16, 1)),
            layers.Activation("tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            layers.Conv2D(4, 3, strides=2),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    model = kgan.GAN(
        generator,
        discriminator,
        latent_dim=8,
        loss="hinge",
        penalties={"r1": 1.0, "gp": 1.0},
        penalty_every=2,
        ema=0.9,
        augment="color,translation,cutout",
        spectral_norm=True,
    )
    assert (
        sum(
            isinstance(layer, networks.SpectralNormalization)
            for layer in model.discriminator.layers
        )
        == 2
    )
    x, _ = helpers.make_data(model)
    helpers.run_train_contract_test(model, x)
    assert model.get_config()["ema"] == 0.9
