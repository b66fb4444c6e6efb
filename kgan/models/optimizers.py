"""The optimizers of a model with several networks: one per network, in one container.

Under JAX only ``model.optimizer.variables`` travel in the training state, so
every network's optimizer sits inside one ``keras.optimizers.MultiOptimizer``
(``combined``). ``configured_optimizers`` applies a run's settings
(``kgan.runs.check_optimizers``) to a model's default optimizers.

Example:

>>> import keras
>>> from kgan.models.optimizers import combined
>>> d, g = keras.optimizers.Adam(2e-4), keras.optimizers.Adam(1e-4)
>>> optimizer = combined({"d": d, "g": g}, route=lambda variable: "d")
"""

import warnings

import keras

from kgan.runs import OPTIMIZER_KEYS, SCHEDULE_EXAMPLE

ROLES = ("d", "g")


def configured_optimizers(model, optimizers: dict | None):
    """(d_optimizer, g_optimizer): the model's defaults with ``optimizers``' settings applied.

    Each default keeps its class and its other settings (an ``AdamW`` keeps its
    weight decay); a setting the default optimizer lacks is a one-line error. A
    ``learning_rate`` record of a schedule becomes that schedule, which steps with
    the optimizer's own ``iterations`` (saved in checkpoints, so a resume is exact).
    """
    defaults = model.default_optimizers()
    if not optimizers:
        return defaults
    built = []
    for role, default in zip(ROLES, defaults, strict=True):
        settings = default.get_config()
        asked = optimizers.get(role, {})
        missing = sorted(set(asked) - set(settings))
        if missing:
            raise ValueError(
                f"kgan: optimizers[{role!r}] sets {', '.join(missing)}, which "
                f"{type(model).__name__}'s {type(default).__name__} has not; set only "
                f"{', '.join(key for key in OPTIMIZER_KEYS if key in settings)}."
            )
        if isinstance(asked.get("learning_rate"), dict):
            asked = {**asked, "learning_rate": learning_rate_schedule(asked["learning_rate"], role)}
        built.append(type(default).from_config({**settings, **asked}))
    return tuple(built)


def learning_rate_schedule(record: dict, role: str):
    """The ``keras.optimizers.schedules`` object a run's schedule record names."""
    try:
        schedule = keras.optimizers.schedules.deserialize(record)
    except (TypeError, ValueError) as error:
        reason = str(error).strip().splitlines()[-1]
        raise ValueError(
            f"kgan: optimizers[{role!r}]'s learning_rate {record['class_name']!r} is not a "
            f"keras.optimizers.schedules schedule it can build ({reason}); expected e.g. "
            f"{SCHEDULE_EXAMPLE}."
        ) from None
    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        raise ValueError(
            f"kgan: optimizers[{role!r}]'s learning_rate {record['class_name']!r} is not a "
            f"keras.optimizers.schedules.LearningRateSchedule; expected e.g. {SCHEDULE_EXAMPLE}."
        )
    return schedule


def shared_loss_scale(optimizers) -> float | None:
    """The ``loss_scale_factor`` the optimizers share (MultiOptimizer imposes one on all)."""
    optimizers = list(optimizers)
    for optimizer in optimizers:
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            raise ValueError(
                "kgan: expected plain optimizers, not a LossScaleOptimizer (Keras's "
                "MultiOptimizer refuses it); for mixed_float16 give both optimizers the "
                "same loss_scale_factor, e.g. Adam(2e-4, beta_1=0.5, loss_scale_factor=128.0)."
            )
    factors = [optimizer.loss_scale_factor for optimizer in optimizers]
    if len(set(factors)) > 1:
        raise ValueError(
            "kgan: expected d_optimizer and g_optimizer to share one loss_scale_factor; "
            f"got {' and '.join(str(factor) for factor in factors)}."
        )
    return factors[0]


def combined(optimizers: dict, route) -> keras.optimizers.MultiOptimizer:
    """One ``MultiOptimizer`` holding ``optimizers`` ({role: optimizer}), each a distinct object.

    ``route(variable)`` names the role whose optimizer updates ``variable``.
    """
    chosen = list(optimizers.values())
    if len({id(optimizer) for optimizer in chosen}) != len(chosen):
        raise ValueError("kgan: d_optimizer and g_optimizer must be two different optimizers.")
    loss_scale = shared_loss_scale(chosen)
    return keras.optimizers.MultiOptimizer(
        lambda variable: optimizers[route(variable)], loss_scale_factor=loss_scale
    )


def check_compile_arguments(kwargs):
    """A one-line ValueError for the compile() arguments a GAN takes otherwise."""
    for keyword in ("optimizer", "loss", "metrics"):
        if keyword in kwargs:
            raise ValueError(f"kgan: GAN.compile takes no {keyword}=; {_COMPILE_HINTS[keyword]}.")


_COMPILE_HINTS = {
    "optimizer": "pass d_optimizer= and g_optimizer= (two optimizers)",
    "loss": 'choose the loss by name when building the model, e.g. kgan.DCGAN(loss="hinge")',
    "metrics": "the losses and d_real/d_fake are logged already",
}


def warn_if_unscaled(network, optimizers):
    """Warns where a mixed_float16 network trains without a loss scale."""
    # float16 gradients below ~6e-8 underflow to zero: without a scale they train silently less.
    if getattr(network.dtype_policy, "name", None) != "mixed_float16":
        return
    if not all(getattr(optimizer, "loss_scale_factor", None) for optimizer in optimizers):
        warnings.warn(
            "kgan: mixed_float16 without a loss scale: small gradients underflow to zero. "
            "Give both optimizers the same loss_scale_factor, e.g. "
            "keras.optimizers.Adam(2e-4, beta_1=0.5, loss_scale_factor=128.0).",
            stacklevel=3,
        )
