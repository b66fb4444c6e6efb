"""PyTorch: eager stateful steps with ``torch.autograd.grad``."""

import contextlib

import torch

# Keras's tf_saved_model export of a torch model needs litert-torch and fails on
# Functional models; onnx goes through torch.onnx (onnx + onnxscript).
EXPORT_FORMATS = ("onnx",)


def train_step(model, data):
    return model.stateful_train_step(data)


def test_step(model, data):
    return model.stateful_test_step(data)


def keep_usable(model):
    # Variables stay attached to their values whatever happens in fit().
    return contextlib.nullcontext()


def minimize(model, loss_fn, variables, optimizer):
    loss, logs = loss_fn()
    if not variables:  # a frozen network: nothing to differentiate or update
        return {key: value.detach() for key, value in logs.items()}
    # autograd.grad (not backward) leaves no .grad behind, so the D and G
    # steps cannot leak gradients into each other.
    # scale_loss: identity unless the optimizer has a loss_scale_factor; apply() unscales.
    grads = torch.autograd.grad(optimizer.scale_loss(loss), [v.value for v in variables])
    with torch.no_grad():
        optimizer.apply(list(grads), variables)
    return {key: value.detach() for key, value in logs.items()}


def no_gradient():
    # Eager autograd records every op on a variable that requires grad;
    # under no_grad the discriminator step's generator pass builds no graph.
    return torch.no_grad()


def replica_rows(draw, n):
    return draw(n)


def input_gradient(fn, x):
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(torch.sum(fn(x)), x, create_graph=True)
    return grad
