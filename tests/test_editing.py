"""Edit directions: ``class_directions``, ``GAN.edit`` / ``CGAN.edit`` and the flip rate."""

import numpy as np
import pytest

import kgan
from kgan import editing, evaluators
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
