"""An exact permutation comparison of two small sets of seeds, and the interval inverting it.

For a shift d, the first set's values less d and the second's are exchangeable when the true
difference of means is d (a shift model); the one-sided p-value is the share of the
arrangements of the pooled values into two sets of the same sizes whose difference of means
is at least the observed one. The 90% interval holds the shifts neither one-sided 5% test
rejects; each arrangement's difference crosses the observed one at one shift, so the ends
are order statistics of those crossings (no grid search). Exact at any spread, zero
included: identical counts in every seed give no false certainty, because the p-value can
never fall below one over the number of arrangements.
"""

import itertools
import math
from collections.abc import Sequence

import numpy as np

from gandiag.analysis.evidence import LEVEL, Interval

# Above this many arrangements, a random sample of them (a Monte Carlo permutation test).
EXACT_ARRANGEMENTS = 20000
SAMPLED_ARRANGEMENTS = 20000


def _arrangements(total: int, first: int, seed: int) -> np.ndarray:
    """(k, total) booleans: which pooled values each arrangement puts in the first set."""
    if math.comb(total, first) <= EXACT_ARRANGEMENTS:
        chosen = np.array(list(itertools.combinations(range(total), first)))
    else:
        rng = np.random.default_rng(seed)
        chosen = np.argsort(rng.random((SAMPLED_ARRANGEMENTS, total)), axis=1)[:, :first]
        chosen = np.vstack([np.arange(first), chosen])  # the observed one counts
    mask = np.zeros((len(chosen), total), dtype=bool)
    np.put_along_axis(mask, chosen, True, axis=1)
    return mask


def _lower_limit(a: np.ndarray, b: np.ndarray, tail: float, seed: int) -> float:
    """The smallest shift of mean(a) - mean(b) a one-sided ``tail`` test does not reject."""
    pooled = np.concatenate([a, b])
    n, m = len(a), len(b)
    mask = _arrangements(n + m, n, seed)
    from_b = mask[:, n:].sum(axis=1)  # values of b moved into the first set
    moved = from_b > 0
    first = np.where(mask, pooled, 0.0).sum(axis=1) / n
    second = np.where(~mask, pooled, 0.0).sum(axis=1) / m
    observed = a.mean() - b.mean()
    slope = 1.0 - ((n - from_b) / n - from_b / m)  # > 0 whenever a value moved
    crossings = np.sort((observed - (first - second))[moved] / slope[moved])
    # Arrangements other than the observed one that p <= tail allows (the tolerance keeps
    # 0.05 x 20 at 1 despite rounding).
    k = math.floor(tail * len(mask) + 1e-9)
    return -math.inf if k < 1 else float(crossings[k - 1])


def shift_interval(first: Sequence[float], second: Sequence[float], level: float = LEVEL,
                   seed: int = 0) -> Interval:
    """mean(first) - mean(second), with the interval of shifts an exact permutation test
    at one-sided (1 - level) / 2 does not reject in either direction."""
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    tail = (1 - level) / 2
    low = _lower_limit(a, b, tail, seed)
    high = -_lower_limit(b, a, tail, seed)
    count = math.comb(len(a) + len(b), len(a))
    kind = "exact" if count <= EXACT_ARRANGEMENTS else f"{SAMPLED_ARRANGEMENTS} sampled"
    return Interval(float(a.mean() - b.mean()), low, high, level,
                    f"permutation test over {len(a)} and {len(b)} seeds ({kind} of {count} "
                    "arrangements), inverted")
