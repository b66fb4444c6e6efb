"""scripts/benchmark.py and its native loops: same networks, same work (no timings asserted)."""

import math

import keras
import pytest
from click.testing import CliRunner

import kgan
from scripts import benchmark, benchmark_worker, native_loops
from tests import helpers

BACKEND = keras.config.backend()


def small_model(architecture):
    model = helpers.tiny_model(architecture)
    model.compile()
    return model


def test_flop_count_matches_the_layer_arithmetic():
    model = kgan.create("dcgan")
    g_macs = 100 * 7 * 7 * 128 + 7 * 7 * 16 * 128 * 64 + 14 * 14 * 16 * 64 * 1
    d_macs = 14 * 14 * 16 * 1 * 64 + 7 * 7 * 16 * 64 * 128 + 7 * 7 * 128
    assert benchmark_worker.train_flops_per_image(model) == 2 * (4 * g_macs + 9 * d_macs)
    # Each extra discriminator step adds a generator and a discriminator pass (G + 6D).
    twice = kgan.create("dcgan", d_steps=2)
    expected = 2 * (5 * g_macs + 15 * d_macs)
    assert benchmark_worker.train_flops_per_image(twice) == expected
    assert benchmark_worker.train_flops_per_image(kgan.create("wgan-gp")) is None


@pytest.mark.parametrize("architecture", kgan.list_architectures("synthesis"))
def test_native_loop_trains_on_this_backend(architecture):
    if BACKEND == "jax":
        pytest.importorskip("optax")
    model = small_model(architecture)
    step, to_float = native_loops.NATIVE[BACKEND](model)
    images, _ = helpers.make_data(model, n=8)
    labels = native_loops.labels_for(model, 8)  # zeros for unconditional models
    losses = [to_float(step(images, labels)) for _ in range(3)]
    assert all(math.isfinite(loss) for loss in losses) and losses[0] != losses[-1]


@pytest.mark.parametrize("architecture", kgan.list_architectures("synthesis"))
def test_native_torch_networks_have_kgans_parameter_counts(architecture):
    pytest.importorskip("torch")
    model = small_model(architecture)
    from scripts.native_loops import torch_loop

    generator, discriminator = torch_loop.torch_networks(model)
    pairs = ((generator, model.generator), (discriminator, model.discriminator))
    for torch_net, keras_net in pairs:
        count = sum(p.numel() for p in torch_net.parameters())
        assert count == sum(math.prod(v.shape) for v in keras_net.trainable_variables)


def test_measure_times_kgan_and_native_in_one_process():
    if BACKEND == "jax":
        pytest.importorskip("optax")
    results = [
        benchmark_worker.measure(
            BACKEND, "vanilla-gan", batch_size=8, steps=2, repeats=2, variant=variant
        )
        for variant in ("kgan", "keras-layer-calls")
    ]
    for result in results:
        assert result["backend"] == BACKEND and result["architecture"] == "vanilla-gan"
        assert result["kgan_img_s"] > 0 and result["native_img_s"] > 0 and result["warm_up_s"] > 0
        assert result["ratio"] == pytest.approx(result["kgan_img_s"] / result["native_img_s"])
    table = benchmark.render(results)
    assert "| vanilla-gan | 8 | 1 | kgan |" in table
    assert "| vanilla-gan | 8 | 1 | keras-layer-calls |" in table


def test_benchmark_refuses_batch_sizes_that_are_not_positive_integers():
    result = CliRunner().invoke(benchmark.main, ["--batch-size", "64,0", "--no-sampling"])
    assert result.exit_code == 2
    assert "expected --batch-size as integers >= 1 like 64,8; got '64,0'" in result.output


def test_benchmark_refuses_a_recipe_without_a_native_twin():
    model = helpers.tiny_model("dcgan", ema=0.999)
    model.compile()
    with pytest.raises(ValueError, match=r"no native twin for dcgan with \{'ema': 0\.999\}"):
        native_loops.NATIVE[BACKEND](model)
    wgan = helpers.tiny_model("wgan-gp", penalties={"gp": 10.0, "r1": 1.0})
    wgan.compile()
    with pytest.raises(ValueError, match="no native twin for wgan-gp"):
        native_loops.twin_spec(wgan)


def test_recipe_cost_is_measured_against_plain_dcgan_in_one_process():
    parts = {"plain": {}, "ema": {"ema": 0.999}}
    results = benchmark_worker.measure_recipes(
        BACKEND, batch_size=4, steps=1, repeats=1, parts=parts
    )
    assert [r["part"] for r in results] == ["plain", "ema", "plain (again)"]
    assert all(r["ms_per_step"] > 0 and r["relative"] > 0 for r in results)
    assert "| ema |" in benchmark.render_recipes(results)
