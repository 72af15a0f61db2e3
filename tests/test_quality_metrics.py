"""The sample-quality metrics on hand-made inputs whose answers are known."""

import numpy as np
import pytest

from gandiag.analysis.quality import quality_metrics as metrics
from gandiag.analysis.quality import swd


def gaussian(count, dimensions, mean=0.0, scale=1.0, seed=0):
    return np.random.default_rng(seed).normal(mean, scale, size=(count, dimensions))


def test_frechet_of_a_set_with_itself_is_zero():
    features = gaussian(500, 8)
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)


def test_frechet_matches_the_closed_form_for_two_gaussians():
    # Diagonal Gaussians: ||mu_a - mu_b||^2 + sum (sigma_a - sigma_b)^2.
    mean_a, mean_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.0])
    sigma_a, sigma_b = np.array([1.0, 2.0, 0.5]), np.array([2.0, 1.0, 0.5])
    closed = ((mean_a - mean_b) ** 2).sum() + ((sigma_a - sigma_b) ** 2).sum()
    exact = metrics.frechet_from_moments(mean_a, np.diag(sigma_a ** 2), mean_b,
                                         np.diag(sigma_b ** 2))
    assert exact == pytest.approx(closed, rel=1e-9)
    rng = np.random.default_rng(1)
    sampled = metrics.frechet_distance(mean_a + sigma_a * rng.normal(size=(20_000, 3)),
                                       mean_b + sigma_b * rng.normal(size=(20_000, 3)))
    assert sampled == pytest.approx(closed, rel=0.05)


def test_frechet_interval_brackets_its_estimate_and_separates_a_shift():
    real, same, shifted = gaussian(400, 4, seed=0), gaussian(400, 4, seed=1), gaussian(
        400, 4, mean=1.0, seed=2)
    near, far = metrics.frechet_interval(real, same, draws=50), metrics.frechet_interval(
        real, shifted, draws=50)
    assert near.low <= near.estimate <= near.high
    assert near.high < far.low


def test_kernel_distance_is_unbiased_on_equal_distributions():
    interval = metrics.kernel_distance(gaussian(2000, 16, seed=0), gaussian(2000, 16, seed=1),
                                       block=400)
    assert interval.low < 0 < interval.high
    shifted = metrics.kernel_distance(gaussian(2000, 16, seed=0),
                                      gaussian(2000, 16, mean=0.5, seed=1), block=400)
    assert shifted.low > 0


def test_unbiased_mmd_averages_to_zero_over_many_equal_pairs():
    values = [metrics.unbiased_mmd2(gaussian(50, 4, seed=2 * i), gaussian(50, 4, seed=2 * i + 1))
              for i in range(2000)]
    standard_error = np.std(values) / np.sqrt(len(values))
    assert abs(np.mean(values)) < 3 * standard_error
    # The biased (V-statistic) version, with the diagonal kept, is clearly positive.
    biased = [metrics._polynomial_kernel(a, a).mean() + metrics._polynomial_kernel(b, b).mean()
              - 2 * metrics._polynomial_kernel(a, b).mean()
              for a, b in ((gaussian(50, 4, seed=2 * i), gaussian(50, 4, seed=2 * i + 1))
                           for i in range(200))]
    assert np.mean(biased) > 10 * standard_error


def test_precision_recall_are_one_on_identical_sets_and_fall_on_a_shifted_set():
    real = gaussian(600, 4)
    same = metrics.precision_recall(real, real.copy())
    assert same.precision.estimate == 1.0 and same.recall.estimate == 1.0
    shifted = metrics.precision_recall(real, real + 2.0)
    assert shifted.precision.high < 0.5 and shifted.recall.high < 0.5


