"""Edit directions: a latent direction per class (as InterFaceGAN finds them), and how often
moving along one makes the evaluator see the new class (the flip rate).

Example:

>>> import kgan
>>> from kgan import editing, evaluators
>>> model, evaluator = kgan.load("dcgan-mnist"), evaluators.load_evaluator("mnist")
>>> directions = editing.find_class_directions(model, evaluator)  # (10, latent_dim)
>>> z = model.latents(8, seed=1)
>>> sevens = model.edit(z, directions[7], strength=4.0)
"""

import numpy as np

from kgan.evaluators import Evaluator
from kgan.models.latent_space import class_directions

UNCONDITIONAL_STRENGTHS = (0.0, 1.0, 2.0, 4.0, 8.0)  # latent norms are about sqrt(latent_dim)
CONDITIONAL_STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the share of the new class's label vector


def find_class_directions(model, evaluator: Evaluator, n: int = 10_000, seed: int = 0):
    """(num_classes, latent_dim) unit directions: ``n`` seeded latents, labelled by the
    evaluator's reading of their images, split per class by linear discriminant analysis
    (``kgan.models.latent_space.class_directions``)."""
    evaluator.check_fits(model, "the model")
    latents = model.latents(n, seed)
    labels = evaluator.predict(model.sample(n, latents=latents))[0].argmax(-1)
    return class_directions(latents, labels, evaluator.num_classes)


def flip_rates(
    model, evaluator: Evaluator, strengths=None, n: int = 1000, seed: int = 1, directions=None
) -> list[dict]:
    """The share of ``n`` edited images that the evaluator puts in the class they were moved to.

    Each image gets a target class other than its own (the evaluator's reading,
    or its label for a conditional model), spread evenly over the others.
    Unconditional models move along the target's direction (``directions``, or
    ``find_class_directions``); conditional ones move their label vector toward
    the target's (``CGAN.edit``). Strength 0 gives the floor: images already
    read as their target. Returns one ``{"strength", "flip_rate"}`` per strength.
    """
    evaluator.check_fits(model, "the model")
    classes = evaluator.num_classes
    conditional = model.num_classes is not None
    latents = model.latents(n, seed)
    rows = np.arange(n)
    if conditional:
        start = rows % classes
    else:
        start = evaluator.predict(model.sample(n, latents=latents))[0].argmax(-1)
        if directions is None:
            directions = find_class_directions(model, evaluator, seed=seed + 1)
    target = (start + 1 + (rows // classes) % (classes - 1)) % classes
    if strengths is None:
        strengths = CONDITIONAL_STRENGTHS if conditional else UNCONDITIONAL_STRENGTHS
    results = []
    for strength in strengths:
        if conditional:
            edited = np.zeros((n, *model.image_shape), "float32")
            for c in range(classes):  # CGAN.edit moves toward one class at a time
                chosen = target == c
                if chosen.any():
                    edited[chosen] = model.edit(latents[chosen], c, strength, labels=start[chosen])
        else:
            edited = model.edit(latents, directions[target], strength)
        read = evaluator.predict(edited)[0].argmax(-1)
        results.append({"strength": float(strength), "flip_rate": float(np.mean(read == target))})
    return results
