"""The few Keras internals the JAX backend touches, in one place, with the version they match.

Written for Keras 3.15 (``keras/src/backend/common/stateless_scope.py`` and
``keras/src/backend/jax/trainer.py``). Should a Keras release move them, this
module is what to change; ``KERAS_VERSION`` names the release they were read from.
"""

from keras.src.backend.common.stateless_scope import get_stateless_scope

KERAS_VERSION = "3.15"


def current_stateless_scope():
    """The ``keras.StatelessScope`` in effect (Keras has no public accessor), or None."""
    return get_stateless_scope()


def attached_values(variables) -> list:
    """Each variable's value as it stands, ``None`` where Keras's JAX trainer detached it."""
    return [variable._value for variable in variables]


def reattach(variables, values):
    """Gives a detached variable (value ``None``) back the value it had."""
    for variable, value in zip(variables, values, strict=True):
        if variable._value is None:
            variable._value = value


def sync_pending_state(model):
    """Writes the JAX trainer's newest state back into the variables, if it kept one."""
    if getattr(model, "_jax_state", None):
        model.jax_state_sync()
