"""Sample-quality metrics between real and generated features: NumPy and SciPy only.

The features come from gandiag's own classifier (its penultimate layer) or, for unlabelled
data, from a fixed random projection of the pixels; never from Inception. So the Fréchet
distance here is the FCD (Fréchet Classifier Distance) and the kernel distance the KCD;
they are not comparable with published FIDs and KIDs.

- ``frechet_distance``: ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)), the matrix
  square root by ``scipy.linalg.sqrtm`` with pytorch-fid's handling (a small ridge when the
  product is singular, the imaginary part dropped only when it is numerical noise).
- ``kernel_distance``: the unbiased MMD^2 with the cubic polynomial kernel
  k(x, y) = (x.y / d + 1)^3 of Bińkowski et al. (2018), on disjoint blocks of ``block``
  points, with a Student-t interval over the independent blocks.
- ``precision_recall``: Kynkäänniemi et al. (2019): a point is on a set's manifold when it
  lies within the k-th nearest-neighbour radius (k = 3) of some point of that set.
- ``class_coverage``: classes holding at least half their fair share of the samples, and
  KL(sample classes || real class frequencies).
"""

import dataclasses
import math
import warnings

import numpy as np
import scipy.linalg
import scipy.stats

from gandiag.analysis.evidence import LEVEL, Interval, percentile_interval
from gandiag.analysis.quality import shifts
from gandiag.analysis.spec import MODE_DROPPING_SHIFT

NEAREST_K = 3
KID_BLOCK = 1000
QUALITY_BOOTSTRAP = 200
# A class is covered when it holds at least this fraction of its fair (real) share.
COVERED_SHARE = 0.5
# pytorch-fid's tolerances: the ridge added to a singular covariance product, and the
# largest imaginary part of sqrtm's diagonal still taken for rounding noise.
SQRTM_RIDGE = 1e-6
SQRTM_IMAGINARY_TOLERANCE = 1e-3
# Squared distances are computed this many rows at a time (memory stays ~ rows x n).
DISTANCE_ROWS = 1024


def _moments(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def frechet_from_moments(mean_a, cov_a, mean_b, cov_b) -> float:
    """The Fréchet distance between N(mean_a, cov_a) and N(mean_b, cov_b)."""
    # Dead ReLU features make the covariances singular; sqrtm warns, and a non-finite
    # result is retried with the ridge below, as pytorch-fid does.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(cov_a @ cov_b)
    if not np.isfinite(covmean).all():
        ridge = np.eye(len(cov_a)) * SQRTM_RIDGE
        covmean = scipy.linalg.sqrtm((cov_a + ridge) @ (cov_b + ridge))
    if np.iscomplexobj(covmean):
        imaginary = np.abs(np.diagonal(covmean).imag).max()
        if imaginary > SQRTM_IMAGINARY_TOLERANCE:
            raise ValueError(f"sqrtm's imaginary part {imaginary:.3g} is not rounding noise")
        covmean = covmean.real
    difference = np.asarray(mean_a) - np.asarray(mean_b)
    distance = difference @ difference + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean)
    return float(max(distance, 0.0))


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets (N, d)."""
    return frechet_from_moments(*_moments(real), *_moments(fake))


def frechet_interval(real: np.ndarray, fake: np.ndarray, seed: int = 0,
                     draws: int = QUALITY_BOOTSTRAP) -> Interval:
    """The Fréchet distance with a bootstrap interval (both sets resampled).

    The distance is biased upwards by the sampling noise of the moments, and a resample
    adds that bias once more (duplicates make it noisier), so the percentiles are moved
    back by the bootstrap's estimate of the bias: mean(resamples) - estimate.
    """
    rng = np.random.default_rng(seed)
    samples = np.array([frechet_distance(real[rng.integers(len(real), size=len(real))],
                                         fake[rng.integers(len(fake), size=len(fake))])
                        for _ in range(draws)])
    estimate = frechet_distance(real, fake)
    shifted = np.maximum(samples - (samples.mean() - estimate), 0.0)
    return percentile_interval(shifted, estimate,
                               f"bias-shifted bootstrap over samples ({draws} draws)")


def _polynomial_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def unbiased_mmd2(real: np.ndarray, fake: np.ndarray) -> float:
    """The unbiased MMD^2 between two equal-sized sets with the cubic polynomial kernel."""
    count = len(real)
    k_rr, k_ff = _polynomial_kernel(real, real), _polynomial_kernel(fake, fake)
    k_rf = _polynomial_kernel(real, fake)
    within = ((k_rr.sum() - np.trace(k_rr)) + (k_ff.sum() - np.trace(k_ff))) / (count * (count - 1))
    return float(within - 2 * k_rf.mean())


def kernel_distance(real: np.ndarray, fake: np.ndarray, block: int = KID_BLOCK,
                    seed: int = 0) -> Interval:
    """The kernel distance (KID's estimator) with a t interval over disjoint blocks.

    Both sets are shuffled and cut into ``min(len) // block`` disjoint blocks (at least 2,
    shrinking ``block`` when the sets are small); each block pair gives an independent
    unbiased MMD^2, so their mean is unbiased and the t interval is honest.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    count = min(len(real), len(fake))
    blocks = max(2, count // block)
    size = count // blocks
    if size < 2:
        raise ValueError(f"kernel distance needs at least 4 samples per set, got {count}")
    rng = np.random.default_rng(seed)
    real, fake = real[rng.permutation(len(real))], fake[rng.permutation(len(fake))]
    values = np.array([unbiased_mmd2(real[i * size:(i + 1) * size], fake[i * size:(i + 1) * size])
                       for i in range(blocks)])
    mean = float(values.mean())
    half = scipy.stats.t.ppf(0.5 + LEVEL / 2, blocks - 1) * values.std(ddof=1) / math.sqrt(blocks)
    return Interval(mean, mean - half, mean + half, LEVEL,
                    f"t interval over {blocks} disjoint blocks of {size}")


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :], 0.0)


