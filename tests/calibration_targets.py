"""The calibration targets as a test reads them over a finite number of draws.

A rule at exactly its nominal 5% (a Bonferroni or Holm family of independent tests under the
global null) reads 5% +- 0.7% over 1,000 draws; a test that demanded <= 5% of the measured
rate would fail half the time on a calibrated rule. So a measured false rate passes when it
is within two binomial standard errors of the target, and coverage likewise.
"""

import math

from gandiag.analysis.validate.world import COVERAGE_TARGET, FALSE_RATE_TARGET, Calibration


def _margin(rate: float, repeats: int) -> float:
    return 2 * math.sqrt(rate * (1 - rate) / repeats)


def within_targets(calibration: Calibration) -> bool:
    """The targets, each with two binomial standard errors of slack for ``repeats`` draws."""
    slack = _margin(FALSE_RATE_TARGET, calibration.repeats)
    low, high = COVERAGE_TARGET
    coverage = calibration.coverage
    covered = coverage is None or (low - _margin(low, calibration.repeats) <= coverage
                                   <= high + _margin(high, calibration.repeats))
    return (calibration.false_supported <= FALSE_RATE_TARGET + slack
            and calibration.false_contradicted <= FALSE_RATE_TARGET + slack and covered)
