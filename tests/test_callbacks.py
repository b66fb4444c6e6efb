"""A diverging run stops at its first non-finite loss and keeps its last good checkpoint."""

import json

import keras
import numpy as np

from kgan import callbacks
from tests import helpers


def test_stop_on_non_finite_loss_keeps_the_last_good_checkpoint(tmp_path):
    model = helpers.tiny_model("dcgan")
    x, _ = helpers.make_data(model, n=64)
    checkpoints = tmp_path / "checkpoints"
    model.compile()
    model.fit(x, batch_size=16, epochs=1, verbose=0, callbacks=[callbacks.Checkpoint(checkpoints)])
    good = (checkpoints / "epoch-0001.keras").read_bytes()

    # Then the run diverges: an absurd learning rate sends the losses to inf/NaN.
    model.d_optimizer.learning_rate.assign(1e30)
    model.g_optimizer.learning_rate.assign(1e30)
    history = model.fit(
        x, batch_size=16, epochs=4, initial_epoch=1, verbose=0,
        callbacks=[callbacks.StopOnNonFiniteLoss(), callbacks.Checkpoint(checkpoints)],
    )  # fmt: skip
    assert model.non_finite_stop["batch"] < 4  # stopped in its first diverging epoch
    assert len(history.history["d_loss"]) == 1
    assert not np.all(np.isfinite(list(model.non_finite_stop["logs"].values())))
    path, state = callbacks.latest_checkpoint(checkpoints)
    assert path.name == "epoch-0001.keras" and state["epoch"] == 1
    assert path.read_bytes() == good
    assert all(
        np.isfinite(list(json.loads(path.with_suffix(".json").read_text())["logs"].values()))
    )


def test_sample_grid_uses_the_same_latents_every_epoch(tmp_path):
    model = helpers.tiny_model("cgan")
    grid = callbacks.SampleGrid(tmp_path, n=6, seed=1)
    grid.set_model(model)
    latents, labels, columns = grid.grid_inputs()
    assert labels.tolist() == [0, 0, 1, 1, 2, 2] and columns == 2  # a row per class
    np.testing.assert_array_equal(latents, grid.grid_inputs()[0])
    grid.on_epoch_end(0)
    assert (tmp_path / "epoch-0001.png").is_file()
    assert keras.ops.convert_to_numpy(model.seed_generator.state) is not None
