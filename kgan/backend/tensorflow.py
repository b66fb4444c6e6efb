"""TensorFlow: stateful steps with ``tf.GradientTape`` (Keras wraps them in tf.function)."""

import contextlib

import tensorflow as tf


def train_step(model, data):
    return model.stateful_train_step(data)


def minimize(model, loss_fn, variables, optimizer):
    with tf.GradientTape() as tape:
        loss, logs = loss_fn()
    grads = tape.gradient(loss, variables)
    optimizer.apply(grads, variables)
    return logs


def no_gradient():
    # Gradients are only recorded inside minimize(); nothing to switch off.
    return contextlib.nullcontext()


def input_gradient(fn, x):
    # A tape nested inside minimize()'s tape: the outer one records this
    # gradient computation, which gives the double backprop a penalty needs.
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = fn(x)
    return tape.gradient(out, x)
