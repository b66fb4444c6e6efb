"""The backend interface: one module per backend, and a clear error for the others."""

import os
import subprocess
import sys

import keras
import pytest

import kgan
from tests.helpers import ROOT


def test_running_backend_is_selected():
    assert kgan.backend.name == keras.config.backend()
    assert kgan.backend.name in kgan.backend.SUPPORTED_BACKENDS


# openvino is not testable here: keras itself fails to import it without the openvino package.
@pytest.mark.parametrize("unsupported", ["numpy"])
def test_unsupported_backend_error_names_the_supported_ones(unsupported):
    env = {**os.environ, "KERAS_BACKEND": unsupported, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", "import kgan; kgan.DCGAN"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "kgan supports the Keras backends tensorflow, jax and torch" in last_line
    assert repr(unsupported) in last_line


def test_a_failed_allocation_is_recognised_on_this_backend():
    try:  # 4 TB: refused by the allocator at once, on every backend
        keras.ops.convert_to_numpy(keras.ops.ones((10**12,)))
    except Exception as error:  # each backend raises its own kind
        assert kgan.backend.is_out_of_memory(error), repr(error)
    else:
        pytest.fail("a 4 TB allocation succeeded")
    assert kgan.backend.is_out_of_memory(MemoryError())
    assert not kgan.backend.is_out_of_memory(RuntimeError("shapes do not match"))
