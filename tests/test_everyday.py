"""Everyday use: export, class names, zoo inspection, loading, sample outputs, quick trials."""

import csv
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from click.testing import CliRunner

import kgan
from kgan import backend, cli, files, zoo
from tests import helpers
from tests.helpers import train_args

FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"]  # fmt: skip


def invoke(args, ok=True):
    result = CliRunner().invoke(cli.main, args)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def run_exported(path, export_format, latents, labels):
    """Runs an exported generator outside Keras: TensorFlow's loader or onnxruntime."""
    inputs = [latents] if labels is None else [latents, labels.reshape(-1, 1).astype("int32")]
    if export_format == "tf_saved_model":
        import tensorflow as tf

        served = tf.saved_model.load(str(path))
        return np.asarray(served.serve(inputs if labels is not None else latents))
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path))
    feeds = {spec.name: value for spec, value in zip(session.get_inputs(), inputs, strict=True)}
    return session.run(None, feeds)[0]


# -- export -----------------------------------------------------------------------


@pytest.mark.parametrize("arch", ["dcgan", "cgan"])
def test_the_exported_generator_reproduces_sample(arch, tmp_path):
    model = helpers.tiny_model(arch, ema=0.9)  # the EMA generator is the one exported
    model.compile()
    x, y = helpers.make_data(model)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    latents = model.latents(5, seed=1)
    labels = None if model.num_classes is None else np.array([0, 1, 2, 1, 0])
    expected = model.sample(5, latents=latents, labels=labels)
    export_format = next(iter(backend.EXPORT_FORMATS))
    path = tmp_path / "generator"
    assert model.export_generator(path) == path  # no format: the one this backend writes
    np.testing.assert_allclose(
        run_exported(path, export_format, latents, labels), expected, atol=1e-5
    )
    # model.export, Keras's own spelling, serves the generator too.
    model.export(tmp_path / "again", format=export_format)
    assert (tmp_path / "again").exists()


