"""Faults, not only inputs: concurrent runs, kills around the final save, a full disk,
empty and bad data, broken weights, hostile folders. Each ends in one line or success.

Crashes are injected at named points of the save sequence by instrumenting
``kgan.files.write_atomically`` (the one writer of run files), not by timing.
"""

import json
import os
import re
import shutil
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import kgan
from kgan import callbacks, console, files, runs
from kgan.cli import main
from kgan.models import optimizers
from tests import helpers
from tests.helpers import TINY, assert_one_line_failure, kgan_process, make_folder

EPOCHS = 2


@pytest.fixture(scope="module")
def npz_data(tmp_path_factory):
    path = tmp_path_factory.mktemp("npz") / "small.npz"
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (48, 16, 16), dtype=np.uint8)
    np.savez(path, x_train=images, y_train=rng.integers(0, 3, 48))
    return path


def write_npz(path, images, labels):
    np.savez(path, x_train=images, y_train=labels)
    return path


def args_for(data_path, out, *extra, arch="dcgan", epochs=EPOCHS):
    spec = f"folder:{data_path}" if data_path.is_dir() else f"npz:{data_path}"
    return [
        "train", arch, "--data", spec, "--epochs", str(epochs),
        "--batch-size", "16", "--out", str(out), "--seed", "1", "--quiet", *TINY, *extra,
    ]  # fmt: skip


def run_ok(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result


class Killed(Exception):
    """Stands for SIGKILL: kgan catches no such error, and nothing after it runs."""


def kill_at(monkeypatch, name, phase):
    """Dies when the save sequence reaches ``phase`` of writing the file ``name``.

    Phases: "before" (nothing of it written), "written" (its temporary file
    complete, not yet renamed), "after" (renamed into place).
    """
    real = files.write_atomically

    def write_atomically(path, write, **options):
        if os.path.basename(path) != name:
            return real(path, write, **options)
        if phase == "before":
            raise Killed
        if phase == "written":
            write(str(files.temporary_name(Path(path))))
            raise Killed
        real(path, write, **options)
        raise Killed

    monkeypatch.setattr(files, "write_atomically", write_atomically)


# -- 1. concurrent runs ----------------------------------------------------------------


def test_a_second_process_on_a_run_directory_gets_one_line_naming_the_holder(npz_data, tmp_path):
    out = tmp_path / "run"
    with runs.RunDirectory(out).lock():  # this process holds it, as a running `kgan train` would
        assert_one_line_failure(
            args_for(npz_data, out), rf"in use by another kgan process \(PID {os.getpid()}\)"
        )
        assert_one_line_failure(args_for(npz_data, out, "--resume"), "in use by another")
    run_ok(args_for(npz_data, out))  # released: the directory is usable


def test_two_kgan_processes_on_one_out(npz_data, tmp_path):
    import signal
    import time

    out = tmp_path / "run"
    first = kgan_process(args_for(npz_data, out, epochs=100_000))  # busy until killed
    deadline = time.monotonic() + 300
    while not (out / runs.RUN_FILE).exists():  # written under the lock
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[0]
        time.sleep(0.1)
    # A plain second start is refused by the run.json check ("already holds a run"); a
    # --resume of the same run passes that check and must meet the lock.
    second = kgan_process(args_for(npz_data, out, "--resume", epochs=100_000))
    output = second.communicate(timeout=300)[0].decode()
    assert second.returncode == 1 and "Traceback" not in output
    assert f"in use by another kgan process (PID {first.pid})" in output.strip().splitlines()[-1]
    assert first.poll() is None, "the first run goes on"
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert json.loads((out / runs.RUN_FILE).read_text())["seed"] == 1
    checkpoints = callbacks.complete_checkpoints(out / "checkpoints")
    done = callbacks.read_state(checkpoints[0])["epoch"] if checkpoints else 0
    run_ok(args_for(npz_data, out, "--resume", epochs=done + 1))  # the kill released the lock
    assert kgan.load(out).sample(1, seed=0).shape == (1, 16, 16, 1)


# -- 2. the final save -------------------------------------------------------------------

SAVE_POINTS = [
    ("model.weights.h5", "before"),
    ("model.weights.h5", "written"),
    ("model.weights.h5", "after"),
    ("config.json", "written"),
]


@pytest.mark.parametrize(("name", "phase"), SAVE_POINTS, ids=[f"{n}-{p}" for n, p in SAVE_POINTS])
def test_a_kill_around_the_final_save_is_finished_by_resume(
    npz_data, tmp_path, monkeypatch, name, phase
):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        kill_at(patch, name, phase)
        result = CliRunner().invoke(main, args_for(npz_data, out))
        assert isinstance(result.exception, Killed)
    assert not runs.RunDirectory(out).is_finished()
    assert (out / "checkpoints" / f"epoch-{EPOCHS:04d}.keras").is_file()
    assert_one_line_failure(["sample", str(out), "-o", str(tmp_path / "g.png")], "cannot load")

    result = run_ok(args_for(npz_data, out, "--resume"))
    assert f"final model written from epoch {EPOCHS}" in result.output
    assert runs.RunDirectory(out).is_finished()
    assert kgan.load(out).sample(2, seed=0).shape == (2, 16, 16, 1)
    assert_one_line_failure(args_for(npz_data, out, "--resume"), "finished 2 epochs already")


def test_an_empty_or_replaced_final_weights_file_is_not_finished(npz_data, tmp_path):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out))
    (out / "model.weights.h5").write_bytes(b"")
    assert not runs.RunDirectory(out).is_finished()
    assert_one_line_failure(["sample", str(out), "-o", str(tmp_path / "g.png")], "sha256")
    run_ok(args_for(npz_data, out, "--resume"))
    assert runs.RunDirectory(out).is_finished()


