"""kgan's fit() throughput against a hand-written native loop, side by side, per backend.

    python scripts/benchmark.py                                  # every backend, batch 64
    python scripts/benchmark.py --backends torch --batch-size 256 --repeats 7
    python scripts/benchmark.py --markdown bench.md              # also write the tables
    python scripts/benchmark.py --no-training                    # sampling only

The network is kgan's default DCGAN (28x28x1, width 64: the generator is
Dense→7x7x128, BN, ConvT 64, ConvT 1; the discriminator Conv 64, Conv 128
with BN, Dense 1) with non-saturating losses and Adam(2e-4, 0.5) for both. The
native loops train the identical network in the same framework:

- tensorflow: the same Keras networks in a ``tf.function`` step with
  ``tf.GradientTape`` (the TF2 custom-loop idiom);
- jax: the same Keras networks as pure functions (``stateless_call``) in one
  ``jax.jit`` step with optax Adam;
- torch: the network written in plain ``torch.nn`` (NCHW) with ``torch.optim.Adam``.

Each backend runs in its own process (Keras picks its backend once). Within
it, kgan and native are interleaved: after a warm-up (compilation) each is
timed over ``--steps`` steps, ``--repeats`` times, alternating, and the
median is reported. No timing is asserted anywhere; this script only measures.

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

import click
import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
LATENT_DIM, WIDTH, SHAPE = 100, 64, (28, 28, 1)


def train_flops_per_image(generator, discriminator) -> float:
    """FLOPs of one D step + one G step per image, from the layers' multiply-adds.

    D step: G forward, D forward on real and fake, D backward (≈ 2× forward):
    G + 6D. G step: G and D forward, backward through both: 3G + 3D. Total
    4G + 9D, with FLOPs = 2 × multiply-adds of dense and conv layers.
    """

    def macs(model):
        total = 0
        for layer in model.layers:
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

    return 2.0 * (4 * macs(generator) + 9 * macs(discriminator))


# -- native loops: each returns step(real_batch_numpy, latents_numpy) ----------


def native_tensorflow(batch_size):
    import keras
    import tensorflow as tf

    from kgan.models import dcgan

    generator = dcgan.build_generator(LATENT_DIM, SHAPE, WIDTH)
    discriminator = dcgan.build_discriminator(SHAPE, WIDTH)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    bce = tf.nn.sigmoid_cross_entropy_with_logits

    @tf.function
    def step(real, latents):
        with tf.GradientTape() as tape:
            fake = generator(latents, training=True)
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
            d_loss = tf.reduce_mean(
                bce(labels=tf.ones_like(real_logits), logits=real_logits)
            ) + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logits), logits=fake_logits))
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply(grads, discriminator.trainable_variables)
        with tf.GradientTape() as tape:
            fake_logits = discriminator(generator(latents, training=True), training=True)
            g_loss = tf.reduce_mean(bce(labels=tf.ones_like(fake_logits), logits=fake_logits))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply(grads, generator.trainable_variables)
        return d_loss, g_loss

    def run(real, latents):
        d_loss, _ = step(tf.constant(real), tf.constant(latents))
        return d_loss

    return run, lambda loss: float(loss)


def native_jax(batch_size):
    import jax
    import jax.numpy as jnp
    import optax

    from kgan.models import dcgan

    generator = dcgan.build_generator(LATENT_DIM, SHAPE, WIDTH)
    discriminator = dcgan.build_discriminator(SHAPE, WIDTH)
    g_params = [v.value for v in generator.trainable_variables]
    g_state = [v.value for v in generator.non_trainable_variables]
    d_params = [v.value for v in discriminator.trainable_variables]
    d_state = [v.value for v in discriminator.non_trainable_variables]
    d_tx, g_tx = optax.adam(2e-4, b1=0.5), optax.adam(2e-4, b1=0.5)
    state = {
        "g": (g_params, g_state, g_tx.init(g_params)),
        "d": (d_params, d_state, d_tx.init(d_params)),
    }

    def bce(logits, target):
        return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, jnp.full_like(logits, target)))

    @jax.jit
    def step(state, real, latents):
        (g_params, g_state, g_opt), (d_params, d_state, d_opt) = state["g"], state["d"]

        def d_loss_fn(d_params):
            fake, _ = generator.stateless_call(g_params, g_state, latents, training=True)
            real_logits, d_new = discriminator.stateless_call(
                d_params, d_state, real, training=True
            )
            fake_logits, d_new = discriminator.stateless_call(d_params, d_new, fake, training=True)
            return bce(real_logits, 1.0) + bce(fake_logits, 0.0), d_new

        (d_loss, d_state), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(d_params)
        updates, d_opt = d_tx.update(grads, d_opt, d_params)
        d_params = optax.apply_updates(d_params, updates)

        def g_loss_fn(g_params):
            fake, g_new = generator.stateless_call(g_params, g_state, latents, training=True)
            logits, _ = discriminator.stateless_call(d_params, d_state, fake, training=True)
            return bce(logits, 1.0), g_new

        (_, g_state), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(g_params)
        updates, g_opt = g_tx.update(grads, g_opt, g_params)
        g_params = optax.apply_updates(g_params, updates)
        return {"g": (g_params, g_state, g_opt), "d": (d_params, d_state, d_opt)}, d_loss

    def run(real, latents):
        nonlocal state
        state, d_loss = step(state, real, latents)
        return d_loss

    return run, float


def torch_networks():
    """kgan's default DCGAN written in plain torch.nn (NCHW); same layers and shapes."""
    from torch import nn

    channels = WIDTH * 2
    generator = nn.Sequential(
        nn.Linear(LATENT_DIM, 7 * 7 * channels, bias=False),
        nn.BatchNorm1d(7 * 7 * channels),
        nn.ReLU(),
        nn.Unflatten(1, (channels, 7, 7)),
        nn.ConvTranspose2d(channels, WIDTH, 4, 2, 1, bias=False),
        nn.BatchNorm2d(WIDTH),
        nn.ReLU(),
        nn.ConvTranspose2d(WIDTH, 1, 4, 2, 1),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, WIDTH, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(WIDTH, channels, 4, 2, 1),
        nn.BatchNorm2d(channels),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(7 * 7 * channels, 1),
    )
    return generator, discriminator


