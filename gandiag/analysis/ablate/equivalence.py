"""A study's comparisons, corrected as a family: an effect is one Holm rejects, "no effect"
is every difference shown within its equivalence margin (two one-sided tests), and the
smallest effect the study could have found is stated beside either.

Each comparison is a variant against the baseline, at one epoch, on one primary metric, over
independently initialised D seeds: the difference of the means (held-out cross-entropy in
log10, since it spans orders of magnitude) with a pooled-variance Student t test. The rule
and its margins are fixed in ``gandiag.analysis.spec`` (ABLATION_*).
"""

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import scipy.stats

from gandiag.analysis.spec import (
    ABLATION_EQUIVALENCE,
    ABLATION_FAMILY_ALPHA,
    ABLATION_LOG_METRICS,
    ABLATION_POWER,
)

MATTERS, NO_EFFECT, INCONCLUSIVE = "MATTERS", "NO EFFECT", "INCONCLUSIVE"


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One variant against the baseline on one metric (log10 units for ABLATION_LOG_METRICS).

    ``low``/``high``: the 90% interval of the difference, which two one-sided 5% tests of
    equivalence read; ``p``: the two-sided p-value of no difference.
    """

    label: str
    metric: str
    difference: float
    low: float
    high: float
    p: float
    standard_error: float
    freedom: int


def _scale(metric: str, values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, np.float64)
    return np.log10(np.maximum(values, 1e-12)) if metric in ABLATION_LOG_METRICS else values


def compare(label: str, metric: str, variant: Sequence[float],
            baseline: Sequence[float]) -> Comparison:
    """The pooled-variance t comparison of ``variant``'s seeds with ``baseline``'s."""
    a, b = _scale(metric, variant), _scale(metric, baseline)
    freedom = len(a) + len(b) - 2
    pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / freedom
    error = math.sqrt(pooled * (1 / len(a) + 1 / len(b)))
    difference = float(a.mean() - b.mean())
    if error == 0:  # seeds that agree exactly: no spread to test against
        p = 1.0 if difference == 0 else 0.0
        return Comparison(label, metric, difference, difference, difference, p, 0.0, freedom)
    half = scipy.stats.t.ppf(0.95, freedom) * error
    p = float(2 * scipy.stats.t.sf(abs(difference) / error, freedom))
    return Comparison(label, metric, difference, difference - half, difference + half, p,
                      error, freedom)


def holm(p_values: Sequence[float], alpha: float = ABLATION_FAMILY_ALPHA) -> list[bool]:
    """Which hypotheses Holm's step-down procedure rejects at family-wise ``alpha``."""
    order = np.argsort(p_values)
    rejected = [False] * len(p_values)
    for rank, index in enumerate(order):
        if p_values[index] > alpha / (len(p_values) - rank):
            break
        rejected[index] = True
    return rejected


def detectable(comparison: Comparison, family: int) -> float:
    """The smallest difference found with ABLATION_POWER power at this spread, with the
    first Holm step's (Bonferroni's) level over ``family`` comparisons."""
    level = scipy.stats.t.ppf(1 - ABLATION_FAMILY_ALPHA / (2 * family), comparison.freedom)
    return (level + scipy.stats.t.ppf(ABLATION_POWER, comparison.freedom)) * \
        comparison.standard_error


def decide(comparisons: Sequence[Comparison]) -> tuple[str, list[Comparison], str]:
    """(verdict, the comparisons Holm rejects, what the study could detect) for a family."""
    flagged = [c for c, hit in zip(comparisons, holm([c.p for c in comparisons])) if hit]
    smallest = {}
    for c in comparisons:
        smallest[c.metric] = max(smallest.get(c.metric, 0.0), detectable(c, len(comparisons)))
    power = ", ".join(f"{metric} {value:.2g}" + (" orders" if metric in ABLATION_LOG_METRICS
                                                   else "")
                      for metric, value in smallest.items())
    power = (f"{len(comparisons)} comparisons, Holm at {ABLATION_FAMILY_ALPHA:g}; smallest "
             f"difference found with {ABLATION_POWER:.0%} power at this spread: {power}")
    if flagged:
        return MATTERS, flagged, power
    within = all(-ABLATION_EQUIVALENCE[c.metric] < c.low and c.high < ABLATION_EQUIVALENCE[
        c.metric] for c in comparisons)
    return (NO_EFFECT if within else INCONCLUSIVE), [], power