def test_a_full_disk_during_a_save_is_one_line_and_loses_nothing(npz_data, tmp_path, monkeypatch):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, epochs=1))
    kept = {p: p.read_bytes() for p in (out / "checkpoints").iterdir()}
    real = files.write_atomically

    def disk_full(path, write, **options):
        def failing(temporary):
            with open(temporary, "wb") as f:
                f.write(b"partial")
            raise OSError(28, "No space left on device")

        return real(path, failing, **options)

    monkeypatch.setattr(files, "write_atomically", disk_full)
    assert_one_line_failure(args_for(npz_data, out, "--resume"), "No space left on device")
    monkeypatch.undo()
    assert all(kept[p] == p.read_bytes() for p in kept), "earlier checkpoints survive"
    assert not list(out.rglob(f"{files.TEMPORARY_PREFIX}*")), "no temporary file is left"
    run_ok(args_for(npz_data, out, "--resume"))


@pytest.mark.skipif(sys.platform != "linux", reason="tmpfs is Linux's")
def test_a_real_full_disk(npz_data, tmp_path):
    import subprocess

    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)]).returncode:
        pytest.skip("no permission to mount a tmpfs here")
    try:
        result = CliRunner().invoke(main, args_for(npz_data, mount / "run"))
        assert result.exit_code == 1 and "Traceback" not in result.output
        last = result.output.strip().splitlines()[-1]
        assert last.startswith("Error: cannot write") and "No space left on device" in last, last
        assert not list((mount / "run").rglob(f"{files.TEMPORARY_PREFIX}*"))
        # Each complete checkpoint before the failed one still loads.
        for path in callbacks.complete_checkpoints(mount / "run" / "checkpoints"):
            assert callbacks.read_state(path)["epoch"] >= 1
    finally:
        # Lazy: a handle the failed write left to the garbage collector may still be open.
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_read_only_output_is_one_line(npz_data, tmp_path):
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        expected = "Permission denied"
    else:  # root writes to any folder, but not to a read-only mount
        mounted = ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)]
        if subprocess.run(mounted).returncode:
            pytest.skip("root, and no permission to mount a read-only tmpfs")
        expected = "Read-only file system"
    try:
        assert_one_line_failure(args_for(npz_data, folder / "run"), expected)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)


# -- 3, 4, 6. data: empty, bad beyond the first batch, checked before anything is written


