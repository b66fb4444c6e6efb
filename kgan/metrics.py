"""Sample-quality metrics as pure numpy functions of classifier outputs.

Each takes arrays (probabilities or features, one row per image) and returns
numbers; none knows about models or datasets. ``kgan.evaluation`` feeds them
with the evaluator classifier's outputs.

Example:

>>> import numpy as np
>>> from kgan import metrics
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(size=(500, 8)), rng.normal(size=(500, 8))
>>> round(metrics.frechet_distance(a, a), 6)
0.0
>>> metrics.precision_recall(a, b, k=3)["precision"] > 0.5
True
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.stats

_EPS = 1e-12


def classifier_score(probabilities) -> float:
    """exp(E_x KL(p(y|x) ‖ p(y))): the Inception score with a classifier of our own.

    Between 1 (every image classified alike, or uncertain) and the number of
    classes (confident and balanced), as TF-GAN's "MNIST score".
    """
    p = np.asarray(probabilities, dtype=np.float64)
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + _EPS) - np.log(marginal + _EPS)), axis=1)
    return float(np.exp(kl.mean()))


def frechet_distance(features_a, features_b) -> float:
    """‖μa − μb‖² + Tr(Σa + Σb − 2(ΣaΣb)^½) between Gaussians fitted to two feature sets.

    With fewer samples than feature dimensions (Inception's 2,048 features of a
    small set) the covariances have low rank, and Tr((ΣaΣb)^½) is computed
    exactly from the samples: with Σa = AᵀA and Σb = BᵀB (A, B the centred
    features over √(n − 1)), the eigenvalues of ΣaΣb are the squared singular
    values of ABᵀ, so the trace is ABᵀ's nuclear norm: an n × n problem, not
    a d × d matrix square root.
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    if min(len(a), len(b)) < a.shape[1]:
        centred_a = (a - mean_a) / np.sqrt(max(len(a) - 1, 1))
        centred_b = (b - mean_b) / np.sqrt(max(len(b) - 1, 1))
        root_trace = np.linalg.svd(centred_a @ centred_b.T, compute_uv=False).sum()
        traces = np.sum(centred_a**2) + np.sum(centred_b**2)
        distance = np.sum((mean_a - mean_b) ** 2) + traces - 2.0 * root_trace
        return float(max(distance, 0.0))
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():
        # Dead ReLU features make the covariances singular; sqrtm still converges.
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        root = scipy.linalg.sqrtm(cov_a @ cov_b)
        if not np.all(np.isfinite(root)):  # as pytorch-fid: retry with a small ridge
            ridge = np.eye(len(cov_a)) * 1e-6
            root = scipy.linalg.sqrtm((cov_a + ridge) @ (cov_b + ridge))
    # sqrtm of a product of PSD matrices can pick up tiny imaginary parts.
    root = np.real(root)
    distance = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2.0 * root)
    return float(max(distance, 0.0))


def kernel_inception_distance(
    features_a, features_b, subset_size=1000, subsets=100, seed=0
) -> tuple[float, float]:
    """KID (Bińkowski et al. 2018): unbiased MMD² with the kernel (x·y/d + 1)³.

    Averaged over ``subsets`` random subsets of ``subset_size`` rows of each
    set (capped at the smaller set). Returns (mean, standard deviation).
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    size = min(subset_size, len(a), len(b))
    dim = a.shape[1]
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), size, replace=False)]
        y = b[rng.choice(len(b), size, replace=False)]
        k_xx, k_yy, k_xy = ((u @ v.T / dim + 1.0) ** 3 for u, v in ((x, x), (y, y), (x, y)))
        off_diagonal = size * (size - 1)
        mmd = (
            (k_xx.sum() - np.trace(k_xx)) / off_diagonal
            + (k_yy.sum() - np.trace(k_yy)) / off_diagonal
            - 2.0 * k_xy.mean()
        )
        estimates.append(mmd)
    return float(np.mean(estimates)), float(np.std(estimates))


def pairwise_distances(a, b, chunk=2048):
    """Euclidean distances between the rows of ``a`` and ``b``, computed in row chunks."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    b_norms = np.sum(b * b, axis=1)
    rows = []
    for start in range(0, len(a), chunk):
        part = a[start : start + chunk]
        squared = np.sum(part * part, axis=1)[:, None] + b_norms[None, :] - 2.0 * part @ b.T
        rows.append(np.sqrt(np.maximum(squared, 0.0)))
    return np.concatenate(rows)


def nearest_neighbour_distances(queries, reference, chunk=512) -> np.ndarray:
    """Each query row's Euclidean distance to its nearest row of ``reference``."""
    queries = np.asarray(queries, np.float32).reshape(len(queries), -1)
    reference = np.asarray(reference, np.float32).reshape(len(reference), -1)
    return np.concatenate(
        [
            pairwise_distances(queries[start : start + chunk], reference).min(axis=1)
            for start in range(0, len(queries), chunk)
        ]
    )


def _knn_radii(features, k):
    distances = pairwise_distances(features, features)
    # Index 0 in sorted order is the point itself (distance 0); partition finds index k.
    return np.partition(distances, k, axis=1)[:, k]


def precision_recall(real_features, fake_features, k=3) -> dict:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN manifolds.

    Precision: the share of fake samples inside the real manifold (the union
    of balls around real samples reaching their k-th neighbour); recall: the
    share of real samples inside the fake manifold.
    """
    real = np.asarray(real_features, np.float32)
    fake = np.asarray(fake_features, np.float32)
    real_radii, fake_radii = _knn_radii(real, k), _knn_radii(fake, k)

    def covered(points, centres, radii):
        inside = np.zeros(len(points), dtype=bool)
        for start in range(0, len(points), 1024):
            distances = pairwise_distances(points[start : start + 1024], centres)
            inside[start : start + 1024] = np.any(distances <= radii[None, :], axis=1)
        return float(inside.mean())

    return {
        "precision": covered(fake, real, real_radii),
        "recall": covered(real, fake, fake_radii),
    }


def class_histogram(predicted_classes, num_classes) -> np.ndarray:
    """How many samples the classifier assigns to each class."""
    return np.bincount(np.asarray(predicted_classes, np.int64), minlength=num_classes)


def class_balance(histogram) -> dict:
    """Classes present, and the largest class share over the smallest (inf if one is missing)."""
    histogram = np.asarray(histogram)
    smallest = histogram.min()
    return {
        "classes_present": int(np.count_nonzero(histogram)),
        "max_over_min": float(histogram.max() / smallest) if smallest else float("inf"),
    }


def mode_coverage(histogram) -> dict:
    """Modes covered and reverse KL, KL(sampled mode distribution ‖ uniform over all modes).

    ``histogram`` counts the samples in each mode (Stacked-MNIST's 1,000 digit
    triples); the KL is in nats, 0 for a uniform histogram and log(modes) for one
    mode, as PacGAN's and R3GAN's tables report it.

    >>> round(mode_coverage([5, 5, 0, 0])["reverse_kl"], 4), mode_coverage([5, 5, 0, 0])["modes"]
    (0.6931, 2)
    """
    histogram = np.asarray(histogram, np.float64)
    uniform = np.full(len(histogram), 1.0 / len(histogram))
    return {
        "modes": int(np.count_nonzero(histogram)),
        "reverse_kl": float(scipy.stats.entropy(histogram / histogram.sum(), uniform)),
    }
