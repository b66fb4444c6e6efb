"""WGAN-GP (Gulrajani et al. 2017): DCGAN networks, Wasserstein losses, a gradient penalty."""

import keras

from kgan.models.dcgan import DCGAN
from kgan.models.registry import register_architecture


@register_architecture("wgan-gp")
@keras.saving.register_keras_serializable(package="kgan")
class WGANGP(DCGAN):
    """WGAN-GP: the DCGAN networks with a critic without BatchNorm, and the paper's recipe.

    Nothing here is special code: it is ``loss="wasserstein"`` plus
    ``penalties={"gp": gp_weight}`` (``kgan.losses.gradient_penalty`` at
    x̂ = αx + (1-α)x̃, α ~ U[0, 1] per sample), with the paper's defaults:
    gp_weight=10, d_steps=5 and Adam(1e-4, beta_1=0.5, beta_2=0.9). ``gp`` is
    logged too. User critics must not use BatchNorm (the penalty is per sample).

    Example:

    >>> import kgan
    >>> model = kgan.WGANGP(image_shape=(28, 28, 1), width=32)
    >>> model.d_steps, model.penalties
    (5, {'gp': 10.0})
    """

    def __init__(
        self,
        *,
        latent_dim=128,
        d_batch_norm=False,
        d_steps=5,
        gp_weight=None,
        loss="wasserstein",
        penalties=None,
        **kwargs,
    ):
        # gp_weight is the paper's name (and older configs' key) for penalties["gp"].
        if gp_weight is not None and penalties is not None:
            raise ValueError("kgan: give gp_weight or penalties, not both.")
        if penalties is None:
            penalties = {"gp": 10.0 if gp_weight is None else gp_weight}
        # DCGAN's arguments, with the paper's defaults where they differ.
        super().__init__(
            latent_dim=latent_dim,
            d_batch_norm=d_batch_norm,
            d_steps=d_steps,
            loss=loss,
            penalties=penalties,
            **kwargs,
        )

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
        )
