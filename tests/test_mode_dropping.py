"""The mode-dropping row's parts: a premise a one-pixel move does not fool, an exact
comparison of few seeds, and a mode counter that counts coverage, not precision."""

import numpy as np
import pytest

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.quality import quality_claims, quality_metrics
from gandiag.analysis.quality.modes import mode_coverage
from gandiag.analysis.quality.permutation import shift_interval
from gandiag.config import DataConfig
from gandiag.data import datasets
from gandiag.store.quality_schema import QualityRow, QualitySummary
from gandiag.store.schema import Estimate


def _learnt(reference: np.ndarray, fake: np.ndarray) -> bool | None:
    def estimate(interval):
        return Estimate(interval.estimate, interval.low, interval.high)

    one = Estimate(1.0, 1.0, 1.0)
    row = QualityRow(1, len(fake), one, one,
                     realism=estimate(quality_metrics.pixel_realism(reference, fake, draws=20)),
                     diversity=estimate(quality_metrics.pixel_diversity(reference, fake,
                                                                        draws=20)))
    return quality_claims.learnt(QualitySummary("pixels", "", {}, [row], 0.0))


@pytest.fixture(scope="module")
def digits():
    images = datasets.load_data(DataConfig("digits", image_size=16)).array
    order = np.random.default_rng(0).permutation(len(images))
    return images[order[:800]], images[order[800:1100]]


def test_real_digits_moved_one_pixel_learnt_and_a_flat_black_image_did_not(digits):
    reference, others = digits
    assert _learnt(reference, others) is True
    assert _learnt(reference, np.roll(others, 1, axis=2)) is True
    assert _learnt(reference, np.roll(others, (1, 1), axis=(1, 2))) is True
    assert _learnt(reference, np.full_like(others, -1.0)) is False
    noise = np.random.default_rng(1).uniform(-1, 1, others.shape).astype(np.float32)
    assert _learnt(reference, noise) is False


def test_an_undecided_premise_leaves_the_row_inconclusive_not_premise_not_met():
    result = quality_claims.mode_dropping([10, 10, 10], [7, 8, 7], [True, None, True], [True] * 3)
    assert result.verdict is Verdict.INCONCLUSIVE and result.premise.holds is None
    result = quality_claims.mode_dropping([10, 10, 10], [7, 8, 7], [True, False, True], [True] * 3)
    assert result.verdict is Verdict.PREMISE_NOT_MET


def test_the_comparison_is_an_exact_permutation_test():
    interval = shift_interval([10, 10, 9, 10], [8, 7, 8, 7])
    assert interval.estimate == pytest.approx(2.25)
    assert interval.low > 0.5 and "permutation" in interval.method
    # Three seeds a side: 20 arrangements, the most extreme has p = 0.05, so one seed out of
    # line is enough to keep the verdict out of reach.
    assert quality_claims.mode_dropping([10, 10, 10], [9, 9, 9]).verdict is Verdict.SUPPORTED
    assert quality_claims.mode_dropping([10, 10, 8], [9, 9, 9]).verdict is Verdict.INCONCLUSIVE


def test_the_exact_comparison_is_rarely_supported_on_a_null_with_ties():
    rng = np.random.default_rng(0)
    for probabilities in ([0.5, 0.5], [0.8, 0.2]):
        verdicts = [quality_claims.mode_dropping(*rng.choice([10, 9], (2, 3), p=probabilities)
                                                 .tolist()).verdict for _ in range(300)]
        assert verdicts.count(Verdict.SUPPORTED) / 300 <= 0.05


def _grid_samples(rng, on_modes: float, count: int = 2000) -> np.ndarray:
    modes = datasets.toy_modes("grid")
    on = int(on_modes * count)
    near = modes[np.arange(on) % 25] + rng.normal(0, 0.05, (on, 2))
    return np.concatenate([near, rng.uniform(-6, 6, (count - on, 2)) + 100])


@pytest.mark.parametrize("on_modes", [0.45, 0.5])
def test_coverage_counts_modes_among_the_samples_on_a_mode(on_modes):
    # Every mode reached evenly, the rest of the samples far off: 25 modes covered, and the
    # interval holds its own estimate (a threshold on all samples read 10 and 23 [14, 20]).
    coverage = mode_coverage(_grid_samples(np.random.default_rng(0), on_modes),
                             datasets.toy_modes("grid"), draws=100)
    assert coverage.covered.estimate == 25
    assert coverage.covered.low <= 25 <= coverage.covered.high
    assert coverage.high_quality.low < on_modes < coverage.high_quality.high
