"""The one place kgan asks which Keras backend runs.

Keras picks its backend once per process (``KERAS_BACKEND``); kgan follows it
here and nowhere else. Each backend module offers the same functions:

- ``train_step(model, *args)``: Keras's per-backend ``train_step`` contract
  around ``model.stateful_train_step(data)``, which is written once
  (TensorFlow and PyTorch share theirs: ``kgan.backend.eager``; JAX's
  few touches of Keras internals are in ``kgan.backend.keras_private``).
- ``minimize(model, loss_fn, variables, optimizer)``: one gradient step on
  ``variables`` for ``loss_fn() -> (loss, logs)``; returns ``logs``.
- ``descend(model, loss_fn, variables, optimizer, steps)``: ``steps`` of those
  gradient steps, compiled once where the backend compiles (a traced step on
  TensorFlow, a jitted stateless one on JAX); the loss may read the model's
  variables but must not change them (inference calls only).
- ``input_gradient(fn, x)``: the gradient of ``sum(fn(x))`` with respect to
  ``x``, itself differentiable (for gradient penalties).
- ``replica_rows(draw, n)``: this replica's ``n`` rows of a random draw
  ``draw(rows)`` from the model's seed: under TensorFlow's MirroredStrategy
  each replica draws the rows of all replicas and keeps its own, so replicas
  get different latents and together the rows of a one-device draw; elsewhere
  simply ``draw(n)`` (JAX's keras.distribution draws globally already);
  under ``torch.distributed`` each process keeps its rows of the global draw.
- ``sync_replicas(model)``: called as ``fit()`` starts; under
  ``torch.distributed`` every process takes rank 0's variables (the other
  backends' distribution APIs place the variables themselves).
- ``no_gradient()``: a context for computations whose gradient is never
  needed (the fakes of a discriminator step), so no backend records one.
- ``test_step(model, *args)``: Keras's ``test_step`` contract around
  ``model.stateful_test_step(data)``.
- ``keep_usable(model)``: a context around ``fit()``/``evaluate()`` that
  leaves the model usable if they raise (JAX detaches variable values
  while it runs).
- ``call_network(network, inputs, training)``: ``network(inputs, training=training)``,
  the way the networks of a step are called; on PyTorch it skips Keras's per-layer
  Python (``Layer.__call__``) where that gives the same result bit for bit.
- ``through_keras_layer_calls()``: a context in which ``call_network`` is the plain
  Keras call on every backend (to compare the two, as the tests and the benchmark do);
  ``without_layer_kernels()`` one in which PyTorch calls each layer's own ``call`` (not
  the torch ops that some layers' calls amount to).
- ``EXPORT_FORMATS``: the ``Model.export`` formats Keras supports on this
  backend, each with the optional packages it needs (tf2onnx, jax2onnx, onnx).
- ``is_out_of_memory(error)``: whether ``error`` is this backend's failed
  allocation (each reports it differently).
"""

import contextlib
import importlib

import keras

from kgan.runs import BACKENDS as SUPPORTED_BACKENDS

name = keras.config.backend()
if name not in SUPPORTED_BACKENDS:
    raise ImportError(
        f"kgan supports the Keras backends tensorflow, jax and torch; KERAS_BACKEND is {name!r}."
    )

_impl = importlib.import_module(f"kgan.backend.{name}")


def _keras_call(network, inputs, training):
    return network(inputs, training=training)


train_step = _impl.train_step
minimize = _impl.minimize
descend = _impl.descend
input_gradient = _impl.input_gradient
no_gradient = _impl.no_gradient
replica_rows = _impl.replica_rows
sync_replicas = _impl.sync_replicas
test_step = _impl.test_step
keep_usable = _impl.keep_usable
EXPORT_FORMATS = _impl.EXPORT_FORMATS
MULTI_STEP_EXECUTION = _impl.MULTI_STEP_EXECUTION
is_out_of_memory = _impl.is_out_of_memory
# Traced backends (TensorFlow, JAX) compile the per-layer Python away: Keras's own call.
call_network = getattr(_impl, "call_network", _keras_call)
through_keras_layer_calls = getattr(_impl, "through_keras_layer_calls", contextlib.nullcontext)
without_layer_kernels = getattr(_impl, "without_layer_kernels", contextlib.nullcontext)

__all__ = [
    "EXPORT_FORMATS",
    "MULTI_STEP_EXECUTION",
    "SUPPORTED_BACKENDS",
    "call_network",
    "descend",
    "input_gradient",
    "is_out_of_memory",
    "keep_usable",
    "minimize",
    "name",
    "no_gradient",
    "replica_rows",
    "sync_replicas",
    "test_step",
    "through_keras_layer_calls",
    "train_step",
    "without_layer_kernels",
]