@pytest.mark.parametrize(
    ("images", "labels", "pattern"),
    [
        (np.zeros((0, 16, 16), np.uint8), np.zeros(0), "holds no images"),
        ("label 15", None, "label 40 is 15; the model expects labels in \\[0, 3\\)"),
        ("label -3", None, "label 40 is -3; expected class integers >= 0"),
        ("nan label", None, "labels that are not finite integers"),
        ("nan image", None, "image 30 holds NaN or inf"),
        ("float [0, 1]", None, "float images in \\[0, 1\\].*images \\* 2 - 1"),
        ("float [0, 255]", None, "float images in \\[0, 255\\].*store them as uint8"),
        ("rgb", None, "images of shape \\(16, 16, 3\\); the model expects \\(16, 16, 1\\)"),
    ],
)
def test_bad_data_anywhere_is_refused_before_anything_is_written(tmp_path, images, labels, pattern):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (48, 16, 16), dtype=np.uint8)
    base_labels = rng.integers(0, 3, 48)
    cases = {
        "label 15": (base, np.where(np.arange(48) == 40, 15, base_labels)),
        "label -3": (base, np.where(np.arange(48) == 40, -3, base_labels)),
        "nan label": (base, np.where(np.arange(48) == 40, np.nan, base_labels)),
        "nan image": (
            np.where(np.arange(48)[:, None, None] == 30, np.nan, base / 127.5 - 1),
            base_labels,
        ),
        "float [0, 1]": (base / 255.0, base_labels),
        "float [0, 255]": (base.astype("float32"), base_labels),
        "rgb": (rng.integers(0, 256, (48, 16, 16, 3), dtype=np.uint8), base_labels),
    }
    if isinstance(images, str):
        images, labels = cases[images]
    path = write_npz(tmp_path / "bad.npz", images, labels)
    out = tmp_path / "run"
    assert_one_line_failure(
        [*args_for(path, out, arch="cgan", epochs=1), "-c", "num_classes=3"], pattern
    )
    assert not out.exists(), "a refused start writes nothing"
    good = write_npz(tmp_path / "good.npz", base, base_labels)
    run_ok([*args_for(good, out, arch="cgan", epochs=1), "-c", "num_classes=3"])


def test_float_data_already_in_minus_one_one_trains_as_is(tmp_path):
    images = np.random.default_rng(0).uniform(-1, 1, (32, 16, 16)).astype("float32")
    path = write_npz(tmp_path / "scaled.npz", images, np.zeros(32, int))
    scaled, _ = kgan.data.read_scaled(f"npz:{path}")
    np.testing.assert_array_equal(scaled[..., 0], images)
    run_ok(args_for(path, tmp_path / "run", epochs=1))


# -- 5. broken weights never make a "good" checkpoint ------------------------------------


def test_a_checkpoint_is_not_written_for_non_finite_weights(tmp_path):
    model = helpers.tiny_model("dcgan")
    model.compile()
    kernel = model.generator.get_layer("to_image").kernel
    kernel.assign(np.full(kernel.shape, np.inf, "float32"))
    checkpoint = callbacks.Checkpoint(tmp_path / "checkpoints")
    checkpoint.set_model(model)
    checkpoint.on_epoch_end(0, {"d_loss": 1.0, "g_loss": 1.0})
    assert not (tmp_path / "checkpoints").exists()
    assert model.stop_training and "to_image" in model.non_finite_stop["weight"]


def test_a_run_whose_weights_blow_up_stops_in_one_line_naming_a_real_place(npz_data, tmp_path):
    # A generator learning rate of 1e30 sends its weights to inf after the first step.
    out = tmp_path / "run"
    args = args_for(npz_data, out)
    import kgan.models.gan as gan_module

    original = gan_module.GAN.default_optimizers

    def exploding(self):
        import keras

        d_optimizer, _ = original(self)
        return d_optimizer, keras.optimizers.SGD(1e30)

    gan_module.GAN.default_optimizers = exploding
    try:
        result = CliRunner().invoke(main, args)
    finally:
        gan_module.GAN.default_optimizers = original
    assert result.exit_code == 1 and "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: stopped: non-finite"), last
    assert "no checkpoint was written" in last or "epoch-0001.keras" in last
    assert not list((out / "checkpoints").glob("*.keras")) or "epoch-0001" in last


# -- 7, 8. hostile and broken folders -----------------------------------------------------


