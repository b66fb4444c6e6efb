"""Data-parallel training through the same train step, on virtual CPU devices."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

# Float32 reductions split across devices round differently; the logged losses agree to
# 1e-5, and after 4 steps the weights to 1e-4 (Adam's normalised updates amplify the
# rounding of near-zero gradients).
TOLERANCE, WEIGHT_TOLERANCE = 1e-5, 1e-4


@pytest.mark.skipif(keras.config.backend() != "jax", reason="keras.distribution is JAX-only")
def test_jax_data_parallel_matches_one_device():
    script = Path(__file__).with_name("data_parallel_jax.py")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["devices"] == 2 and result["variable_devices"] == 2
    for name, values in result["single"].items():
        np.testing.assert_allclose(result["parallel"][name], values, atol=TOLERANCE)
    assert result["max_weight_difference"] < WEIGHT_TOLERANCE
