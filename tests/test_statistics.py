"""The statistics that judge claims: each can fail, and each is calibrated on a simulated null.

The tolerances: a Gaussian whose scale drifts tenfold must not pass for a
heavy tail (alpha within 0.1 of 2), a Cauchy series must give alpha within 0.1 of 1, and
stationary noise must rarely make the jitter claim (false supported rate near the
one-sided 5% of a 90% interval).
"""

import math

import numpy as np
import pytest

from gandiag.analysis import evidence, hill, statistics
from gandiag.analysis.evidence import Interval, Part, Premise, Verdict
from gandiag.analysis.spec import FIGURE2, THEOREM26

ITERATIONS, DIRECTIONS = 2000, 8


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


def drifting_scale() -> np.ndarray:
    """A scale that grows tenfold over the run, like a gradient norm that drifts."""
    return 10 ** np.linspace(0.0, 1.0, ITERATIONS)[:, None]


def test_a_gaussian_whose_scale_drifts_tenfold_is_still_gaussian(rng):
    gaussian = rng.normal(size=(ITERATIONS, DIRECTIONS)) * drifting_scale()
    assert statistics.stable_alpha(gaussian) == pytest.approx(2.0, abs=0.1)
    assert abs(statistics.excess_kurtosis(gaussian)) < 0.5
    # Pooled with one global scale (what spec 1 did), the drift looks like a heavy tail.
    pooled = (gaussian / np.median(np.abs(gaussian), axis=0)).ravel()
    assert statistics.alpha_of_standardised(pooled / 1.5) < 1.9


@pytest.mark.parametrize("drift", [False, True])
def test_a_cauchy_series_gives_alpha_one(rng, drift):
    cauchy = rng.standard_cauchy(size=(ITERATIONS, DIRECTIONS))
    if drift:
        cauchy = cauchy * drifting_scale()
    assert statistics.stable_alpha(cauchy) == pytest.approx(1.0, abs=0.1)
    assert statistics.excess_kurtosis(cauchy) > 50


def test_the_tail_interval_separates_cauchy_from_gaussian(rng):
    gaussian = hill.hill_interval(rng.normal(size=(ITERATIONS, DIRECTIONS)))
    cauchy = hill.hill_interval(rng.standard_cauchy(size=(ITERATIONS, DIRECTIONS)))
    judged = [evidence.judge(interval, THEOREM26.threshold, THEOREM26.direction,
                             band=THEOREM26.band) for interval in (cauchy, gaussian)]
    assert judged == [Verdict.SUPPORTED, Verdict.CONTRADICTED]


def norms_with_noise(rng, noise_scale: np.ndarray, coefficient: float = 0.0) -> np.ndarray:
    """A gradient norm that rises steeply then flattens, with AR(1) noise on its log."""
    length = len(noise_scale)
    level = 20.0 + 30.0 * (1 - np.exp(-np.arange(length) / 100))
    return level * np.exp(0.05 * noise_scale * statistics.simulate_ar1(length, coefficient, rng))


@pytest.mark.parametrize("length, coefficient", [(4000, 0.0), (4000, 0.9), (120, 0.5)])
def test_stationary_noise_rarely_passes_for_growing_noise(rng, length, coefficient):
    trials = 40
    supported = 0
    for trial in range(trials):
        norms = norms_with_noise(rng, np.ones(length), coefficient)
        interval, _ = statistics.jitter_interval(norms, seed=trial, simulations=100)
        supported += evidence.judge(interval, 1.0, "above") is Verdict.SUPPORTED
    # A one-sided 5% test: 2 of 40 expected; 6 or more has a chance below 2% if calibrated.
    assert supported <= 5


def test_growing_noise_is_detected_and_lies_outside_the_null_band(rng):
    norms = norms_with_noise(rng, np.linspace(1.0, 3.0, 4000), 0.5)
    interval, (low, high) = statistics.jitter_interval(norms, simulations=100)
    assert interval.low > 1.0 and interval.estimate > high
    assert low < 1.0 < high
    shrinking, _ = statistics.jitter_interval(
        norms_with_noise(rng, np.linspace(3.0, 1.0, 4000), 0.5), simulations=100)
    assert evidence.judge(shrinking, 1.0, "above") is Verdict.CONTRADICTED


