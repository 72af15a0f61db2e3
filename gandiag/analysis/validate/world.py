"""A simulated world for one claim, and the calibration that runs the judge in it.

A ``World`` draws synthetic inputs whose truth is known (the claim true, false, or its premise
failing, plus hard nulls such as bent trends, scale mixtures or few units) at the sizes the
presets use, and hands each to the same judging function the reports use. ``calibrate``
repeats that and counts, per world, how often each verdict came out, and how often the
claim's interval covered the true value of its estimand.

A world names the verdicts that are wrong in it: SUPPORTED is wrong where the claim is false
or its premise fails, CONTRADICTED where the claim is true or its premise fails. The targets:
each wrong verdict at most ``FALSE_RATE_TARGET`` of the time, and interval coverage within
``COVERAGE_TARGET`` for the nominal 90% interval. A measured rate is a Monte-Carlo estimate:
a world misses a target only when the rate lies beyond it by more than
``MONTE_CARLO_ALLOWANCE`` binomial standard errors at the target (a world built on the
boundary, where the true rate is exactly 5%, would otherwise fail half the time).
"""

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from gandiag.analysis.evidence import ClaimResult, Interval, Verdict

Truth = Literal["true", "false", "premise-fails"]
FALSE_RATE_TARGET = 0.05
COVERAGE_TARGET = (0.85, 0.95)
MONTE_CARLO_ALLOWANCE = 2.0

# The verdicts that are errors in a world of each truth.
WRONG: dict[str, tuple[Verdict, ...]] = {
    "true": (Verdict.CONTRADICTED,),
    "false": (Verdict.SUPPORTED,),
    "premise-fails": (Verdict.SUPPORTED, Verdict.CONTRADICTED),
}


@dataclasses.dataclass(frozen=True)
class World:
    """One simulated world of one claim.

    Attributes:
        claim: the claim's key, as in the claims spec (``figure2``, ``theorem2.6``, ...).
        name: the world's short name (``true``, ``false``, ``premise-fails``, ``bent-trend``).
        truth: whether the claim holds here, fails, or its premise fails.
        description: one line saying what is simulated and at what size.
        simulate: draws one synthetic input from a random generator.
        judge: the judging function the reports use, applied to one input.
        true_value: the estimand's true value in this world, for interval coverage (None if
            the claim's interval has no simple estimand here).
        interval: picks the interval to check for coverage from a result (default: the first
            effect's).
    """

    claim: str
    name: str
    truth: Truth
    description: str
    simulate: Callable[[np.random.Generator], Any]
    judge: Callable[[Any], ClaimResult]
    true_value: float | None = None
    interval: Callable[[ClaimResult], Interval | None] | None = None


@dataclasses.dataclass(frozen=True)
class Calibration:
    """What the judge said in one world over ``repeats`` draws."""

    world: World
    repeats: int
    rates: dict[Verdict, float]
    coverage: float | None

    @property
    def false_supported(self) -> float:
        return self.rates[Verdict.SUPPORTED] if Verdict.SUPPORTED in WRONG[self.world.truth] \
            else 0.0

    @property
    def false_contradicted(self) -> float:
        return self.rates[Verdict.CONTRADICTED] \
            if Verdict.CONTRADICTED in WRONG[self.world.truth] else 0.0

    def _allowance(self, rate: float) -> float:
        return MONTE_CARLO_ALLOWANCE * math.sqrt(rate * (1 - rate) / self.repeats)

    @property
    def meets_targets(self) -> bool:
        low, high = COVERAGE_TARGET
        slack = self._allowance(FALSE_RATE_TARGET)
        covered = self.coverage is None or (low - self._allowance(low) <= self.coverage
                                            <= high + self._allowance(high))
        return (self.false_supported <= FALSE_RATE_TARGET + slack
                and self.false_contradicted <= FALSE_RATE_TARGET + slack and covered)


def _first_interval(result: ClaimResult) -> Interval | None:
    return next((effect.interval for effect in result.effects if effect.interval is not None),
                None)


def calibrate(world: World, repeats: int, seed: int = 0) -> Calibration:
    """Run the judge on ``repeats`` draws of ``world``; verdict rates and interval coverage."""
    rng = np.random.default_rng([seed, *map(ord, f"{world.claim}/{world.name}")])
    pick = world.interval or _first_interval
    verdicts: Counter[Verdict] = Counter()
    covered, intervals = 0, 0
    for _ in range(repeats):
        result = world.judge(world.simulate(rng))
        verdicts[result.verdict] += 1
        interval = pick(result)
        if world.true_value is not None and interval is not None:
            intervals += 1
            covered += interval.low <= world.true_value <= interval.high
    rates = {verdict: verdicts[verdict] / repeats for verdict in Verdict}
    return Calibration(world, repeats, rates, covered / intervals if intervals else None)


def calibrate_all(worlds: Sequence[World], repeats: int, seed: int = 0) -> list[Calibration]:
    """``calibrate`` every world, in order."""
    return [calibrate(world, repeats, seed) for world in worlds]
