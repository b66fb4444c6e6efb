"""The JAX loop: kgan's Keras networks as pure functions (``stateless_call``) in one ``jax.jit``
step, with optax Adam."""

import jax
import jax.numpy as jnp
import optax

from scripts.native_loops import fresh_networks, twin_spec


def native_jax(model):
    spec = twin_spec(model)
    generator, discriminator = fresh_networks(spec)
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