@pytest.fixture(scope="module")
def finished_template(npz_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("template") / "finished"
    run_ok(args_for(npz_data, out, epochs=1))
    return out


@pytest.fixture
def finished_run(finished_template, tmp_path):
    """A finished one-epoch run of this test's own (a copy: tests damage it)."""
    return Path(shutil.copytree(finished_template, tmp_path / "finished", symlinks=True))


def sample_args(source, tmp_path, *extra):
    return ["sample", str(source), "-n", "4", "-o", str(tmp_path / "grid.png"), *extra]


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder"])
def test_weights_that_are_not_a_regular_file_are_refused_before_reading(
    finished_run, tmp_path, kind
):
    weights = finished_run / "model.weights.h5"
    weights.unlink()
    if kind == "dev-zero":
        weights.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(weights)
    else:
        weights.mkdir()
    assert_one_line_failure(sample_args(finished_run, tmp_path), "not a regular file")


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda c: {**c, "config": {**c["config"], "width": 100_000}}, "width as an integer in"),
        (lambda c: {**c, "config": {**c["config"], "latent_dim": 3e9}}, "latent_dim as an integer"),
        (
            lambda c: {**c, "config": {**c["config"], "image_shape": [8192, 8192, 1]}},
            "image_shape side",
        ),
        (lambda c: {**c, "config": {**c["config"], "d_steps": 1e9}}, "d_steps as an integer"),
        (lambda c: {"config": c["config"]}, "not a kgan model config"),
        (lambda c: [c], "not a kgan model config"),
        (lambda c: {**c, "config": {**c["config"], "colour": 1}}, "does not fit dcgan"),
        (
            lambda c: {**c, "config": {**c["config"], "dtype": {"x": 1}}},
            "config.json does not fit dcgan: dcgan has no config key 'dtype'",
        ),
        (
            lambda c: {
                **c,
                "architecture": "wgan-gp",
                "config": {**c["config"], "d_batch_norm": False},
            },
            "do not match the wgan-gp",
        ),
    ],
)
def test_a_hostile_or_broken_config_is_one_line(finished_run, tmp_path, edit, pattern):
    path = finished_run / "config.json"
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))
    assert_one_line_failure(sample_args(finished_run, tmp_path), pattern)


def test_a_changed_run_directory_names_the_resume_that_repairs_it(finished_run, tmp_path):
    with open(finished_run / "model.weights.h5", "ab") as weights:
        weights.write(b"changed")
    fix = re.escape(f"kgan train --resume --out {finished_run} writes it again")
    pattern = f"its config.json records .*{fix}"
    assert_one_line_failure(sample_args(finished_run, tmp_path), pattern)


def test_a_long_error_keeps_its_remedy():
    # CI's temporary folders are long; a cut at the end once dropped the "kgan train --resume".
    long_path = "/tmp/" + "deep/" * 120
    text = console.one_line(ValueError(f"{long_path} is broken\n(run the fix)"))
    assert len(text) == 400 and text.startswith("/tmp/deep/") and text.endswith("(run the fix)")


@pytest.mark.parametrize("damage", ["empty", "truncated", "not-h5", "bomb"])
def test_broken_weights_are_one_line(finished_run, tmp_path, damage):
    config = json.loads((finished_run / "config.json").read_text())
    del config["weights_sha256"]  # an older folder, trusted without a hash: h5 itself must fail
    (finished_run / "config.json").write_text(json.dumps(config))
    weights = finished_run / "model.weights.h5"
    content = weights.read_bytes()
    if damage == "bomb":  # 3 GiB, sparse: refused by its size before anything reads it
        with open(weights, "r+b") as f:
            f.truncate(3 << 30)
    else:
        damaged = {"empty": b"", "truncated": content[:2000], "not-h5": b"hello" * 100}
        weights.write_bytes(damaged[damage])
    assert_one_line_failure(sample_args(finished_run, tmp_path), "weights|refusing to read")


def test_a_network_config_that_is_not_a_network_is_one_line(npz_data, tmp_path):
    out = tmp_path / "run"
    pattern = "expected the generator as a Keras model; got dict"
    assert_one_line_failure(args_for(npz_data, out, "-c", "generator={}"), pattern)
    assert not out.exists()


def test_a_decompression_bomb_image_is_one_line(tmp_path, monkeypatch):
    from PIL import Image

    root = make_folder(tmp_path / "images", [("a", 64), ("b", 64)])
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 64 // 4)  # 64² is then a "bomb"
    assert_one_line_failure(
        args_for(root, tmp_path / "run"), "cannot read image .*decompression bomb"
    )


