"""Latent and class interpolation grids."""

import sys

import numpy as np
import pytest

from kgan.interpolation import interpolation_grid, slerp
from tests import helpers


def test_slerp_starts_and_ends_at_the_given_latents():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 64)).astype("float32")
    path = slerp(a, b, 5).reshape(3, 5, 64)
    np.testing.assert_allclose(path[:, 0], a, atol=1e-5)
    np.testing.assert_allclose(path[:, -1], b, atol=1e-5)
    # Spherical: the midpoint keeps a typical latent's norm instead of shrinking like a lerp.
    middle, lerp_middle = np.linalg.norm(path[:, 2], axis=-1), np.linalg.norm((a + b) / 2, axis=-1)
    assert np.all(middle > lerp_middle)


def row_ends(model, rows, steps, seed=0):
    ends = (
        np.random.default_rng(seed).standard_normal((2, rows, model.latent_dim)).astype("float32")
    )
    return ends[0], ends[1]


def test_unconditional_rows_run_between_two_samples():
    model = helpers.tiny_model("dcgan")
    grid = interpolation_grid(model, rows=2, steps=4).reshape(2, 4, *model.image_shape)
    start, end = row_ends(model, 2, 4)
    np.testing.assert_allclose(grid[:, 0], model.sample(2, latents=start), atol=1e-5)
    np.testing.assert_allclose(grid[:, -1], model.sample(2, latents=end), atol=1e-5)


def test_cgan_rows_morph_from_class_r_to_class_r_plus_1():
    model = helpers.tiny_model("cgan")  # 3 classes
    grid = interpolation_grid(model, rows=3, steps=4).reshape(3, 4, *model.image_shape)
    start, end = row_ends(model, 3, 4)
    np.testing.assert_allclose(
        grid[:, 0], model.sample(3, latents=start, labels=[0, 1, 2]), atol=1e-5
    )
    np.testing.assert_allclose(
        grid[:, -1], model.sample(3, latents=end, labels=[1, 2, 0]), atol=1e-5
    )


def test_cgan_rows_keep_given_labels():
    model = helpers.tiny_model("cgan")
    grid = interpolation_grid(model, rows=2, steps=3, labels=[2]).reshape(2, 3, *model.image_shape)
    start, _ = row_ends(model, 2, 3)
    np.testing.assert_allclose(grid[:, 0], model.sample(2, latents=start, labels=[2, 2]), atol=1e-5)


def test_class_morphing_needs_kgans_cgan_generator():
    import keras

    from tests.test_learning import conditional_mlp

    generator = conditional_mlp(keras.Input((8,)), 2, "tanh")
    discriminator = conditional_mlp(keras.Input((2,)), 1)
    model = helpers.kgan.CGAN(
        num_classes=8, generator=generator, discriminator=discriminator, latent_dim=8
    )
    with pytest.raises(ValueError, match="needs kgan's own CGAN generator"):
        interpolation_grid(model, rows=2, steps=3)


def test_an_interpolation_animates_as_a_gif_that_plays_each_step(tmp_path):
    from PIL import Image

    from kgan import images, saving

    model = helpers.tiny_model("dcgan")
    model.compile()
    saving.save_model_folder(model, tmp_path / "run")
    out = tmp_path / "morph.gif"
    helpers.invoke_ok(["sample", str(tmp_path / "run"), "-n", "8", "--interpolate", "4",
                       "-o", str(out)])  # fmt: skip
    pictures = interpolation_grid(model, rows=2, steps=4, seed=0)
    with Image.open(out) as animation:
        assert animation.n_frames == 4 + 2  # forwards, then back without repeating the ends
        frames = []
        for index in range(animation.n_frames):
            animation.seek(index)
            frames.append(np.asarray(animation.convert("L")))
    # Frame t is a grid of step t of each row; the way back replays steps 2 and 1.
    first = images.make_grid(pictures.reshape(2, 4, *model.image_shape)[:, 0])[..., 0]
    np.testing.assert_allclose(frames[0][::2, ::2], first, atol=2)
    np.testing.assert_array_equal(frames[4], frames[2])
    helpers.assert_one_line_failure(
        ["sample", str(tmp_path / "run"), "-o", str(tmp_path / "x.gif")], "add --interpolate"
    )
    helpers.assert_one_line_failure(
        ["sample", str(tmp_path / "run"), "-n", "8", "--interpolate", "4", "-o", str(out)],
        "exists already",
    )


def test_an_mp4_animation_has_every_frame_and_without_its_writer_is_one_line(tmp_path, monkeypatch):
    import imageio.v3 as iio

    from kgan import saving

    model = helpers.tiny_model("dcgan")
    model.compile()
    saving.save_model_folder(model, tmp_path / "run")
    out = tmp_path / "morph.mp4"
    helpers.invoke_ok(
        ["sample", str(tmp_path / "run"), "-n", "10", "--interpolate", "5", "-o", str(out)]
    )
    frames = iio.imread(out, plugin="FFMPEG")
    assert len(frames) == 5 + 3  # forwards, then back without repeating the ends
    assert frames.shape[1] % 2 == 0 and frames.shape[2] % 2 == 0 and frames.shape[3] == 3
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # as if it were not installed
    helpers.assert_one_line_failure(
        [
            "sample",
            str(tmp_path / "run"),
            "-n",
            "10",
            "--interpolate",
            "5",
            "-o",
            str(tmp_path / "again.mp4"),
        ],
        r'writing .mp4 needs imageio and imageio-ffmpeg: pip install "kgan\[video\]"',
    )
    assert not (tmp_path / "again.mp4").exists()
