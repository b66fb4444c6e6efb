"""compile(steps_per_execution=N): the weights and logs of N single steps, on every backend."""

import keras
import numpy as np
import pytest

import kgan
from kgan import backend, callbacks
from kgan.training import steps_per_call
from tests import helpers


class BatchEnds(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(batch)


def fit_with(arch, steps_per_execution, epochs=2, **fit_args):
    keras.utils.set_random_seed(0)
    # Augmentation where the architecture takes it (pix2pix's discriminator sees the input).
    conditional = getattr(kgan.get_architecture(arch), "conditional_discriminator", False)
    augment = None if conditional else "translation"
    model = helpers.tiny_model(arch, ema=0.9, augment=augment)
    model.compile(steps_per_execution=steps_per_execution)
    x, y = helpers.make_data(model, n=16 * 8)
    ends = BatchEnds()
    history = model.fit(
        x, y, batch_size=16, epochs=epochs, verbose=0, shuffle=False, callbacks=[ends], **fit_args
    )
    return model, history.history, ends.batches


@pytest.mark.parametrize("arch", kgan.list_architectures())
def test_n_steps_per_execution_equal_n_single_steps(arch):
    single, single_logs, _ = fit_with(arch, 1)
    multi, multi_logs, batches = fit_with(arch, 4)
    for a, b in zip(single.weights, multi.weights, strict=True):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(b), keras.ops.convert_to_numpy(a), atol=1e-6, err_msg=a.path
        )
    assert multi_logs.keys() == single_logs.keys()
    for key in single_logs:
        np.testing.assert_allclose(multi_logs[key], single_logs[key], rtol=1e-5, err_msg=key)
    # Batch hooks run once per call: after steps 4 and 8 of each epoch (every step on torch).
    assert batches == ([3, 7] * 2 if backend.MULTI_STEP_EXECUTION else list(range(8)) * 2)
    assert int(multi.g_optimizer.iterations) == 16


def test_non_finite_stop_and_max_steps_work_with_several_steps_per_execution(tmp_path):
    model, _, _ = fit_with("dcgan", 4, epochs=1)
    model.d_optimizer.learning_rate.assign(1e30)
    model.g_optimizer.learning_rate.assign(1e30)
    x, _ = helpers.make_data(model, n=16 * 8)
    model.fit(x, batch_size=16, epochs=3, verbose=0, callbacks=[callbacks.StopOnNonFiniteLoss()])
    assert model.non_finite_stop["batch"] < 8  # stopped in the first epoch of the divergence
    keras.utils.set_random_seed(0)
    model = helpers.tiny_model("dcgan")
    model.compile(steps_per_execution=4)
    model.fit(x, batch_size=16, epochs=3, verbose=0, callbacks=[callbacks.StopAfterSteps(12)])
    assert int(model.g_optimizer.iterations) == 12


def test_steps_per_execution_is_checked_and_saved(tmp_path):
    model = helpers.tiny_model("dcgan")
    with pytest.raises(ValueError, match=r"steps_per_execution as an integer in \[1, 10000\]"):
        model.compile(steps_per_execution=0)
    model.compile(steps_per_execution=3)
    model.save(tmp_path / "m.keras")
    loaded = kgan.load(tmp_path / "m.keras")
    assert loaded.get_compile_config()["steps_per_execution"] == 3


def test_kgan_train_runs_whole_calls_within_each_epoch():
    # Keras runs whole calls of N steps; an N that does not divide the epoch would run
    # into the next epoch's batches and break exact resume (tests/test_cli.py kills one).
    assert [steps_per_call(8, steps) for steps in (63, 938, 2, 64, 13)] == [7, 7, 2, 8, 1]
    assert steps_per_call(8, None) == 8  # streamed (tfds) data: epochs have no set length