def test_sample_count_is_bounded(finished_run, tmp_path):
    for count in ("3000000", "1e12"):
        result = CliRunner().invoke(main, sample_args(finished_run, tmp_path, "-n", count))
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_corrupt_latest_checkpoint_falls_back_to_the_previous_one(npz_data, tmp_path):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out))
    latest = out / "checkpoints" / f"epoch-{EPOCHS:04d}.keras"
    latest.write_bytes(latest.read_bytes()[:100])
    (out / "config.json").unlink()  # not finished: resume must restore a checkpoint
    result = run_ok(args_for(npz_data, out, "--resume", epochs=EPOCHS + 1))
    assert f"skipping checkpoint epoch-{EPOCHS:04d}.keras" in result.output
    assert runs.RunDirectory(out).is_finished()


# -- 6. bounded checkpoints and recorded optimizers --------------------------------------


def test_old_checkpoints_are_pruned_and_a_pruned_run_still_resumes(npz_data, tmp_path):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, "--keep-checkpoints", "2", epochs=4))
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["epoch-0003.json", "epoch-0003.keras", "epoch-0004.json", "epoch-0004.keras"]
    # A kill between the two removals of a prune leaves a .keras without its .json:
    # it no longer counts, and the next prune removes it.
    (out / "checkpoints" / "epoch-0003.json").unlink()
    run_ok(args_for(npz_data, out, "--resume", "--keep-checkpoints", "2", epochs=6))
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["epoch-0005.json", "epoch-0005.keras", "epoch-0006.json", "epoch-0006.keras"]
    run_ok(args_for(npz_data, tmp_path / "all", "--keep-checkpoints", "0", epochs=3))
    assert len(list((tmp_path / "all" / "checkpoints").glob("*.keras"))) == 3


def test_optimizer_settings_are_part_of_the_run_and_of_the_saved_model(npz_data, tmp_path):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, "--d-lr", "4e-4", "--adam-betas", "0,0.99", epochs=1))
    expected = {
        "d": {"beta_1": 0.0, "beta_2": 0.99, "learning_rate": 4e-4},
        "g": {"beta_1": 0.0, "beta_2": 0.99},
    }
    assert json.loads((out / runs.RUN_FILE).read_text())["optimizers"] == expected
    model = kgan.load(out)  # compiled with the recorded settings
    d, g = model.d_optimizer.get_config(), model.g_optimizer.get_config()
    assert (d["learning_rate"], d["beta_1"], d["beta_2"]) == pytest.approx((4e-4, 0.0, 0.99))
    assert (g["learning_rate"], g["beta_1"], g["beta_2"]) == pytest.approx((2e-4, 0.0, 0.99))
    # A resume keeps them; other settings are another run.
    run_ok(["train", "--resume", "--out", str(out), "--epochs", "2", "--quiet"])
    assert_one_line_failure(
        args_for(npz_data, out, "--resume", "--g-lr", "1e-3", epochs=3), "its optimizers differ"
    )
    assert_one_line_failure(
        args_for(npz_data, tmp_path / "b", "--adam-betas", "0.5"), "expected two numbers B1,B2"
    )
    with pytest.raises(ValueError, match=r"optimizers\['d'\] may set learning_rate"):
        runs.check_optimizers({"d": {"momentum": 0.9}})
    with pytest.raises(ValueError, match=r"a number >= 0 or a keras.optimizers.schedules record"):
        runs.check_optimizers({"g": {"learning_rate": {"config": {}}}})
    with pytest.raises(ValueError, match="keys d and g"):
        runs.check_optimizers({"generator": {}})


