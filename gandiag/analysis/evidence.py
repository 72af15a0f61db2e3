"""Verdicts a reviewer can check: an effect with a 90% interval, judged against a threshold
fixed in the claims spec, after the claim's premise is checked.

The rule, for a claim supported by large values of its statistic (``direction="above"``):
the interval entirely above the threshold is SUPPORTED, entirely below is CONTRADICTED,
and an interval that straddles it is INCONCLUSIVE. A CONTRADICTED verdict whose premise
is measurably false becomes PREMISE NOT MET: an effect that is absent where the theorem
does not apply says nothing against the theorem.

Intervals come from a bootstrap: over G runs and then D seeds within each run when
there are several runs (hierarchical), else over blocks of iterations within one curve
(``block_bootstrap``), which covers the noise within a run but not the spread between
runs; the report says which was used.
"""

import dataclasses
import enum
import math
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

import numpy as np

LEVEL = 0.9
BOOTSTRAP_SAMPLES = 2000
Direction = Literal["above", "below"]


class Verdict(enum.StrEnum):
    SUPPORTED = "SUPPORTED"
    CONTRADICTED = "CONTRADICTED"
    INCONCLUSIVE = "INCONCLUSIVE"
    PREMISE_NOT_MET = "PREMISE NOT MET"
    NOT_RUN = "NOT RUN"


# When a claim is judged on several checkpoints (or parts), the verdict of the whole is
# the first of these that any part has: one clear counterexample is enough against a
# general claim, and the claim holds only where every part holds.
_PRECEDENCE = (Verdict.NOT_RUN, Verdict.CONTRADICTED, Verdict.PREMISE_NOT_MET,
               Verdict.INCONCLUSIVE, Verdict.SUPPORTED)


@dataclasses.dataclass(frozen=True)
class Interval:
    """An estimate with a two-sided interval at ``level`` (0.9: the 5th to 95th percentile)."""

    estimate: float
    low: float
    high: float
    level: float = LEVEL
    method: str = ""

    def __str__(self) -> str:
        return f"{_short(self.estimate)} [{_short(self.low)}, {_short(self.high)}]"

    def straddles(self, threshold: float) -> bool:
        return self.low <= threshold <= self.high


