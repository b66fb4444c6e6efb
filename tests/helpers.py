"""Test helpers: tiny models for every registered architecture and run_*_test checks.

New architectures are covered by the parametrised tests without new test code,
as long as their constructors take some of the arguments tiny_config() knows.
"""

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
from click.testing import CliRunner
from PIL import Image

import kgan
from kgan.cli import main

ROOT = Path(__file__).resolve().parents[1]  # the repository root

TINY_ARGUMENTS = {
    "image_shape": (16, 16, 1),
    "latent_dim": 8,
    "width": 8,
    "hidden_units": (16, 16),
    "num_classes": 3,
    "blocks": 1,
}


def tiny_config(arch, **overrides):
    """The smallest sensible constructor arguments for a registered architecture."""
    accepted = kgan.models.config_keys(arch)
    config = {key: value for key, value in TINY_ARGUMENTS.items() if key in accepted}
    return {**config, **overrides}


def tiny_model(arch, **overrides):
    return kgan.create(arch, **tiny_config(arch, **overrides))


def make_data(model, n=32, seed=0):
    """Random float images in [-1, 1] (and labels when the model needs them); for an
    image-to-image model, (inputs, targets): what ``fit(x, y)`` takes either way."""
    rng = np.random.default_rng(seed)
    if model.task == "translation":
        inputs = rng.uniform(-1, 1, (n, *model.source_shape)).astype("float32")
        return inputs, rng.uniform(-1, 1, (n, *model.image_shape)).astype("float32")
    images = rng.uniform(-1, 1, (n, *model.image_shape)).astype("float32")
    labels = None if model.num_classes is None else rng.integers(0, model.num_classes, n)
    return images, labels


def outputs(model, n=3, seed=0):
    """What a model makes, for comparing two models: samples from numpy latents, or
    translations of numpy inputs."""
    if model.task == "translation":
        return model.translate(make_data(model, n, seed)[0])
    return model.sample(n, seed=seed)


def numpy_values(variables):
    return [keras.ops.convert_to_numpy(v) for v in variables]


def changed(before, after):
    return any(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def moving_statistics(network):
    return [v for v in network.non_trainable_variables if "moving_" in v.path]


def run_train_contract_test(model, x, y=None, batch_size=16, **compile_args):
    """One fit(): both networks and both optimizers move, BN statistics update, logs are clean."""
    model.compile(**compile_args)
    networks = {"generator": model.generator, "discriminator": model.discriminator}
    weights = {name: numpy_values(net.trainable_variables) for name, net in networks.items()}
    stats = {name: numpy_values(moving_statistics(net)) for name, net in networks.items()}
    history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
    # A dataset's len() counts batches; an array's counts images.
    steps = -(-len(x) // batch_size) if isinstance(x, np.ndarray) else len(x)

    for name, net in networks.items():
        assert changed(weights[name], numpy_values(net.trainable_variables)), name
        if stats[name]:
            assert changed(stats[name], numpy_values(moving_statistics(net))), name
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == steps * model.d_steps
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == steps
    assert sorted(history.history) == sorted(model.log_names())
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name
    return history


def run_sample_test(model, n=5):
    images = model.sample(n, seed=0)
    assert images.shape == (n, *model.image_shape)
    assert images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    np.testing.assert_array_equal(images, model.sample(n, seed=0))
    return images


def one_device_comparison(single, parallel, **facts) -> str:
    """The JSON line the data-parallel scripts print for tests/test_distributed.py.

    ``single`` and ``parallel`` are ``(history, weights)`` of two runs from the same
    seed and data; ``facts`` are what the script checked about its devices.
    """
    import json

    (single_logs, single_weights), (parallel_logs, parallel_weights) = single, parallel
    difference = max(
        float(np.abs(a - b).max()) for a, b in zip(single_weights, parallel_weights, strict=True)
    )
    return json.dumps(
        {
            **facts,
            "single": single_logs,
            "parallel": parallel_logs,
            "max_weight_difference": difference,
        }
    )


# -- data files and the kgan command, shared by the data, CLI and reliability tests --


def write_idx(path, array, compress=False):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    payload = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def idx_dir(tmp_path, n=40, size=16, compress=False, prefix="train"):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
    write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return images, labels


def make_folder(root, sizes):
    for index, (label, size) in enumerate(sizes):
        (root / label).mkdir(parents=True, exist_ok=True)
        pixels = np.full((size, size, 3), index * 20, np.uint8)
        Image.fromarray(pixels).save(root / label / f"{index}.png")
    return root


TINY = ["-c", "width=8", "-c", "latent_dim=8", "-c", "image_shape=[16,16,1]"]


def train_args(idx_data, out, epochs=3, *extra):
    return [
        "train", "dcgan", "--data", f"idx:{idx_data}", "--epochs", str(epochs),
        "--batch-size", "32", "--out", str(out), "--seed", "3", "--quiet", *TINY, *extra,
    ]  # fmt: skip


def kgan_process(args, threads=None):
    """``kgan ARGS`` in its own process, under this test run's backend; ``threads`` caps
    its OpenMP threads (PyTorch's CPU kernels among them)."""
    env = {**os.environ, "KERAS_BACKEND": keras.config.backend()}
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    command = [sys.executable, "-m", "kgan.cli", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def invoke_ok(args) -> str:
    """``kgan ARGS`` in this process; its output, after checking that it succeeded."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def assert_one_line_failure(args, pattern):
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    assert re.search(pattern, lines[0]), lines[0]