def test_a_learning_rate_schedule_is_part_of_the_run_and_steps_with_the_optimizer(
    npz_data, tmp_path
):
    schedule = {
        "class_name": "PiecewiseConstantDecay",
        "config": {"boundaries": [2], "values": [1e-3, 1e-4]},
    }
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, "--g-lr", json.dumps(schedule), epochs=1))
    recorded = json.loads((out / runs.RUN_FILE).read_text())["optimizers"]
    assert recorded == {"g": {"learning_rate": schedule}}
    assert isinstance(  # the schedule itself, as Keras keeps it
        kgan.load(out).g_optimizer._learning_rate, keras.optimizers.schedules.PiecewiseConstantDecay
    )
    # The checkpoint holds the optimizer's state: past the boundary, the second value.
    model = keras.saving.load_model(out / "checkpoints" / "epoch-0001.keras")
    assert int(model.g_optimizer.iterations) > 2
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert_one_line_failure(
        args_for(npz_data, tmp_path / "b", "--g-lr", '{"class_name": "Cosine", "config": {}}'),
        "'Cosine' is not a keras.optimizers.schedules.LearningRateSchedule",
    )
    usage = CliRunner().invoke(main, args_for(npz_data, tmp_path / "c", "--d-lr", "fast"))
    assert usage.exit_code == 2 and "expected a number > 0 or a schedule" in usage.output
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_optimizer_settings_keep_each_default_optimizers_class():
    import keras

    from kgan.models.dcgan import DCGAN

    class MomentumGAN(DCGAN):  # a user's GAN whose defaults are not Adam
        def default_optimizers(self):
            return keras.optimizers.SGD(0.01, momentum=0.9), keras.optimizers.AdamW(1e-4)

    model = MomentumGAN(width=8, latent_dim=8, image_shape=(16, 16, 1))
    d, g = optimizers.configured_optimizers(
        model, {"d": {"learning_rate": 0.1}, "g": {"beta_1": 0.0}}
    )
    # isinstance: on PyTorch, Keras swaps in its torch subclass of each optimizer.
    assert isinstance(d, keras.optimizers.SGD) and isinstance(g, keras.optimizers.AdamW)
    assert d.get_config()["momentum"] == pytest.approx(0.9)
    assert g.get_config()["weight_decay"] == pytest.approx(0.004)
    assert (float(d.learning_rate), g.get_config()["beta_1"]) == pytest.approx((0.1, 0.0))
    with pytest.raises(ValueError, match=r"optimizers\['d'\] sets beta_1, which MomentumGAN's SGD"):
        optimizers.configured_optimizers(model, {"d": {"beta_1": 0.0}})


# -- round 2: resume decides from the whole run; inputs checked before they are expanded --


@pytest.mark.parametrize(
    ("field", "value"),
    [("batch_size", 0), ("config", "x"), ("epochs", "5"), ("architecture", ["x"]), ("seed", -1)],
)
def test_a_run_json_field_of_the_wrong_type_or_range_is_named(npz_data, tmp_path, field, value):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, epochs=1))
    run_file = out / runs.RUN_FILE
    run_file.write_text(json.dumps({**json.loads(run_file.read_text()), field: value}))
    result = CliRunner().invoke(main, ["train", "--resume", "--out", str(out), "--epochs", "2"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and field in lines[0], result.output


def test_resume_of_a_finished_run_without_checkpoints_never_retrains(npz_data, tmp_path):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, epochs=1))
    kept = {name: (out / name).read_bytes() for name in ("model.weights.h5", "log.csv")}
    shutil.rmtree(out / "checkpoints")
    assert_one_line_failure(
        args_for(npz_data, out, "--resume", epochs=1), "holds a finished model but no checkpoint"
    )
    assert all((out / name).read_bytes() == data for name, data in kept.items())


@pytest.mark.parametrize(
    ("labels", "pattern"),
    [
        (np.array([2**64 - 1] + [0] * 47, dtype=np.uint64), "label 0 is 1.84467e\\+19"),
        (np.array([1e300] + [0.0] * 47), "label 0 is 1e\\+300"),
    ],
)
def test_labels_that_would_wrap_are_refused_before_any_cast(tmp_path, labels, pattern):
    images = np.random.default_rng(0).integers(0, 256, (48, 16, 16), dtype=np.uint8)
    path = write_npz(tmp_path / "wrap.npz", images, labels)
    out = tmp_path / "run"
    assert_one_line_failure([*args_for(path, out, arch="cgan"), "-c", "num_classes=3"], pattern)
    assert_one_line_failure(args_for(path, out), pattern)  # the data is refused whoever reads it
    assert not out.exists()


