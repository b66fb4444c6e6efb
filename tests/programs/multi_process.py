"""Run by tests/test_distributed.py: one process of a multi-process data-parallel run, or the
one-process reference, on localhost CPUs.

    python -m tests.programs.multi_process BACKEND ARCH OUT [RANK WORLD PORT]

Trains a tiny ARCH for a few steps on fixed data and writes its weights and logs to OUT
(.npz). Without RANK it is the reference: one process, global batch GLOBAL_BATCH. With
RANK/WORLD/PORT it is process RANK of WORLD, started the way a user's script starts under
torchrun or with JAX's coordinator: JAX through keras.distribution.initialize +
DataParallel over every process's devices, PyTorch through torch.distributed (gloo). Each
process gets its rows of every global batch, so together they see the reference's batches.
"""

import os
import sys

backend, arch, out = sys.argv[1:4]
rank, world, port = (int(v) for v in sys.argv[4:7]) if len(sys.argv) > 4 else (0, 1, 0)
os.environ["KERAS_BACKEND"] = backend
if backend == "jax":
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=1"

GLOBAL_BATCH, STEPS = 32, 4


def start_processes():
    """What a user's script does first, once per process."""
    if world == 1:
        return
    if backend == "jax":
        import jax

        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        import keras

        keras.distribution.initialize(f"localhost:{port}", num_processes=world, process_id=rank)
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
        )
    else:
        import torch.distributed

        torch.distributed.init_process_group(
            "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
        )


start_processes()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tests import helpers  # noqa: E402

keras.utils.set_random_seed(0)
model = helpers.tiny_model(arch)
model.compile()
images, labels = helpers.make_data(model, n=GLOBAL_BATCH * STEPS)
local = GLOBAL_BATCH // world


def rows(array):
    """This process's rows of every global batch."""
    if array is None:
        return None
    shaped = array.reshape(STEPS, world, local, *array.shape[1:])
    return shaped[:, rank].reshape(STEPS * local, *array.shape[1:])


history = model.fit(
    rows(images), rows(labels), batch_size=local, epochs=1, verbose=0, shuffle=False
)
weights = {f"w{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.weights)}
logs = {f"log_{key}": np.asarray(value) for key, value in history.history.items()}
if rank == 0:
    np.savez(out, **weights, **logs)