def test_export_refuses_existing_paths_and_unsupported_formats(tmp_path):
    model = helpers.tiny_model("dcgan")
    existing = tmp_path / "taken"
    existing.write_text("mine")
    with pytest.raises(ValueError, match="exists already"):
        model.export_generator(existing, format=next(iter(backend.EXPORT_FORMATS)))
    assert existing.read_text() == "mine"
    with pytest.raises(ValueError, match=f"expected format as one of .* on the {backend.name}"):
        model.export_generator(tmp_path / "x", format="tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_an_export_without_its_package_is_one_line_naming_it(tmp_path, monkeypatch):
    for package in ("onnx", "tf2onnx", "jax2onnx"):
        monkeypatch.setitem(sys.modules, package, None)  # import fails: not installed
    path = tmp_path / "generator.onnx"  # the suffix picks onnx on every backend
    needed = {"tensorflow": "tf2onnx", "jax": "jax2onnx", "torch": "onnx"}[backend.name]
    pattern = f"exporting onnx on {backend.name} needs {needed}, which is not installed"
    helpers.assert_one_line_failure(["export", "dcgan-mnist", str(path)], pattern)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_kgan_export_writes_a_zoo_generator(tmp_path):
    path = tmp_path / "served"
    result = invoke(["export", "dcgan-mnist", str(path)])
    assert f"wrote {path}" in result.output
    model = kgan.load("dcgan-mnist")
    latents = model.latents(3, seed=0)
    served = run_exported(path, next(iter(backend.EXPORT_FORMATS)), latents, None)
    np.testing.assert_allclose(served, model.sample(3, latents=latents), atol=1e-5)


# -- class names --------------------------------------------------------------------


def test_class_names_choose_classes_for_sample():
    model = helpers.tiny_model("cgan", class_names=["cat", "Dog", "bird"])
    assert model.label_ids(["dog", "CAT", 2]).tolist() == [1, 0, 2]
    latents = model.latents(2, seed=0)
    np.testing.assert_array_equal(
        model.sample(2, latents=latents, labels=["bird"]),
        model.sample(2, latents=latents, labels=[2, 2]),
    )
    message = r"unknown class name 'dgo'; the classes are: cat, Dog, bird\. Did you mean 'dog'"
    with pytest.raises(ValueError, match=message):
        model.sample(1, labels=["dgo"])
    unnamed = helpers.tiny_model("cgan")
    with pytest.raises(ValueError, match=r"records no class names: give integers in \[0, 3\)"):
        unnamed.sample(1, labels=["dog"])
    for bad in (["a", "b"], ["a", "A", "b"], ["a", "", "b"], "abc"):
        with pytest.raises(ValueError, match="expected class_names as 3 distinct non-empty"):
            helpers.tiny_model("cgan", class_names=bad)
    assert kgan.CGAN.from_config(model.get_config()).class_names == ["cat", "Dog", "bird"]


def test_conditional_zoo_entries_know_their_class_names():
    model = kgan.load("cgan-fashion-mnist")
    assert model.class_names == FASHION_NAMES == kgan.zoo_info("cgan-fashion-mnist").class_names
    assert model.label_ids(["dress", "sneaker"]).tolist() == [3, 7]
    assert kgan.load("cgan-mnist").label_ids(["7"]).tolist() == [7]


def test_kgan_sample_puts_one_class_per_row_and_takes_names(tmp_path):
    from PIL import Image

    invoke(["sample", "cgan-fashion-mnist", "-n", "30", "-o", str(tmp_path / "rows.png")])
    grid = Image.open(tmp_path / "rows.png")
    # 10 rows of 3 (28 px + 2 px padding, scaled 2x).
    assert grid.size == ((3 * 30 + 2) * 2, (10 * 30 + 2) * 2)
    invoke(["sample", "cgan-fashion-mnist", "--labels", "dress,sneaker", "-n", "4",
            "-o", str(tmp_path / "two.npy")])  # fmt: skip
    model = kgan.load("cgan-fashion-mnist")
    expected = model.sample(4, seed=0, labels=[3, 3, 7, 7])
    np.testing.assert_allclose(np.load(tmp_path / "two.npy"), expected, atol=1e-6)
    args = ["sample", "cgan-fashion-mnist", "--labels", "dres", "-o", str(tmp_path / "b.png")]
    bad = invoke(args, ok=False)
    assert bad.exit_code == 1 and "Did you mean 'dress'" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    refused = invoke(
        ["sample", "dcgan-mnist", "--labels", "3", "-o", str(tmp_path / "c.png")], ok=False
    )
    assert "is not conditional; it takes no --labels" in refused.output


# -- zoo inspection and loading ---------------------------------------------------------


@pytest.mark.parametrize("name", zoo.list_zoo())
def test_zoo_info_describes_every_entry(name):
    entry = kgan.zoo_info(name)
    assert entry.architecture == entry.recipe.architecture and name.startswith(entry.architecture)
    assert entry.dataset in kgan.datasets.EVALUATION_NAMES
    assert entry.sha256 == files.sha256_file(entry.directory / "model.weights.h5")
    assert entry.licenses["weights"] == "Apache-2.0"
    assert entry.sizes["model.weights.h5"] == (entry.directory / "model.weights.h5").stat().st_size
    assert entry.card.startswith("---\nlibrary_name: kgan\n") and f"\n# {name}\n" in entry.card
    head = entry.headline()
    metrics = json.loads((entry.directory / "metrics.json").read_text())
    if entry.task == "translation":  # its metrics are kgan.translation_quality's
        numbers = {k: v for k, v in metrics["metrics"].items() if not k.startswith("count")}
        assert {key: head[key] for key in numbers} == numbers
    elif entry.counts_modes:  # kgan.stacked_mnist's
        assert (head["modes"], head["reverse_kl"]) == (metrics["modes"], metrics["reverse_kl"])
    else:
        assert head["frechet_distance"] == metrics["frechet_distance"]
    assert head["targets_met"] == sum(t["met"] for t in metrics["targets"])
    # The recipe's settings are what the model loads with.
    assert {key: entry.config[key] for key in entry.recipe.config} == entry.recipe.config
    info = invoke(["info", name]).output
    assert f"{name}: {entry.architecture} on {entry.dataset}" in info
    assert entry.sha256 in info and "license     weights: Apache-2.0" in info
    assert invoke(["info", name, "--card"]).output.strip() == entry.card.strip()


def test_kgan_list_shows_headline_metrics_and_info_refuses_unknown_names():
    lines = invoke(["list"]).output.splitlines()
    assert len(lines) == 1 + len(zoo.list_zoo())
    row = next(line for line in lines if line.startswith("cgan-mnist "))
    head = kgan.zoo_info("cgan-mnist").headline()
    assert f"{head['frechet_distance']:.2f}" in row and "met" in row
    unknown = invoke(["info", "dcgan-mnsit"], ok=False)
    assert unknown.exit_code == 1 and "Did you mean dcgan-mnist" in unknown.output


def test_a_loaded_zoo_model_fine_tunes_without_compile():
    model = kgan.load("cgan-mnist")
    assert model.compiled
    x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    before = helpers.numpy_values(model.generator.trainable_variables)
    model.fit(x, np.arange(32) % 10, batch_size=16, epochs=1, verbose=0)
    assert helpers.changed(before, helpers.numpy_values(model.generator.trainable_variables))


def test_load_opens_keras_files_and_generators_alone(tmp_path):
    model = helpers.tiny_model("dcgan", ema=0.9)
    model.compile()
    path = tmp_path / "mine.keras"
    model.save(path)
    loaded = kgan.load(path)
    np.testing.assert_allclose(loaded.sample(3, seed=0), model.sample(3, seed=0), atol=1e-6)
    generator = kgan.load(str(path), generator_only=True)
    assert generator is loaded.ema_generator or generator.name == model.ema_generator.name
    latents = model.latents(3, seed=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(generator(latents)), model.sample(3, latents=latents), atol=1e-5
    )
    zoo_generator = kgan.load("dcgan-mnist", generator_only=True)
    assert isinstance(zoo_generator, keras.Model) and zoo_generator.name == "generator"
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(ValueError, match="holds a Sequential, not a kgan GAN"):
        kgan.load(tmp_path / "plain.keras")
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"cannot load .*broken\.keras"):
        kgan.load(tmp_path / "broken.keras")


