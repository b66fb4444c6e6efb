"""Edit directions: ``class_directions``, ``GAN.edit`` / ``CGAN.edit`` and the flip rate."""

import numpy as np
import pytest
from click.testing import CliRunner

import kgan
from kgan import editing, evaluators
from kgan.cli import main
from kgan.models.latent_space import class_directions, edited_latents
from tests import helpers


def test_class_directions_point_from_the_other_classes_to_each_class():
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((600, 8))
    labels = (latents[:, 3] > 0).astype(int)  # class 1 is "dimension 3 is positive"
    directions = class_directions(latents, labels, 3)
    assert directions[1][3] > 0.95 and directions[0][3] < -0.95
    np.testing.assert_allclose(np.linalg.norm(directions[:2], axis=1), 1.0, rtol=1e-5)
    assert not directions[2].any()  # a class without members gets no direction


def test_edit_moves_latents_along_the_unit_direction():
    model = helpers.tiny_model("dcgan")
    z = model.latents(3, seed=0)
    direction = np.zeros(model.latent_dim, "float32")
    direction[0] = 5.0
    moved = edited_latents(z, direction, 2.0)
    np.testing.assert_allclose(moved[:, 0], z[:, 0] + 2.0, rtol=1e-6)
    np.testing.assert_array_equal(moved[:, 1:], z[:, 1:])
    np.testing.assert_array_equal(model.edit(z, direction, 2.0), model.sample(3, latents=moved))
    np.testing.assert_array_equal(model.edit(z, direction, 0.0), model.sample(3, latents=z))
    with pytest.raises(ValueError, match="expected a direction of"):
        model.edit(z, direction[:2], 1.0)
    with pytest.raises(ValueError, match="labels are for conditional models"):
        model.edit(z, direction, 1.0, labels=[1])


def test_a_conditional_edit_moves_between_classes():
    model = helpers.tiny_model("cgan")
    z = model.latents(2, seed=0)
    np.testing.assert_allclose(
        model.edit(z, 2, 0.0, labels=[0, 1]), model.sample(2, latents=z, labels=[0, 1]), atol=1e-6
    )
    np.testing.assert_allclose(
        model.edit(z, 2, 1.0, labels=[0, 1]), model.sample(2, latents=z, labels=[2, 2]), atol=1e-6
    )
    with pytest.raises(ValueError, match="starts from labels"):
        model.edit(z, 2, 0.5)


def test_moving_along_a_class_direction_flips_the_evaluators_reading():
    model, evaluator = kgan.load("dcgan-mnist"), evaluators.load_evaluator("mnist")
    directions = editing.find_class_directions(model, evaluator, n=2000)
    rates = editing.flip_rates(model, evaluator, [0.0, 2.0, 8.0], n=200, directions=directions)
    flips = [rate["flip_rate"] for rate in rates]
    assert flips[0] == 0.0 and flips[0] < flips[1] < flips[2] and flips[2] > 0.5, rates


def test_kgan_edit_writes_what_the_python_edit_makes(tmp_path):
    out = tmp_path / "sevens.npy"
    result = CliRunner().invoke(
        main, ["edit", "dcgan-mnist", "--to", "7", "-n", "3", "--strengths", "0,4", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    model, evaluator = kgan.load("dcgan-mnist"), evaluators.load_evaluator("mnist")
    direction = editing.find_class_directions(model, evaluator)[7]
    latents = np.repeat(model.latents(3, seed=1), 2, axis=0)
    expected = model.edit(latents, direction, np.tile([0.0, 4.0], 3).astype("float32"))
    edited = np.load(out)
    assert edited.shape == (3, 2, 28, 28, 1)
    np.testing.assert_allclose(edited.reshape(expected.shape), expected, atol=1e-5)
    # It reads its edits back: at strength 4 more of them are sevens than at 0.
    shares = result.output.split("by strength: ")[1].split(", ")
    assert float(shares[1].split(": ")[1]) > float(shares[0].split(": ")[1])
    again = CliRunner().invoke(main, ["edit", "dcgan-mnist", "--to", "7", "-o", str(out)])
    assert again.exit_code == 1 and "exists already" in again.output


def test_kgan_edit_of_a_conditional_model_moves_its_label_by_name(tmp_path):
    grid = tmp_path / "dresses.png"
    args = ["edit", "cgan-fashion-mnist", "--to", "dress", "--from", "sneaker", "-n", "2"]
    result = CliRunner().invoke(main, [*args, "-o", str(grid)])
    assert result.exit_code == 0 and grid.stat().st_size > 0, result.output
    assert "read as Dress by the fashion-mnist evaluator, by strength: 0: 0.00" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["dcgan-mnist", "--to", "12"], r"--to: expected a class in \[0, 10\); got 12\."),
        (["dcgan-mnist", "--to", "1", "--from", "2"], "is not conditional; it takes no --from"),
        (["dcgan-mnist", "--to", "1", "--strengths", "a"], "expected comma-separated numbers"),
        (
            ["cgan-mnist", "--to", "1", "--from", "ten"],
            "--from: unknown class name 'ten'; the classes are: 0, 1, 2",
        ),
        (["cgan-fashion-mnist", "--to", "drss"], "--to: .*the classes are: T-shirt.*'dress'"),
        (["pix2pix-fashion-edges", "--to", "1"], "has no latents"),
    ],
)
def test_kgan_edit_refuses_in_one_line(tmp_path, args, message):
    helpers.assert_one_line_failure(["edit", *args, "-o", str(tmp_path / "e.png")], message)
    assert not (tmp_path / "e.png").exists()
    helpers.assert_one_line_failure(
        ["edit", "dcgan-mnist", "--to", "1", "-o", str(tmp_path / "e.gif")], "must end in .png"
    )
