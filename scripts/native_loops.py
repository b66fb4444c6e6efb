"""Hand-written training loops, one per framework, for kgan's four architectures.

``scripts/benchmark.py`` times each against kgan's ``fit()``. A loop is made by
``NATIVE[backend](model)``, where ``model`` is a compiled kgan model used only
as the recipe (architecture, sizes, ``d_steps``, optimizer settings); the loop
trains its own copy of the networks. It returns ``(step, to_float)``:
``step(images, labels)`` runs one training step on numpy arrays (labels are
ignored by unconditional models) and returns the discriminator loss;
``to_float`` turns that loss into a Python float, waiting for queued work.

Each loop runs kgan's algorithm, so the work per step is the same: ``d_steps``
discriminator updates, each on fresh latents with the generator pass outside
the gradient, then one generator update on fresh latents; non-saturating
losses, or Wasserstein losses plus ``gp_weight`` × the gradient penalty at
random interpolates for WGAN-GP. Latents and interpolation weights are drawn
in the framework's own RNG, inside the compiled step where there is one.

- tensorflow: the same Keras networks in a ``tf.function`` step with
  ``tf.GradientTape`` (the TF2 custom-loop idiom);
- jax: the same Keras networks as pure functions (``stateless_call``) in one
  ``jax.jit`` step, with optax Adam;
- torch: the networks written in plain ``torch.nn`` (NCHW; ``torch_networks``),
  ``torch.optim.Adam``, ``backward()``.
"""

import math

import numpy as np

import kgan

# The recipes the native loops implement, and nothing else: a model whose
# recipe differs (another loss, R1, EMA, augmentation, spectral norm, a
# BatchNorm-free DCGAN discriminator...) has no native twin, and the benchmark
# refuses it rather than compare different work. Penalty weights are free.
_PLAIN = {"penalty_every": 1, "ema": None, "augment": None, "spectral_norm": False}
REFERENCE_RECIPES = {
    "vanilla-gan": {"loss": "nonsaturating", "penalties": (), **_PLAIN},
    "dcgan": {"loss": "nonsaturating", "penalties": (), "d_batch_norm": True, **_PLAIN},
    "cgan": {"loss": "nonsaturating", "penalties": (), "d_batch_norm": True, **_PLAIN},
    "wgan-gp": {"loss": "wasserstein", "penalties": ("gp",), "d_batch_norm": False, **_PLAIN},
}


def check_reference_recipe(model):
    """Raises ValueError unless ``model`` trains a recipe that a native loop implements."""
    config = model.architecture_config()
    reference = REFERENCE_RECIPES.get(model.architecture)
    if reference is None:
        raise ValueError(f"kgan: the benchmark has no native loops for {model.architecture!r}.")
    actual = {**config, "penalties": tuple(sorted(config["penalties"]))}
    differing = {key: actual[key] for key, value in reference.items() if actual[key] != value}
    if differing:
        raise ValueError(
            f"kgan: the benchmark has no native twin for {model.architecture} with "
            f"{differing}; its native loops implement only {reference}."
        )


def recipe(model):
    """What a native loop needs to know about a kgan model (a reference recipe only)."""
    check_reference_recipe(model)
    optimizer = model.d_optimizer
    return {
        "config": model.architecture_config(),
        "architecture": model.architecture,
        "conditional": model.num_classes is not None,
        "wasserstein": model.recipe["loss"] == "wasserstein",
        "gp_weight": model.penalties.get("gp", 0.0),
        "d_steps": model.d_steps,
        "latent_dim": model.latent_dim,
        "adam": (
            float(optimizer.learning_rate),
            float(optimizer.beta_1),
            float(optimizer.beta_2),
        ),
    }


def _fresh_networks(spec):
    # A second model of the same recipe: the native loop trains its own weights.
    twin = kgan.create(spec["architecture"], **spec["config"])
    return twin.generator, twin.discriminator


# -- TensorFlow ----------------------------------------------------------------------