# -- kgan sample outputs ----------------------------------------------------------------


def test_kgan_sample_writes_arrays_and_single_pngs(tmp_path):
    from PIL import Image

    invoke(["sample", "dcgan-mnist", "-n", "3", "-o", str(tmp_path / "a.npy")])
    array = np.load(tmp_path / "a.npy")
    np.testing.assert_allclose(array, kgan.load("dcgan-mnist").sample(3, seed=0), atol=1e-6)
    invoke(["sample", "dcgan-mnist", "-n", "3", "-o", str(tmp_path / "pngs")])
    assert sorted(p.name for p in (tmp_path / "pngs").iterdir()) == [
        f"0000{i}.png" for i in range(3)
    ]
    first = np.asarray(Image.open(tmp_path / "pngs" / "00000.png"))
    assert first.shape == (28, 28)
    np.testing.assert_array_equal(first, kgan.images.to_uint8(array[0])[..., 0])
    bad = invoke(["sample", "dcgan-mnist", "-o", str(tmp_path / "x.jpg")], ok=False)
    assert "expected -o ending in .png (a grid), .npy (an array), .gif or .mp4" in bad.output
    again = invoke(["sample", "dcgan-mnist", "-o", str(tmp_path / "pngs")], ok=False)
    assert "exists already" in again.output


# -- quick trials, validation, TensorBoard ----------------------------------------------


