"""The probe's claims (Figures 1-3, Theorem 2.6) judged on logs, by the report's own functions.

The logs' units become one probe summary per G run (``judge_units``) and the claims of
``gandiag.analysis.probe.probe_claims`` judge them unchanged. A claim whose columns some unit lacks
is NOT RUN, with the columns and the unit named.
"""

import dataclasses
import pathlib
from collections.abc import Callable, Sequence

from gandiag.analysis import spec
from gandiag.analysis.evidence import ClaimResult, ClaimSpec, not_run
from gandiag.analysis.judge import judge_log, judge_units
from gandiag.analysis.judge.judge_log import Log, cost_column, projection_column
from gandiag.analysis.probe import probe_claims


@dataclasses.dataclass(frozen=True)
class Requirement:
    """The claims judged by one function and the columns every unit must give them."""

    specs: tuple[ClaimSpec, ...]
    columns: tuple[str, ...]
    judge: Callable[[list[probe_claims.RunSummaries]], ClaimResult | list[ClaimResult]]


REQUIREMENTS = (
    Requirement((spec.FIGURE1,), ("heldout_accuracy", "heldout_n"), probe_claims.figure1),
    Requirement((spec.FIGURE2,), (cost_column("original"),), probe_claims.figure2),
    Requirement((spec.FIGURE3_GROWTH, spec.FIGURE3_JITTER), (cost_column("minus-log-d"),),
                probe_claims.figure3),
    Requirement((spec.THEOREM26,),
                (cost_column("minus-log-d"), projection_column("minus-log-d", 1)),
                probe_claims.theorem26),
)


@dataclasses.dataclass(frozen=True)
class Judged:
    """The claims of a set of logs, and the units they rest on."""

    results: list[ClaimResult]
    runs: int
    seeds: tuple[int, int]
    checkpoints: int

    @property
    def units(self) -> str:
        """``2 G runs x 3 D seeds (at 2 checkpoints)``; a range where runs differ in seeds."""
        low, high = self.seeds
        seeds = f"{low}" if low == high else f"{low}-{high}"
        return (f"{self.runs} G run{'s' * (self.runs != 1)} x {seeds} D seed"
                f"{'s' * (high != 1)} (at {self.checkpoints} checkpoint"
                f"{'s' * (self.checkpoints != 1)})")


def _missing(units: judge_units.Units, columns: Sequence[str]) -> str:
    """Why a claim is not run: the first unit lacking one of ``columns``; "" if none does."""
    for run, checkpoints in units.items():
        for epoch, seeds in checkpoints.items():
            for seed, unit in seeds.items():
                absent = [c for c in columns if not judge_units.has(unit, c)]
                if absent:
                    return (f"no {' or '.join(absent)} in the log of G run {run}, epoch "
                            f"{epoch}, D seed {seed}; docs/judge.md names the columns")
    return ""


def judge_units_of(units: judge_units.Units) -> Judged:
    """Every probe claim on grouped units (one G run per key of ``units``)."""
    runs = [probe_claims.RunSummaries(pathlib.Path(run), judge_units.frozen_summary(checkpoints),
                                None, None) for run, checkpoints in units.items()]
    results = []
    for requirement in REQUIREMENTS:
        reason = _missing(units, requirement.columns)
        if reason:
            results += [not_run(claim, reason) for claim in requirement.specs]
            continue
        judged = requirement.judge(runs)
        results += judged if isinstance(judged, list) else [judged]
    seeds = [len(seeds) for checkpoints in units.values() for seeds in checkpoints.values()]
    epochs = {epoch for checkpoints in units.values() for epoch in checkpoints}
    return Judged(results, len(units), (min(seeds), max(seeds)), len(epochs))


def judge(paths: Sequence[pathlib.Path]) -> tuple[Judged, list[Log]]:
    """Read, check and judge log files (see ``judge_log`` for the format).

    Raises:
        LogError: a bad file, row or cell, named with what is allowed.
    """
    logs = [judge_log.read(path) for path in paths]
    return judge_units_of(judge_units.group(logs)), logs