def native_tensorflow(model):
    import keras
    import tensorflow as tf

    spec = recipe(model)
    generator, discriminator = _fresh_networks(spec)
    learning_rate, beta_1, beta_2 = spec["adam"]
    d_opt = keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)
    g_opt = keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)
    conditional, wasserstein = spec["conditional"], spec["wasserstein"]

    def generate(latents, labels):
        return generator([latents, labels] if conditional else latents, training=True)

    def discriminate(images, labels):
        return discriminator([images, labels] if conditional else images, training=True)

    def penalty(real, fake, labels):
        alpha = tf.random.uniform([tf.shape(real)[0]] + [1] * (len(real.shape) - 1))
        interpolated = alpha * real + (1.0 - alpha) * fake
        with tf.GradientTape() as tape:
            tape.watch(interpolated)
            scores = discriminate(interpolated, labels)
        grads = tf.reshape(tape.gradient(scores, interpolated), (tf.shape(real)[0], -1))
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + 1e-12)
        return tf.reduce_mean(tf.square(norms - 1.0))

    @tf.function
    def step(real, labels):
        batch = tf.shape(real)[0]
        for _ in range(spec["d_steps"]):
            fake = generate(tf.random.normal((batch, spec["latent_dim"])), labels)
            with tf.GradientTape() as tape:
                real_out, fake_out = discriminate(real, labels), discriminate(fake, labels)
                if wasserstein:
                    d_loss = tf.reduce_mean(fake_out) - tf.reduce_mean(real_out)
                    d_loss += spec["gp_weight"] * penalty(real, fake, labels)
                else:
                    d_loss = tf.reduce_mean(tf.nn.softplus(-real_out)) + tf.reduce_mean(
                        tf.nn.softplus(fake_out)
                    )
            variables = discriminator.trainable_variables
            d_opt.apply(tape.gradient(d_loss, variables), variables)
        with tf.GradientTape() as tape:
            fake_out = discriminate(
                generate(tf.random.normal((batch, spec["latent_dim"])), labels), labels
            )
            if wasserstein:
                g_loss = -tf.reduce_mean(fake_out)
            else:
                g_loss = tf.reduce_mean(tf.nn.softplus(-fake_out))
        variables = generator.trainable_variables
        g_opt.apply(tape.gradient(g_loss, variables), variables)
        return d_loss

    def run(images, labels):
        return step(tf.constant(images), tf.constant(labels.reshape(-1, 1)))

    return run, float


# -- JAX -------------------------------------------------------------------------------


def native_jax(model):
    import jax
    import jax.numpy as jnp
    import optax

    spec = recipe(model)
    generator, discriminator = _fresh_networks(spec)
    conditional, wasserstein = spec["conditional"], spec["wasserstein"]
    learning_rate, beta_1, beta_2 = spec["adam"]
    d_tx = optax.adam(learning_rate, b1=beta_1, b2=beta_2)
    g_tx = optax.adam(learning_rate, b1=beta_1, b2=beta_2)

    def values(variables):
        return [v.value for v in variables]

    g_params, d_params = (
        values(generator.trainable_variables),
        values(discriminator.trainable_variables),
    )
    state = {
        "g": (g_params, values(generator.non_trainable_variables), g_tx.init(g_params)),
        "d": (d_params, values(discriminator.non_trainable_variables), d_tx.init(d_params)),
        "key": jax.random.key(0),
    }

    def generate(params, net_state, latents, labels):
        inputs = [latents, labels] if conditional else latents
        return generator.stateless_call(params, net_state, inputs, training=True)

    def discriminate(params, net_state, images, labels):
        inputs = [images, labels] if conditional else images
        return discriminator.stateless_call(params, net_state, inputs, training=True)

    def penalty(d_params, d_state, real, fake, labels, key):
        alpha = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1))
        interpolated = alpha * real + (1.0 - alpha) * fake

        def total_score(x):
            return jnp.sum(discriminate(d_params, d_state, x, labels)[0])

        grads = jax.grad(total_score)(interpolated).reshape(real.shape[0], -1)
        norms = jnp.sqrt(jnp.sum(jnp.square(grads), axis=1) + 1e-12)
        return jnp.mean(jnp.square(norms - 1.0))

    @jax.jit
    def step(state, real, labels):
        (g_params, g_state, g_opt), (d_params, d_state, d_opt) = state["g"], state["d"]
        key = state["key"]
        batch = real.shape[0]
        for _ in range(spec["d_steps"]):
            key, latent_key, alpha_key = jax.random.split(key, 3)
            latents = jax.random.normal(latent_key, (batch, spec["latent_dim"]))
            fake, g_state = generate(g_params, g_state, latents, labels)
            fake = jax.lax.stop_gradient(fake)

            def d_loss_fn(d_params, d_state=d_state, fake=fake, alpha_key=alpha_key):
                real_out, new_state = discriminate(d_params, d_state, real, labels)
                fake_out, new_state = discriminate(d_params, new_state, fake, labels)
                if wasserstein:
                    loss = jnp.mean(fake_out) - jnp.mean(real_out)
                    gp = penalty(d_params, new_state, real, fake, labels, alpha_key)
                    return loss + spec["gp_weight"] * gp, new_state
                loss = jnp.mean(jax.nn.softplus(-real_out)) + jnp.mean(jax.nn.softplus(fake_out))
                return loss, new_state

            (d_loss, d_state), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(d_params)
            updates, d_opt = d_tx.update(grads, d_opt, d_params)
            d_params = optax.apply_updates(d_params, updates)
        key, latent_key = jax.random.split(key)
        latents = jax.random.normal(latent_key, (batch, spec["latent_dim"]))

        def g_loss_fn(g_params):
            fake, new_state = generate(g_params, g_state, latents, labels)
            fake_out, _ = discriminate(d_params, d_state, fake, labels)
            if wasserstein:
                return -jnp.mean(fake_out), new_state
            return jnp.mean(jax.nn.softplus(-fake_out)), new_state

        (_, g_state), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(g_params)
        updates, g_opt = g_tx.update(grads, g_opt, g_params)
        g_params = optax.apply_updates(g_params, updates)
        new_state = {"g": (g_params, g_state, g_opt), "d": (d_params, d_state, d_opt), "key": key}
        return new_state, d_loss

    def run(images, labels):
        nonlocal state
        state, d_loss = step(state, images, labels.reshape(-1, 1))
        return d_loss

    return run, float