def _knn_radii(points: np.ndarray, k: int) -> np.ndarray:
    """The squared distance of each point to its k-th nearest other point."""
    radii = np.empty(len(points))
    for start in range(0, len(points), DISTANCE_ROWS):
        rows = _squared_distances(points[start:start + DISTANCE_ROWS], points)
        radii[start:start + DISTANCE_ROWS] = np.partition(rows, k, axis=1)[:, k]  # 0: itself
    return radii


def _on_manifold(reference: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """For each query, whether it is inside some reference point's k-NN ball."""
    radii = _knn_radii(reference, k)
    inside = np.empty(len(queries), dtype=bool)
    for start in range(0, len(queries), DISTANCE_ROWS):
        rows = _squared_distances(queries[start:start + DISTANCE_ROWS], reference)
        inside[start:start + DISTANCE_ROWS] = (rows <= radii[None, :]).any(axis=1)
    return inside


@dataclasses.dataclass(frozen=True)
class PrecisionRecall:
    precision: Interval
    recall: Interval


def _share_interval(hits: np.ndarray, rng: np.random.Generator, draws: int) -> Interval:
    resampled = hits[rng.integers(len(hits), size=(draws, len(hits)))].mean(axis=1)
    return percentile_interval(resampled, float(hits.mean()),
                               f"bootstrap over the queried samples ({draws} draws)")


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = NEAREST_K, seed: int = 0,
                     draws: int = QUALITY_BOOTSTRAP) -> PrecisionRecall:
    """Improved precision (fakes on the real manifold) and recall (reals on the fake one).

    The intervals resample the queried points with the manifolds fixed: resampling a
    manifold would put duplicates in it, whose k-NN radii shrink to zero.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    rng = np.random.default_rng(seed)
    return PrecisionRecall(_share_interval(_on_manifold(real, fake, k), rng, draws),
                           _share_interval(_on_manifold(fake, real, k), rng, draws))


@dataclasses.dataclass(frozen=True)
class Coverage:
    """Classes covered (of ``classes``) and KL(sample classes || real class frequencies)."""

    covered: Interval
    kl: Interval
    classes: int
    histogram: tuple[float, ...]


def _coverage_numbers(labels: np.ndarray, real_frequencies: np.ndarray) -> tuple[int, float]:
    shares = np.bincount(labels, minlength=len(real_frequencies)) / len(labels)
    covered = int((shares >= COVERED_SHARE * real_frequencies).sum())
    present = shares > 0
    kl = float((shares[present] * np.log(shares[present] / real_frequencies[present])).sum())
    return covered, kl


def class_coverage(fake_labels: np.ndarray, real_labels: np.ndarray, classes: int, seed: int = 0,
                   draws: int = QUALITY_BOOTSTRAP) -> Coverage:
    """How many classes the generated samples cover, with bootstrap intervals.

    Args:
        fake_labels: the classifier's predicted class of each generated sample.
        real_labels: the classes of the real samples (their frequencies are the fair shares).
        classes: how many classes there are.
    """
    fake_labels = np.asarray(fake_labels, dtype=np.int64)
    real_counts = np.bincount(np.asarray(real_labels, dtype=np.int64), minlength=classes)
    # Every class gets at least one real count, so the KL stays finite for a class the
    # real sample missed by chance.
    frequencies = np.maximum(real_counts, 1) / np.maximum(real_counts, 1).sum()
    rng = np.random.default_rng(seed)
    resampled = [_coverage_numbers(fake_labels[rng.integers(len(fake_labels),
                                                            size=len(fake_labels))], frequencies)
                 for _ in range(draws)]
    covered, kl = _coverage_numbers(fake_labels, frequencies)
    method = f"bootstrap over samples ({draws} draws)"
    histogram = np.bincount(fake_labels, minlength=classes) / len(fake_labels)
    return Coverage(percentile_interval(np.array([c for c, _ in resampled]), covered, method),
                    percentile_interval(np.array([k for _, k in resampled]), kl, method),
                    classes, tuple(float(share) for share in histogram))


def random_projection_features(images: np.ndarray, dimensions: int = 64,
                               seed: int = 0) -> np.ndarray:
    """Features for unlabelled images: the pixels through a fixed Gaussian projection.

    The projection depends only on ``seed`` and the image shape, so real and generated
    images of one run share it.
    """
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    projection = np.random.default_rng(seed).normal(size=(flat.shape[1], dimensions))
    return flat @ projection / math.sqrt(flat.shape[1])


def pixel_realism(real: np.ndarray, fake: np.ndarray, seed: int = 0,
                  draws: int = QUALITY_BOOTSTRAP) -> Interval:
    """How far G's samples lie from the data, in units of the data's own spacing.

    The median over generated images of the pixel distance to the nearest real image, the
    least over translations by up to ``MODE_DROPPING_SHIFT`` pixels (a digit moved by a
    pixel is still a digit), divided by the same distance of a real image to its nearest
    other real image: about 1 for samples as close to the data as its own examples, larger
    for noise. Bootstrap over the generated images (``shifts.realism``).
    """
    return shifts.realism(real, fake, MODE_DROPPING_SHIFT, seed, draws)


def pixel_diversity(real: np.ndarray, fake: np.ndarray, seed: int = 0,
                    draws: int = QUALITY_BOOTSTRAP) -> Interval:
    """The samples' own spacing over the data's (0 for one repeated image; ``shifts``)."""
    return shifts.diversity(real, fake, MODE_DROPPING_SHIFT, seed, draws)
