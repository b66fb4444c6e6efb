import keras
import pytest

from tests.helpers import idx_dir


@pytest.fixture(autouse=True)
def seeded():
    keras.utils.set_random_seed(1234)


@pytest.fixture(scope="module")
def idx_data(tmp_path_factory):
    """64 random 16x16 digits and labels as IDX files (train split), once per test module."""
    directory = tmp_path_factory.mktemp("idx")
    idx_dir(directory, n=64, size=16)
    return directory
