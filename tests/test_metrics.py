"""kgan.metrics against cases with known answers."""

import numpy as np
import pytest
import scipy.linalg

from kgan import metrics


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_classifier_score_spans_one_to_the_number_of_classes():
    uniform = np.full((100, 10), 0.1)
    assert metrics.classifier_score(uniform) == pytest.approx(1.0)
    confident_balanced = np.eye(10)[np.arange(100) % 10]
    assert metrics.classifier_score(confident_balanced) == pytest.approx(10.0, rel=1e-6)
    collapsed = np.eye(10)[np.zeros(100, int)]
    assert metrics.classifier_score(collapsed) == pytest.approx(1.0)


def test_frechet_distance_of_gaussians_matches_the_closed_form(rng):
    a = rng.normal(size=(20_000, 4))
    b = rng.normal(size=(20_000, 4)) * 2.0 + np.array([1.0, 0, 0, 0])
    # ‖Δμ‖² + Σ (1 + 4 − 2·2) per dimension = 1 + 4.
    assert metrics.frechet_distance(a, b) == pytest.approx(5.0, rel=0.03)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two(rng):
    a, b = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    same, _ = metrics.kernel_inception_distance(a, b, subset_size=500, subsets=20)
    shifted, _ = metrics.kernel_inception_distance(a, b + 0.5, subset_size=500, subsets=20)
    assert abs(same) < 0.01 and shifted > 0.1


def test_precision_recall_separates_fidelity_from_coverage(rng):
    real = rng.normal(size=(1000, 8))
    same = metrics.precision_recall(real, rng.normal(size=(1000, 8)))
    assert same["precision"] > 0.85 and same["recall"] > 0.85  # k-NN balls miss some tails
    # A collapsed generator: faithful (precision) but covering little (recall).
    collapsed = np.repeat(real[:5], 20, axis=0) + rng.normal(scale=0.01, size=(100, 8))
    result = metrics.precision_recall(real, collapsed)
    assert result["precision"] > 0.9 and result["recall"] < 0.3
    far = metrics.precision_recall(real, rng.normal(size=(1000, 8)) + 100.0)
    assert far == {"precision": 0.0, "recall": 0.0}


def test_nearest_neighbour_distances_are_exact():
    reference = np.array([[0.0, 0.0], [3.0, 4.0]])
    queries = np.array([[0.0, 1.0], [3.0, 4.0], [6.0, 8.0]])
    np.testing.assert_allclose(
        metrics.nearest_neighbour_distances(queries, reference), [1.0, 0.0, 5.0], atol=1e-5
    )


def test_class_histogram_and_balance():
    histogram = metrics.class_histogram([0, 0, 1, 2, 2, 2], 4)
    assert histogram.tolist() == [2, 1, 3, 0]
    assert metrics.class_balance(histogram) == {"classes_present": 3, "max_over_min": float("inf")}
    assert metrics.class_balance([10, 15])["max_over_min"] == 1.5


def test_frechet_distance_with_fewer_samples_than_features_equals_the_matrix_root(rng):
    # The low-rank path (the nuclear norm of A·Bᵀ) against scipy's sqrtm on the same sets.
    a = rng.standard_normal((20, 40)) @ rng.standard_normal((40, 40))
    b = rng.standard_normal((30, 40)) + 0.5
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = np.real(scipy.linalg.sqrtm(cov_a @ cov_b))
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(cov_a + cov_b - 2 * root)
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
