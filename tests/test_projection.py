"""Projection (GAN inversion): ``GAN.project`` and ``kgan project``."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

import kgan
from kgan.models.latent_space import discriminator_features
from tests import helpers

STEPS = 40  # enough to be far below the random floor; the default 300 goes further


def test_projection_reconstructs_generated_images_far_better_than_random_latents():
    model = kgan.load("dcgan-mnist")
    targets = model.sample(3, latents=model.latents(3, seed=5))
    found = model.project(targets, steps=STEPS)
    floor = np.mean((model.sample(3, seed=9) - targets) ** 2, axis=(1, 2, 3))
    assert found.latents.shape == (3, model.latent_dim) and found.labels is None
    assert np.all(found.errors < 0.5 * floor), (found.errors, floor)
    assert found.errors.mean() < 0.25 * floor.mean(), (found.errors, floor)
    np.testing.assert_allclose(  # the reconstructions are the found latents' images
        found.images, model.sample(3, latents=found.latents), atol=1e-6
    )
    assert np.all(found.psnr > 10 * np.log10(4 / floor))


def test_a_conditional_projection_infers_the_labels_or_keeps_the_given_ones():
    model = kgan.load("cgan-mnist")
    classes = np.array([0, 3, 7])
    targets = model.sample(3, latents=model.latents(3, seed=2), labels=classes)
    inferred = model.project(targets, steps=STEPS)
    np.testing.assert_array_equal(inferred.labels, classes)
    given = model.project(targets, labels=[1, 1, 1], steps=2)
    np.testing.assert_array_equal(given.labels, [1, 1, 1])


def test_pixels_alone_and_uint8_inputs_work(tmp_path):
    model = helpers.tiny_model("dcgan")
    targets = np.full((2, *model.image_shape), 200, "uint8")
    found = model.project(targets, steps=3, feature_weight=0.0)
    assert found.images.shape == (2, *model.image_shape) and np.isfinite(found.errors).all()


def test_bad_inputs_are_one_line_errors():
    model = helpers.tiny_model("dcgan")
    side = model.image_shape[0]
    black = np.full((1, *model.image_shape), -1.0, "float32")
    with pytest.raises(ValueError, match=rf"expected images shaped \(n, {side}, {side}, 1\)"):
        model.project(np.full((2, side + 4, side + 4, 1), -1.0, "float32"))
    with pytest.raises(ValueError, match="empty"):
        model.project(black[:0])
    with pytest.raises(ValueError, match="in \\[0, 1\\]; expected floats in \\[-1, 1\\]"):
        model.project(np.full_like(black, 0.5))
    with pytest.raises(ValueError, match="labels are for conditional models"):
        model.project(black, labels=[1])
    with pytest.raises(ValueError, match="expected steps"):
        model.project(black, steps=0)
    with pytest.raises(ValueError, match="expected learning_rate as a finite number"):
        model.project(black, learning_rate=float("nan"))


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, images):
        return self.dense(keras.ops.reshape(images, (keras.ops.shape(images)[0], -1)))


def test_a_discriminator_that_hides_its_features_asks_for_pixels_alone():
    generator = kgan.DCGAN(width=4, latent_dim=8).generator
    discriminator = _Subclassed()
    discriminator(np.zeros((1, 28, 28, 1), "float32"))  # built
    model = kgan.GAN(generator, discriminator, latent_dim=8)
    with pytest.raises(ValueError, match="project with feature_weight=0"):
        discriminator_features(model)
    found = model.project(model.sample(1, seed=0), steps=2, feature_weight=0)
    assert found.latents.shape == (1, 8)


def test_kgan_project_writes_latents_reconstructions_and_pairs(tmp_path):
    model = kgan.load("dcgan-mnist")
    targets = model.sample(2, latents=model.latents(2, seed=3))
    np.save(tmp_path / "in.npy", targets)
    out = tmp_path / "out"
    output = helpers.invoke_ok(
        ["project", "dcgan-mnist", str(tmp_path / "in.npy"), "-o", str(out), "--steps", "5"]
    )
    assert "2 projections" in output and "PSNR" in output
    latents = np.load(out / "latents.npy")
    assert latents.shape == (2, model.latent_dim)
    np.testing.assert_allclose(
        np.load(out / "reconstructions.npy"), model.sample(2, latents=latents), atol=1e-6
    )
    summary = json.loads((out / "projection.json").read_text())
    assert len(summary["per_image"]) == 2 and summary["steps"] == 5
    assert Image.open(out / "pairs.png").size[0] > 2 * 28
    helpers.assert_one_line_failure(
        ["project", "dcgan-mnist", str(tmp_path / "in.npy"), "-o", str(out)], "exists already"
    )


def test_kgan_project_takes_an_image_file_and_labels_for_conditional_models(tmp_path):
    Image.fromarray(np.zeros((28, 28), "uint8")).save(tmp_path / "digit.png")
    Image.fromarray(np.zeros((16, 16), "uint8")).save(tmp_path / "small.png")
    out = tmp_path / "out"
    output = helpers.invoke_ok(
        [
            "project",
            "cgan-mnist",
            str(tmp_path / "digit.png"),
            "-o",
            str(out),
            "--steps",
            "2",
            "--labels",
            "4",
        ]
    )
    assert "labels given" in output
    assert np.load(out / "labels.npy").tolist() == [4]
    helpers.assert_one_line_failure(
        ["project", "dcgan-mnist", str(tmp_path / "small.png"), "-o", str(tmp_path / "o2")],
        r"expected images shaped \(n, 28, 28, 1\)",
    )
    helpers.assert_one_line_failure(
        [
            "project",
            "dcgan-mnist",
            str(tmp_path / "digit.png"),
            "-o",
            str(tmp_path / "o3"),
            "--labels",
            "4",
        ],
        "not conditional",
    )
    helpers.assert_one_line_failure(
        ["project", "dcgan-mnist", str(tmp_path / "nothing.txt"), "-o", str(tmp_path / "o4")],
        "expected images as an image file",
    )
    assert not any((tmp_path / name).exists() for name in ("o2", "o3", "o4"))
