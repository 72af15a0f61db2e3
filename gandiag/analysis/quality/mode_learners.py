"""Does -log D drop more modes than the costs that learn? The second mode-dropping row.

The paper's row (``quality_claims.mode_dropping``) compares -log D with the original cost,
whose Gs seldom learn, so its premise often fails. This row compares -log D with each cost
whose Gs do learn (``spec.MODE_DROPPING_LEARNERS``): per comparison, modes (classes) covered
by the learning cost's seeds less those of the -log D seeds, among the seeds whose G learnt,
by the exact permutation test of the paper's row. The comparisons whose premise holds are
one family, each interval at the Bonferroni level over them. Calibrated in
``analysis/validate/quality_worlds.py``.
"""

import dataclasses
from collections.abc import Mapping, Sequence

from gandiag.analysis.evidence import (
    ClaimResult,
    Effect,
    Premise,
    Verdict,
    bonferroni_level,
    combine,
    effect_reading,
)
from gandiag.analysis.quality import permutation
from gandiag.analysis.spec import (
    MODE_DROPPING_LEARNERS,
    MODE_DROPPING_LEARNERS_MIN_SEEDS,
    MODE_DROPPING_VS_LEARNERS,
)

MINUS_LOG_D = "minus-log-d"


@dataclasses.dataclass(frozen=True)
class Seeds:
    """One setting's seeds: modes covered at the last epoch, and whether each G learnt."""

    covered: Sequence[float]
    learnt: Sequence[bool | None]

    @property
    def kept(self) -> list[float]:
        return [c for c, flag in zip(self.covered, self.learnt, strict=True) if flag]

    @property
    def possible(self) -> int:
        return sum(flag is not False for flag in self.learnt)


def _standing(learner: Seeds, minus_log_d: Seeds) -> tuple[str, str]:
    """Whether a comparison is judged: ``holds``, ``few`` (too few seeds run for the
    corrected test to reach a verdict), ``undecided`` or ``fails``; and why, in words."""
    least = MODE_DROPPING_LEARNERS_MIN_SEEDS
    run = min(len(learner.covered), len(minus_log_d.covered))
    learnt = min(len(learner.kept), len(minus_log_d.kept))
    if run < least:
        return "few", f"needs >= {least} seeds a side, has {run}"
    if learnt >= least:
        return "holds", f"{len(learner.kept)} and {len(minus_log_d.kept)} seeds learnt"
    if min(learner.possible, minus_log_d.possible) >= least:
        return "undecided", "whether enough Gs learnt is undecided"
    return "fails", f"only {learnt} seeds learnt on one side (needs {least})"


def judge(minus_log_d: Seeds | None, learners: Mapping[str, Seeds]) -> ClaimResult:
    """The row from the -log D seeds and the seeds of each learning cost present."""
    spec = MODE_DROPPING_VS_LEARNERS
    present = [name for name in MODE_DROPPING_LEARNERS if name in learners]
    if minus_log_d is None or not present:
        return ClaimResult(spec, (), Verdict.NOT_RUN, None,
                           "needs `gandiag quality` on -log D runs and on runs of at least "
                           f"one of: {', '.join(MODE_DROPPING_LEARNERS)}")
    standing = {name: _standing(learners[name], minus_log_d) for name in present}
    judged = [name for name in present if standing[name][0] == "holds"]
    level = bonferroni_level(len(judged))
    effects, verdicts, words = [], [], []
    for name in present:
        state, why = standing[name]
        kept = learners[name].kept, minus_log_d.kept
        interval = (permutation.shift_interval(*kept, level=level)
                    if min(map(len, kept)) >= 2 else None)
        if state == "holds":
            verdict = effect_reading(interval, spec.threshold, spec.direction)
        elif state == "fails":
            verdict = Verdict.PREMISE_NOT_MET
        else:
            verdict = Verdict.INCONCLUSIVE
        effects.append(Effect(f"{name} - (-log D)", interval, verdict))
        if verdict is not Verdict.PREMISE_NOT_MET:
            verdicts.append(verdict)
        words.append(f"{name}: {why}")
    holds = (True if len(judged) == len(present)
             else False if all(standing[name][0] == "fails" for name in present) else None)
    premise = Premise(spec.premise, holds, "; ".join(words))
    note = (f"{len(judged)} comparison{'s' * (len(judged) != 1)} judged, each interval at "
            f"{level:.1%} (Bonferroni over {len(judged)}); modes covered: -log D "
            f"{_mean(minus_log_d.covered)} ({len(minus_log_d.covered)} seeds), "
            + ", ".join(f"{name} {_mean(learners[name].covered)} "
                        f"({len(learners[name].covered)} seeds)" for name in present))
    verdict = combine(verdicts) if verdicts else Verdict.PREMISE_NOT_MET
    return ClaimResult(spec, tuple(effects), verdict, premise, note)


def _mean(values: Sequence[float]) -> str:
    return f"{sum(values) / len(values):.2f}" if values else "-"


def from_settings(chosen: Mapping[str, tuple[Sequence[float], Sequence[bool | None]]]
                  ) -> ClaimResult:
    """The row from ``quality_claims.by_setting``: each setting's (covered, learnt)."""
    seeds = {name: Seeds(*value) for name, value in chosen.items()}
    return judge(seeds.get(MINUS_LOG_D),
                 {name: seeds[name] for name in MODE_DROPPING_LEARNERS if name in seeds})
