"""Infinite resamples are propagated into an interval, never dropped from it."""

import math

import numpy as np

from gandiag.analysis.evidence import percentile_interval
from gandiag.analysis.statistics import decay_interval


def test_a_share_of_infinite_resamples_reaches_the_interval():
    finite = np.random.default_rng(0).normal(6, 0.01, 900)
    samples = np.concatenate([np.full(100, math.inf), finite])
    interval = percentile_interval(samples, math.inf, "test")
    assert interval.high == math.inf and interval.low < 6.1


def test_a_gradient_that_reaches_zero_decays_infinitely_and_its_interval_says_so():
    rng = np.random.default_rng(0)
    start = rng.lognormal(0, 0.1, 10)
    end = np.where(rng.random(500) < 0.6, 0.0, rng.lognormal(np.log(1e-6), 0.1, 500))
    interval = decay_interval(start, end)
    assert interval.estimate == math.inf
    assert interval.low <= interval.estimate <= interval.high
