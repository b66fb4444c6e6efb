"""TensorFlow: stateful steps with ``tf.GradientTape`` (Keras wraps them in tf.function)."""

import contextlib

import tensorflow as tf

from kgan.backend import eager

# The stateful step contract, shared with the other eager backend.
train_step, test_step, keep_usable = eager.train_step, eager.test_step, eager.keep_usable

# onnx through tf2onnx.
EXPORT_FORMATS = {"tf_saved_model": (), "onnx": ("tf2onnx",)}

# compile(steps_per_execution=N) runs N steps in one tf.function call.
MULTI_STEP_EXECUTION = True


def minimize(model, loss_fn, variables, optimizer):
    with tf.GradientTape() as tape:
        loss, logs = loss_fn()
        # Under MirroredStrategy each replica's loss is a mean over its share of
        # the batch and the optimizer sums the replicas' gradients, so each one
        # counts 1/replicas (as keras.losses.Loss does); 1 replica otherwise.
        # scale_loss: identity unless the optimizer has a loss_scale_factor.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        scaled_loss = optimizer.scale_loss(loss) / replicas
    grads = tape.gradient(scaled_loss, variables)
    optimizer.apply(grads, variables)
    return logs


def descend(model, loss_fn, variables, optimizer, steps):
    # One traced step, called `steps` times: eager tapes cost more than the small nets they run.
    optimizer.build(variables)
    step = tf.function(lambda: minimize(model, loss_fn, variables, optimizer))
    for _ in range(steps):
        step()


def no_gradient():
    # Gradients are only recorded inside minimize(); nothing to switch off.
    return contextlib.nullcontext()


def replica_rows(draw, n):
    # Replicas share the seed state, so equal draws would give every replica
    # the same latents; slicing one draw of all replicas' rows keeps them apart.
    context = tf.distribute.get_replica_context()
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if context is None or replicas == 1:
        return draw(n)
    start = context.replica_id_in_sync_group * n
    return draw(n * replicas)[start : start + n]


def input_gradient(fn, x):
    # A tape nested inside minimize()'s tape: the outer one records this
    # gradient computation, which gives the double backprop a penalty needs.
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = fn(x)
    return tape.gradient(out, x)


def sync_replicas(model):
    # MirroredStrategy creates every replica's variables from the same values.
    return None


def is_out_of_memory(error: BaseException) -> bool:
    return isinstance(error, MemoryError | tf.errors.ResourceExhaustedError)
