"""Hand-written training loops, one module per framework, for kgan's four architectures.

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

import importlib

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
    config = model.constructor_config()
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


def twin_spec(model):
    """What a native loop needs to know to train a twin of a kgan model (reference recipes only)."""
    check_reference_recipe(model)
    optimizer = model.d_optimizer
    return {
        "config": model.constructor_config(),
        "architecture": model.architecture,
        "conditional": model.num_classes is not None,
        "wasserstein": model.recipe.loss == "wasserstein",
        "gp_weight": model.penalties.get("gp", 0.0),
        "d_steps": model.d_steps,
        "latent_dim": model.latent_dim,
        "adam": (
            float(optimizer.learning_rate),
            float(optimizer.beta_1),
            float(optimizer.beta_2),
        ),
    }


def fresh_networks(spec):
    # A second model of the same recipe: the native loop trains its own weights.
    twin = kgan.create(spec["architecture"], **spec["config"])
    return twin.generator, twin.discriminator


# Each framework's loop lives in its own module, imported when asked for (each
# imports its framework at the top).
_LOOP_MODULES = {
    "tensorflow": ("scripts.native_loops.tensorflow_loop", "native_tensorflow"),
    "jax": ("scripts.native_loops.jax_loop", "native_jax"),
    "torch": ("scripts.native_loops.torch_loop", "native_torch"),
}


def _loop(backend):
    module, name = _LOOP_MODULES[backend]
    return lambda model: getattr(importlib.import_module(module), name)(model)


NATIVE = {backend: _loop(backend) for backend in _LOOP_MODULES}


def labels_for(model, count, seed=0):
    """Integer class labels for a conditional model (zeros otherwise)."""
    classes = model.num_classes or 1
    return np.random.default_rng(seed).integers(0, classes, count).astype("int32")
