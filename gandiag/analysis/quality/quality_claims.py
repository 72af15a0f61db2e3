"""Sample quality across runs: seed intervals for `gandiag compare`, and the mode-dropping claim.

Runs that differ only in seed are one setting; each quality number of a setting is the
mean over its seeds with a Student t interval over the seeds (3 seeds give a percentile
bootstrap only 10 distinct means). The mode-dropping claim (Theorem 2.5) compares the classes
(2-D toys: modes) covered by the original-cost seeds with those of the -log D seeds by an
exact permutation test (``analysis/quality/permutation.py``; calibrated in
``analysis/validate/quality_worlds.py``), among the seeds whose G learnt (``learnt``: shift
tolerant pixel realism and diversity, or the toys' high-quality share, each judged on its
interval).
"""

import json
import math
import pathlib
from collections.abc import Sequence

import numpy as np
import scipy.stats

from gandiag.analysis.evidence import (
    LEVEL,
    ClaimResult,
    Effect,
    Interval,
    Part,
    Premise,
    Verdict,
    decide,
)
from gandiag.analysis.quality import permutation
from gandiag.analysis.spec import (
    FIGURE1,
    FIGURE3_CAPTION,
    MODE_DROPPING,
    MODE_DROPPING_MAX_REALISM,
    MODE_DROPPING_MIN_DIVERSITY,
    MODE_DROPPING_MIN_HIGH_QUALITY,
    MODE_DROPPING_MIN_SEEDS,
)
from gandiag.store import layout
from gandiag.store.quality_schema import AfterProbeSummary, QualityRow, QualitySummary
from gandiag.store.schema import Estimate, read_summary

SEED = "seed"
COMPARED = ("fcd", "kcd", "precision", "recall", "classes_covered", "class_kl", "swd",
            "modes_covered", "high_quality")


