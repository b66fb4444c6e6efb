import keras
import pytest

from tests.helpers import idx_dir

# Checks that no Keras backend changes (building and installing the wheel) run once per
# scripts/run_tests.py, in this backend's suite (the shortest), not once per backend.
ONE_BACKEND = "torch"


def pytest_collection_modifyitems(config, items):
    if keras.config.backend() == ONE_BACKEND:
        return
    once = [item for item in items if item.get_closest_marker("backend_independent")]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if item not in once]


@pytest.fixture(autouse=True)
def seeded():
    keras.utils.set_random_seed(1234)


@pytest.fixture(scope="module")
def idx_data(tmp_path_factory):
    """64 random 16x16 digits and labels as IDX files (train split), once per test module."""
    directory = tmp_path_factory.mktemp("idx")
    idx_dir(directory, n=64, size=16)
    return directory