# -- PyTorch ---------------------------------------------------------------------------


def torch_networks(model):
    """``model``'s generator and discriminator written in plain torch.nn (NCHW).

    Same layers, sizes and parameter counts as kgan's Keras networks (BatchNorm
    with Keras's epsilon and momentum); only the memory layout differs.
    """
    spec = recipe(model)
    if spec["architecture"] == "vanilla-gan":
        return _torch_mlp(spec)
    return _torch_convnets(spec)


def _torch_mlp(spec):
    from torch import nn

    image_shape = spec["config"]["image_shape"]
    size = math.prod(image_shape)
    hidden = list(spec["config"]["hidden_units"])
    g_layers, width = [], spec["latent_dim"]
    for units in hidden:
        g_layers += [nn.Linear(width, units), nn.LeakyReLU(0.2)]
        width = units
    generator = nn.Sequential(*g_layers, nn.Linear(width, size), nn.Tanh())
    d_layers, width = [nn.Flatten()], size
    for units in reversed(hidden):
        d_layers += [nn.Linear(width, units), nn.LeakyReLU(0.2)]
        width = units
    discriminator = nn.Sequential(*d_layers, nn.Linear(width, 1))
    return generator, discriminator


def _batch_norm(channels, dims=2):
    from torch import nn

    kind = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    return kind(channels, eps=1e-3, momentum=0.01)  # Keras's defaults


