"""GAN losses and discriminator penalties as pure functions, with small registries.

Each loss takes discriminator outputs (logits or critic values) as backend
tensors and returns a scalar; each penalty takes a discriminator function and
batches. None touches a variable or an optimizer, so any model (or user code)
can combine them. Models choose them by name: ``loss="hinge"`` picks
``LOSSES["hinge"]``, ``penalties={"r1": 1.0}`` picks ``PENALTIES["r1"]``.

Example:

>>> import numpy as np
>>> from kgan import losses
>>> d_loss = losses.nonsaturating_d_loss(np.array([2.0]), np.array([-2.0]))
>>> hinge = losses.get_loss("hinge")
>>> float(hinge.d_loss(np.array([2.0]), np.array([-2.0])))
0.0
"""

import dataclasses
from collections.abc import Callable

from keras import ops

from kgan import backend, checks


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


def hinge_d_loss(real_scores, fake_scores):
    """The hinge loss of Lim & Ye 2017 (SNGAN, BigGAN): E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]."""
    real_scores, fake_scores = _f32(real_scores), _f32(fake_scores)
    return ops.mean(ops.relu(1.0 - real_scores)) + ops.mean(ops.relu(1.0 + fake_scores))


def hinge_g_loss(fake_scores):
    """The generator's hinge loss: -E[D(G(z))] (as the Wasserstein one)."""
    return wasserstein_g_loss(fake_scores)


def least_squares_d_loss(real_scores, fake_scores):
    """LSGAN (Mao et al. 2017) with targets 1 and 0: ½E[(D(x) - 1)²] + ½E[D(G(z))²]."""
    real_scores, fake_scores = _f32(real_scores), _f32(fake_scores)
    return 0.5 * ops.mean(ops.square(real_scores - 1.0)) + 0.5 * ops.mean(ops.square(fake_scores))


def least_squares_g_loss(fake_scores):
    """The LSGAN generator loss: ½E[(D(G(z)) - 1)²]."""
    return 0.5 * ops.mean(ops.square(_f32(fake_scores) - 1.0))


def rpgan_d_loss(real_logits, fake_logits):
    """The relativistic pairing loss of R3GAN (Huang et al. 2024), D's side:
    E[softplus(-(D(x) - D(G(z))))] over paired real and generated samples.

    Pair i of the two batches is compared, so both must be of one size.
    """
    return ops.mean(ops.softplus(_f32(fake_logits) - _f32(real_logits)))


def rpgan_g_loss(fake_logits, real_logits):
    """RpGAN's generator loss: E[softplus(-(D(G(z)) - D(x)))], so it needs D's real outputs."""
    return ops.mean(ops.softplus(_f32(real_logits) - _f32(fake_logits)))


@dataclasses.dataclass(frozen=True)
class AdversarialLoss:
    """A named pair of losses and what ``d_real``/``d_fake`` report for it.

    ``score`` maps discriminator outputs to the logged value: the probability
    of "real" for the cross-entropy loss, the raw output for the others.
    ``relativistic`` losses take D's outputs on the real batch in the generator
    loss too (``g_loss(fake, real)``); the others take ``g_loss(fake)``.
    """

    d_loss: Callable
    g_loss: Callable
    score: Callable
    relativistic: bool = False

    def generator_loss(self, fake_outputs, real_outputs=None):
        """The generator's loss on D's outputs (``real_outputs`` read by relativistic ones)."""
        if self.relativistic:
            return self.g_loss(fake_outputs, real_outputs)
        return self.g_loss(fake_outputs)


def _identity(outputs):
    return outputs


LOSSES = {
    "nonsaturating": AdversarialLoss(nonsaturating_d_loss, nonsaturating_g_loss, ops.sigmoid),
    "hinge": AdversarialLoss(hinge_d_loss, hinge_g_loss, _identity),
    "wasserstein": AdversarialLoss(wasserstein_d_loss, wasserstein_g_loss, _identity),
    "least-squares": AdversarialLoss(least_squares_d_loss, least_squares_g_loss, _identity),
    "rpgan": AdversarialLoss(rpgan_d_loss, rpgan_g_loss, _identity, relativistic=True),
}


def _lookup(registry, name, what):
    return registry[checks.one_of(name, registry, what, n=2)]


def get_loss(name: str) -> AdversarialLoss:
    """The registered loss ``name`` (``LOSSES``); a ValueError lists the known ones."""
    return _lookup(LOSSES, name, "loss")


# -- discriminator penalties ---------------------------------------------------------


def _squared_norms(grads):
    grads = ops.reshape(_f32(grads), (ops.shape(grads)[0], -1))
    return ops.sum(ops.square(grads), axis=-1)


def gradient_penalty(critic_fn, real, fake, alpha):
    """The WGAN-GP penalty of Gulrajani et al. 2017: E[(‖∇f(x̂)‖₂ - 1)²].

    ``critic_fn`` maps a batch of inputs to critic scores; ``real`` and ``fake`` are
    batches of one shape; ``alpha`` holds the interpolation weights, broadcastable to
    the batch (one per sample, drawn from U[0, 1] in the paper).

    Example: for a linear critic f(x) = w·x the penalty is (‖w‖ - 1)².
    """
    # keras.ops arithmetic, so numpy and backend tensors mix on every backend.
    interpolated = ops.add(ops.multiply(alpha, real), ops.multiply(ops.subtract(1.0, alpha), fake))
    grads = backend.input_gradient(critic_fn, interpolated)
    # The epsilon keeps the norm differentiable where a gradient is zero.
    norms = ops.sqrt(_squared_norms(grads) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def r1_penalty(critic_fn, real, fake=None, alpha=None):
    """R1 of Mescheder et al. 2018: ½E‖∇D(x)‖² on real data (weight γ gives (γ/2)·E‖∇D‖²).

    Example: for a linear discriminator D(x) = w·x + b it is ½‖w‖².
    """
    return 0.5 * ops.mean(_squared_norms(backend.input_gradient(critic_fn, real)))


def r2_penalty(critic_fn, real, fake, alpha=None):
    """R2: R1's ½E‖∇D(x̃)‖² on generated data."""
    return r1_penalty(critic_fn, fake)


# Every penalty is called as fn(critic_fn, real, fake, alpha): one signature, so
# the model composes any set of them in one loop.
PENALTIES = {"gp": gradient_penalty, "r1": r1_penalty, "r2": r2_penalty}


def get_penalty(name: str) -> Callable:
    """The registered penalty ``name`` (``PENALTIES``); a ValueError lists the known ones."""
    return _lookup(PENALTIES, name, "penalty")


# -- content losses (image-to-image models) ------------------------------------------


def l1_loss(outputs, targets):
    """Mean absolute error: pix2pix's L1 term (Isola et al. 2017), sharper than L2."""
    return ops.mean(ops.abs(_f32(outputs) - _f32(targets)))


def mse_loss(outputs, targets):
    """Mean squared error: SRGAN's pixel content loss (Ledig et al. 2017), the PSNR objective."""
    return ops.mean(ops.square(_f32(outputs) - _f32(targets)))


# Each is called as fn(outputs, targets) on images or on features of them; "features"
# is mse_loss on a feature network's outputs (the translator picks the network).
CONTENT_LOSSES = {"l1": l1_loss, "mse": mse_loss, "features": mse_loss}


def get_content_loss(name: str) -> Callable:
    """The registered content loss ``name`` (``CONTENT_LOSSES``); a ValueError lists them."""
    return _lookup(CONTENT_LOSSES, name, "content loss")
