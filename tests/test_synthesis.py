"""Synthetic training data: ``kgan synthesize`` and the Classification Accuracy Score."""

import json

import numpy as np
import pytest

import kgan
from kgan import data, evaluator_training, evaluators, synthesis
from tests import helpers


def test_synthesize_writes_a_data_set_that_npz_reads_back(tmp_path):
    out = tmp_path / "digits.npz"
    output = helpers.invoke_ok(["synthesize", "cgan-mnist", "-n", "30", "-o", str(out)])
    assert "30 images 28x28x1 uint8" in output and "3-3 per class" in output
    images, labels = data.read_arrays(f"npz:{out}")
    assert images.shape == (30, 28, 28, 1) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [3] * 10
    model = kgan.load("cgan-mnist")
    again, again_labels = synthesis.synthesize(model, 30)  # the same seed, the same data set
    np.testing.assert_array_equal(again, images)
    np.testing.assert_array_equal(again_labels, labels)
    expected = model.sample(30, seed=0, labels=labels)  # each image is its label's sample
    np.testing.assert_array_equal(images, kgan.images.to_uint8(expected))
    helpers.assert_one_line_failure(
        ["synthesize", "cgan-mnist", "-n", "3", "-o", str(out)], "exists already"
    )
    helpers.assert_one_line_failure(
        ["synthesize", "cgan-mnist", "-n", "3", "-o", str(tmp_path / "x.npy")], "ending in .npz"
    )


def test_an_unconditional_model_is_labelled_only_by_its_evaluator_when_asked(tmp_path):
    out = tmp_path / "pseudo.npz"
    helpers.assert_one_line_failure(
        ["synthesize", "dcgan-mnist", "-n", "8", "-o", str(out)], "unconditional.*--pseudo-labels"
    )
    output = helpers.invoke_ok(
        ["synthesize", "dcgan-mnist", "-n", "20", "-o", str(out), "--pseudo-labels"]
    )
    assert "pseudo-labels from the evaluator" in output
    images, labels = data.read_arrays(f"npz:{out}")
    evaluator = evaluators.load_evaluator("mnist")
    predicted = evaluator.predict(images.astype("float32") / 127.5 - 1.0)[0].argmax(-1)
    np.testing.assert_array_equal(labels, predicted)
    with pytest.raises(ValueError, match="no labels"):
        synthesis.synthesize(kgan.load("dcgan-mnist"), 4)


def test_cas_runs_end_to_end_and_reads_against_real_data(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluator_training, "MIN_STEPS", 10)  # the protocol, not its accuracy
    json_path = tmp_path / "cas.json"
    output = helpers.invoke_ok(
        ["evaluate", "cgan-mnist", "--cas", "--samples", "200", "--json", str(json_path)]
    )
    assert "Classification Accuracy Score, 200 images each" in output
    assert "real + generated" in output
    result = json.loads(json_path.read_text())
    for key in ("cas", "real", "real_plus_synthetic"):
        assert 0.0 <= result[key] <= 1.0, result
    assert result["n"] == 200 and result["labels"] == synthesis.CONDITIONING
    assert result["test_count"] == 1000 and result["evaluator"] == "mnist"
    helpers.assert_one_line_failure(
        ["evaluate", "cgan-mnist", "--cas", "--samples", "5000"], "expected n <= 4000"
    )
