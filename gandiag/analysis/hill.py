"""The Hill tail index: Theorem 2.6's two-sided test of alpha = 1.

The Hill estimator reads the tail itself (the largest values' log-spacings), so a
finite-variance scale mixture, whose far tail is lighter than any power, reads large, and a
stable law reads its alpha; the characteristic-function fit (``statistics.stable_alpha``)
read a Gaussian with a lognormal scale as 0.8-1.1. ``tests/test_judge_rules.py`` shows it
separates the two.
"""

import math

import numpy as np
from scipy import stats as scipy_stats

from gandiag.analysis.evidence import Interval
from gandiag.analysis.statistics import MAD_TO_SIGMA, STANDARDISE_HALF_WIDTH

# The Hill estimator reads the largest HILL_FRACTION of the values: 10% keeps the bias of
# the laws it must tell apart small (Cauchy and stable laws are Pareto far out) while a
# probe's 2,000 late iterations still give 200 order statistics, an interval of about
# +-12% at alpha = 1.
HILL_FRACTION = 0.1


def hill_alpha(magnitudes: np.ndarray) -> tuple[float, int]:
    """The Hill tail index of positive ``magnitudes`` and the order statistics it used."""
    values = np.asarray(magnitudes, dtype=np.float64)
    values = values[np.isfinite(values) & (values > 0)]
    count = max(2, math.ceil(HILL_FRACTION * values.size))
    if values.size <= count:
        return math.nan, 0
    top = np.partition(values, values.size - count - 1)[values.size - count - 1:]
    mean_log_excess = float(np.mean(np.log(top[1:] / top.min())))
    return (1 / mean_log_excess if mean_log_excess > 0 else math.inf), count


def tail_magnitudes(projections: np.ndarray, local: bool = True) -> np.ndarray:
    """One magnitude per row: the norm of its projections, each column standardised (in
    consecutive blocks of ``2 STANDARDISE_HALF_WIDTH + 1`` rows with ``local``, so a drifting
    scale is undone, else over all rows).

    One number per iteration, because the directions of one iteration share its gradient's
    norm: their extremes come together and would count as independent tail events.
    """
    values = np.asarray(projections, dtype=np.float64)
    values = values[:, None] if values.ndim == 1 else values
    block = 2 * STANDARDISE_HALF_WIDTH + 1 if local else len(values)
    standardised = np.concatenate([_standardise_block(values[start:start + block])
                                   for start in range(0, len(values), block)])
    return np.sqrt(np.sum(standardised**2, axis=1))


def _standardise_block(values: np.ndarray) -> np.ndarray:
    """Each column centred on its median and divided by its MAD-scale (a normal's sd)."""
    columns = np.ascontiguousarray(values.T)  # medians along contiguous rows are faster
    centre = np.median(columns, axis=1, keepdims=True)
    scale = np.median(np.abs(columns - centre), axis=1, keepdims=True) / MAD_TO_SIGMA
    return ((columns - centre) / np.where(scale > 0, scale, 1.0)).T


def hill_interval(projections: np.ndarray, local: bool = True) -> Interval:
    """The Hill tail index of ``tail_magnitudes`` with its exact 90% interval for a Pareto tail.

    For k order statistics of a Pareto tail of index alpha, k alpha / alpha_hat is Gamma(k, 1)
    distributed, so the interval is [q05, q95] of Gamma(k) over k / alpha_hat.
    """
    alpha, count = hill_alpha(tail_magnitudes(projections, local))
    if not math.isfinite(alpha) or count == 0:
        return Interval(alpha, math.nan, math.nan)
    low, high = scipy_stats.gamma.ppf([0.05, 0.95], count)
    return Interval(alpha, alpha * low / count, alpha * high / count,
                    method=f"Hill estimator over the largest {count} of "
                           f"{len(projections)} magnitudes (Gamma interval)")


def order_statistics_needed(band: tuple[float, float]) -> int:
    """The fewest order statistics whose Gamma interval can lie inside ``band``: with fewer,
    one curve cannot place alpha inside it whatever it reads (42 for (0.75, 1.25))."""
    low, high = band
    count = 2
    while True:
        q05, q95 = scipy_stats.gamma.ppf([0.05, 0.95], count)
        if q95 / q05 < high / low:
            return count
        count += 1


def iterations_needed(band: tuple[float, float]) -> int:
    """The fewest probe iterations that give one curve ``order_statistics_needed``: the
    estimator reads the largest HILL_FRACTION of the second half's magnitudes."""
    needed, late = order_statistics_needed(band), 1
    while math.ceil(HILL_FRACTION * late) < needed or late <= needed:
        late += 1
    return 2 * late