def native_torch(batch_size):
    import torch
    from torch import nn

    generator, discriminator = torch_networks()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    generator, discriminator = generator.to(device), discriminator.to(device)
    d_opt = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    def run(real, latents):
        real = torch.from_numpy(real).to(device).permute(0, 3, 1, 2)
        latents = torch.from_numpy(latents).to(device)
        fake = generator(latents)
        real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
        d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
            fake_logits, torch.zeros_like(fake_logits)
        )
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        fake_logits = discriminator(fake)
        g_loss = bce(fake_logits, torch.ones_like(fake_logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return d_loss

    return run, lambda loss: float(loss.detach().cpu())


NATIVE = {"tensorflow": native_tensorflow, "jax": native_jax, "torch": native_torch}


def measure(backend, batch_size, steps, repeats) -> dict:
    """In a process running ``backend``: kgan fit() and the native loop, interleaved."""
    import keras

    import kgan

    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch_size * steps, *SHAPE)).astype("float32")
    latents = rng.standard_normal((batch_size * steps, LATENT_DIM)).astype("float32")
    keras.utils.set_random_seed(0)
    model = kgan.DCGAN(image_shape=SHAPE, latent_dim=LATENT_DIM, width=WIDTH)
    model.compile()
    native_step, to_float = NATIVE[backend](batch_size)

    def time_kgan():
        start = time.perf_counter()
        model.fit(images, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - start

    def time_native():
        start = time.perf_counter()
        for i in range(steps):
            batch = slice(i * batch_size, (i + 1) * batch_size)
            loss = native_step(images[batch], latents[batch])
        to_float(loss)  # waits for queued device work
        return time.perf_counter() - start

    time_kgan(), time_native()  # warm-up: tracing, compilation, allocator
    kgan_times, native_times = [], []
    for _ in range(repeats):
        kgan_times.append(time_kgan())
        native_times.append(time_native())
    flops = train_flops_per_image(model.generator, model.discriminator)
    kgan_rate = batch_size * steps / statistics.median(kgan_times)
    native_rate = batch_size * steps / statistics.median(native_times)
    return {
        "backend": backend,
        "batch_size": batch_size,
        "steps": steps,
        "repeats": repeats,
        "kgan_img_s": kgan_rate,
        "native_img_s": native_rate,
        "ratio": kgan_rate / native_rate,
        "gflop_per_image": flops / 1e9,
        "kgan_gflop_s": kgan_rate * flops / 1e9,
        "native_gflop_s": native_rate * flops / 1e9,
        "device": _device(backend),
    }


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
    header = (
        "| backend | batch | kgan fit() img/s | native loop img/s | kgan / native "
        "| kgan GFLOP/s | native GFLOP/s | device |\n|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {r['backend']} | {r['batch_size']} | {r['kgan_img_s']:.0f} | {r['native_img_s']:.0f} "
        f"| {r['ratio']:.2f} | {r['kgan_gflop_s']:.1f} | {r['native_gflop_s']:.1f} "
        f"| {r['device']} |"
        for r in results
    ]
    return "\n".join([header, *rows])


def _backend_env(backend):
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _worker(backend, args, env):
    command = [sys.executable, __file__, "--worker", backend, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"{backend} failed: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@click.command()
@click.option(
    "--backends", default=",".join(BACKENDS), show_default=True, help="Comma-separated backends."
)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--steps", default=20, show_default=True, type=click.IntRange(1), help="Per timing.")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1))
@click.option("--training/--no-training", default=True, help="Measure fit() against native.")
@click.option("--sampling/--no-sampling", default=True, help="Measure cold start and sample().")
@click.option("--markdown", type=click.Path(dir_okay=False), help="Also write the tables here.")
@click.option("--worker", type=click.Choice(BACKENDS), hidden=True)
@click.option("--task", type=click.Choice(["training", "sampling"]), hidden=True)
def main(backends, batch_size, steps, repeats, training, sampling, markdown, worker, task):
    """Measure kgan's DCGAN fit() against native loops, and sampling, one process per backend."""
    if worker:
        result = (
            measure(worker, batch_size, steps, repeats)
            if task == "training"
            else {"sample_img_s": sample_throughput(repeats)}
        )
        print(json.dumps(result))
        return
    names = backends.split(",")
    for backend in names:
        if backend not in BACKENDS:
            raise click.BadParameter(f"expected some of {BACKENDS}; got {backend!r}")
    tables = []
    if training:
        results = []
        args = ["--task", "training", "--batch-size", str(batch_size)]
        args += ["--steps", str(steps), "--repeats", str(repeats)]
        for backend in names:
            results.append(_worker(backend, args, _backend_env(backend)))
            click.echo(render(results[-1:]).splitlines()[-1])
        flops = results[0]["gflop_per_image"]
        tables.append(
            render(results)
            + f"\n\nFLOPs per image per train step (D step + G step): {flops:.3f} GFLOP"
        )
    if sampling:
        rows = ["| backend | cold start: load + 64 samples (s) | sample() img/s |", "|---|---|---|"]
        for backend in names:
            env = _backend_env(backend)
            cold = cold_start_seconds(env, repeats)
            rate = _worker(backend, ["--task", "sampling", "--repeats", str(repeats)], env)
            rows.append(f"| {backend} | {cold:.1f} | {rate['sample_img_s']:.0f} |")
            click.echo(rows[-1])
        tables.append("\n".join(rows))
    text = "\n\n".join(tables)
    click.echo("\n" + text)
    if markdown:
        with open(markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