def test_the_null_band_keeps_the_series_autocorrelation(rng):
    series = statistics.simulate_ar1(4000, 0.8, rng)
    assert statistics.ar1_coefficient(series) == pytest.approx(0.8, abs=0.05)
    assert statistics.ar1_coefficient(rng.normal(size=4000)) == pytest.approx(0.0, abs=0.05)


def test_decay_interval_from_one_curve(rng):
    start = 1.0 + 0.1 * rng.normal(size=10)
    end = 1e-4 * (1.0 + 0.1 * rng.normal(size=500))
    interval = statistics.decay_interval(start, end)
    assert interval.estimate == pytest.approx(4.0, abs=0.1)
    assert interval.low < interval.estimate < interval.high and interval.high - interval.low < 0.3


def test_wilson_interval():
    interval = statistics.binomial_interval(598, 600)
    assert interval.estimate == pytest.approx(598 / 600)
    assert 0.98 < interval.low < 0.995 < interval.high <= 1.0
    assert statistics.binomial_interval(600, 600).high == 1.0


def test_a_straddling_interval_is_inconclusive():
    assert evidence.judge(Interval(3.1, 2.8, 3.4), 3.0, "above") is Verdict.INCONCLUSIVE
    assert evidence.judge(Interval(3.5, 3.2, 3.9), 3.0, "above") is Verdict.SUPPORTED
    assert evidence.judge(Interval(2.0, 1.5, 2.5), 3.0, "above") is Verdict.CONTRADICTED
    assert evidence.judge(None, 3.0, "above") is Verdict.NOT_RUN


def test_an_unmet_premise_gates_its_part_and_the_row():
    unmet = Premise("D near-optimal", False, "epsilon 0.9")
    met = Premise("D near-optimal", True, "epsilon 0.01")
    result = evidence.decide(FIGURE2, [Part("epoch 1", Interval(3.5, 3.2, 3.9), met),
                                       Part("epoch 25", Interval(2.0, 1.5, 2.5), unmet)])
    assert [effect.verdict for effect in result.effects] == [Verdict.SUPPORTED,
                                                            Verdict.PREMISE_NOT_MET]
    assert result.verdict is Verdict.PREMISE_NOT_MET
    contradicted = evidence.decide(FIGURE2, [Part("epoch 25", Interval(2.0, 1.5, 2.5), met)])
    assert contradicted.verdict is Verdict.CONTRADICTED
    # An agreeing effect with an unmet premise is not counted either.
    gated = evidence.decide(THEOREM26, [Part("epoch 1", Interval(1.1, 1.0, 1.2))], unmet)
    assert gated.verdict is Verdict.PREMISE_NOT_MET and "alone reads SUPPORTED" in gated.note


def test_one_counterexample_outweighs_supported_parts():
    verdicts = [Verdict.SUPPORTED, Verdict.INCONCLUSIVE, Verdict.CONTRADICTED]
    assert evidence.combine(verdicts) is Verdict.CONTRADICTED
    assert evidence.combine(verdicts[:2]) is Verdict.INCONCLUSIVE
    assert evidence.combine([Verdict.SUPPORTED] * 3) is Verdict.SUPPORTED


def test_the_unit_interval_counts_the_spread_between_runs(rng):
    close = [[3.0 + 0.01 * rng.normal() for _ in range(3)] for _ in range(5)]
    spread = [[3.0 + run + 0.01 * rng.normal() for _ in range(3)] for run in (-1, -0.5, 0, 0.5, 1)]
    narrow, wide = evidence.unit_interval(close), evidence.unit_interval(spread)
    assert narrow.estimate == pytest.approx(3.0, abs=0.02)
    assert wide.high - wide.low > 20 * (narrow.high - narrow.low)
    assert "5 G runs" in wide.method
    infinite = evidence.unit_interval([[1.0], [math.inf]])
    assert math.isinf(infinite.high)  # propagated, not dropped


def test_block_resample_keeps_blocks_in_order(rng):
    values = np.arange(100)
    resampled = evidence.block_resample(values, rng, length=10)
    assert len(resampled) == 100
    assert all(np.all(np.diff(resampled[i:i + 10]) == 1) for i in range(0, 100, 10))
    assert not math.isnan(evidence.block_bootstrap([values], np.mean).low)
