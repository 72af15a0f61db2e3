"""Sample quality across runs: seed intervals for `gandiag compare`, and the mode-dropping claim.

Runs that differ only in seed are one setting; each quality number of a setting is the
mean over its seeds with a Student t interval over the seeds (3 seeds give a percentile
bootstrap only 10 distinct means; ``tests/test_quality_claims.py`` calibrates the claim's
Welch interval on a simulated null). The mode-dropping claim (Theorem 2.5) compares the classes
(2-D toys: modes) covered by the original-cost seeds with those of the -log D seeds, among the
seeds whose G learnt (``learnt``: a pixel realism ratio of at most
``MODE_DROPPING_MAX_REALISM``; toys: a high-quality share of at least
``MODE_DROPPING_MIN_HIGH_QUALITY``).
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
from gandiag.analysis.spec import (
    FIGURE1,
    FIGURE3_CAPTION,
    MODE_DROPPING,
    MODE_DROPPING_MAX_REALISM,
    MODE_DROPPING_MIN_HIGH_QUALITY,
    MODE_DROPPING_MIN_SEEDS,
)
from gandiag.store import layout
from gandiag.store.quality_schema import AfterProbeSummary, QualityRow, QualitySummary
from gandiag.store.schema import read_summary

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


def difference_interval(first: Sequence[float], second: Sequence[float]) -> Interval:
    """mean(first) - mean(second) with a Welch t interval over the seeds of each."""
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    difference = float(a.mean() - b.mean())
    var_a, var_b = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    spread = math.sqrt(var_a + var_b)
    if spread == 0:
        return Interval(difference, difference, difference, LEVEL, "Welch t: no spread")
    freedom = spread ** 4 / (var_a ** 2 / (len(a) - 1) + var_b ** 2 / (len(b) - 1))
    half = scipy.stats.t.ppf(0.5 + LEVEL / 2, freedom) * spread
    return Interval(difference, difference - half, difference + half, LEVEL,
                    f"Welch t over {len(a)} and {len(b)} seeds")


def learnt(summary: QualitySummary) -> bool | None:
    """Whether the run's G learnt by its last saved epoch (the mode-dropping premise; None
    when the summary cannot say, e.g. measured before spec 5)."""
    row = summary.rows[-1]
    if row.high_quality is not None:
        return row.high_quality.value >= MODE_DROPPING_MIN_HIGH_QUALITY
    if row.realism is None:
        return None
    return row.realism.value <= MODE_DROPPING_MAX_REALISM


def _learnt(covered: Sequence[float], flags: Sequence[bool | None] | None) -> list[float]:
    """The coverage of the seeds whose G learnt (all of them when no flags are given)."""
    if flags is None:
        return list(covered)
    return [c for c, flag in zip(covered, flags, strict=True) if flag]


def mode_dropping(original: Sequence[float], minus_log_d: Sequence[float],
                  original_learnt: Sequence[bool | None] | None = None,
                  minus_log_d_learnt: Sequence[bool | None] | None = None) -> ClaimResult:
    """The claim row from the classes (or toy modes) covered by each seed of each cost at the
    last epoch; given whether each seed's G learnt, only those seeds are compared (the
    premise: at least ``MODE_DROPPING_MIN_SEEDS`` of them per cost; a seed whose premise
    was not measured makes the row INCONCLUSIVE)."""
    if not original or not minus_log_d:
        return ClaimResult(MODE_DROPPING, (), Verdict.NOT_RUN, None,
                           "needs `gandiag quality` on runs of both costs")
    seeds = min(len(original), len(minus_log_d))
    unmeasured = None in [*(original_learnt or ()), *(minus_log_d_learnt or ())]
    flags = (original_learnt, minus_log_d_learnt)
    original_learnt, minus_log_d_learnt = _learnt(original, flags[0]), _learnt(minus_log_d,
                                                                               flags[1])
    learnt = min(len(original_learnt), len(minus_log_d_learnt))
    holds = None if unmeasured else learnt >= MODE_DROPPING_MIN_SEEDS
    premise = Premise(MODE_DROPPING.premise, holds,
                      f"learnt: {len(original_learnt)} of {len(original)} original, "
                      f"{len(minus_log_d_learnt)} of {len(minus_log_d)} -log D seeds")
    note = (f"classes (toys: modes) covered: original {np.mean(original):.2f} "
            f"({len(original)} seeds), "
            f"-log D {np.mean(minus_log_d):.2f} ({len(minus_log_d)} seeds)")
    if learnt > 1:
        interval = difference_interval(original_learnt, minus_log_d_learnt)
        note += (f"; seeds that learnt: original {np.mean(original_learnt):.2f}, "
                 f"-log D {np.mean(minus_log_d_learnt):.2f}")
    else:
        interval = None
    label = "original - (-log D)"
    if seeds < MODE_DROPPING_MIN_SEEDS or unmeasured:
        effect = Effect(label, interval, Verdict.INCONCLUSIVE)
        why = ("too few seeds to say" if seeds < MODE_DROPPING_MIN_SEEDS else
               "whether each G learnt was not measured: rerun `gandiag quality`")
        return ClaimResult(MODE_DROPPING, (effect,), Verdict.INCONCLUSIVE, premise,
                           f"{note}; {why}")
    if not holds:
        effect = Effect(label, interval, Verdict.PREMISE_NOT_MET)
        return ClaimResult(MODE_DROPPING, (effect,), Verdict.PREMISE_NOT_MET, premise,
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
        entries.append({"label": ", ".join(path.name for path, _, _ in summaries),
                        "cost": summaries[0][1].get("cost"),
                        "seeds": [config.get(SEED) for _, config, _ in summaries],
                        "last_covered": [_covered(summary.rows[-1]) for _, _, summary in summaries],
                        "last_learnt": [learnt(summary) for _, _, summary in summaries],
                        "epochs": table})
    return entries


def mode_dropping_from(entries: Sequence[dict]) -> ClaimResult:
    """The mode-dropping row from the settings of each cost (the first of each)."""
    by_cost = {}
    for entry in entries:
        if None not in entry["last_covered"]:
            by_cost.setdefault(entry["cost"], (entry["last_covered"], entry["last_learnt"]))
    original, original_learnt = by_cost.get("original", ([], None))
    minus_log_d, minus_log_d_learnt = by_cost.get("minus-log-d", ([], None))
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
