"""One backend's measurements for scripts/benchmark.py, in a process of their own.

    python -m scripts.benchmark_worker training --architectures dcgan --batch-size 64
    python -m scripts.benchmark_worker recipes
    python -m scripts.benchmark_worker sampling

Keras picks its backend once per process (``KERAS_BACKEND``), so
``scripts/benchmark.py`` runs this module once per backend and measurement and
reads the one JSON line it prints. See that script for what is measured.
"""

import contextlib
import json
import os
import platform
import statistics
import time

import click
import keras
import numpy as np

import kgan
from scripts import native_loops
from scripts.timing import epoch_timer, interleaved_timer, timed_fit

IMAGE_SHAPE = (28, 28, 1)


def train_flops_per_image(model) -> float | None:
    """FLOPs of one training step per image, from the layers' multiply-adds.

    A D step is a G forward, D forwards on real and fake, and the D backward
    (≈ 2× forward): G + 6D. The G step is G and D forward and backward through
    both: 3G + 3D. So ``d_steps`` × (G + 6D) + 3G + 3D forward passes, with
    FLOPs = 2 × multiply-adds of the dense and conv layers (4G + 9D for one D
    step). None for models with penalties (WGAN-GP), whose double backward
    this does not count.
    """
    if model.penalties:
        return None

    def macs(network):
        total = 0
        for layer in network.layers:
            kind = type(layer).__name__
            if kind == "Dense":
                total += layer.kernel.shape[0] * layer.kernel.shape[1]
            elif kind == "Conv2D":
                height, width = layer.output.shape[1:3]
                total += height * width * np.prod(layer.kernel.shape)
            elif kind == "Conv2DTranspose":
                height, width = layer.input.shape[1:3]
                total += height * width * np.prod(layer.kernel.shape)
        return float(total)

    g, d = macs(model.generator), macs(model.discriminator)
    return 2.0 * (model.d_steps * (g + 6 * d) + 3 * g + 3 * d)


# How kgan's step runs: as kgan trains by default; with every layer called through Keras's
# Layer.__call__ (what the PyTorch fast path skips; the same on TensorFlow and JAX); or with
# compile(jit_compile=True) (on PyTorch, Keras's torch.compile route).
VARIANTS = ("kgan", "layer-calls", "keras-layer-calls", "jit-compile")


def measure(
    backend, architecture, batch_size, steps, repeats, steps_per_execution=1, variant="kgan"
) -> dict:
    """In a process running ``backend``: kgan fit() and the native loop, interleaved."""
    keras.utils.set_random_seed(0)
    model = kgan.create(architecture, image_shape=IMAGE_SHAPE)
    compile_args = {"jit_compile": True} if variant == "jit-compile" else {}
    model.compile(steps_per_execution=steps_per_execution, **compile_args)
    batches = (1 + repeats) * steps  # one block to warm up (compile), then the timed ones
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batches * batch_size, *IMAGE_SHAPE)).astype("float32")
    labels = native_loops.labels_for(model, len(images))
    native_step, to_float = native_loops.NATIVE[backend](model)

    def native_block():
        start = time.perf_counter()
        for i in range(steps):
            batch = slice(i * batch_size, (i + 1) * batch_size)
            loss = native_step(images[batch], labels[batch])
        to_float(loss)  # waits for queued device work
        return time.perf_counter() - start

    timer = interleaved_timer(native_block)
    data = (images, labels) if model.num_classes else (images,)
    calls = {
        "keras-layer-calls": kgan.backend.through_keras_layer_calls,
        "layer-calls": kgan.backend.without_layer_kernels,
    }.get(variant, contextlib.nullcontext)
    with calls():
        start = time.perf_counter()
        timed_fit(model, data, batch_size, steps, repeats, timer)
        total = time.perf_counter() - start
    warm_up = total - sum(timer.kgan_times) - sum(timer.native_times)
    kgan_rate = batch_size * steps / statistics.median(timer.kgan_times)
    native_rate = batch_size * steps / statistics.median(timer.native_times[1:])
    flops = train_flops_per_image(model)
    return {
        "backend": backend,
        "architecture": architecture,
        "batch_size": batch_size,
        "steps": steps,
        "repeats": repeats,
        "steps_per_execution": steps_per_execution,
        "variant": variant,
        # The first epoch: tracing, compiling (jit-compile's torch.compile) and fit()'s setup.
        "warm_up_s": warm_up,
        "kgan_img_s": kgan_rate,
        "native_img_s": native_rate,
        "ratio": kgan_rate / native_rate,
        "gflop_per_image": None if flops is None else flops / 1e9,
        "device": _device(backend),
    }


