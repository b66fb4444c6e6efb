"""GAN losses as pure functions of discriminator outputs (logits or critic values).

Each takes backend tensors and returns a scalar; none touches a variable or an
optimizer, so any model (or user code) can combine them.

Example:

>>> import numpy as np
>>> from kgan import losses
>>> d_loss = losses.nonsaturating_d_loss(np.array([2.0]), np.array([-2.0]))
"""

from keras import ops

from kgan import backend


def _f32(x):
    # Under a mixed-precision policy outputs arrive in (b)float16; losses stay float32.
    return ops.cast(x, "float32")


def nonsaturating_d_loss(real_logits, fake_logits):
    """Binary cross-entropy of the discriminator: real → 1, generated → 0."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    real_loss = ops.mean(ops.softplus(-real_logits))  # -log(sigmoid(x))
    fake_loss = ops.mean(ops.softplus(fake_logits))  # -log(1 - sigmoid(x))
    return real_loss + fake_loss


def nonsaturating_g_loss(fake_logits):
    """The non-saturating generator loss of Goodfellow et al.: -log D(G(z))."""
    return ops.mean(ops.softplus(-_f32(fake_logits)))


def wasserstein_d_loss(real_scores, fake_scores):
    """The critic's Wasserstein loss: E[f(fake)] - E[f(real)]."""
    return ops.mean(_f32(fake_scores)) - ops.mean(_f32(real_scores))


def wasserstein_g_loss(fake_scores):
    """The generator's Wasserstein loss: -E[f(fake)]."""
    return -ops.mean(_f32(fake_scores))


def gradient_penalty(critic_fn, real, fake, alpha):
    """The WGAN-GP penalty of Gulrajani et al. 2017: E[(‖∇f(x̂)‖₂ - 1)²].

    Args:
        critic_fn: maps a batch of inputs to critic scores.
        real, fake: batches of the same shape.
        alpha: interpolation weights, broadcastable to the batch (one per
            sample, drawn from U[0, 1] in the paper).

    Example: for a linear critic f(x) = w·x the penalty is (‖w‖ - 1)².
    """
    # keras.ops arithmetic, so numpy and backend tensors mix on every backend.
    interpolated = ops.add(ops.multiply(alpha, real), ops.multiply(ops.subtract(1.0, alpha), fake))
    grads = backend.input_gradient(critic_fn, interpolated)
    grads = ops.reshape(_f32(grads), (ops.shape(grads)[0], -1))
    # The epsilon keeps the norm differentiable where a gradient is zero.
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=-1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))
