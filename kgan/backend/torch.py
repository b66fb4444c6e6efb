"""PyTorch: eager stateful steps with ``torch.autograd.grad``."""

import contextlib

import keras
import torch

from kgan.backend import eager, keras_private

# Keras would import TensorFlow (seconds) to serialize any config; it waits for data.
keras_private.probe_tensorflow_only_once_imported()

# The stateful step contract, shared with the other eager backend.
train_step, test_step, keep_usable = eager.train_step, eager.test_step, eager.keep_usable

# Keras's tf_saved_model export of a torch model needs litert-torch and fails on
# Functional models; onnx goes through torch.onnx (onnx + onnxscript).
EXPORT_FORMATS = {"onnx": ("onnx",)}

# Keras's PyTorch trainer runs one step per call (it refuses more); eager steps
# have no per-call compile or dispatch cost for it to amortize.
MULTI_STEP_EXECUTION = False


# How call_network calls layers: "kernels" (KERNELS, else each layer's call), "calls" (each
# layer's call: without_layer_kernels()), "keras" (Layer.__call__: through_keras_layer_calls()).
_LAYER_CALLS = ["kernels"]


def _dense_forward(layer):
    # Dense.call is keras.ops.matmul and add (and its activation); on float32 tensors their
    # conversions and casts do nothing, and the kernel property's quantization dispatch
    # neither, so torch's own two ops give its result bit for bit.
    if layer.lora_enabled or layer.quantization_mode is not None:
        return None
    kernel, bias, activation = layer._kernel, layer.bias, layer.activation
    plain = activation in (None, keras.activations.linear)

    def forward(inputs):
        outputs = torch.matmul(inputs, kernel.value)
        if bias is not None:
            outputs = torch.add(outputs, bias.value)
        return outputs if plain else activation(outputs)

    return forward


def _leaky_relu_forward(layer):
    # LeakyReLU.call is keras.ops.leaky_relu: a conversion, then this.
    slope = layer.negative_slope
    return lambda inputs: torch.nn.functional.leaky_relu(inputs, negative_slope=slope)


# Layers whose call kgan runs as the torch ops it amounts to (keras_private.call_directly).
KERNELS = {keras.layers.Dense: _dense_forward, keras.layers.LeakyReLU: _leaky_relu_forward}


def call_network(network, inputs, training):
    # Keras's per-layer Python (Layer.__call__) is most of a small network's eager step;
    # keras_private.call_directly skips it wherever that gives Keras's result bit for bit.
    if _LAYER_CALLS[-1] != "keras":
        kernels = KERNELS if _LAYER_CALLS[-1] == "kernels" else None
        outputs = keras_private.call_directly(network, inputs, training, kernels)
        if outputs is not None:
            return outputs
    return network(inputs, training=training)


@contextlib.contextmanager
def _layer_calls(mode):
    _LAYER_CALLS.append(mode)
    try:
        yield
    finally:
        _LAYER_CALLS.pop()


def through_keras_layer_calls():
    return _layer_calls("keras")


def without_layer_kernels():
    return _layer_calls("calls")


def minimize(model, loss_fn, variables, optimizer):
    loss, logs = loss_fn()
    if not variables:  # a frozen network: nothing to differentiate or update
        return {key: value.detach() for key, value in logs.items()}
    # autograd.grad (not backward) leaves no .grad behind, so the D and G
    # steps cannot leak gradients into each other.
    # scale_loss: identity unless the optimizer has a loss_scale_factor; apply() unscales.
    grads = torch.autograd.grad(optimizer.scale_loss(loss), [v.value for v in variables])
    if _world_size() > 1:
        grads = _mean_over_processes(grads)
    with torch.no_grad():
        optimizer.apply(list(grads), variables)
    return {key: value.detach() for key, value in logs.items()}


def descend(model, loss_fn, variables, optimizer, steps):
    # Eager: nothing to compile, the steps are the ones minimize() takes.
    for _ in range(steps):
        minimize(model, loss_fn, variables, optimizer)


def no_gradient():
    # Eager autograd records every op on a variable that requires grad;
    # under no_grad the discriminator step's generator pass builds no graph.
    return torch.no_grad()


def replica_rows(draw, n):
    # Under torch.distributed every process draws the rows of all processes from the
    # same seed state and keeps its own, as one process would draw the global batch.
    world = _world_size()
    if world == 1:
        return draw(n)
    start = torch.distributed.get_rank() * n
    return draw(n * world)[start : start + n]


def sync_replicas(model):
    # Every process starts from rank 0's weights, as DistributedDataParallel does.
    if _world_size() == 1:
        return
    with torch.no_grad():
        for variable in model.variables:
            torch.distributed.broadcast(variable.value.data, src=0)


def _world_size():
    distributed = torch.distributed
    return distributed.get_world_size() if distributed.is_initialized() else 1


def _mean_over_processes(grads):
    """The gradients averaged over the processes (one all-reduce of one flat buffer).

    kgan's step calls the networks directly, so a DistributedDataParallel wrapper
    would be bypassed; this is its gradient all-reduce. Each process's loss is a
    mean over its rows, so the average is the gradient of the global batch's mean.
    """
    flat = torch.cat([grad.reshape(-1) for grad in grads])
    torch.distributed.all_reduce(flat)
    flat /= _world_size()
    parts = flat.split([grad.numel() for grad in grads])
    return [part.view_as(grad) for part, grad in zip(parts, grads, strict=True)]


def input_gradient(fn, x):
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(torch.sum(fn(x)), x, create_graph=True)
    return grad


def is_out_of_memory(error: BaseException) -> bool:
    # The CPU allocator raises a plain RuntimeError; CUDA's is OutOfMemoryError.
    return isinstance(error, MemoryError | torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "can't allocate memory" in str(error)
    )
