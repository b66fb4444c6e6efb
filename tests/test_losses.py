"""Losses against known answers, and the penalty's gradient through the backend."""

import keras
import numpy as np
import pytest
from keras import ops

from kgan import backend, losses


def _linear_critic(weights):
    critic = keras.Sequential([keras.Input((len(weights),)), keras.layers.Dense(1)])
    critic.layers[0].kernel.assign(np.asarray(weights, "float32")[:, None])
    critic.layers[0].bias.assign(np.array([0.3], "float32"))
    return critic


def _batch(seed, n=6, dim=3):
    return np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")


def test_nonsaturating_losses():
    real, fake = np.array([2.0, 0.5], "float32"), np.array([-1.0, 0.2], "float32")
    sigmoid = 1 / (1 + np.exp(-np.concatenate([real, fake])))
    expected_d = -np.mean(np.log(sigmoid[:2])) - np.mean(np.log(1 - sigmoid[2:]))
    assert float(losses.nonsaturating_d_loss(real, fake)) == pytest.approx(expected_d, rel=1e-5)
    assert float(losses.nonsaturating_g_loss(fake)) == pytest.approx(
        -np.mean(np.log(sigmoid[2:])), rel=1e-5
    )


def test_wasserstein_losses():
    real, fake = np.array([1.0, 3.0], "float32"), np.array([-2.0, 0.0], "float32")
    assert float(losses.wasserstein_d_loss(real, fake)) == pytest.approx(-1.0 - 2.0)
    assert float(losses.wasserstein_g_loss(fake)) == pytest.approx(1.0)


@pytest.mark.parametrize("weights", [[0.3, -0.4, 1.2], [0.1, 0.1, 0.1], [3.0, 0.0, -4.0]])
def test_gradient_penalty_of_a_linear_critic(weights):
    critic = _linear_critic(weights)
    alpha = np.random.default_rng(2).uniform(size=(6, 1)).astype("float32")
    gp = losses.gradient_penalty(critic, ops.convert_to_tensor(_batch(0)), _batch(1), alpha)
    expected = (np.linalg.norm(weights) - 1.0) ** 2
    assert float(gp) == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_gradient_penalty_is_differentiable_in_the_critic_weights():
    # One SGD step (lr=1) on the penalty moves w by d/dw (‖w‖-1)² = 2(‖w‖-1) w/‖w‖:
    # this needs the input gradient to be differentiable again on every backend.
    weights = np.array([0.3, -0.4, 1.2], "float32")
    critic = _linear_critic(weights)
    real, fake = ops.convert_to_tensor(_batch(0)), ops.convert_to_tensor(_batch(1))
    alpha = ops.convert_to_tensor(np.full((6, 1), 0.5, "float32"))

    def penalty():
        gp = losses.gradient_penalty(critic, real, fake, alpha)
        return gp, {"gp": gp}

    kernel = critic.layers[0].kernel
    backend.minimize(critic, penalty, [kernel], keras.optimizers.SGD(1.0))
    norm = np.linalg.norm(weights)
    expected = weights - 2 * (norm - 1) * weights / norm
    np.testing.assert_allclose(ops.convert_to_numpy(kernel)[:, 0], expected, rtol=1e-5)


def test_input_gradient():
    x = ops.convert_to_tensor(_batch(4))
    grad = backend.input_gradient(lambda t: ops.sum(ops.square(t), axis=-1), x)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * _batch(4), rtol=1e-6)
