"""JAX: stateless steps, threaded through ``keras.StatelessScope``.

The JAX trainer hands ``train_step`` the model state as raw arrays. kgan maps
them onto the model's variables in one scope, runs the step written once in
ordinary stateful style, and reads the new values back out of the scope.
"""

import contextlib

import jax
import jax.numpy as jnp
import keras

from kgan.backend import keras_private

# Keras would import TensorFlow (seconds) to serialize any config; it waits for data.
keras_private.probe_tensorflow_only_once_imported()

# tf_saved_model through jax2tf (TensorFlow is a kgan dependency); onnx through jax2onnx.
EXPORT_FORMATS = {"tf_saved_model": ("tensorflow",), "onnx": ("jax2onnx",)}

# compile(steps_per_execution=N) runs N steps in one jitted call.
MULTI_STEP_EXECUTION = True


def _state_groups(model):
    # The four groups, in the order the JAX trainer passes them. Both
    # optimizers are inside model.optimizer (a MultiOptimizer), so their
    # variables travel in the state too.
    return (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables,
        model.metrics_variables,
    )


def _run_stateful(groups, state, step, data):
    # Maps the state arrays onto their variables, runs the stateful step and
    # reads the new values back, in the trainer's order.
    mapping = [
        (variable, value)
        for variables, values in zip(groups, state, strict=True)
        for variable, value in zip(variables, values, strict=True)
    ]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = step(data)
    new_state = tuple(
        [scope.get_current_value(variable) for variable in variables] for variables in groups
    )
    return logs, new_state


def train_step(model, state, data):
    return _run_stateful(_state_groups(model), state, model.stateful_train_step, data)


def test_step(model, state, data):
    # The test state: (trainable, non-trainable, metrics), without optimizer variables.
    groups = (model.trainable_variables, model.non_trainable_variables, model.metrics_variables)
    return _run_stateful(groups, state, model.stateful_test_step, data)


@contextlib.contextmanager
def keep_usable(model):
    """Leaves the model usable when fit() or evaluate() raises.

    Keras's JAX trainer detaches the variables' values while it runs and
    reattaches them at the end; an exception in between (bad data in the first
    batch) would leave them None for good. Reattach the newest state Keras
    kept, else the values from before the call.
    """
    variables = [*model.variables, *model.metrics_variables]
    if getattr(model, "optimizer", None) is not None:
        variables += model.optimizer.variables
    before = keras_private.attached_values(variables)
    try:
        yield
    except BaseException:
        keras_private.sync_pending_state(model)
        keras_private.reattach(variables, before)
        raise


def minimize(model, loss_fn, variables, optimizer):
    variables = list(variables)
    differentiated = {id(v) for v in variables}
    # A nested StatelessScope does not see the outer scope's mapping, so the
    # inner one must map every variable the loss reads: the differentiated
    # ones to jax.grad's tracers, all others to their current values.
    others = [v for v in model.variables if id(v) not in differentiated]
    other_values = [v.value for v in others]

    def compute_loss(values):
        mapping = [
            *zip(variables, values, strict=True),
            *zip(others, other_values, strict=True),
        ]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            loss, logs = loss_fn()
            # Identity unless the optimizer has a loss_scale_factor; apply() unscales.
            scaled_loss = optimizer.scale_loss(loss)
        # BatchNorm statistics and seed states change inside the loss; they
        # leave the differentiated function as aux, not as leaked tracers.
        updates = [scope.get_current_value(v) for v in others]
        return scaled_loss, (logs, updates)

    (_, (logs, updates)), grads = jax.value_and_grad(compute_loss, has_aux=True)(
        [v.value for v in variables]
    )
    for variable, old, new in zip(others, other_values, updates, strict=True):
        if new is not old:
            variable.assign(new)
    optimizer.apply(grads, variables)
    return logs


def descend(model, loss_fn, variables, optimizer, steps):
    # One jitted stateless step: eager jax.grad would trace the networks afresh every step.
    variables = list(variables)
    optimizer.build(variables)
    held = list(model.variables)  # read by the loss, never changed by it (inference calls)

    def step(values, optimizer_values, held_values):
        def loss_of(values):
            mapping = [*zip(variables, values, strict=True), *zip(held, held_values, strict=True)]
            with keras.StatelessScope(state_mapping=mapping):
                return optimizer.scale_loss(loss_fn()[0])

        grads = jax.grad(loss_of)(values)
        return optimizer.stateless_apply(optimizer_values, grads, values)

    step = jax.jit(step)
    values = [v.value for v in variables]
    optimizer_values = [v.value for v in optimizer.variables]
    held_values = [v.value for v in held]
    for _ in range(steps):
        values, optimizer_values = step(values, optimizer_values, held_values)
    for variable, value in zip([*variables, *optimizer.variables],
                               [*values, *optimizer_values], strict=True):  # fmt: skip
        variable.assign(value)


def no_gradient():
    # Gradients are only recorded inside minimize(); nothing to switch off.
    return contextlib.nullcontext()


def replica_rows(draw, n):
    return draw(n)


class _ReadThroughScope(keras.StatelessScope):
    """A nested scope that reads unmapped variables from the enclosing scope.

    Keras's nested scopes do not see the outer mapping; this one does, and it
    records which variables ``fn`` assigned, so their new values can leave
    ``jax.grad`` as aux output instead of as leaked tracers.
    """

    def __init__(self):
        super().__init__()
        self.outer = keras_private.current_stateless_scope()
        self.assigned = {}

    def add_update(self, update):
        super().add_update(update)
        self.assigned[id(update[0])] = update[0]

    def get_current_value(self, variable):
        value = self.state_mapping.get(id(variable))
        if value is None and self.outer is not None:
            value = self.outer.get_current_value(variable)
        return value


def input_gradient(fn, x):
    # fn may update state (a BatchNorm discriminator in training mode): those
    # updates come out of jax.grad as aux and are assigned outside it, as
    # minimize() does, so no tracer of the inner trace escapes.
    assigned = []

    def total(inputs):
        with _ReadThroughScope() as scope:
            out = jnp.sum(fn(inputs))
        assigned[:] = scope.assigned.values()
        return out, [scope.get_current_value(v) for v in assigned]

    grads, updates = jax.grad(total, has_aux=True)(x)
    for variable, value in zip(assigned, updates, strict=True):
        variable.assign(value)
    return grads


def sync_replicas(model):
    # keras.distribution places one copy of each variable on every device and process.
    return None


def is_out_of_memory(error: BaseException) -> bool:
    # XLA reports a failed allocation as a runtime error with this status.
    return isinstance(error, MemoryError) or (
        isinstance(error, RuntimeError) and "RESOURCE_EXHAUSTED" in str(error)
    )