def test_a_fifo_in_a_folder_is_refused_not_opened(tmp_path):
    root = make_folder(tmp_path / "images", [("a", 16), ("b", 16)])
    os.mkfifo(root / "a" / "pipe.png")
    assert_one_line_failure(args_for(root, tmp_path / "run"), "pipe.png is not a regular file")


def test_a_huge_png_is_refused_from_its_header(tmp_path):
    import subprocess
    import textwrap

    root = make_folder(tmp_path / "images", [("a", 16)])
    Image.new("L", (9000, 9000)).save(root / "a" / "huge.png", optimize=True)
    # VmHWM: this process's peak resident memory (getrusage's would count the parent's).
    program = textwrap.dedent(f"""
        from kgan import data
        try:
            data.read_arrays("folder:{root}")
        except ValueError as error:
            print(error)
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        print(status.split()[0])
    """)
    # Keras deferred, as the kgan command imports kgan: the peak is the reader's, not Keras's.
    env = {**os.environ, "KGAN_DEFER_KERAS": "1"}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env)
    message, peak_kib = done.stdout.strip().splitlines()
    assert "huge.png is 9000x9000 pixels; expected at most 2048 a side" in message
    assert int(peak_kib) < 150_000, "the image is not decoded (its pixels took 347 MB before)"


def test_an_idx_bomb_is_refused_from_its_header(tmp_path):
    import gzip

    header = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in (100_000, 1000, 1000))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + bytes(10**6)))
    helpers.write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(10, np.uint8))
    with pytest.raises(ValueError, match="promises 100,000,000,000 values"):
        kgan.data.read_arrays(f"idx:{tmp_path}")
    # A bomb within the bound is read exactly: its extra bytes are never inflated.
    small = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big")
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(small + bytes(10**8)))
    with pytest.raises(
        ValueError, match="promises 10 values of shape \\(10,\\), the file holds more"
    ):
        kgan.data.read_idx(tmp_path / "train-images-idx3-ubyte.gz")


