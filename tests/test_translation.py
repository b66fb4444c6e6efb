"""The image-to-image models (pix2pix, SRGAN, any Translator) and their input transforms.

The registry-parametrised tests (test_models, test_serialization, test_recipes, ...)
cover the translators' fit contract, configs and files; these cover what is theirs.
"""

import keras
import numpy as np
import pytest

import kgan
from kgan import backend
from tests import helpers
from tests.test_everyday import run_exported

TRANSLATION = kgan.list_architectures("translation")
# The ones trained on (input, target) pairs; CycleGAN's domains are tested in test_cyclegan.
PAIRED = [a for a in TRANSLATION if kgan.get_architecture(a).trains_on == "pairs"]


def _images(n=8, size=16, seed=0):
    # Smooth blobs, so that edges and low resolution keep something of them.
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    centres = rng.uniform(0.25, 0.75, (n, 2, 1, 1))
    blobs = np.exp(-((xx - centres[:, 0]) ** 2 + (yy - centres[:, 1]) ** 2) / 0.02)
    return (blobs[..., None] * 2 - 1).astype("float32")


def _pairs(model, n=8):
    images = _images(n, model.image_shape[0])
    if model.architecture == "srgan":
        return kgan.data.downscale(images, model.network_args["factor"]), images
    return kgan.data.edges(images), images


# -- the transforms ----------------------------------------------------------------


def test_edges_mark_the_outline_and_downscale_averages_blocks():
    square = -np.ones((1, 16, 16, 1), "float32")
    square[0, 4:12, 4:12] = 1.0
    sobel = kgan.data.edges(square)
    assert sobel.shape == (1, 16, 16, 1) and sobel.dtype == np.float32
    assert sobel[0, 0, 0, 0] == -1.0 and sobel[0, 8, 8, 0] == -1.0  # flat: no edge
    assert sobel[0, 4, 8, 0] > 0.5 and sobel.max() <= 1.0
    canny = kgan.data.edges(square, method="canny")
    assert set(np.unique(canny)) == {-1.0, 1.0}
    images = _images(3)
    blocks = images.reshape(3, 4, 4, 4, 4, 1).mean(axis=(2, 4))
    np.testing.assert_allclose(kgan.data.downscale(images, 4), blocks, atol=1e-6)
    flat = np.full((2, 4, 4, 1), -0.25, "float32")
    np.testing.assert_allclose(kgan.data.upscale(flat, 4), -0.25, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: kgan.data.edges(np.zeros((16, 16, 1))), "expects images shaped"),
        (lambda: kgan.data.edges(_images(), method="prewitt"), "expected an edge method"),
        (lambda: kgan.data.downscale(_images(size=28), 3), "divisible by it"),
        (lambda: kgan.data.downscale(_images(), 2.5), "integer >= 1"),
        (
            lambda: kgan.data.upscale(np.full((1, 4, 4, 1), 200, "uint8"), 2),
            "expected float images",
        ),
    ],
)
def test_transforms_refuse_bad_input_in_one_line(call, message):
    with pytest.raises(ValueError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


# -- the models -------------------------------------------------------------------


@pytest.mark.parametrize("arch", PAIRED)
def test_a_translator_learns_its_pairs(arch):
    keras.utils.set_random_seed(0)
    model = helpers.tiny_model(arch, ema=0.5)
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    inputs, targets = _pairs(model)
    before = np.abs(model.translate(inputs, ema=False) - targets).mean()
    model.fit(inputs, targets, batch_size=8, epochs=40, verbose=0)
    after = np.abs(model.translate(inputs, ema=False) - targets).mean()
    assert after < 0.6 * before, (before, after)
    # translate() uses the EMA generator unless told otherwise.
    assert not np.allclose(model.translate(inputs), model.translate(inputs, ema=False))


@pytest.mark.parametrize("arch", TRANSLATION)
def test_a_dataset_of_pairs_trains_and_the_export_translates(arch, tmp_path):
    import tensorflow as tf

    model = helpers.tiny_model(arch, ema=0.9)  # the EMA generator is the one exported
    model.compile()
    inputs, targets = _pairs(model)
    model.fit(tf.data.Dataset.from_tensor_slices((inputs, targets)).batch(4), verbose=0)
    path = model.export_generator(tmp_path / "generator")
    exported = run_exported(path, next(iter(backend.EXPORT_FORMATS)), inputs, None)
    np.testing.assert_allclose(exported, model.translate(inputs), atol=1e-5)


def test_bad_pairs_and_settings_are_one_line_errors():
    model = helpers.tiny_model("pix2pix")
    model.compile()
    inputs, targets = _pairs(model)
    cases = [
        (lambda: model.fit(inputs), "trains on \\(input, target\\) pairs"),
        (lambda: model.fit(inputs, targets[:, :8]), "the targets holds images of shape"),
        (lambda: model.fit(inputs, targets[:4]), "one target per input"),
        (lambda: model.translate(inputs[:, :8]), "the images to translate holds"),
        (lambda: helpers.tiny_model("pix2pix", augment="translation"), "augment needs an"),
        (lambda: helpers.tiny_model("pix2pix", content_loss="l3"), "unknown content loss"),
        (lambda: helpers.tiny_model("srgan", factor=3), "expected factor 2, 4 or 8"),
        (lambda: helpers.tiny_model("srgan", factor=8, image_shape=(20, 20, 1)), "by factor 8"),
        (lambda: helpers.tiny_model("srgan", content_weight=-1), "content_weight as a number"),
        (lambda: helpers.tiny_model("pix2pix", content_loss="features"), "an unconditional disc"),
        (lambda: helpers.tiny_model("srgan", conditional_discriminator=True), "for user networks"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message) as error:
            call()
        assert "\n" not in str(error.value)


def test_user_networks_and_a_feature_network_train_and_round_trip(tmp_path):
    generator = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3, padding="same", activation="tanh")]
    )
    discriminator = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    features = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    model = kgan.Translator(
        generator, discriminator, content_loss="features", feature_network=features
    )
    model.compile()
    frozen = helpers.numpy_values(features.weights)
    targets = _images(8, size=8)
    history = model.fit(-targets, targets, batch_size=4, epochs=2, verbose=0)
    assert history.history["content"][-1] < history.history["content"][0]
    assert not helpers.changed(frozen, helpers.numpy_values(features.weights))
    model.save(tmp_path / "translator.keras")
    loaded = keras.saving.load_model(tmp_path / "translator.keras")
    np.testing.assert_array_equal(loaded.translate(-targets), model.translate(-targets))
    with pytest.raises(ValueError, match="user feature_network has no architecture config"):
        model.constructor_config()


