"""Verdicts a reviewer can check: an effect with a 90% interval, judged against a threshold
fixed in the claims spec, after the claim's premise is checked.

The rule, for a claim supported by large values of its statistic (``direction="above"``):
the interval entirely above the threshold is SUPPORTED, entirely below is CONTRADICTED,
and an interval that straddles it is INCONCLUSIVE. A two-sided claim (``"within"``, e.g.
a tail index of 1) is SUPPORTED when its interval lies inside the spec's band, CONTRADICTED
when it lies wholly outside, else INCONCLUSIVE.

Premises gate both directions. Where a claim's premise is measurably false the row reads
PREMISE NOT MET whatever the effect: an effect that agrees with the paper where the paper's
reason does not apply is no evidence for the paper, and one that disagrees is none
against it. The note then says what the effect alone would have read, so nothing is
hidden; the premise column and the verdict can never disagree. A premise that was not
measured (``holds is None``) gates nothing, and the premise column says so.

Intervals rest on units, independently trained G runs and the D seeds within them: with at
least two numbers a Student t interval over the G runs' means (over the D seeds' values
when there is one G run, an interval for that G alone), which holds its coverage with two
or three units where a bootstrap over so few does not (a percentile bootstrap of two
values covers about half the time); with one unit the interval measured within its curve
(``block_bootstrap``), which covers the noise within a run but not the spread between
runs. Each row says how many units it rests on.
"""

import dataclasses
import enum
import math
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

import numpy as np
from scipy import stats

LEVEL = 0.9
BOOTSTRAP_SAMPLES = 2000
Direction = Literal["above", "below", "within"]


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
    """A theorem's assumption measured on the run: whether it holds, and the numbers.

    ``holds`` None: not measured, or mixed over a row's parts; ``not_met_at`` then names
    the parts where it is not met (each part is gated by its own premise).
    """

    statement: str
    holds: bool | None
    measured: str
    not_met_at: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        """met, NOT met, NOT met at some parts, or not measured."""
        if self.not_met_at:
            return f"NOT met at {', '.join(self.not_met_at)}, met or not measured elsewhere"
        return {True: "met", False: "NOT met", None: "not measured"}[self.holds]


def judge(effect: Interval | None, threshold: float, direction: Direction,
          premise: Premise | None = None, band: tuple[float, float] | None = None) -> Verdict:
    """The verdict of one effect against its threshold, or its ``band`` for ``"within"``
    (see the module docstring); an unmet premise gives PREMISE NOT MET either way."""
    if effect is not None and premise is not None and premise.holds is False:
        return Verdict.PREMISE_NOT_MET  # even where the effect could not be measured
    return effect_reading(effect, threshold, direction, band)


def effect_reading(effect: Interval | None, threshold: float, direction: Direction,
                   band: tuple[float, float] | None = None) -> Verdict:
    """What the effect alone says, before its premise is consulted."""
    if effect is None or not (math.isfinite(effect.low) or math.isfinite(effect.high)):
        return Verdict.NOT_RUN
    if direction == "within":
        low, high = band
        if low < effect.low and effect.high < high:
            return Verdict.SUPPORTED
        if effect.high < low or effect.low > high:
            return Verdict.CONTRADICTED
        return Verdict.INCONCLUSIVE
    supported = effect.low > threshold if direction == "above" else effect.high < threshold
    contradicted = effect.high < threshold if direction == "above" else effect.low > threshold
    if supported:
        return Verdict.SUPPORTED
    if contradicted:
        return Verdict.CONTRADICTED
    return Verdict.INCONCLUSIVE


def bonferroni_level(family: int, level: float = LEVEL) -> float:
    """The two-sided level whose one-sided tails are those of ``level`` split ``family`` ways."""
    return 1.0 - (1.0 - level) / max(family, 1)


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


class Units(NamedTuple):
    """What a row rests on: independently trained G runs and D seeds in all."""

    runs: int
    seeds: int

    def __str__(self) -> str:
        return (f"{self.runs} G run{'s' * (self.runs != 1)} x "
                f"{self.seeds} D seed{'s' * (self.seeds != 1)}")


def unit_interval(values: Sequence[Sequence[float]]) -> Interval:
    """The mean over G runs of the mean over their D seeds, with a Student t interval.

    Args:
        values: one list per G run, one number per D seed (runs may differ in seeds); at
            least two numbers in all.

    With several G runs the interval is over the runs' means (n - 1 degrees of freedom),
    for the mean over Gs trained this way; with one G run, over its D seeds, for that G.
    Non-finite values propagate: the interval is then infinite, never silently narrowed.
    """
    runs = [np.asarray(run, dtype=np.float64) for run in values if len(run)]
    means = np.array([run.mean() for run in runs]) if len(runs) > 1 else runs[0]
    estimate = float(means.mean())
    method = (f"t interval over {len(runs)} G runs' means" if len(runs) > 1
              else f"t interval over {len(means)} D seeds of one G run (this G only)")
    if not np.all(np.isfinite(means)):
        return Interval(estimate, -math.inf, math.inf, LEVEL, method)
    half = stats.t.ppf(0.5 + LEVEL / 2, len(means) - 1) * means.std(ddof=1) / math.sqrt(
        len(means))
    return Interval(estimate, estimate - half, estimate + half, LEVEL, method)


def units_of(values: Sequence[Sequence[float]]) -> Units:
    """The units behind per-run, per-seed numbers."""
    return Units(sum(1 for run in values if len(run)), sum(len(run) for run in values))


def pooled(per_run: Sequence[Sequence[float]], single: Callable[[], Interval]) -> Interval:
    """The mean over runs and seeds with a t interval over units, or ``single()`` when there
    is one number only (whose interval only its own curve or sample can give)."""
    per_run = [list(values) for values in per_run if values]
    if sum(len(values) for values in per_run) >= 2:
        return unit_interval(per_run)
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
        direction: "above" if large values support the claim, "below" if small ones do,
            "within" if values inside ``band`` do (two-sided).
        rationale: why this threshold, written before the runs.
        premise: the assumption checked on the run ("" if none); unmet, it gives PREMISE
            NOT MET whatever the effect (see the module docstring).
        band: (low, high) for ``direction="within"``.
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
    band: tuple[float, float] | None = None

    @property
    def criterion(self) -> str:
        if self.direction == "within":
            return f"90% interval inside [{self.band[0]:g}, {self.band[1]:g}]"
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
    units: Units | None = None

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
           note: str = "", units: Units | None = None) -> ClaimResult:
    """Judge every part against the spec's threshold and combine (see ``judge``, ``combine``).

    A part is judged with its own premise, else with the row's ``premise``; an unmet one
    gives PREMISE NOT MET in both directions, and the note says what the effects alone
    read.
    """
    judged, gated = [], []
    for part in parts:
        part_premise = part.premise or premise
        verdict = judge(part.interval, spec.threshold, spec.direction, part_premise, spec.band)
        reading = effect_reading(part.interval, spec.threshold, spec.direction, spec.band)
        if verdict is Verdict.PREMISE_NOT_MET:
            gated.append(f"{part.label} alone reads {reading}")
        judged.append(Effect(part.label, part.interval, verdict))
    if gated:
        note = "; ".join([note] * bool(note) + [f"premise not met, so not counted: "
                                                f"{', '.join(gated)}"])
    verdict = combine([effect.verdict for effect in judged])
    if premise is not None and premise.holds is False and verdict is not Verdict.NOT_RUN:
        verdict = Verdict.PREMISE_NOT_MET  # the row's premise column says NOT met
    return ClaimResult(spec, tuple(judged), verdict, premise, note, units)
