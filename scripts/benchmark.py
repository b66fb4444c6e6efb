"""kgan's fit() throughput against hand-written native loops, side by side, per backend.

    python scripts/benchmark.py                                  # every backend and architecture
    python scripts/benchmark.py --backends torch --architectures dcgan --batch-size 256
    python scripts/benchmark.py --markdown bench.md              # also write the tables
    python scripts/benchmark.py --no-training                    # sampling only
    python scripts/benchmark.py --recipes --no-training --no-sampling  # recipe parts' cost
    python scripts/benchmark.py --steps 16 --steps-per-execution 1,8   # N steps per call
    python scripts/benchmark.py --backends torch --batch-size 64,8 --keras-layer-calls --compile

Each architecture runs at its kgan defaults for 28x28x1 images (DCGAN: width
64, so the generator is Dense→7x7x128, BN, ConvT 64, ConvT 1 and the
discriminator Conv 64, Conv 128 + BN, Dense 1), batch ``--batch-size``. The
native loops (``scripts/native_loops/``, one module per framework) train the identical networks with
the same algorithm in the framework itself: TensorFlow ``tf.function`` +
``GradientTape``, JAX ``jax.jit`` + optax, PyTorch plain ``torch.nn``.

Each backend runs in its own process (Keras picks its backend once):
``scripts/benchmark_worker.py`` measures, this script orchestrates and renders. Within
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

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("tensorflow", "jax", "torch")
ARCHITECTURES = ("vanilla-gan", "dcgan", "cgan", "wgan-gp")


def render_recipes(results) -> str:
    header = "| backend | DCGAN with | ms / step | × plain |\n|---|---|---|---|"
    rows = [
        f"| {r['backend']} | {r['part']} | {r['ms_per_step']:.1f} | {r['relative']:.2f} |"
        for r in results
    ]
    return "\n".join([header, *rows])


COLD_START = "import kgan; kgan.load('dcgan-mnist').sample(64, seed=0)"
SAMPLE_COUNT = 2048


def cold_start_seconds(env, repeats) -> float:
    """Median wall time of fresh processes that load dcgan-mnist and draw 64 samples."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD_START], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def render(results) -> str:
    def gflops(result, rate):
        per_image = result["gflop_per_image"]
        return "—" if per_image is None else f"{result[rate] * per_image:.1f}"

    header = (
        "| backend | architecture | batch | steps/execution | kgan step | warm-up s "
        "| kgan fit() img/s | native loop img/s "
        "| kgan / native | kgan GFLOP/s | native GFLOP/s | device |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {r['backend']} | {r['architecture']} | {r['batch_size']} "
        f"| {r.get('steps_per_execution', 1)} | {r['variant']} | {r['warm_up_s']:.1f} "
        f"| {r['kgan_img_s']:.0f} "
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
    command = [sys.executable, "-m", "scripts.benchmark_worker", *args]
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


def _positive_integers(value, option, example="64,8") -> list[int]:
    try:
        numbers = [int(v) for v in value.split(",")]
    except ValueError:
        numbers = []
    if not numbers or any(number < 1 for number in numbers):
        raise click.BadParameter(
            f"expected {option} as integers >= 1 like {example}; got {value!r}"
        )
    return numbers


def _steps_per_execution(value, steps) -> list[int]:
    counts = _positive_integers(value, "--steps-per-execution", example="1,8")
    if any(steps % count for count in counts):
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
@click.option(
    "--batch-size",
    "batch_sizes",
    default="64",
    show_default=True,
    help="Comma-separated batch sizes (8 stands in, on a CPU, for a GPU's overhead-bound steps).",
)
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
@click.option(
    "--keras-layer-calls",
    is_flag=True,
    help="Also measure kgan with every layer called through Keras's Layer.__call__ "
    "(what the PyTorch fast path skips), and with each layer's own call (no torch kernels).",
)
@click.option(
    "--compile",
    "jit_compile",
    is_flag=True,
    help="Also measure kgan with compile(jit_compile=True) (torch.compile on PyTorch).",
)
@click.option("--markdown", type=click.Path(dir_okay=False), help="Also write the tables here.")
def main(
    backends, architectures, batch_sizes, steps, repeats, training, sampling, recipes, executions,
    keras_layer_calls, jit_compile, markdown,
):  # fmt: skip
    """Measure kgan's fit() against native loops, and sampling, one process per backend."""
    backend_names = _names(backends, BACKENDS, "backends")
    architecture_names = _names(architectures, ARCHITECTURES, "architectures")
    execution_counts = _steps_per_execution(executions, steps)
    sizes = _positive_integers(batch_sizes, "--batch-size")
    layer_variants = ["layer-calls", "keras-layer-calls"] * keras_layer_calls
    variants = ["kgan", *layer_variants] + ["jit-compile"] * jit_compile
    batch_size = sizes[0]  # the recipes' table
    tables = []
    if training:
        results = []
        args = ["training", "--steps", str(steps), "--repeats", str(repeats)]
        for backend in backend_names:
            for name, size, count, variant in itertools.product(
                architecture_names, sizes, execution_counts, variants
            ):
                if variant in layer_variants and backend != "torch":
                    continue  # TensorFlow and JAX always call the layers through Keras
                # One process per measurement, so none inherits another's memory or caches.
                extra = ["--architectures", name, "--batch-size", str(size)]
                extra += ["--steps-per-execution", str(count), "--variant", variant]
                rows = _worker(backend, [*args, *extra], _backend_env(backend))
                results += rows
                click.echo(render(rows).splitlines()[-1])
        tables.append(render(results) + "\n\n" + flops_note(results))
    if sampling:
        rows = ["| backend | cold start: load + 64 samples (s) | sample() img/s |", "|---|---|---|"]
        for backend in backend_names:
            env = _backend_env(backend)
            cold = cold_start_seconds(env, repeats)
            rate = _worker(backend, ["sampling", "--repeats", str(repeats)], env)
            rows.append(f"| {backend} | {cold:.1f} | {rate['sample_img_s']:.0f} |")
            click.echo(rows[-1])
        tables.append("\n".join(rows))
    if recipes:
        results = []
        args = ["recipes", "--batch-size", str(batch_size)]
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
