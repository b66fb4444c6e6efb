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
import weakref

import keras
from keras.src.backend import config as keras_config
from keras.src.backend.common import global_state
from keras.src.backend.common.stateless_scope import get_stateless_scope
from keras.src.backend.common.variables import get_autocast_scope
from keras.src.layers.merging.base_merge import Merge
from keras.src.models.functional import Functional
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


# -- calling a network's layers without Layer.__call__ (the torch backend's fast path) --
#
# Keras's torch layers run eagerly, and Layer.__call__ spends about 0.2 ms of Python per call
# (input conversion, call-spec binding, training and mask resolution, name and autocast
# scopes) before the layer's own ``call``: for a small network that is most of a step.
# Where none of that changes the result, ``call_directly`` runs the Functional graph
# (Keras's own ``_run_through_graph``) with each plain layer's ``call`` invoked as
# ``__call__`` would invoke it, and everything else through ``__call__`` as usual.


def call_directly(network, inputs, training, kernels=None):
    """``network(inputs, training=training)``, calling its plain layers' ``call`` directly.

    ``kernels`` maps a layer class to ``forward(layer)``: a function of the layer's inputs
    that gives its ``call``'s result bit for bit in fewer steps (a backend's own ops), or
    None where it does not apply to that layer; it replaces the ``call`` of such layers.

    Returns None (and computes nothing) where the network is not one this path knows to
    give Keras's result bit for bit: not a built Functional or Sequential network, under
    mixed precision or remat, with an activity regularizer, or given inputs that
    ``__call__`` would convert first.
    """
    if not _known(_PLAIN_NETWORKS, network, _is_plain_network) or get_autocast_scope():
        return None
    graph = getattr(network, "_functional", network)  # a Sequential runs its Functional
    flat = keras.tree.flatten(inputs)
    if len(flat) != len(graph.inputs) or not all(
        keras.ops.is_tensor(x) and _dtype_name(x) == ref.dtype
        for x, ref in zip(flat, graph.inputs, strict=True)
    ):
        return None
    kernels = kernels or {}
    outputs = graph._run_through_graph(
        flat, operation_fn=lambda op: _direct_call(op, training, kernels)
    )
    return outputs[0] if isinstance(outputs, list | tuple) and len(outputs) == 1 else outputs


_PLAIN_NETWORKS = weakref.WeakKeyDictionary()  # network -> whether it is called directly
_PLAIN_LEAVES = weakref.WeakKeyDictionary()  # layer -> whether its call is called directly
_FORWARDS = weakref.WeakKeyDictionary()  # layer -> its kernel's forward, or False
_DTYPE_NAMES = {}  # backend dtype -> Keras's name for it


def _known(cache, layer, decide) -> bool:
    known = cache.get(layer)
    if known is None:
        known = cache[layer] = decide(layer)
    return known


def _dtype_name(x) -> str:
    name = _DTYPE_NAMES.get(x.dtype)
    if name is None:
        name = _DTYPE_NAMES[x.dtype] = keras.backend.standardize_dtype(x.dtype)
    return name


def _plain_policy(layer) -> bool:
    return (
        layer.compute_dtype == layer.variable_dtype
        and getattr(layer, "activity_regularizer", None) is None
        and not layer._remat_mode
        and getattr(layer, "quantization_mode", None) is None
    )


def _is_plain_network(network) -> bool:
    graph = getattr(network, "_functional", network)
    return (
        isinstance(graph, Functional)
        and network.built
        and _plain_policy(network)
        # Masks travel on tensors between __call__s; a network that can make one runs as Keras.
        and not any(_may_make_masks(layer) for layer in network._flatten_layers())
    )


def _may_make_masks(layer) -> bool:
    if isinstance(layer, keras.layers.Embedding):
        return layer.mask_zero
    # Merge layers (Concatenate, Add, Dot...) only combine the masks of their inputs.
    own_mask = type(layer).compute_mask is not keras.layers.Layer.compute_mask
    return own_mask and not isinstance(layer, Merge | Functional | keras.Sequential)


def _is_plain_leaf(operation) -> bool:
    # A layer with sublayers may rely on the call context __call__ sets up (a child
    # called without ``training`` inherits it), so only leaves are called directly.
    return (
        isinstance(operation, keras.layers.Layer)
        and operation.built
        and _plain_policy(operation)
        and not any(True for _ in operation._flatten_layers(include_self=False))
    )


def _direct_call(operation, training, kernels):
    # As Keras's functional.operation_fn: ``training`` goes to whoever takes it.
    context = {} if training is None else {"training": training}
    given = context if getattr(operation, "_call_has_context_arg", {}).get("training") else {}
    kernel = kernels.get(type(operation))
    forward = kernel and _known(_FORWARDS, operation, lambda layer: kernel(layer) or False)

    def call(*args, **kwargs):
        # Keras records ``mask=None`` in the graph for layers that take a mask: no mask.
        if not any(v is not None for v in kwargs.values()) and _known(
            _PLAIN_LEAVES, operation, _is_plain_leaf
        ):
            flat = keras.tree.flatten(args)
            # __call__ converts inputs of another dtype first (unless the layer, as
            # Embedding, takes its inputs as they come); those go through it.
            converts = operation._convert_input_args
            if all(
                keras.ops.is_tensor(x)
                and not (converts and _dtype_name(x) != operation.input_dtype)
                for x in flat
            ):
                return forward(*args) if forward else operation.call(*args, **kwargs, **given)
        return operation(*args, **{**kwargs, **context})

    return call
