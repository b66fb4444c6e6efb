"""The truncation trick: ``sample(truncation=ψ)``, ``kgan sample/evaluate --truncation``."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

import kgan
from kgan.cli import main
from kgan.models.latent_space import truncate
from tests import helpers


@pytest.mark.parametrize("arch", kgan.list_architectures("synthesis"))
def test_truncation_one_is_plain_sampling_and_psi_scales_the_latents(arch):
    model = helpers.tiny_model(arch)
    plain = model.sample(6, seed=1)
    np.testing.assert_array_equal(model.sample(6, seed=1, truncation=1.0), plain)
    scaled = model.sample(6, latents=0.5 * model.latents(6, seed=1))
    np.testing.assert_array_equal(model.sample(6, seed=1, truncation=0.5), scaled)
    np.testing.assert_array_equal(  # reproducible from the seed
        model.sample(6, seed=1, truncation=0.5), model.sample(6, seed=1, truncation=0.5)
    )


def test_smaller_psi_moves_samples_toward_the_mean_image():
    model = kgan.load("dcgan-mnist")
    mean_image = model.sample(1, latents=np.zeros((1, model.latent_dim), "float32"))
    distances = [
        np.sqrt(np.mean((model.sample(64, seed=0, truncation=psi) - mean_image) ** 2))
        for psi in (1.0, 0.6, 0.2, 0.0)
    ]
    assert distances[0] > distances[1] > distances[2] > distances[3], distances
    assert distances[3] < 1e-5  # psi = 0: every image is the mean latent's


@pytest.mark.parametrize("psi", [-0.1, 1.5, "0.5", None, float("nan")])
def test_a_truncation_outside_zero_to_one_is_one_line(psi):
    with pytest.raises(ValueError, match=r"expected truncation as a number in \[0, 1\]"):
        truncate(np.zeros((1, 2), "float32"), psi)


def test_sample_and_evaluate_take_truncation_on_the_command_line(tmp_path):
    out = tmp_path / "typical.npy"
    helpers.invoke_ok(["sample", "dcgan-mnist", "-n", "4", "--truncation", "0.5", "-o", str(out)])
    expected = kgan.load("dcgan-mnist").sample(4, seed=0, truncation=0.5)
    np.testing.assert_array_equal(np.load(out), expected)
    report = tmp_path / "typical.json"
    args = ["evaluate", "dcgan-mnist", "--samples", "200", "--truncation", "0.5"]
    printed = helpers.invoke_ok([*args, "--json", str(report)])
    assert "(200 samples, truncation 0.5)" in printed
    assert json.loads(report.read_text())["protocol"]["truncation"] == 0.5
    refused = CliRunner().invoke(
        main, ["sample", "dcgan-mnist", "--truncation", "1.5", "-o", str(tmp_path / "x.png")]
    )
    assert refused.exit_code == 2 and "1.5 is not in the range 0.0<=x<=1.0" in refused.output