def _short(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


@dataclasses.dataclass(frozen=True)
class Premise:
    """A theorem's assumption measured on the run: whether it holds, and the numbers."""

    statement: str
    holds: bool | None
    measured: str


def judge(effect: Interval | None, threshold: float, direction: Direction,
          premise: Premise | None = None) -> Verdict:
    """The verdict of one effect against its threshold (see the module docstring)."""
    if effect is None or not (math.isfinite(effect.low) or math.isfinite(effect.high)):
        return Verdict.NOT_RUN
    supported = effect.low > threshold if direction == "above" else effect.high < threshold
    contradicted = effect.high < threshold if direction == "above" else effect.low > threshold
    if supported:
        return Verdict.SUPPORTED
    if contradicted:
        return Verdict.PREMISE_NOT_MET if premise is not None and premise.holds is False \
            else Verdict.CONTRADICTED
    return Verdict.INCONCLUSIVE


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """The verdict of a claim made of several parts (see ``_PRECEDENCE``)."""
    if not verdicts:
        return Verdict.NOT_RUN
    return next(verdict for verdict in _PRECEDENCE if verdict in verdicts)


def percentile_interval(samples: np.ndarray, estimate: float, method: str) -> Interval:
    """The central ``LEVEL`` interval of bootstrap ``samples`` around ``estimate``."""
    values = np.asarray(samples, dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return Interval(estimate, math.nan, math.nan, LEVEL, method)
    tail = 100 * (1 - LEVEL) / 2
    # Infinite resamples (a norm that reached zero) are kept: they belong to the interval.
    # Interpolating between two infinities gives nan, so then the order statistics are used.
    rule = "linear" if np.all(np.isfinite(values)) else "inverted_cdf"
    low, high = np.percentile(values, [tail, 100 - tail], method=rule)
    return Interval(float(estimate), float(low), float(high), LEVEL, method)


def hierarchical_bootstrap(values: Sequence[Sequence[float]], seed: int = 0,
                           samples: int = BOOTSTRAP_SAMPLES) -> Interval:
    """The mean over G runs of the mean over their D seeds, with a hierarchical interval.

    Args:
        values: one list per G run, one number per D seed (runs may differ in seeds).
        seed: the bootstrap's random seed (fixed, so a report is reproducible).
        samples: bootstrap resamples.

    Each resample draws G runs with replacement, then D seeds with replacement within
    each drawn run. With one G run only the D seeds are resampled.
    """
    runs = [np.asarray(run, dtype=np.float64) for run in values if len(run)]
    estimate = float(np.mean([run.mean() for run in runs]))
    rng = np.random.default_rng(seed)
    means = np.empty(samples)
    for index in range(samples):
        chosen = rng.integers(len(runs), size=len(runs)) if len(runs) > 1 else [0]
        means[index] = np.mean([runs[i][rng.integers(len(runs[i]), size=len(runs[i]))].mean()
                                for i in chosen])
    method = (f"hierarchical bootstrap over {len(runs)} G runs and their D seeds"
              if len(runs) > 1 else f"bootstrap over {len(runs[0])} D seeds of one G run")
    return percentile_interval(means, estimate, method)


def pooled(per_run: Sequence[Sequence[float]], single: Callable[[], Interval]) -> Interval:
    """The mean over runs and seeds with a hierarchical interval, or ``single()`` when there
    is one number only (whose interval only its own curve or sample can give)."""
    per_run = [list(values) for values in per_run if values]
    if sum(len(values) for values in per_run) >= 2:
        return hierarchical_bootstrap(per_run)
    return single()


def from_estimate(estimate, method: str = "moving-block bootstrap within one curve") -> Interval:
    """An interval from a stored estimate (anything with ``value``, ``low`` and ``high``)."""
    return Interval(estimate.value, estimate.low, estimate.high, LEVEL, method)


def block_length(count: int) -> int:
    """Moving-block length for ``count`` autocorrelated values: about n^(1/3), at least 1."""
    return max(1, round(count ** (1 / 3)))


def _block_indices(count: int, rng: np.random.Generator, samples: int,
                   length: int | None = None) -> np.ndarray:
    """(samples, count) indices of moving-block resamples of a series of ``count`` values."""
    length = min(length or block_length(count), count)
    blocks = -(-count // length)
    starts = rng.integers(count - length + 1, size=(samples, blocks))
    return (starts[:, :, None] + np.arange(length)).reshape(samples, -1)[:, :count]


def block_resample(values: np.ndarray, rng: np.random.Generator,
                   length: int | None = None) -> np.ndarray:
    """A moving-block bootstrap resample of a series (same length, blocks kept in order)."""
    values = np.asarray(values)
    return values[_block_indices(len(values), rng, 1, length)[0]]


def block_bootstrap(windows: Sequence[np.ndarray], statistic: Callable[..., float],
                    seed: int = 0, samples: int = BOOTSTRAP_SAMPLES,
                    batched: bool = False) -> Interval:
    """``statistic(*windows)`` with an interval from moving-block resamples of each window.

    Used where only one curve exists: each window (e.g. the start and the end of a
    gradient-norm curve) is resampled in blocks, keeping its short-range correlation.
    With ``batched``, ``statistic`` takes every resample at once (arrays with a leading
    axis of ``samples``, reducing over the last axis) and returns one value per resample.
    """
    windows = [np.asarray(window) for window in windows]
    estimate = statistic(*windows)
    rng = np.random.default_rng(seed)
    indices = [_block_indices(len(window), rng, samples) for window in windows]
    if batched:
        values = np.asarray(statistic(*[window[index] for window, index in zip(windows, indices)]))
    else:
        values = np.array([statistic(*[window[index[sample]]
                                       for window, index in zip(windows, indices)])
                           for sample in range(samples)])
    return percentile_interval(values, estimate, "moving-block bootstrap within one curve")


@dataclasses.dataclass(frozen=True)
class ClaimSpec:
    """One claim of the paper as gandiag tests it.

    Attributes:
        key: short stable name.
        name: the row's title, with the paper's figure or theorem.
        paper: the paper's statement.
        paper_number: the paper's number, as it gives it.
        statistic: what is measured.
        threshold: the value the statistic's interval is judged against.
        direction: "above" if large values support the claim, "below" if small ones do.
        rationale: why this threshold, written before the runs.
        premise: the assumption checked on the run ("" if none).
        premise_gates: True for a theorem's prediction (an unmet premise gives PREMISE
            NOT MET whatever the effect), False for the paper's observations (only an
            effect that fails where the premise is unmet becomes PREMISE NOT MET).
    """

    key: str
    name: str
    paper: str
    paper_number: str
    statistic: str
    threshold: float
    direction: Direction
    rationale: str
    premise: str = ""
    premise_gates: bool = False

    @property
    def criterion(self) -> str:
        relation = ">" if self.direction == "above" else "<"
        return f"90% interval {relation} {self.threshold:g}"


@dataclasses.dataclass(frozen=True)
class Effect:
    """One part of a claim's evidence (a checkpoint, a noise level, a setting)."""

    label: str
    interval: Interval | None
    verdict: Verdict


@dataclasses.dataclass(frozen=True)
class ClaimResult:
    """A row of the claims table: the spec, the effects with intervals, premise, verdict."""

    spec: ClaimSpec
    effects: tuple[Effect, ...]
    verdict: Verdict
    premise: Premise | None = None
    note: str = ""

    @property
    def measured(self) -> str:
        """'epoch 1: 3.6 [3.4, 3.8]; epoch 25: ...' and the note."""
        parts = [f"{effect.label}: {effect.interval}" for effect in self.effects
                 if effect.interval is not None]
        return "; ".join(parts + ([self.note] if self.note else [])) or "-"


def not_run(spec: ClaimSpec, note: str = "") -> ClaimResult:
    """The row of a claim whose experiment has not been run."""
    return ClaimResult(spec, (), Verdict.NOT_RUN, None, note)


class Part(NamedTuple):
    """One part to judge: its label, its effect, and its own premise if it has one."""

    label: str
    interval: Interval | None
    premise: Premise | None = None


def decide(spec: ClaimSpec, parts: Sequence[Part], premise: Premise | None = None,
           note: str = "") -> ClaimResult:
    """Judge every part against the spec's threshold and combine (see ``judge``, ``combine``).

    A part is judged with its own premise, else with the row's ``premise``. With
    ``spec.premise_gates``, a premise that does not hold gives PREMISE NOT MET whatever
    the effect: the theorem predicts nothing there.
    """
    judged = []
    for part in parts:
        part_premise = part.premise or premise
        verdict = judge(part.interval, spec.threshold, spec.direction, part_premise)
        if spec.premise_gates and part_premise is not None and part_premise.holds is False \
                and verdict is not Verdict.NOT_RUN:
            verdict = Verdict.PREMISE_NOT_MET
        judged.append(Effect(part.label, part.interval, verdict))
    return ClaimResult(spec, tuple(judged), combine([effect.verdict for effect in judged]),
                       premise, note)
