"""The length-optimiser study's rule: does D's held-out loss keep falling or plateau?

Per D seed, the slope of log10 of D's held-out cross-entropy against D updates over the
last half of the run (orders per 1,000 updates), with its standard error (shown, not
judged); per variant and epoch, the mean of the seeds' slopes with a t interval over the
seeds, Bonferroni-corrected over the study's cells, judged against the threshold fixed in
``gandiag.analysis.spec`` (see ABLATION_LENGTH_SLOPE there for the rule and its reason).
"""

import math

import numpy as np
from scipy import stats

from gandiag.analysis.ablate import study_verdicts
from gandiag.analysis.evidence import bonferroni_level
from gandiag.analysis.spec import (
    ABLATION_LENGTH_ERROR_FLOOR,
    ABLATION_LENGTH_PER,
    ABLATION_LENGTH_SLOPE,
    ABLATION_MIN_SEEDS,
)

FALLING, PLATEAU = "KEEPS FALLING", "PLATEAU"
# The study's extra per-seed metrics (a cell's keys beside study_verdicts.seed_values's).
SLOPE, SLOPE_SE = "error_slope", "error_slope_se"


def error_slope(d_updates, errors, iters: int) -> tuple[float, float]:
    """(slope, standard error) of log10 ``errors`` against ``d_updates`` in the last half.

    Slope in orders of magnitude per ABLATION_LENGTH_PER updates; (nan, nan) when the last
    half holds fewer than 3 evaluations.
    """
    d_updates, errors = np.asarray(d_updates, float), np.asarray(errors, float)
    last_half = d_updates >= iters / 2
    x = d_updates[last_half] / ABLATION_LENGTH_PER
    y = np.log10(np.maximum(errors[last_half], ABLATION_LENGTH_ERROR_FLOOR))
    if x.size < 3:
        return math.nan, math.nan
    centred = x - x.mean()
    spread = float(np.sum(centred**2))
    slope = float(np.sum(centred * (y - y.mean())) / spread)
    residuals = y - y.mean() - slope * centred
    return slope, math.sqrt(float(np.sum(residuals**2)) / (x.size - 2) / spread)


def seed_values(evaluations: list[dict], epoch: int, iters: int) -> dict[str, list]:
    """{SLOPE: one slope per D seed, SLOPE_SE: their standard errors} against one G."""
    chosen = [e for e in evaluations if e["epoch"] == epoch and e.get("sigma", 0.0) == 0.0]
    fits = []
    for seed in sorted({e["seed"] for e in chosen}):
        points = sorted((e["d_updates"], e["error"]) for e in chosen if e["seed"] == seed)
        fits.append(error_slope([p[0] for p in points], [p[1] for p in points], iters))
    return {SLOPE: [f[0] for f in fits], SLOPE_SE: [f[1] for f in fits]}


def slope_interval(slope: study_verdicts.Spread, family: int = 1) -> tuple[float, float]:
    """The mean slope's t interval over the D seeds, each tail at 5% / ``family``."""
    values = np.asarray(slope.values, float)
    if values.size < 2:
        return -math.inf, math.inf
    half = stats.t.ppf(0.5 + bonferroni_level(family) / 2, values.size - 1) * values.std(
        ddof=1) / math.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


def classify(slope: study_verdicts.Spread, family: int = 1) -> str:
    """The spec's rule on one variant against one G, one cell of a study of ``family``."""
    if slope.seeds < ABLATION_MIN_SEEDS:
        return study_verdicts.INCONCLUSIVE
    low, high = slope_interval(slope, family)
    if high < ABLATION_LENGTH_SLOPE:
        return FALLING
    if low > ABLATION_LENGTH_SLOPE:
        return PLATEAU
    return study_verdicts.INCONCLUSIVE


def _reason(cell: study_verdicts.Cell, family: int) -> str:
    slope = cell.metrics[SLOPE]
    if slope.seeds < ABLATION_MIN_SEEDS:
        return f"{slope.seeds} D seed(s), the rule needs {ABLATION_MIN_SEEDS}"
    low, high = slope_interval(slope, family)
    return f"mean slope {slope.mean:.3g} [{low:.3g}, {high:.3g}], seeds {slope.text()}"


def judge(study: str, baseline: str, cells: list[study_verdicts.Cell]) -> study_verdicts.Verdict:
    """The slope rule per variant and epoch, corrected over the study's cells (the
    baseline's is the headline), then the study's usual per-variant rule against the
    baseline, in one verdict."""
    family = len(cells)
    per_cell = [(c, classify(c.metrics[SLOPE], family)) for c in cells]
    base = [(c, label) for c, label in per_cell if c.variant == baseline]
    headline = "; ".join(f"epoch {c.epoch} {label}" for c, label in base) or (
        study_verdicts.INCONCLUSIVE)
    listed = "; ".join(f"{c.variant} at epoch {c.epoch}: {label} ({_reason(c, family)})"
                       for c, label in per_cell)
    matters = study_verdicts.judge(study, baseline, cells)
    sentence = (f"{study}: D's held-out cross-entropy over the last half of the run, "
                f"{headline} for the baseline {baseline} (threshold "
                f"{ABLATION_LENGTH_SLOPE:g} orders per {ABLATION_LENGTH_PER:,} updates; the "
                f"mean slope's t interval over D seeds, {bonferroni_level(family):.1%} for "
                f"{family} cell{'s' * (family != 1)}, wholly on one side): "
                f"{listed or 'no variant ran'}. Optimiser: "
                f"{matters.sentence.removeprefix(f'{study}: ')}")
    return study_verdicts.Verdict(headline, matters.effects, sentence)
