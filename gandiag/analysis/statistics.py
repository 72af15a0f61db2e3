"""The statistics that judge claims, each calibrated against a simulated null.

- ``stable_alpha``: the tail index of G's gradient projections, after each direction is
  standardised by its *local* median and scale (a sliding window), so that a Gaussian
  whose scale drifts by an order of magnitude stays a Gaussian (alpha 2) instead of
  passing for a heavy tail.
- ``jitter_growth``: how much noisier the gradient norm got, from the differences of its
  logarithm (a level trend cancels), compared by a robust scale between the last and
  the first quarter; ``jitter_interval`` simulates stationary AR(1) noise of the same
  length and autocorrelation as the measured series for the ratio's interval and null band.
- ``decay_orders`` and its interval: log10 of the start norm over the end norm.
- the Hill tail index, Theorem 2.6's two-sided test, is in ``gandiag.analysis.hill`` (the
  stable fit above is kept as a second reading).
- ``variance_growth`` and ``growth_interval``: Figure 3 from the window where D is accurate
  to the end, in the norm's own units.

``tests/test_statistics.py`` shows each can fail and is calibrated on its null.
"""

import math

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import lfilter

from gandiag.analysis.evidence import Interval, block_bootstrap, percentile_interval

# A normal variable's median absolute deviation is 0.6745 of its standard deviation.
MAD_TO_SIGMA = 0.6745
# Half-width of the window that standardises projections locally: 50 iterations each side.
STANDARDISE_HALF_WIDTH = 50
NULL_SIMULATIONS = 200
# The normal's 95th percentile: the z of a two-sided 90% interval.
WILSON_Z = 1.6448536269514722
TAIL_BOOTSTRAP_SAMPLES = 300


