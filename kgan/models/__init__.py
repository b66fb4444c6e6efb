"""kgan's models; importing this registers every architecture."""

from kgan.models.cgan import CGAN
from kgan.models.cyclegan import CycleGAN
from kgan.models.dcgan import DCGAN
from kgan.models.gan import GAN
from kgan.models.pix2pix import Pix2Pix
from kgan.models.registry import (
    check_config_keys,
    check_fits_in_memory,
    config_keys,
    create,
    get_architecture,
    list_architectures,
)
from kgan.models.srgan import SRGAN
from kgan.models.translator import Translator
from kgan.models.vanilla_gan import VanillaGAN
from kgan.models.wgan_gp import WGANGP

__all__ = [
    "CGAN",
    "DCGAN",
    "GAN",
    "SRGAN",
    "WGANGP",
    "CycleGAN",
    "Pix2Pix",
    "Translator",
    "VanillaGAN",
    "check_config_keys",
    "check_fits_in_memory",
    "config_keys",
    "create",
    "get_architecture",
    "list_architectures",
]