# The cost of each training-recipe part, against plain DCGAN (kgan only: the
# native loops implement the reference recipes, see native_loops.REFERENCE_RECIPES).
RECIPE_PARTS = {
    "plain": {},
    "r1": {"penalties": {"r1": 1.0}},
    "r1 lazy (every 16)": {"penalties": {"r1": 1.0}, "penalty_every": 16},
    "ema 0.999": {"ema": 0.999},
    "augment translation,cutout": {"augment": "translation,cutout"},
    "augment color,translation,cutout": {"augment": "color,translation,cutout"},
    "spectral_norm": {"spectral_norm": True},
    "hinge": {"loss": "hinge"},
}


def measure_recipes(backend, batch_size, steps, repeats, parts=None) -> list[dict]:
    """DCGAN steps/s with each recipe part, in one process; plain DCGAN first and last."""
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, ((1 + repeats) * steps * batch_size, *IMAGE_SHAPE))
    images = images.astype("float32")
    results = []
    parts = RECIPE_PARTS if parts is None else parts
    for part, overrides in [*parts.items(), ("plain (again)", {})]:
        keras.utils.set_random_seed(0)
        model = kgan.create("dcgan", image_shape=IMAGE_SHAPE, **overrides)
        model.compile()
        timer = epoch_timer()
        timed_fit(model, (images,), batch_size, steps, repeats, timer)
        # The first epoch compiles; the median of the others is the steady state.
        seconds = statistics.median(timer.times[1:]) / steps
        results.append({"backend": backend, "part": part, "ms_per_step": 1000 * seconds})
    plain = statistics.mean(r["ms_per_step"] for r in results if r["part"].startswith("plain"))
    for result in results:
        result["relative"] = result["ms_per_step"] / plain
    return results


SAMPLE_COUNT = 2048


def sample_throughput(repeats) -> float:
    """img/s of ``sample()`` on the warm zoo entry dcgan-mnist."""
    model = kgan.load("dcgan-mnist")
    model.sample(256, seed=0)  # warm-up
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        model.sample(SAMPLE_COUNT, seed=repeat, batch_size=256)
        times.append(time.perf_counter() - start)
    return SAMPLE_COUNT / statistics.median(times)


def _device(backend):
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    if backend == "jax":
        import jax

        if jax.devices()[0].platform != "cpu":
            return str(jax.devices()[0].device_kind)
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores"


@click.command()
@click.argument("task", type=click.Choice(["training", "recipes", "sampling"]))
@click.option("--architectures", default="dcgan", show_default=True, help="Comma-separated.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--steps", default=20, show_default=True, type=click.IntRange(1))
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1))
@click.option("--steps-per-execution", "executions", default=1, type=click.IntRange(1))
@click.option("--variant", type=click.Choice(VARIANTS), default="kgan", show_default=True)
def main(task, architectures, batch_size, steps, repeats, executions, variant):
    """Measure TASK on this process's Keras backend; print the result as one JSON line."""
    backend = keras.config.backend()
    if task == "training":
        result = [
            measure(backend, name, batch_size, steps, repeats, executions, variant)
            for name in architectures.split(",")
        ]
    elif task == "recipes":
        result = measure_recipes(backend, batch_size, steps, repeats)
    else:
        result = {"sample_img_s": sample_throughput(repeats)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
