"""WGAN-GP (Gulrajani et al. 2017): Wasserstein losses with a gradient penalty."""

import keras
from keras import ops

from kgan import losses
from kgan.models import dcgan
from kgan.models.gan import GAN
from kgan.models.registry import register_architecture


@register_architecture("wgan-gp")
@keras.saving.register_keras_serializable(package="kgan")
class WGANGP(GAN):
    """WGAN-GP with a DCGAN generator and a critic without BatchNorm.

    The critic's loss is E[f(fake)] - E[f(real)] + gp_weight * GP, where GP
    is ``kgan.losses.gradient_penalty`` at x̂ = αx + (1-α)x̃, α ~ U[0, 1] per
    sample. Defaults follow the paper: gp_weight=10, d_steps=5 and
    Adam(1e-4, beta_1=0.5, beta_2=0.9). ``gp`` is logged too.

    User critics must not use BatchNorm (the penalty is per sample).

    Example:

    >>> import kgan
    >>> model = kgan.WGANGP(image_shape=(28, 28, 1), width=32)
    >>> model.d_steps, model.gp_weight
    (5, 10.0)
    """

    d_loss_fn = staticmethod(losses.wasserstein_d_loss)
    g_loss_fn = staticmethod(losses.wasserstein_g_loss)

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=128,
        width=64,
        upsampling="transpose",
        gp_weight=10.0,
        d_steps=5,
        generator=None,
        discriminator=None,
        **kwargs,
    ):
        image_shape = tuple(int(d) for d in image_shape)
        if generator is None:
            generator = dcgan.build_generator(latent_dim, image_shape, width, upsampling)
        if discriminator is None:
            discriminator = dcgan.build_discriminator(image_shape, width, batch_norm=False)
        super().__init__(generator, discriminator, latent_dim, d_steps, **kwargs)
        self.gp_weight = float(gp_weight)
        self.arch_config = {
            "image_shape": image_shape,
            "width": width,
            "upsampling": upsampling,
            "gp_weight": self.gp_weight,
        }

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
        )

    def log_names(self):
        return [*super().log_names(), "gp"]

    def score(self, outputs):
        return outputs  # critic scores are not probabilities

    def discriminator_loss(self, real, fake, labels):
        d_loss, logs = super().discriminator_loss(real, fake, labels)
        alpha_shape = (1,) * len(self.image_shape)
        alpha = self.draw_rows(keras.random.uniform, alpha_shape, ops.shape(real)[0])
        gp = losses.gradient_penalty(
            lambda x: self.discriminate(x, labels, training=True), real, fake, alpha
        )
        d_loss = d_loss + self.gp_weight * gp
        return d_loss, {**logs, "d_loss": d_loss, "gp": gp}
