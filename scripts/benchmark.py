"""kgan's fit() throughput against hand-written native loops, side by side, per backend.

    python scripts/benchmark.py                                  # every backend and architecture
    python scripts/benchmark.py --backends torch --architectures dcgan --batch-size 256
    python scripts/benchmark.py --markdown bench.md              # also write the tables
    python scripts/benchmark.py --no-training                    # sampling only
    python scripts/benchmark.py --recipes --no-training --no-sampling  # recipe parts' cost
    python scripts/benchmark.py --steps 16 --steps-per-execution 1,8   # N steps per call

Each architecture runs at its kgan defaults for 28x28x1 images (DCGAN: width
64, so the generator is Dense→7x7x128, BN, ConvT 64, ConvT 1 and the
discriminator Conv 64, Conv 128 + BN, Dense 1), batch ``--batch-size``. The
native loops (``scripts/native_loops.py``) train the identical networks with
the same algorithm in the framework itself: TensorFlow ``tf.function`` +
``GradientTape``, JAX ``jax.jit`` + optax, PyTorch plain ``torch.nn``.

Each backend runs in its own process (Keras picks its backend once). Within
it, per architecture, one ``fit()`` call runs 1 + ``--repeats`` epochs of
``--steps`` batches; a callback times each epoch and, after it, runs and
times a block of ``--steps`` native steps on the same batches. So the two
alternate, the first (compiling) block of each is not counted, and kgan is
timed in steady state: the once-per-``fit()`` setup (data adapter, iterator)
is outside the timed epochs. The medians
are reported. No timing is asserted anywhere; this script only measures.

Sampling, per backend: the wall time of a fresh process that imports kgan,
loads the zoo entry ``dcgan-mnist`` and draws 64 samples (cold start, median
of ``--repeats`` processes), and ``sample()`` throughput on that entry once
warm (2,048 images in batches of 256, median of ``--repeats``).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("tensorflow", "jax", "torch")
ARCHITECTURES = ("vanilla-gan", "dcgan", "cgan", "wgan-gp")
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


def interleaved_timer(native_block):
    """A callback that times each fit() epoch and runs a timed native block after it.

    Only epoch hooks: a batch hook would make Keras turn the logs into Python
    numbers after every batch (a device sync) and stop dispatching callbacks
    asynchronously, which a user's fit() does not pay for.
    """
    import keras

    class InterleavedTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.kgan_times, self.native_times, self.start = [], [], None

        def on_epoch_end(self, epoch, logs=None):
            # The logs are Python numbers by now: the epoch's work is done.
            if self.start is not None:
                self.kgan_times.append(time.perf_counter() - self.start)
            self.native_times.append(native_block())  # the first one is its warm-up
            self.start = time.perf_counter()

    return InterleavedTimer()


def timed_fit(model, data, batch_size, steps, repeats, timer):
    """One fit() of 1 + ``repeats`` epochs of ``steps`` batches, timed by the ``timer`` callback."""
    model.fit(
        *data,
        batch_size=batch_size,
        epochs=1 + repeats,
        steps_per_epoch=steps,
        verbose=0,
        shuffle=False,
        callbacks=[timer],
    )


def measure(backend, architecture, batch_size, steps, repeats, steps_per_execution=1) -> dict:
    """In a process running ``backend``: kgan fit() and the native loop, interleaved."""
    import keras

    import kgan
    from scripts import native_loops

    keras.utils.set_random_seed(0)
    model = kgan.create(architecture, image_shape=IMAGE_SHAPE)
    model.compile(steps_per_execution=steps_per_execution)
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
    timed_fit(model, data, batch_size, steps, repeats, timer)
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


def epoch_timer():
    """A callback that records the wall time of each fit() epoch (epoch hooks only)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times, self.start = [], None

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    return EpochTimer()


def measure_recipes(backend, batch_size, steps, repeats, parts=None) -> list[dict]:
    """DCGAN steps/s with each recipe part, in one process; plain DCGAN first and last."""
    import keras

    import kgan

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


def render_recipes(results) -> str:
    header = "| backend | DCGAN with | ms / step | × plain |\n|---|---|---|---|"
    rows = [
        f"| {r['backend']} | {r['part']} | {r['ms_per_step']:.1f} | {r['relative']:.2f} |"
        for r in results
    ]
    return "\n".join([header, *rows])


COLD_START = "import kgan; kgan.load('dcgan-mnist').sample(64, seed=0)"
SAMPLE_COUNT = 2048


def sample_throughput(repeats) -> float:
    """img/s of ``sample()`` on the warm zoo entry dcgan-mnist."""
    import kgan

    model = kgan.load("dcgan-mnist")
    model.sample(256, seed=0)  # warm-up
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        model.sample(SAMPLE_COUNT, seed=repeat, batch_size=256)
        times.append(time.perf_counter() - start)
    return SAMPLE_COUNT / statistics.median(times)