def local_standardise(series: np.ndarray, half_width: int = STANDARDISE_HALF_WIDTH) -> np.ndarray:
    """Each column centred on its sliding median and divided by its sliding robust scale.

    Args:
        series: (iterations, directions) values, or one series.
        half_width: the window is ``2 * half_width + 1`` iterations, reflected at the ends.
    """
    values = np.asarray(series, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    size = (2 * half_width + 1, 1)
    centre = median_filter(values, size=size, mode="reflect")
    scale = median_filter(np.abs(values - centre), size=size, mode="reflect") / MAD_TO_SIGMA
    return (values - centre) / np.where(scale > 0, scale, 1.0)


def alpha_of_standardised(samples: np.ndarray) -> float:
    """The Koutrouvelis regression of ``stable_alpha`` on already standardised samples."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    t = np.linspace(0.2, 1.0, 9)
    phase = np.outer(t, samples)
    modulus = np.hypot(np.cos(phase).mean(axis=1), np.sin(phase).mean(axis=1))
    usable = (modulus > 1e-6) & (modulus < 1.0)
    if usable.sum() < 2:
        return math.nan
    slope = np.polyfit(np.log(t[usable]), np.log(-np.log(modulus[usable])), 1)[0]
    return float(np.clip(slope, 0.0, 2.0))


def stable_alpha(projections: np.ndarray) -> float:
    """Tail index alpha of a symmetric alpha-stable law fitted to locally standardised values.

    The regression method of Koutrouvelis (1980) on the empirical characteristic
    function: for a symmetric stable law |phi(t)| = exp(-|c t|^alpha), so
    log(-log|phi(t)|) is linear in log t with slope alpha. Gaussian is alpha = 2,
    Cauchy alpha = 1. ``projections`` is (iterations, directions).
    """
    return alpha_of_standardised(local_standardise(projections))


def excess_kurtosis(projections: np.ndarray) -> float:
    """Pooled excess kurtosis of the locally standardised projections (0 for a Gaussian)."""
    samples = local_standardise(projections)
    samples = (samples - samples.mean(axis=0)) / np.where(samples.std(axis=0) > 0,
                                                          samples.std(axis=0), 1.0)
    return float(np.mean(samples.ravel() ** 4) - 3.0)


def tail_interval(projections: np.ndarray, seed: int = 0) -> Interval:
    """``stable_alpha`` with an interval from moving-block resamples of the iterations.

    The projections are standardised once, on the whole series, and the standardised
    rows are resampled: re-standardising a resample would mix the scales of distant
    blocks and fake a heavy tail.
    """
    standardised = local_standardise(projections)
    return block_bootstrap([standardised], alpha_of_standardised, seed, TAIL_BOOTSTRAP_SAMPLES)


def _robust_scale(values: np.ndarray) -> np.ndarray:
    """Median absolute deviation over the last axis, as a normal's standard deviation."""
    centre = np.median(values, axis=-1, keepdims=True)
    return np.median(np.abs(values - centre), axis=-1) / MAD_TO_SIGMA


def _quarter_ratio(first: np.ndarray, last: np.ndarray):
    """(robust scale of ``last`` / that of ``first``)^2, over the last axis."""
    first_scale, last_scale = _robust_scale(first), _robust_scale(last)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(first_scale > 0, (last_scale / first_scale) ** 2, np.inf)
    return float(ratio) if ratio.ndim == 0 else ratio


def log_changes(norms: np.ndarray) -> np.ndarray:
    """The iteration-to-iteration changes of log(norm); non-positive norms are dropped."""
    norms = np.asarray(norms, dtype=np.float64)
    return np.diff(np.log(norms[norms > 0]))


def quarters(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last quarter of a series."""
    quarter = max(2, len(values) // 4)
    return values[:quarter], values[-quarter:]


def jitter_growth(norms: np.ndarray) -> float:
    """Robust variance of the change in log(norm), last quarter over first quarter.

    Differences cancel a level trend, logarithms make the noise relative to the norm,
    and the robust scale (median absolute deviation) keeps the first quarter's few
    large steps, while D is still learning, from passing for noise. Stationary noise
    gives 1.
    """
    changes = log_changes(norms)
    if changes.size < 8:
        return math.nan
    return _quarter_ratio(*quarters(changes))


def ar1_coefficient(series: np.ndarray) -> float:
    """Lag-1 autocorrelation of a series' deviations from its sliding median."""
    residuals = local_standardise(np.asarray(series, dtype=np.float64))[:, 0]
    residuals = residuals - residuals.mean()
    denominator = float(np.dot(residuals, residuals))
    if denominator == 0:
        return 0.0
    return float(np.clip(np.dot(residuals[:-1], residuals[1:]) / denominator, -0.99, 0.99))


def simulate_ar1(length: int, coefficient: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary Gaussian AR(1) series of unit marginal variance."""
    innovations = rng.normal(size=length) * math.sqrt(1 - coefficient**2)
    innovations[0] = rng.normal()  # the stationary distribution's first value
    return lfilter([1.0], [1.0, -coefficient], innovations)


def jitter_null(norms: np.ndarray, seed: int = 0,
                simulations: int = NULL_SIMULATIONS) -> np.ndarray:
    """``jitter_growth`` of stationary noise like the measured norm's, ``simulations`` times.

    The null keeps the series' length and its lag-1 autocorrelation around a sliding
    median (its drift is what the differences cancel): AR(1) noise on log(norm).
    """
    positive = np.asarray(norms, dtype=np.float64)
    log_norms = np.log(positive[positive > 0])
    coefficient = ar1_coefficient(log_norms)
    rng = np.random.default_rng(seed)
    return np.array([jitter_growth(np.exp(0.1 * simulate_ar1(len(log_norms), coefficient, rng)))
                     for _ in range(simulations)])


def jitter_interval(norms: np.ndarray, seed: int = 0,
                    simulations: int = NULL_SIMULATIONS) -> tuple[Interval, tuple[float, float]]:
    """``jitter_growth`` with a 90% interval, and the 90% band of the stationary null.

    The interval is a pivot on the simulated null: the ratio's sampling spread at this
    length and autocorrelation is read off stationary noise (median m, 5th and 95th
    percentiles q05 and q95), so the interval is [J m / q95, J m / q05]. Its low end is
    above 1 exactly when J lies above the null's 95th percentile (with m near 1): a
    one-sided 5% test at any length, where resampling a few dozen changes in blocks
    gave intervals far narrower than the null's spread.
    """
    estimate = jitter_growth(norms)
    if not math.isfinite(estimate):
        return Interval(math.nan, math.nan, math.nan), (math.nan, math.nan)
    low, median, high = np.percentile(jitter_null(norms, seed, simulations), [5, 50, 95])
    interval = Interval(estimate, estimate * median / high, estimate * median / low,
                        method="pivot on simulated stationary AR(1) noise of the same length "
                               "and autocorrelation")
    return interval, (float(low), float(high))


def decay_orders(start: float, end: float) -> float:
    """log10(start / end): how many orders of magnitude the norm fell."""
    if end <= 0:
        return math.inf
    if start <= 0:
        return -math.inf
    return math.log10(start / end)


def median_decay(start_window: np.ndarray, end_window: np.ndarray):
    """log10(median start / median end), over the last axis (non-positive medians: +-inf)."""
    start = np.median(start_window, axis=-1)
    end = np.median(end_window, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        orders = np.log10(start) - np.log10(end)
    return float(orders) if np.ndim(orders) == 0 else orders


# A median's standard error is sqrt(pi / 2) = 1.2533 times the mean's, for normal values.
_MEDIAN_SE = math.sqrt(math.pi / 2)


def effective_count(count: int, coefficient: float) -> float:
    """Independent values that ``count`` AR(1) values of lag-1 ``coefficient`` are worth
    for a mean: n / (1 + 2 sum_k (1 - k / n) phi^k), exact for a stationary AR(1)."""
    lags = np.arange(1, count)
    return count / (1 + 2 * float(np.sum((1 - lags / count) * coefficient**lags)))


def log_noise(values: np.ndarray) -> tuple[float, float]:
    """The noise on log10 of positive ``values``: the robust scale and lag-1 autocorrelation
    (at least 0) of its residuals around a straight line. A sliding median would absorb the
    slow wandering of autocorrelated noise and understate both; the line removes a trend
    inside the window, which would pass for noise."""
    logs = np.log10(values)
    steps = np.arange(logs.size)
    residuals = logs - np.polyval(np.polyfit(steps, logs, 1), steps)
    denominator = float(np.dot(residuals, residuals))
    coefficient = float(np.dot(residuals[:-1], residuals[1:]) / denominator) if denominator else 0.0
    return float(_robust_scale(residuals)), float(np.clip(coefficient, 0.0, 0.99))


def decay_interval(start_window: np.ndarray, end_window: np.ndarray, seed: int = 0) -> Interval:
    """log10(median start / median end) with a 90% interval from one curve.

    The noise on log10(norm) is read off the end window (its residuals around a sliding
    median: scale and lag-1 autocorrelation) and taken as stationary in log, so the short
    start window borrows it; each median's standard error counts only the effectively
    independent values of its window. A moving-block bootstrap of ten strongly
    autocorrelated values covered less than half the time in simulated curves. ``seed``
    is unused (no resampling) and kept for callers.
    """
    start, end = (np.asarray(w, dtype=np.float64) for w in (start_window, end_window))
    estimate = float(median_decay(start, end))
    positive = end[end > 0]
    if not math.isfinite(estimate) or positive.size < 8:
        return Interval(estimate, estimate, estimate, method="too few values for an interval")
    sigma, coefficient = log_noise(positive)
    spread = _MEDIAN_SE * sigma * math.sqrt(sum(1 / effective_count(w.size, coefficient)
                                                 for w in (start, end)))
    half = WILSON_Z * spread
    return Interval(estimate, estimate - half, estimate + half,
                    method="AR(1)-corrected normal interval of two window medians")


def mean_interval(values: np.ndarray, seed: int = 0) -> Interval:
    """The mean of independent values with a bootstrap interval."""
    values = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(len(values), size=(2000, len(values)))].mean(axis=1)
    return percentile_interval(means, float(values.mean()), f"bootstrap over {len(values)} values")


def binomial_interval(successes: int, trials: int) -> Interval:
    """A proportion with its 90% Wilson score interval."""
    if trials == 0:
        return Interval(math.nan, math.nan, math.nan)
    z = WILSON_Z
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials**2)) / (
        1 + z * z / trials)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(share, low, high, method=f"Wilson interval over {trials} held-out examples")


def _robust_log_variance(changes: np.ndarray) -> float:
    """log10 of the changes' robust variance (MAD as a normal's sd, squared)."""
    scale = float(_robust_scale(changes))
    return 2 * math.log10(scale) if scale > 0 else -math.inf


# The MAD of n normal values has an asymptotic relative standard deviation 1.1664 / sqrt(n)
# (its variance is 1.3604 / n of its square): the log10 of its square, 1.0131 / sqrt(n).
_LOG10_MAD2_SD = 2 * 1.1664 / math.log(10)


def variance_growth(after: np.ndarray, end: np.ndarray) -> Interval:
    """log10 of the robust variance of the norm's iteration-to-iteration change, end window
    over the window after D is accurate, with a 90% interval from the MAD's sampling law.

    Changes of the norm itself, not of its logarithm: the paper speaks of the variance of
    the gradients, which grows with their size. Differencing cancels a slow level trend.
    The interval adds to the MAD's own sampling spread that of each window's level, which
    wanders with the autocorrelated noise on log(norm) (read off the end window): the
    variance of the changes scales as the level squared.
    """
    after, end = (np.asarray(w, dtype=np.float64) for w in (after, end))
    first, last = np.diff(after), np.diff(end)
    estimate = _robust_log_variance(last) - _robust_log_variance(first)
    sigma, coefficient = log_noise(end[end > 0]) if (end > 0).sum() >= 8 else (0.0, 0.0)
    level = sum(1 / effective_count(w.size, coefficient) for w in (after, end))
    half = WILSON_Z * math.sqrt(_LOG10_MAD2_SD**2 * (1 / first.size + 1 / last.size)
                                + 4 * sigma**2 * level)
    return Interval(estimate, estimate - half, estimate + half,
                    method="normal interval of the log MAD ratio")


def growth_interval(after: np.ndarray, end: np.ndarray, seed: int = 0) -> Interval:
    """log10(median of ``end`` / median of ``after``) with a block-bootstrap interval."""
    decay = decay_interval(after, end, seed)
    return Interval(-decay.estimate, -decay.high, -decay.low, decay.level, decay.method)