# -- the command line ---------------------------------------------------------------


def _train(data, out, epochs, *extra):
    return [
        "train", "srgan", "--data", f"downscale:4:idx:{data}", "--epochs", str(epochs),
        "--batch-size", "16", "--out", str(out), "--seed", "3", "--quiet",
        "-c", "width=8", "-c", "blocks=1", "-c", "image_shape=[16,16,1]", "-c", "ema=0.9", *extra,
    ]  # fmt: skip


def test_kgan_train_resumes_a_translator_exactly_and_kgan_translate_applies_it(tmp_path):
    helpers.idx_dir(tmp_path, n=40, size=16)
    data = tmp_path
    helpers.invoke_ok(_train(data, tmp_path / "whole", 2))
    helpers.invoke_ok(_train(data, tmp_path / "halves", 1))
    helpers.invoke_ok(["train", "--out", str(tmp_path / "halves"), "--resume", "--epochs", "2"])
    whole = kgan.load(str(tmp_path / "whole"))
    halves = kgan.load(str(tmp_path / "halves"))
    for a, b in zip(whole.weights, halves.weights, strict=True):
        np.testing.assert_array_equal(*helpers.numpy_values([a, b]), err_msg=a.path)
    assert (tmp_path / "whole" / "samples" / "epoch-0002.png").is_file()

    inputs = kgan.data.downscale(_images(3, size=16), 4)
    np.save(tmp_path / "in.npy", inputs)
    kgan.images.save_images(inputs, tmp_path / "folder", names=["a", "b", "c"])
    run, out = str(tmp_path / "whole"), str(tmp_path / "out.npy")
    said = helpers.invoke_ok(["translate", run, str(tmp_path / "in.npy"), "-o", out])
    assert "3 images 16x16 from 4x4" in said
    np.testing.assert_allclose(np.load(out), whole.translate(inputs), atol=1e-6)
    helpers.invoke_ok(["translate", run, str(tmp_path / "folder"), "-o", str(tmp_path / "o")])
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["a.png", "b.png", "c.png"]
    one = str(tmp_path / "folder" / "a.png")
    helpers.invoke_ok(["translate", run, one, "-o", str(tmp_path / "a.png")])
    for args, message in [
        ([run, str(tmp_path / "in.npy"), "-o", out], "exists already"),
        ([run, one, "-o", str(tmp_path / "a.npy")], "expected -o of INPUT's kind"),
        (
            ["dcgan-mnist", str(tmp_path / "in.npy"), "-o", str(tmp_path / "x.npy")],
            "not an image-to-image",
        ),
        (
            [run, str(tmp_path / "nothing"), "-o", str(tmp_path / "x.npy")],
            "expected INPUT as an image file",
        ),
        (
            [run, str(tmp_path / "o"), "-o", str(tmp_path / "x")],
            r"holds images of shape \(16, 16, 1\)",
        ),
    ]:
        helpers.assert_one_line_failure(["translate", *args], message)
    for args, message in [
        (["--data", f"idx:{data}"], "trains on \\(input, target\\) pairs"),
        (["--data", "edges:tfds:mnist"], "bad data spec"),
    ]:
        command = _train(data, tmp_path / "bad", 1)
        command[command.index("--data") : command.index("--data") + 2] = args
        helpers.assert_one_line_failure(command, message)
    assert not (tmp_path / "bad").exists()