def test_recall_falls_when_the_fakes_cover_half_the_reals():
    rng = np.random.default_rng(0)
    real = np.concatenate([rng.normal(-5, 1, (400, 2)), rng.normal(5, 1, (400, 2))])
    one_mode = rng.normal(-5, 1, (800, 2))
    result = metrics.precision_recall(real, one_mode)
    assert result.precision.low > 0.8
    assert 0.4 < result.recall.estimate < 0.65


def test_coverage_counts_a_generator_of_one_class_as_one_class():
    real_labels = np.repeat(np.arange(10), 100)
    one_class = metrics.class_coverage(np.full(1000, 3), real_labels, 10)
    assert one_class.covered.estimate == 1
    assert one_class.kl.estimate == pytest.approx(np.log(10))
    balanced = metrics.class_coverage(np.random.default_rng(0).integers(10, size=1000),
                                      real_labels, 10)
    assert balanced.covered.estimate == 10 and balanced.kl.high < 0.05


def test_coverage_drops_a_class_below_half_its_fair_share():
    labels = np.concatenate([np.repeat(np.arange(9), 110), np.full(10, 9)])
    assert metrics.class_coverage(labels, np.repeat(np.arange(10), 100), 10).covered.estimate == 9


def test_random_projection_features_are_fixed_by_the_seed():
    images = np.random.default_rng(0).uniform(-1, 1, (5, 8, 8, 1))
    first = metrics.random_projection_features(images, 16)
    assert first.shape == (5, 16)
    np.testing.assert_array_equal(first, metrics.random_projection_features(images, 16))
    assert not np.allclose(first, metrics.random_projection_features(images, 16, seed=1))


def blobs(count, width=0.1, seed=0):
    rng = np.random.default_rng(seed)
    grid = np.linspace(-1, 1, 16)
    centres = rng.uniform(-0.5, 0.5, size=(count, 2, 1, 1))
    images = np.exp(-((grid[None, :, None] - centres[:, 0]) ** 2
                      + (grid[None, None, :] - centres[:, 1]) ** 2) / width)
    return (images + 0.05 * rng.normal(size=images.shape))[..., None]


def test_laplacian_pyramid_reconstructs_the_image():
    images = blobs(4)
    levels = swd.laplacian_pyramid(images)
    assert [level.shape[1] for level in levels] == [16, 8]
    np.testing.assert_allclose(levels[0] + swd._up(levels[1]), images, atol=1e-12)


def test_swd_grows_with_a_known_shift():
    # Each set of patches is normalised by its own mean and scale (as in the reference), so
    # the shift is one of shape: the blobs widen.
    real = blobs(200, seed=0)
    distances = [np.mean(swd.swd(real, blobs(200, width=width, seed=1), seed=0))
                 for width in (0.1, 0.2, 0.5)]
    assert distances[0] < distances[1] < distances[2]


def test_swd_interval_separates_equal_sets_from_shifted_ones():
    real = blobs(50, seed=0)
    same = swd.swd_interval(real, blobs(50, seed=1), draws=5)
    wide = swd.swd_interval(real, blobs(50, width=0.5, seed=1), draws=5)
    assert same.high < wide.low


def test_mode_coverage_counts_the_modes_a_sampler_visits_and_its_good_samples():
    from gandiag.analysis.quality.modes import mode_coverage
    from gandiag.data import datasets

    modes = datasets.toy_modes("grid")
    rng = np.random.default_rng(0)
    # Three modes hit exactly (tight noise), plus a quarter of the samples far off.
    on_modes = modes[rng.integers(3, size=1500)] + rng.normal(0, 0.05, (1500, 2))
    off = rng.uniform(-6, 6, (500, 2)) + 100
    coverage = mode_coverage(np.concatenate([on_modes, off]), modes, seed=0, draws=50)
    assert coverage.covered.estimate == 3
    assert coverage.high_quality.low < 0.75 < coverage.high_quality.high
    spread = mode_coverage(modes[rng.integers(25, size=2000)], modes, draws=20)
    assert spread.covered.estimate == 25 and spread.high_quality.estimate == 1