def test_pruning_never_deletes_through_a_link(npz_data, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for epoch in (1, 2, 3):
        for suffix in (".keras", ".json"):
            (elsewhere / f"epoch-{epoch:04d}{suffix}").write_text("not kgan's")
    link = tmp_path / "checkpoints"
    link.symlink_to(elsewhere)
    callbacks.prune_checkpoints(link, keep=1)
    assert len(list(elsewhere.iterdir())) == 6


@pytest.mark.parametrize("epoch", [1.7, 999, -1, True])
def test_a_forged_checkpoint_epoch_is_not_trusted(npz_data, tmp_path, epoch):
    out = tmp_path / "run"
    run_ok(args_for(npz_data, out, epochs=1))
    state_file = out / "checkpoints" / "epoch-0001.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "epoch": epoch}))
    with pytest.raises(ValueError, match="expected epoch 1"):
        callbacks.read_state(state_file.with_suffix(".keras"))


@pytest.mark.parametrize("name", ["/etc", "dcgan-mnist/../..", "..", ".hidden"])
def test_a_path_is_never_shown_as_a_zoo_entry(name):
    result = CliRunner().invoke(main, ["info", name])
    assert result.exit_code == 1 and "no zoo entry" in result.output


def test_an_entry_left_aside_by_a_killed_install_names_its_fix(tmp_path, monkeypatch):
    zoo_dir = tmp_path / "zoo"
    shutil.copytree(kgan.zoo.entry_dir("dcgan-mnist"), zoo_dir / ".dcgan-mnist.old")
    monkeypatch.setenv("KGAN_ZOO_DIR", str(zoo_dir))
    with pytest.raises(ValueError, match=r"left aside by a killed install.*--stage card"):
        kgan.load("dcgan-mnist")
    from kgan.zoo import publish

    publish.recover_entry("dcgan-mnist")
    assert kgan.load("dcgan-mnist").sample(1, seed=0).shape == (1, 28, 28, 1)


def test_a_model_too_big_for_memory_is_refused_before_it_is_built(npz_data, tmp_path):
    out = tmp_path / "run"
    huge = ["-c", "width=4096", "-c", "image_shape=[2048,2048,1]"]  # within each bound
    pattern = r"dcgan with these settings has [\d,]+ weights, about .* GB to train; this machine"
    assert_one_line_failure(args_for(npz_data, out, *huge), pattern)
    assert not out.exists()


def test_counting_weights_unbuilt_changes_neither_the_weights_nor_the_names():
    import keras

    from kgan.backend import keras_private

    keras.utils.set_random_seed(7)
    plain = kgan.create("dcgan", width=8, latent_dim=8)
    keras.utils.set_random_seed(7)
    count = keras_private.count_weights_unallocated(
        lambda: kgan.create("dcgan", width=8, latent_dim=8)
    )
    checked = kgan.create("dcgan", width=8, latent_dim=8)
    assert count == sum(int(np.prod(w.shape)) for w in checked.weights)
    for a, b in zip(plain.weights, checked.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_running_out_of_memory_is_one_line(npz_data, tmp_path, monkeypatch):
    from kgan import training

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.28 TiB for an array")

    monkeypatch.setattr(training, "create", no_memory)
    assert_one_line_failure(
        args_for(npz_data, tmp_path / "run"), "out of memory: Unable to allocate"
    )


@pytest.mark.parametrize("name", ["checkpoints", "samples", "log.csv"])
def test_a_dangling_or_foreign_link_in_a_run_is_refused_before_training(
    finished_run, npz_data, name
):
    (finished_run / "config.json").unlink()  # unfinished: the resume would train
    target = finished_run / name
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    target.symlink_to(finished_run / "gone")
    before = sorted(p.name for p in finished_run.iterdir())
    pattern = f"{name} is a link; expected the run's own (folder|file) there"
    assert_one_line_failure(args_for(npz_data, finished_run, "--resume", epochs=2), pattern)
    assert sorted(p.name for p in finished_run.iterdir()) == before


@pytest.mark.parametrize("done", [0, 1, 2, 3], ids=["before", "aside", "mid-removal", "complete"])
def test_a_kill_at_each_step_of_a_zoo_install_is_recovered(tmp_path, monkeypatch, done):
    """``done`` steps of install_entry (rename aside, rename in, remove aside) run, then a kill."""
    from kgan.zoo import publish

    zoo_dir, staged = tmp_path / "zoo", tmp_path / "staged"
    for folder, which in ((zoo_dir / "dcgan-mnist", "old"), (staged, "new")):
        shutil.copytree(kgan.zoo.entry_dir("dcgan-mnist"), folder)
        (folder / "which").write_text(which)  # not in the manifest: tells the two apart
    monkeypatch.setenv("KGAN_ZOO_DIR", str(zoo_dir))
    real_rename, real_rmtree, steps = os.rename, shutil.rmtree, []

    def step(real):
        def run(path, *args, **kwargs):
            if len(steps) == done:
                if real is real_rmtree and done == 2 and os.path.isdir(path):  # half removed
                    os.unlink(os.path.join(path, "which"))
                raise Killed
            steps.append(path)
            return real(path, *args, **kwargs)

        return run

    monkeypatch.setattr(publish.os, "rename", step(real_rename))
    monkeypatch.setattr(publish.shutil, "rmtree", step(real_rmtree))
    if done < 3:
        with pytest.raises(Killed):
            publish.install_entry(staged, "dcgan-mnist")
    else:
        publish.install_entry(staged, "dcgan-mnist")
    monkeypatch.setattr(publish.os, "rename", real_rename)
    monkeypatch.setattr(publish.shutil, "rmtree", real_rmtree)

    listed = CliRunner().invoke(main, ["list"])
    assert listed.exit_code == 0
    if done == 1:  # only the old entry, aside: list and load name the fix in one line
        assert "left aside by a killed install" in listed.output
        assert_one_line_failure(["info", "dcgan-mnist"], "left aside by a killed install")
    else:
        assert "dcgan-mnist" in listed.output and "left aside" not in listed.output
    publish.recover_entry("dcgan-mnist")
    which = (zoo_dir / "dcgan-mnist" / "which").read_text()
    assert which == ("old" if done < 2 else "new")
    assert [p.name for p in zoo_dir.iterdir()] == ["dcgan-mnist"]  # nothing left aside
    assert staged.exists() == (done < 2)  # the new build is kept until it is in place
    assert kgan.load("dcgan-mnist").sample(1, seed=0).shape == (1, 28, 28, 1)