def cold_start_seconds(env, repeats) -> float:
    """Median wall time of fresh processes that load dcgan-mnist and draw 64 samples."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD_START], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def render(results) -> str:
    def gflops(result, rate):
        per_image = result["gflop_per_image"]
        return "—" if per_image is None else f"{result[rate] * per_image:.1f}"

    header = (
        "| backend | architecture | batch | steps/execution | kgan fit() img/s | native loop img/s "
        "| kgan / native | kgan GFLOP/s | native GFLOP/s | device |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {r['backend']} | {r['architecture']} | {r['batch_size']} "
        f"| {r.get('steps_per_execution', 1)} | {r['kgan_img_s']:.0f} "
        f"| {r['native_img_s']:.0f} | {r['ratio']:.2f} | {gflops(r, 'kgan_img_s')} "
        f"| {gflops(r, 'native_img_s')} | {r['device']} |"
        for r in results
    ]
    return "\n".join([header, *rows])


def flops_note(results) -> str:
    known = {r["architecture"]: r["gflop_per_image"] for r in results if r["gflop_per_image"]}
    listed = ", ".join(f"{name} {value:.3f}" for name, value in known.items())
    return f"GFLOP per image per training step: {listed}." if listed else ""


def _backend_env(backend):
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _worker(backend, args, env):
    # As a module from the repository root, so that ``scripts.native_loops`` imports.
    command = [sys.executable, "-m", "scripts.benchmark", "--worker", backend, *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"{backend} failed: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _names(value, known, what):
    names = value.split(",")
    for name in names:
        if name not in known:
            raise click.BadParameter(f"expected {what} among {', '.join(known)}; got {name!r}")
    return names


def _steps_per_execution(value, steps) -> list[int]:
    try:
        counts = [int(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"expected integers like 1,8; got {value!r}") from None
    if any(count < 1 or steps % count for count in counts):
        raise click.BadParameter(f"expected values >= 1 that divide --steps {steps}; got {value}")
    return counts


@click.command()
@click.option(
    "--backends", default=",".join(BACKENDS), show_default=True, help="Comma-separated backends."
)
@click.option(
    "--architectures",
    default=",".join(ARCHITECTURES),
    show_default=True,
    help="Comma-separated architectures.",
)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--steps", default=20, show_default=True, type=click.IntRange(1), help="Per block.")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1))
@click.option("--training/--no-training", default=True, help="Measure fit() against native.")
@click.option("--sampling/--no-sampling", default=True, help="Measure cold start and sample().")
@click.option(
    "--recipes/--no-recipes", default=False, help="Measure each recipe part's cost on DCGAN."
)
@click.option(
    "--steps-per-execution",
    "executions",
    default="1",
    show_default=True,
    help="Comma-separated compile(steps_per_execution=N) values to measure kgan at "
    "(PyTorch runs one step per call whatever N is); each must divide --steps.",
)
@click.option("--markdown", type=click.Path(dir_okay=False), help="Also write the tables here.")
@click.option("--worker", type=click.Choice(BACKENDS), hidden=True)
@click.option("--task", type=click.Choice(["training", "sampling", "recipes"]), hidden=True)
def main(
    backends, architectures, batch_size, steps, repeats, training, sampling, recipes, executions,
    markdown, worker, task,
):  # fmt: skip
    """Measure kgan's fit() against native loops, and sampling, one process per backend."""
    if worker:
        if task == "training":
            result = [
                measure(worker, name, batch_size, steps, repeats, int(executions))
                for name in architectures.split(",")
            ]
        elif task == "recipes":
            result = measure_recipes(worker, batch_size, steps, repeats)
        else:
            result = {"sample_img_s": sample_throughput(repeats)}
        print(json.dumps(result))
        return
    backend_names = _names(backends, BACKENDS, "backends")
    architecture_names = _names(architectures, ARCHITECTURES, "architectures")
    execution_counts = _steps_per_execution(executions, steps)
    tables = []
    if training:
        results = []
        args = ["--task", "training", "--batch-size", str(batch_size)]
        args += ["--steps", str(steps), "--repeats", str(repeats)]
        for backend in backend_names:
            for name in architecture_names:
                for count in execution_counts:
                    # One process per measurement, so none inherits another's memory or caches.
                    extra = ["--architectures", name, "--steps-per-execution", str(count)]
                    rows = _worker(backend, [*args, *extra], _backend_env(backend))
                    results += rows
                    click.echo(render(rows).splitlines()[-1])
        tables.append(render(results) + "\n\n" + flops_note(results))
    if sampling:
        rows = ["| backend | cold start: load + 64 samples (s) | sample() img/s |", "|---|---|---|"]
        for backend in backend_names:
            env = _backend_env(backend)
            cold = cold_start_seconds(env, repeats)
            rate = _worker(backend, ["--task", "sampling", "--repeats", str(repeats)], env)
            rows.append(f"| {backend} | {cold:.1f} | {rate['sample_img_s']:.0f} |")
            click.echo(rows[-1])
        tables.append("\n".join(rows))
    if recipes:
        results = []
        args = ["--task", "recipes", "--batch-size", str(batch_size)]
        args += ["--steps", str(steps), "--repeats", str(repeats)]
        for backend in backend_names:
            rows = _worker(backend, args, _backend_env(backend))
            results += rows
            click.echo(render_recipes(rows))
        tables.append(render_recipes(results))
    text = "\n\n".join(tables)
    click.echo("\n" + text)
    if markdown:
        with open(markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