def test_quick_trial_options_and_validation_split(idx_data, tmp_path):
    out = tmp_path / "run"
    invoke([*train_args(idx_data, out, 3), "--steps-per-epoch", "1", "--max-steps", "2",
            "--val-split", "0.25"])  # fmt: skip
    run = json.loads((out / "run.json").read_text())
    assert run["steps_per_epoch"] == 1 and run["val_split"] == 0.25
    with open(out / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2  # max-steps 2 at one step per epoch: two epochs, then the final model
    assert {"val_d_loss", "val_g_loss", "val_d_real", "val_d_fake"} <= set(rows[0])
    assert all(value != "NA" for row in rows for value in row.values())
    assert kgan.runs.RunDirectory(out).is_finished()
    # The resume reads the trial settings from run.json.
    invoke(["train", "--resume", "--out", str(out), "--epochs", "3", "--quiet"])
    with open(out / "log.csv") as f:
        assert len(list(csv.DictReader(f))) == 3


def test_log_csv_has_no_always_na_columns_and_tensorboard_gets_grids(idx_data, tmp_path):
    pytest.importorskip("tensorboard")
    out = tmp_path / "run"
    invoke([*train_args(idx_data, out, 1), "--tensorboard"])
    with open(out / "log.csv") as f:
        header = next(csv.reader(f))
    assert header == ["epoch", "d_fake", "d_loss", "d_real", "g_loss"]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags = {}
    for folder in [out / "tensorboard", *(out / "tensorboard").iterdir()]:
        if folder.is_dir():
            events = EventAccumulator(str(folder), size_guidance={"tensors": 0})
            events.Reload()
            tags[folder.name] = events.Tags()["tensors"]
    assert "samples" in tags["tensorboard"]
    assert any("loss" in tag for tag in tags["train"])


def test_training_settings_are_checked_in_one_line(idx_data, tmp_path):
    for extra, message in (
        (["--val-split", "1.5"], "--val-split"),
        (["--steps-per-epoch", "0"], "--steps-per-epoch"),
    ):
        result = invoke(train_args(idx_data, tmp_path / "x", 1, *extra), ok=False)
        assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x").exists()


def test_unknown_architectures_are_named_before_keras_is_imported(tmp_path):
    assert tuple(kgan.list_architectures()) == cli.train.BUILTIN_ARCHITECTURES
    code = (  # the kgan console script's own entry, which reads --backend before Keras loads
        "import sys\nimport kgan_launcher\nsys.argv = ['kgan', 'train', 'dcgn', '--out', 'x']\n"
        "try:\n    kgan_launcher.main()\nexcept SystemExit:\n    pass\n"
        "print('keras imported:', 'keras' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    output = result.stdout + result.stderr
    assert "unknown architecture or zoo entry 'dcgn'" in output and "Did you mean dcgan" in output
    assert "keras imported: False" in output


DEMO = str(helpers.ROOT / "scripts" / "demo.py")


@pytest.mark.parametrize(
    ("command", "stdout_lines"),
    [
        (["-m", "kgan.cli", "sample", "dcgan-mnist", "-n", "1", "-o"], 1),
        ([DEMO, "--epochs", "0", "--out"], 3),  # the README's first command
        (["-m", "kgan.cli", "train", "dcgan", "--epochs", "1", "--quiet", *helpers.TINY], None),
    ],
    ids=["kgan-command", "demo-script", "train-imports-tf-data"],
)
def test_user_facing_output_has_no_tensorflow_log_lines(tmp_path, command, stdout_lines):
    env = {**os.environ, "KERAS_BACKEND": keras.config.backend()}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    if stdout_lines is None:  # training reads its data through tf.data, on every backend
        images = np.zeros((16, 16, 16), np.uint8)
        np.savez(tmp_path / "d.npz", x_train=images, y_train=np.zeros(16, int))
        command = [*command, "--data", f"npz:{tmp_path / 'd.npz'}", "--batch-size", "8", "--out"]
    result = subprocess.run(
        [sys.executable, *command, str(tmp_path / "one.png")],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    lines = result.stdout.strip().splitlines()
    if stdout_lines is not None:
        assert len(lines) == stdout_lines and lines[-1] == f"wrote {tmp_path / 'one.png'}"
    for noise in ("oneDNN", "cuInit", "absl", "cuda"):
        assert noise not in result.stderr, result.stderr[-2000:]


def test_tensorflow_is_imported_only_where_the_work_needs_it(tmp_path):
    """On JAX and PyTorch: import, load, sample, list, info and onnx export need no TensorFlow."""
    code = (
        "import sys\nimport kgan\nfrom kgan.cli import main\n"
        "model = kgan.load('dcgan-mnist'); model.sample(2, seed=0)\n"
        "commands = [['list'], ['info', 'dcgan-mnist'], ['sample', 'dcgan-mnist', '-n', '2', "
        "'-o', 'grid.png']]\n"
        "if kgan.backend.name == 'torch':\n"
        "    commands.append(['export', 'dcgan-mnist', 'g.onnx'])\n"
        "for args in commands:\n"
        "    main(args, standalone_mode=False)\n"
        "print('tensorflow imported:', 'tensorflow' in sys.modules)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": keras.config.backend()}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = keras.config.backend() == "tensorflow"  # Keras's own backend, nothing more
    assert f"tensorflow imported: {imported}" in result.stdout


# -- data checks on every input path --------------------------------------------------


def test_generators_and_validation_data_get_the_first_batch_check():
    model = helpers.tiny_model("dcgan")
    model.compile()
    x, _ = helpers.make_data(model, n=32)

    def batches(images, count=2):
        for _ in range(count):
            yield (images,)  # Keras takes (inputs,) tuples from generators

    with pytest.raises(ValueError, match="expected float images in"):
        model.fit(batches((x[:16] * 127.5 + 127.5).astype("uint8")), steps_per_epoch=2, verbose=0)
    # A float generator trains, its first batch included: two steps from two batches.
    model.fit(batches(x[:16]), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations) == 2
    with pytest.raises(ValueError, match=r"holds images of shape .*; the model expects"):
        model.fit(x, validation_data=(x[:, :8],), batch_size=16, verbose=0)
    # One rule for images in [0, 1], whoever hands them over: refused, with the fix.
    with pytest.raises(ValueError, match=r"float images in \[0, 1\].*store images \* 2 - 1"):
        model.fit((x + 1) / 2, batch_size=16, verbose=0)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("image_shape=[28,28", "expected image_shape as a list like [28, 28, 1]; got '[28,28'."),
        ("ema=yes", "expected ema as a decay in [0, 1), e.g. 0.999, or None; got 'yes'."),
        ("penalties={r1:1}", "expected penalties as a dict of name to weight"),
        ("augment=blur", "unknown augmentation 'blur'"),
    ],
)
def test_malformed_settings_are_one_line_errors(idx_data, tmp_path, setting, message):
    result = invoke(train_args(idx_data, tmp_path / "x", 1, "-c", setting), ok=False)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and len(result.output) < 300
    assert not (tmp_path / "x").exists()


def test_max_steps_runs_exactly_that_many_steps_and_the_hints_tell_the_truth(tmp_path, monkeypatch):
    import keras

    images = np.random.default_rng(0).integers(0, 256, (48, 16, 16), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", x_train=images, y_train=np.zeros(48, int))
    out = tmp_path / "run"  # 3 steps an epoch; steps per execution 3 would overshoot 4
    args = ["train", "dcgan", "--data", f"npz:{tmp_path / 'd.npz'}", "--epochs", "10",
            "--batch-size", "16", "--out", "run", "--seed", "1", "--quiet",
            "--max-steps", "4", "--steps-per-execution", "3", *helpers.TINY]  # fmt: skip
    monkeypatch.chdir(tmp_path)
    result = invoke(args)
    assert "epochs 1..2 into run, stopping after step 4" in result.output
    bars = [line.split()[0] for line in result.output.splitlines() if line[:1].isdigit()]
    assert bars == ["3/3", "1/1"], result.output  # the bar ends where the run does
    assert "done: kgan.load('./run')" in result.output  # works as printed: run is no zoo entry
    last = keras.saving.load_model(out / "checkpoints" / "epoch-0002.keras")
    assert int(last.g_optimizer.iterations) == 4
    assert kgan.load("./run").image_shape == (16, 16, 1)
