"""The few Keras internals kgan touches, in one place, with the version they match.

Written for Keras 3.15 (``keras/src/backend/common/stateless_scope.py``,
``keras/src/backend/common/variables.py`` and ``keras/src/backend/jax/trainer.py``).
Should a Keras release move them, this module is what to change; ``KERAS_VERSION``
names the release they were read from.
"""

import copy
import math
import random
import sys

import keras
from keras.src.backend import config as keras_config
from keras.src.backend.common import global_state
from keras.src.backend.common.stateless_scope import get_stateless_scope
from keras.src.utils import module_utils

KERAS_VERSION = "3.15"


def keras_home() -> str:
    """Where Keras keeps downloaded weights (``KERAS_HOME`` or ~/.keras; no public accessor)."""
    return keras_config.keras_home()


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


def count_weights_unallocated(build) -> int:
    """The number of weight values of ``build()``'s model, built without allocating them.

    Inside a ``StatelessScope`` Keras gives variables their shapes and defers their
    values; the model is then dropped before anything initializes them.
    """
    pending = global_state.get_global_attribute("uninitialized_variables", [], True)
    before = len(pending)
    # Unseeded initializers draw their seeds from Python's random module and layers
    # their names from Keras's counters: both are put back, so the real build that
    # follows gets the weights and names it would have had without this one.
    seeds = random.getstate()
    names = copy.copy(global_state.get_global_attribute("object_name_uids"))
    try:
        with keras.StatelessScope(initialize_variables=False):
            model = build()
        return sum(math.prod(variable.shape) for variable in model.weights)
    finally:
        # Keras would allocate them at the next scope's exit: forget this build's ones.
        del pending[before:]
        random.setstate(seeds)
        global_state.set_global_attribute("object_name_uids", names)


def probe_tensorflow_only_once_imported():
    """Keras asks ``tf.available`` (which imports TensorFlow, seconds) before testing whether
    an object is a TensorFlow shape, dtype or dataset; on JAX and PyTorch it then imports
    TensorFlow for every config it serializes. No object is a TensorFlow one before
    TensorFlow is imported, so until then the answer is "not available"; afterwards, Keras's."""
    lazy = module_utils.tensorflow
    if isinstance(lazy, _ProbedOnceImported) or lazy.module is not None:
        return
    lazy.__class__ = _ProbedOnceImported


class _ProbedOnceImported(module_utils.LazyModule):
    @property
    def available(self):
        if self.module is None and "tensorflow" not in sys.modules:
            return False
        return module_utils.LazyModule.available.fget(self)
