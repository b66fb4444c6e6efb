"""What a Keras user does next: evaluate, validation data, frozen networks, compile habits."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kgan
from tests import helpers

ARCHITECTURES = kgan.list_architectures()
VAL_LOGS = ["val_d_fake", "val_d_loss", "val_d_real", "val_g_loss"]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_evaluate_reports_held_out_losses_without_updating(arch):
    model = helpers.tiny_model(arch)
    model.compile()
    x, y = helpers.make_data(model)
    before = helpers.numpy_values(model.weights)
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    # A translator's held-out content loss; CycleGAN's cycle L1.
    content = {"pairs": ["content"], "domains": ["cycle"]}.get(model.trains_on, [])
    assert sorted(logs) == sorted(["d_fake", "d_loss", "d_real", "g_loss", *content])
    assert all(np.isfinite(value) for value in logs.values())
    assert not helpers.changed(before, helpers.numpy_values(model.weights))


def test_validation_data_feeds_callbacks():
    model = helpers.tiny_model("dcgan")
    model.compile()
    x, _ = helpers.make_data(model, n=48)
    stop = keras.callbacks.EarlyStopping(monitor="val_g_loss", mode="min", patience=10)
    history = model.fit(
        x[:32], validation_data=(x[32:],), batch_size=16, epochs=2, verbose=0, callbacks=[stop]
    )
    assert set(VAL_LOGS) <= set(history.history)
    split = model.fit(x, validation_split=0.25, batch_size=16, epochs=1, verbose=0)
    assert set(VAL_LOGS) <= set(split.history)


class BadSecondBatch(keras.utils.PyDataset):
    """Passes the first-batch check, then fails inside Keras's loop."""

    def __init__(self, images):
        super().__init__()
        self.images = images

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return self.images[:16] if index == 0 else self.images[:16, :8]


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_a_failure_inside_fit_or_evaluate_leaves_the_model_usable(method):
    model = helpers.tiny_model("dcgan")
    model.compile()
    x, _ = helpers.make_data(model)
    with pytest.raises(Exception):  # noqa: B017 - whatever the backend raises for a bad shape
        getattr(model, method)(BadSecondBatch(x), verbose=0)
    assert model.sample(2, seed=0).shape == (2, *model.image_shape)
    helpers.run_train_contract_test(model, x)


@pytest.mark.parametrize("frozen", ["generator", "discriminator"])
@pytest.mark.parametrize("arch", ["dcgan", "wgan-gp"])
def test_a_frozen_network_stays_fixed_while_the_other_trains(arch, frozen):
    model = helpers.tiny_model(arch)
    getattr(model, frozen).trainable = False
    model.compile()
    other = model.discriminator if frozen == "generator" else model.generator
    fixed = helpers.numpy_values(getattr(model, frozen).weights)
    moving = helpers.numpy_values(other.trainable_variables)
    x, _ = helpers.make_data(model)
    model.fit(x, batch_size=16, epochs=1, verbose=0)
    assert not helpers.changed(fixed, helpers.numpy_values(getattr(model, frozen).weights))
    assert helpers.changed(moving, helpers.numpy_values(other.trainable_variables))


@pytest.mark.parametrize(
    ("keyword", "pattern"),
    [
        ("optimizer", "no optimizer=; pass d_optimizer= and g_optimizer="),
        ("loss", 'no loss=; choose the loss by name.*loss="hinge"'),
        ("metrics", "no metrics="),
    ],
)
def test_compile_refuses_single_model_habits_in_one_line(keyword, pattern):
    model = helpers.tiny_model("dcgan")
    with pytest.raises(ValueError, match=pattern):
        model.compile(**{keyword: "adam" if keyword == "optimizer" else ["mse"]})


def test_submodules_are_attributes_after_import_kgan():
    for name in ("training", "interpolation", "augment", "files"):
        assert getattr(kgan, name).__name__ == f"kgan.{name}"


def test_sample_arguments_are_checked_in_one_line():
    model = helpers.tiny_model("dcgan")
    with pytest.raises(ValueError, match=r"n, the number of images, as an integer >= 0; got 2\.5"):
        model.sample(2.5)
    with pytest.raises(ValueError, match="labels are for conditional models"):
        model.sample(2, labels=[1, 2])


@pytest.mark.parametrize(
    "module", ["kgan.runs", "kgan.data", "kgan.zoo", "kgan.console", "kgan.cli", "kgan.saving"]
)
def test_each_module_imports_first_in_a_fresh_process_with_keras_deferred(module):
    """No import cycle, whichever module a process (the kgan command, a script) starts from."""
    env = {**os.environ, "KERAS_BACKEND": keras.config.backend(), "KGAN_DEFER_KERAS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-1500:]


def test_importing_the_scripts_leaves_no_deferral_behind():
    """The scripts import kgan with Keras deferred; processes started after must not be."""
    import importlib

    import kgan_launcher

    for script in ("scripts.build_zoo", "scripts.train_evaluator"):
        importlib.import_module(script)
        assert kgan_launcher.DEFER_KERAS not in os.environ, script
    with kgan_launcher.keras_deferred():
        assert os.environ[kgan_launcher.DEFER_KERAS] == "1"
    assert kgan_launcher.DEFER_KERAS not in os.environ


def test_keras_load_model_opens_every_architecture_in_a_fresh_process(tmp_path):
    """Plain Keras reopens kgan .keras files after a bare ``import kgan`` (either order)."""
    for arch in kgan.list_architectures():
        model = helpers.tiny_model(arch)
        model.compile()
        model.save(tmp_path / f"{arch}.keras")
    code = (
        "import sys, keras, kgan, numpy as np\n"
        "for path in sys.argv[1:]:\n"
        "    model = keras.saving.load_model(path)\n"
        "    if model.task == 'translation':\n"
        "        out = model.translate(-np.ones((2, *model.source_shape), 'float32'))\n"
        "    else:\n"
        "        out = model.sample(2, seed=0)\n"
        "    print(type(model).__name__, out.shape[0])\n"
    )
    files = sorted(str(p) for p in tmp_path.glob("*.keras"))
    env = {**os.environ, "KERAS_BACKEND": keras.config.backend()}
    result = subprocess.run(
        [sys.executable, "-c", code, *files], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = {type(helpers.tiny_model(arch)).__name__ for arch in kgan.list_architectures()}
    assert {line.split()[0] for line in result.stdout.splitlines()} == names
