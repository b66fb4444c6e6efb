"""The TensorFlow loop: kgan's Keras networks in a ``tf.function`` step with ``tf.GradientTape``."""

import keras
import tensorflow as tf

from scripts.native_loops import fresh_networks, twin_spec


def native_tensorflow(model):
    spec = twin_spec(model)
    generator, discriminator = fresh_networks(spec)
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