def mean_interval(values: Sequence[float]) -> Interval:
    """The mean over seeds with a Student t interval (zero width for one seed)."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean())
    if len(values) < 2:
        return Interval(mean, mean, mean, LEVEL, "one seed: no interval")
    half = scipy.stats.t.ppf(0.5 + LEVEL / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(
        len(values))
    return Interval(mean, mean - half, mean + half, LEVEL, f"t interval over {len(values)} seeds")


def learnt(summary: QualitySummary) -> bool | None:
    """Whether the run's G learnt by its last saved epoch (the mode-dropping premise), from
    90% intervals: True when they clear the thresholds, False when they fail them, None when
    an interval straddles one or the summary cannot say (measured before spec 6)."""
    row = summary.rows[-1]
    if row.high_quality is not None:
        return _side(row.high_quality, MODE_DROPPING_MIN_HIGH_QUALITY)
    if row.realism is None or row.diversity is None:
        return None
    close = _side(Estimate(-row.realism.value, -row.realism.high, -row.realism.low),
                  -MODE_DROPPING_MAX_REALISM)
    varied = _side(row.diversity, MODE_DROPPING_MIN_DIVERSITY)
    if close is False or varied is False:
        return False
    return True if close and varied else None


def _side(estimate: Estimate, minimum: float) -> bool | None:
    """True when the interval lies at or above ``minimum``, False when below, else None."""
    if estimate.low >= minimum:
        return True
    return False if estimate.high < minimum else None


def mode_dropping(original: Sequence[float], minus_log_d: Sequence[float],
                  original_learnt: Sequence[bool | None] | None = None,
                  minus_log_d_learnt: Sequence[bool | None] | None = None) -> ClaimResult:
    """The claim row from the classes (or toy modes) covered by each seed of each cost at the
    last epoch. Given whether each seed's G learnt, only the seeds that did are compared;
    the premise (at least ``MODE_DROPPING_MIN_SEEDS`` of them per cost) gates both
    directions, and undecided seeds leave it undecided when they could tip it."""
    if not original or not minus_log_d:
        return ClaimResult(MODE_DROPPING, (), Verdict.NOT_RUN, None,
                           "needs `gandiag quality` on runs of both costs")
    flags = [list(f) if f is not None else [True] * len(c)
             for f, c in ((original_learnt, original), (minus_log_d_learnt, minus_log_d))]
    kept = [[c for c, flag in zip(covered, f, strict=True) if flag]
            for covered, f in zip((original, minus_log_d), flags)]
    possible = min(sum(flag is not False for flag in f) for f in flags)
    learnt_seeds = min(len(k) for k in kept)
    holds = True if learnt_seeds >= MODE_DROPPING_MIN_SEEDS else (
        None if possible >= MODE_DROPPING_MIN_SEEDS else False)
    premise = Premise(MODE_DROPPING.premise, holds,
                      f"learnt: {len(kept[0])} of {len(original)} original, {len(kept[1])} of "
                      f"{len(minus_log_d)} -log D seeds"
                      + (f" ({sum(f.count(None) for f in flags)} undecided)"
                         if holds is None else ""))
    note = (f"classes (toys: modes) covered: original {np.mean(original):.2f} "
            f"({len(original)} seeds), -log D {np.mean(minus_log_d):.2f} "
            f"({len(minus_log_d)} seeds)")
    interval = None
    if learnt_seeds >= 2:
        interval = permutation.shift_interval(*kept)
        note += (f"; seeds that learnt: original {np.mean(kept[0]):.2f}, "
                 f"-log D {np.mean(kept[1]):.2f}")
    label = "original - (-log D)"
    if min(len(original), len(minus_log_d)) < MODE_DROPPING_MIN_SEEDS or holds is None:
        why = ("too few seeds to say" if holds is not None or min(len(original), len(
            minus_log_d)) < MODE_DROPPING_MIN_SEEDS else
               "whether each G learnt is undecided or was not measured (rerun `gandiag "
               "quality`)")
        return ClaimResult(MODE_DROPPING, (Effect(label, interval, Verdict.INCONCLUSIVE),),
                           Verdict.INCONCLUSIVE, premise, f"{note}; {why}")
    if not holds:
        return ClaimResult(MODE_DROPPING, (Effect(label, interval, Verdict.PREMISE_NOT_MET),),
                           Verdict.PREMISE_NOT_MET, premise,
                           note + "; too few seeds whose G learnt")
    return decide(MODE_DROPPING, [Part(label, interval)], premise, note)


def read(run_dir: pathlib.Path) -> QualitySummary | None:
    return read_summary(layout.RunDir(run_dir).quality.summary, QualitySummary)


def _value(row: QualityRow, name: str) -> float | None:
    estimate = getattr(row, name)
    return None if estimate is None else estimate.value


def _covered(row: QualityRow) -> float | None:
    """Classes covered (labelled images) or modes covered (2-D toys)."""
    covered = _value(row, "classes_covered")
    return _value(row, "modes_covered") if covered is None else covered


def settings(paths: Sequence[pathlib.Path], configs: Sequence[dict]) -> list[dict]:
    """One entry per setting (runs that differ only in seed) with quality at each epoch.

    Returns:
        For each setting: ``label``, ``cost``, ``runs``, ``seeds`` and ``epochs``
        ({epoch: {metric: Interval over seeds}}).
    """
    groups: dict[str, list[int]] = {}
    for index, config in enumerate(configs):
        rest = {key: value for key, value in config.items() if key != SEED}
        groups.setdefault(json.dumps(rest, sort_keys=True), []).append(index)
    entries = []
    for group in groups.values():
        summaries = [(paths[i], configs[i], read(paths[i])) for i in group]
        summaries = [entry for entry in summaries if entry[2] is not None]
        if not summaries:
            continue
        epochs = sorted({row.epoch for _, _, summary in summaries for row in summary.rows})
        table = {}
        for epoch in epochs:
            rows = [row for _, _, summary in summaries for row in summary.rows
                    if row.epoch == epoch]
            table[epoch] = {name: mean_interval([_value(row, name) for row in rows])
                            for name in COMPARED if all(_value(row, name) is not None
                                                        for row in rows)}
        cost = summaries[0][1].get("cost")
        noisy = bool(summaries[0][1].get("instance_noise"))
        entries.append({"label": ", ".join(path.name for path, _, _ in summaries),
                        "cost": cost, "setting": f"{cost} + instance noise" if noisy else cost,
                        "seeds": [config.get(SEED) for _, config, _ in summaries],
                        "last_covered": [_covered(summary.rows[-1]) for _, _, summary in summaries],
                        "last_learnt": [learnt(summary) for _, _, summary in summaries],
                        "epochs": table})
    return entries


def by_setting(entries: Sequence[dict]) -> dict[str, tuple[list, list]]:
    """Modes covered and learnt flags of each setting's seeds (the first entry of each
    setting: a cost, with "+ instance noise" when its inputs were noised)."""
    chosen = {}
    for entry in entries:
        if None not in entry["last_covered"]:
            chosen.setdefault(entry["setting"], (entry["last_covered"], entry["last_learnt"]))
    return chosen


def mode_dropping_from(entries: Sequence[dict]) -> ClaimResult:
    """The paper's mode-dropping row: the original cost against -log D, both noise-free."""
    chosen = by_setting(entries)
    original, original_learnt = chosen.get("original", ([], None))
    minus_log_d, minus_log_d_learnt = chosen.get("minus-log-d", ([], None))
    return mode_dropping(original, minus_log_d, original_learnt, minus_log_d_learnt)


def _interval(estimate, method: str) -> Interval:
    return Interval(estimate.value, estimate.low, estimate.high, LEVEL, method)


def figure3_caption(summary: AfterProbeSummary | None) -> ClaimResult:
    """The caption's row: per saved G, the relative FCD change after K -log D steps (no
    noise); the original cost's and the noisy variant's changes and the nulls in the note."""
    if summary is None:
        return ClaimResult(FIGURE3_CAPTION, (), Verdict.NOT_RUN, None,
                           "needs `gandiag quality --after-probe`")
    parts, context = [], []
    for row in summary.rows:
        label = f"epoch {row.epoch}"
        if row.cost == "minus-log-d" and row.sigma == 0:
            premise = Premise(FIGURE3_CAPTION.premise, row.d_accuracy >= FIGURE1.threshold,
                              f"D accuracy {row.d_accuracy:.3f}")
            parts.append(Part(label, _interval(row.fcd_change, "bootstrap over samples"),
                              premise))
            context.append(f"{label} null {_interval(row.null_change, '')}")
        else:
            name = "original" if row.cost == "original" else f"-log D, sigma {row.sigma:g}"
            context.append(f"{label} {name} {_interval(row.fcd_change, '')}")
    return decide(FIGURE3_CAPTION, parts, note="; ".join(context))
