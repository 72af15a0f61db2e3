"""The mode-dropping row calibrated in simulated worlds of discrete class counts."""

import dataclasses

import pytest
from calibration_targets import within_targets

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.validate import quality_worlds
from gandiag.analysis.validate.world import FALSE_RATE_TARGET, calibrate


def _world(name: str):
    return next(w for w in quality_worlds.WORLDS if w.name == name)


@pytest.mark.parametrize("world", quality_worlds.WORLDS, ids=lambda w: w.name)
def test_false_rates_meet_the_target_in_every_world(world):
    calibration = calibrate(world, repeats=200)
    assert calibration.false_supported <= FALSE_RATE_TARGET, calibration
    assert calibration.false_contradicted <= FALSE_RATE_TARGET, calibration


@pytest.mark.parametrize(("name", "verdict"), [
    ("drops-modes", Verdict.SUPPORTED), ("null-zero-spread", Verdict.CONTRADICTED),
    ("null", Verdict.INCONCLUSIVE), ("not-learnt", Verdict.PREMISE_NOT_MET),
    ("undecided", Verdict.INCONCLUSIVE)])
def test_every_verdict_is_reached_in_some_world(name, verdict):
    assert calibrate(_world(name), repeats=20).rates[verdict] > 0.5


def test_the_interval_of_a_shift_on_continuous_like_counts_holds_its_coverage():
    # Discrete counts of 3 seeds make the inverted permutation interval conservative or
    # short (measured 0.79-0.99 in the other worlds; docs/validated-rows.md); on the grid's
    # wider counts it is within the target.
    assert 0.85 <= calibrate(_world("grid-drops-modes"), repeats=400).coverage <= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("world", quality_worlds.WORLDS, ids=lambda w: w.name)
def test_false_rates_over_many_repeats(world):
    calibration = calibrate(world, repeats=2000, seed=1)
    assert within_targets(dataclasses.replace(calibration, coverage=None)), calibration
