"""The training recipe: how the adversarial step trains, the same for every architecture.

A frozen record, checked once when a model is built; its ``to_config()`` is
what configs and ``config.json`` files record.

Example:

>>> from kgan.models.recipe import Recipe
>>> recipe = Recipe.checked(loss="hinge", penalties={"r1": 1}, ema=0.999)
>>> recipe.penalties, recipe.ema
({'r1': 1.0}, 0.999)
"""

import dataclasses

from kgan import augment as augment_ops
from kgan import checks, losses


@dataclasses.dataclass(frozen=True)
class Recipe:
    """The recipe settings (see ``kgan.GAN`` for what each does), in plain JSON types.

    ``penalties`` maps a penalty name to its weight; ``penalty_every`` is the
    lazy-regularization interval; ``ema`` a decay in [0, 1) or None, or
    ``ema_kimg`` its half-life in thousands of images (StyleGAN's; the decay
    then follows the batch size), one of the two at most;
    ``augment`` a DiffAugment policy ("translation,cutout") or None;
    ``ada_target`` turns that policy into adaptive augmentation (ADA: each
    augmentation applied with a probability p that tracks this target of
    E[sign(D(x))], 0.6 in the paper), None keeps it always on. p is checked every
    ``ada_interval`` discriminator updates and can cross [0, 1] in ``ada_kimg``
    thousand images.
    """

    loss: str = "nonsaturating"
    penalties: dict = dataclasses.field(default_factory=dict)
    penalty_every: int = 1
    ema: float | None = None
    ema_kimg: float | None = None
    augment: str | None = None
    augment_strength: float = 1.0
    spectral_norm: bool = False
    ada_target: float | None = None
    ada_interval: int = 4
    ada_kimg: float = 500.0

    @classmethod
    def checked(
        cls,
        loss: str = "nonsaturating",
        penalties: dict | None = None,
        penalty_every: int = 1,
        ema: float | None = None,
        ema_kimg: float | None = None,
        augment: str | None = None,
        augment_strength: float = 1.0,
        spectral_norm: bool = False,
        ada_target: float | None = None,
        ada_interval: int = 4,
        ada_kimg: float = 500.0,
    ) -> "Recipe":
        """The settings checked (one-line ValueErrors) and normalised to plain types."""
        losses.get_loss(loss)  # raises for unknown names
        penalties = penalties or {}
        if not isinstance(penalties, dict):
            raise ValueError(
                f"kgan: expected penalties as a dict of name to weight, e.g. {{'r1': 1.0}}; "
                f"got {penalties!r}."
            )
        for name, weight in penalties.items():
            losses.get_penalty(name)
            if not checks.is_number(weight) or weight < 0:
                raise ValueError(
                    f"kgan: expected a penalty weight >= 0 for {name!r}; got {weight!r}."
                )
        every = checks.bounded_int(
            "penalty_every", penalty_every, 1, checks.MAX_SIZES["penalty_every"]
        )
        if ema is not None and (not checks.is_number(ema) or not 0.0 <= ema < 1.0):
            raise ValueError(
                f"kgan: expected ema as a decay in [0, 1), e.g. 0.999, or None; got {ema!r}."
            )
        if ema_kimg is not None and (not checks.is_number(ema_kimg) or ema_kimg <= 0):
            raise ValueError(
                "kgan: expected ema_kimg as the average's half-life in thousands of images "
                f"(> 0, e.g. 10), or None; got {ema_kimg!r}."
            )
        if ema is not None and ema_kimg is not None:
            raise ValueError(
                "kgan: give the generator's EMA as ema (a decay per step) or as ema_kimg "
                "(a half-life in thousands of images), not both."
            )
        if not checks.is_number(augment_strength) or augment_strength < 0:
            raise ValueError(f"kgan: expected augment_strength >= 0; got {augment_strength!r}.")
        policy = augment_ops.parse_policy(augment)
        if not isinstance(spectral_norm, bool):
            raise ValueError(
                f"kgan: expected spectral_norm as true or false; got {spectral_norm!r}."
            )
        if ada_target is not None:
            if not checks.is_number(ada_target) or not 0.0 < ada_target < 1.0:
                raise ValueError(
                    f"kgan: expected ada_target in (0, 1), e.g. 0.6, or None; got {ada_target!r}."
                )
            if not policy:
                raise ValueError(
                    "kgan: ada_target adapts an augment policy; give one too, "
                    "e.g. augment='flip,rotate90,translation,color,cutout'."
                )
        interval = checks.bounded_int(
            "ada_interval", ada_interval, 1, checks.MAX_SIZES["ada_interval"]
        )
        if not checks.is_number(ada_kimg) or ada_kimg <= 0:
            raise ValueError(
                f"kgan: expected ada_kimg > 0 (thousands of images); got {ada_kimg!r}."
            )
        return cls(
            loss=loss,
            penalties={name: float(weight) for name, weight in penalties.items()},
            penalty_every=every,
            ema=None if ema is None else float(ema),
            ema_kimg=None if ema_kimg is None else float(ema_kimg),
            augment=",".join(policy) or None,
            augment_strength=float(augment_strength),
            spectral_norm=spectral_norm,
            ada_target=None if ada_target is None else float(ada_target),
            ada_interval=interval,
            ada_kimg=float(ada_kimg),
        )

    @property
    def keeps_ema(self) -> bool:
        """Whether the model keeps an EMA of its generator (``ema`` or ``ema_kimg`` given)."""
        return self.ema is not None or self.ema_kimg is not None

    def to_config(self) -> dict:
        """The settings as a config records them (and ``checked(**config)`` reads them back)."""
        return {
            "loss": self.loss,
            "penalties": dict(self.penalties),
            "penalty_every": self.penalty_every,
            "ema": self.ema,
            "ema_kimg": self.ema_kimg,
            "augment": self.augment,
            "augment_strength": self.augment_strength,
            "spectral_norm": self.spectral_norm,
            "ada_target": self.ada_target,
            "ada_interval": self.ada_interval,
            "ada_kimg": self.ada_kimg,
        }


RECIPE_KEYS = tuple(field.name for field in dataclasses.fields(Recipe))
