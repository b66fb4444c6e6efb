"""get_config/from_config, .keras round trips, and weights that move between backends."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kgan
from tests import helpers
from tests.helpers import ROOT

ARCHITECTURES = kgan.list_architectures()
SYNTHESIS = kgan.list_architectures("synthesis")  # sampled from numpy latents elsewhere


def _trained_tiny(arch):
    model = helpers.tiny_model(arch)
    x, y = helpers.make_data(model)
    model.compile()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    return model, x, y


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_config_round_trip(arch):
    model = helpers.tiny_model(arch)
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(helpers.outputs(clone), helpers.outputs(model))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_keras_file_round_trip_keeps_weights_and_optimizers(arch, tmp_path):
    model, x, y = _trained_tiny(arch)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(helpers.outputs(loaded), helpers.outputs(model))
    for name in ("d_optimizer", "g_optimizer"):
        original, restored = getattr(model, name), getattr(loaded, name)
        assert type(restored) is type(original)
        expected = helpers.numpy_values(original.variables)
        for a, b in zip(expected, helpers.numpy_values(restored.variables), strict=True):
            np.testing.assert_array_equal(a, b)
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0)  # training goes on


def test_weights_move_between_backends(tmp_path):
    """Weights written here give the same samples (numpy latents) under the other backends."""
    cases = []
    for arch in SYNTHESIS:
        model, _, _ = _trained_tiny(arch)
        weights = tmp_path / f"{arch}.weights.h5"
        model.save_weights(weights)
        latents = model.latents(6, seed=7)
        np.save(tmp_path / f"{arch}.latents.npy", latents)
        np.save(tmp_path / f"{arch}.expected.npy", model.sample(6, latents=latents))
        cases.append({"arch": arch, "config": helpers.tiny_config(arch), "weights": str(weights)})
    (tmp_path / "cases.json").write_text(json.dumps(cases))

    here = keras.config.backend()
    for other in sorted(set(kgan.backend.SUPPORTED_BACKENDS) - {here}):
        env = {**os.environ, "KERAS_BACKEND": other, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-m", "tests.programs.sample_saved", str(tmp_path), other],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        for arch in SYNTHESIS:
            expected = np.load(tmp_path / f"{arch}.expected.npy")
            got = np.load(tmp_path / f"{arch}.{other}.npy")
            message = f"{arch}: written under {here}, sampled under {other}"
            np.testing.assert_allclose(got, expected, atol=1e-4, err_msg=message)