def _torch_convnets(spec):
    import torch
    from torch import nn

    from kgan.models import dcgan

    config = spec["config"]
    image_channels = config["image_shape"][-1]
    steps, base_h, base_w = dcgan.resolution_plan(config["image_shape"])
    width = config["width"]
    channels = width * 2 ** (steps - 1)
    g_layers = [
        nn.Linear(
            spec["latent_dim"] * (2 if spec["conditional"] else 1),
            base_h * base_w * channels,
            bias=False,
        ),
        _batch_norm(base_h * base_w * channels, dims=1),
        nn.ReLU(),
        nn.Unflatten(1, (channels, base_h, base_w)),
    ]
    for _ in range(steps - 1):
        g_layers += [
            nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=False),
            _batch_norm(channels // 2),
            nn.ReLU(),
        ]
        channels //= 2
    g_layers += [nn.ConvTranspose2d(channels, image_channels, 4, 2, 1), nn.Tanh()]
    d_layers, in_channels = [], image_channels
    for step in range(steps):
        out_channels = width * 2**step
        d_layers.append(nn.Conv2d(in_channels, out_channels, 4, 2, 1))
        if step > 0 and config.get("d_batch_norm", True):
            d_layers.append(_batch_norm(out_channels))
        d_layers.append(nn.LeakyReLU(0.2))
        in_channels = out_channels
    d_layers.append(nn.Flatten())
    features = in_channels * base_h * base_w
    generator, body = nn.Sequential(*g_layers), nn.Sequential(*d_layers)
    if not spec["conditional"]:
        return generator, nn.Sequential(body, nn.Linear(features, 1))
    classes, latent_dim = config["num_classes"], spec["latent_dim"]

    class ConditionalGenerator(nn.Module):
        # kgan's CGAN generator: a label embedding concatenated to the latents.
        def __init__(self):
            super().__init__()
            self.embedding, self.body = nn.Embedding(classes, latent_dim), generator

        def forward(self, latents, labels):
            return self.body(torch.cat([latents, self.embedding(labels[:, 0])], dim=1))

    class ProjectionDiscriminator(nn.Module):
        # kgan's CGAN discriminator: linear logit + <label embedding, features>.
        def __init__(self):
            super().__init__()
            self.body, self.logit = body, nn.Linear(features, 1)
            self.projection = nn.Embedding(classes, features)

        def forward(self, images, labels):
            features_ = self.body(images)
            projection = (self.projection(labels[:, 0]) * features_).sum(dim=1, keepdim=True)
            return self.logit(features_) + projection

    return ConditionalGenerator(), ProjectionDiscriminator()


def native_torch(model):
    import torch
    from torch.nn import functional

    spec = recipe(model)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    generator, discriminator = (net.to(device) for net in torch_networks(model))
    learning_rate, beta_1, beta_2 = spec["adam"]
    d_opt = torch.optim.Adam(discriminator.parameters(), learning_rate, betas=(beta_1, beta_2))
    g_opt = torch.optim.Adam(generator.parameters(), learning_rate, betas=(beta_1, beta_2))
    conditional, wasserstein = spec["conditional"], spec["wasserstein"]

    def generate(latents, labels):
        return generator(latents, labels) if conditional else generator(latents)

    def discriminate(images, labels):
        return discriminator(images, labels) if conditional else discriminator(images)

    def penalty(real, fake, labels):
        alpha = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=device)
        interpolated = (alpha * real + (1.0 - alpha) * fake).requires_grad_(True)
        scores = discriminate(interpolated, labels)
        (grads,) = torch.autograd.grad(scores.sum(), interpolated, create_graph=True)
        norms = torch.sqrt(grads.flatten(1).square().sum(dim=1) + 1e-12)
        return (norms - 1.0).square().mean()

    def run(images, labels):
        real = torch.from_numpy(images).to(device)
        real = real.permute(0, 3, 1, 2) if real.dim() == 4 else real
        labels = torch.from_numpy(labels.reshape(-1, 1)).long().to(device)
        batch = real.shape[0]
        for _ in range(spec["d_steps"]):
            with torch.no_grad():
                fake = generate(torch.randn(batch, spec["latent_dim"], device=device), labels)
                fake = fake.reshape(real.shape)
            real_out, fake_out = discriminate(real, labels), discriminate(fake, labels)
            if wasserstein:
                d_loss = fake_out.mean() - real_out.mean()
                d_loss = d_loss + spec["gp_weight"] * penalty(real, fake, labels)
            else:
                d_loss = (
                    functional.softplus(-real_out).mean() + functional.softplus(fake_out).mean()
                )
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        fake = generate(torch.randn(batch, spec["latent_dim"], device=device), labels)
        fake_out = discriminate(fake.reshape(real.shape), labels)
        g_loss = -fake_out.mean() if wasserstein else functional.softplus(-fake_out).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return d_loss

    return run, lambda loss: float(loss.detach().cpu())


NATIVE = {"tensorflow": native_tensorflow, "jax": native_jax, "torch": native_torch}


def labels_for(model, count, seed=0):
    """Integer class labels for a conditional model (zeros otherwise)."""
    classes = model.num_classes or 1
    return np.random.default_rng(seed).integers(0, classes, count).astype("int32")
