"""fit() takes numpy, tf.data and PyDataset on every backend, and refuses bad data clearly."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests import helpers


class BatchSequence(keras.utils.PyDataset):
    def __init__(self, images, labels=None, batch_size=16):
        super().__init__()
        self.images, self.labels, self.batch_size = images, labels, batch_size

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.labels is None:
            return self.images[part]
        return self.images[part], self.labels[part]


def as_numpy(images, labels):
    return (images, labels), {"batch_size": 16}


def as_tf_data(images, labels):
    elements = images if labels is None else (images, labels)
    return (tf.data.Dataset.from_tensor_slices(elements).batch(16), None), {}


def as_py_dataset(images, labels):
    return (BatchSequence(images, labels), None), {}


INPUT_KINDS = {"numpy": as_numpy, "tf.data": as_tf_data, "PyDataset": as_py_dataset}


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("arch", ["dcgan", "cgan"])
def test_fit_accepts(kind, arch):
    model = helpers.tiny_model(arch)
    images, labels = helpers.make_data(model)
    (x, y), kwargs = INPUT_KINDS[kind](images, labels)
    model.compile()
    history = model.fit(x, y, epochs=1, verbose=0, shuffle=False, **kwargs)
    assert np.isfinite(history.history["g_loss"][-1])


def _bad_fit(model, images, labels, kind):
    (x, y), kwargs = INPUT_KINDS[kind](images, labels)
    model.compile()
    model.fit(x, y, epochs=1, verbose=0, **kwargs)


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_wrong_image_shape(kind):
    model = helpers.tiny_model("dcgan")
    images = np.zeros((8, 12, 12, 1), "float32")
    with pytest.raises(
        ValueError, match=r"holds images of shape \(12, 12, 1\); the model expects \(16, 16, 1\)"
    ):
        _bad_fit(model, images, None, kind)


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_uint8_images_are_refused_with_a_scaling_hint(kind):
    model = helpers.tiny_model("dcgan")
    images = np.full((8, 16, 16, 1), 200, "uint8")
    with pytest.raises(ValueError, match=r"float images in \[-1, 1\].*images / 127.5 - 1"):
        _bad_fit(model, images, None, kind)


def test_0_to_255_float_images_are_refused():
    model = helpers.tiny_model("dcgan")
    images = np.full((8, 16, 16, 1), 255.0, "float32")
    with pytest.raises(
        ValueError, match=r"float images in \[255, 255\]; expected floats in \[-1, 1\]: scale them"
    ):
        _bad_fit(model, images, None, "numpy")


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_nan_images(kind):
    model = helpers.tiny_model("dcgan")
    images, _ = helpers.make_data(model, n=8)
    images[3, 2, 2, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        _bad_fit(model, images, None, kind)


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_empty_data(kind):
    model = helpers.tiny_model("dcgan")
    images = np.zeros((0, 16, 16, 1), "float32")
    with pytest.raises(ValueError, match="empty"):
        _bad_fit(model, images, None, kind)


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_cgan_without_labels(kind):
    model = helpers.tiny_model("cgan")
    images, _ = helpers.make_data(model, n=8)
    with pytest.raises(ValueError, match="class-conditional and needs labels"):
        _bad_fit(model, images, None, kind)


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("bad_label", [-1, 3])
def test_cgan_labels_out_of_range(kind, bad_label):
    model = helpers.tiny_model("cgan")
    images, labels = helpers.make_data(model, n=8)
    labels[0] = bad_label
    with pytest.raises(ValueError, match=r"the model expects labels in \[0, 3\)"):
        _bad_fit(model, images, labels, kind)
