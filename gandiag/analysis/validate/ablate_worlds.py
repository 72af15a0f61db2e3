"""Simulated worlds of an ablation study's verdicts, at the size `gandiag ablate` runs.

A study (``experiments/ablate/studies.py``) compares each variant with its baseline against
the same frozen Gs at 2 epochs, over 3 D seeds, on 2 primary metrics: five variants make the
20 comparisons of the multiple-testing null. Each world draws every seed's held-out
cross-entropy (log-normal: it spans orders) and original-cost decay, and judges them with
``study_verdicts.judge``, read as a claim "the factor matters": MATTERS is SUPPORTED, NO
EFFECT is CONTRADICTED. The interval checked for coverage is the first variant's decay
difference at the first epoch (90% pooled t), whose true value the world knows.
"""

import dataclasses

import numpy as np

from gandiag.analysis import statistics, summaries
from gandiag.analysis.ablate import equivalence, length_rule, study_verdicts
from gandiag.analysis.evidence import ClaimResult, Effect, Interval, Verdict
from gandiag.analysis.spec import (
    ABLATION,
    ABLATION_LENGTH,
    ABLATION_LENGTH_PER,
    ABLATION_LENGTH_SLOPE,
)
from gandiag.analysis.validate.world import World

BASELINE, EPOCHS = "separate", (1, 25)
READ = {study_verdicts.MATTERS: Verdict.SUPPORTED, study_verdicts.NO_EFFECT: Verdict.CONTRADICTED,
        study_verdicts.INCONCLUSIVE: Verdict.INCONCLUSIVE}


@dataclasses.dataclass(frozen=True)
class Study:
    """Variants beside the baseline, D seeds, the seeds' spread (orders, on both metrics),
    and the shift of the first variant's decay (orders)."""

    variants: int = 5
    seeds: int = 3
    spread: float = 0.2
    shift: float = 0.0


def simulate(study: Study, rng: np.random.Generator) -> list[study_verdicts.Cell]:
    """One cell per variant and epoch, every seed's metrics drawn."""
    cells = []
    for index, variant in enumerate([BASELINE, *(f"v{i}" for i in range(study.variants))]):
        for epoch in EPOCHS:
            shift = study.shift if index == 1 else 0.0
            error = 10 ** (-1 + rng.normal(0, study.spread, study.seeds))
            decay = 3.0 + shift + rng.normal(0, study.spread, study.seeds)
            cells.append(study_verdicts.cell(variant, epoch, {
                "held_out_error": list(error), "decay_original": list(decay),
                "iters_to_099": [None] * study.seeds}))
    return cells


def judge(cells: list[study_verdicts.Cell]) -> ClaimResult:
    """The study's verdict as a claim row, with the first variant's decay difference."""
    verdict = study_verdicts.judge("simulated", BASELINE, cells)
    first = next(c for c in cells if c.variant != BASELINE and c.epoch == EPOCHS[0])
    base = next(c for c in cells if c.variant == BASELINE and c.epoch == EPOCHS[0])
    c = equivalence.compare("v0", "decay_original", first.metrics["decay_original"].values,
                            base.metrics["decay_original"].values)
    interval = Interval(c.difference, c.low, c.high, method="pooled t over D seeds")
    return ClaimResult(ABLATION, (Effect(c.label, interval, READ[verdict.verdict]),),
                       READ[verdict.verdict], note=verdict.sentence)


CASES = [
    ("null-20", "false", "5 variants x 2 epochs x 2 metrics = 20 comparisons, 3 seeds, no "
     "effect, seed sd 0.2 orders", Study(), 0.0),
    ("null-tight", "false", "20 comparisons, no effect, seed sd 0.05 orders (equivalence "
     "within reach)", Study(spread=0.05), 0.0),
    ("null-few-seeds", "false", "20 comparisons, no effect, 2 seeds (below the rule's 3)",
     Study(seeds=2), 0.0),
    ("effect", "true", "one variant moves the decay 2 orders (10 seed sd), 3 seeds",
     Study(shift=2.0), 2.0),
    ("effect-at-margin", "true", "one variant moves the decay 0.5 orders (the margin), "
     "seed sd 0.05", Study(spread=0.05, shift=0.5), 0.5),
]

WORLDS: list[World] = [
    World("ablation", name, truth, description, lambda rng, study=study: simulate(study, rng),
          judge, true_value=shift)
    for name, truth, description, study, shift in CASES]


# --- The length-optimiser study's slope rule, at the preset's size: 4 variants at one
# epoch, 3 D seeds, 2,000 D updates, evaluations as the probe makes them. Each seed's log10
# held-out cross-entropy is a line plus AR(1) noise; the study is read as the claim "some
# cell keeps falling". The interval checked for coverage is the baseline's uncorrected 90% t
# interval of the mean slope (the verdict uses the Bonferroni-corrected one).
LENGTH_ITERS, LENGTH_CELLS = 2000, 4


def _length_cells(slopes: tuple[float, ...], sd: float, coefficient: float,
                  rng: np.random.Generator) -> list[study_verdicts.Cell]:
    d_updates = np.array(sorted(summaries.evaluation_points(LENGTH_ITERS)), float)
    cells = []
    for index, slope in enumerate(slopes):
        fits = []
        for _ in range(3):
            noise = sd * statistics.simulate_ar1(d_updates.size, coefficient, rng)
            log10 = -3 + slope * d_updates / ABLATION_LENGTH_PER + noise
            fits.append(length_rule.error_slope(d_updates, 10.0**log10, LENGTH_ITERS))
        cells.append(study_verdicts.cell(f"v{index}", 25, {
            "held_out_error": [1e-3] * 3, "decay_original": [1.0] * 3,
            "iters_to_099": [None] * 3, length_rule.SLOPE: [f[0] for f in fits],
            length_rule.SLOPE_SE: [f[1] for f in fits]}))
    return cells


def judge_length(cells: list[study_verdicts.Cell]) -> ClaimResult:
    labels = [length_rule.classify(c.metrics[length_rule.SLOPE], len(cells)) for c in cells]
    verdict = (Verdict.SUPPORTED if length_rule.FALLING in labels else Verdict.CONTRADICTED
               if all(label == length_rule.PLATEAU for label in labels)
               else Verdict.INCONCLUSIVE)
    slope = cells[0].metrics[length_rule.SLOPE]
    low, high = length_rule.slope_interval(slope, 1)
    interval = Interval(slope.mean, low, high, method="t interval over 3 D seeds")
    return ClaimResult(ABLATION_LENGTH, (Effect("baseline slope", interval, verdict),), verdict)


LENGTH_CASES = [
    ("flat", "false", "every cell flat, AR(1) sd 0.05, no autocorrelation", (0.0,) * 4, 0.05,
     0.0),
    ("flat-autocorrelated", "false", "every cell flat, AR(1) sd 0.2, coefficient 0.9",
     (0.0,) * 4, 0.2, 0.9),
    ("at-threshold", "false", "every cell's slope exactly at the threshold, sd 0.3, "
     "coefficient 0.8", (ABLATION_LENGTH_SLOPE,) * 4, 0.3, 0.8),
    ("at-threshold-smooth", "false", "every cell at the threshold, sd 0.1, coefficient 0.95",
     (ABLATION_LENGTH_SLOPE,) * 4, 0.1, 0.95),
    ("falls", "true", "the baseline falls 0.6 orders per 1,000 updates, sd 0.05",
     (-0.6, 0.0, 0.0, 0.0), 0.05, 0.0),
]

WORLDS += [
    World("ablation-length", name, truth, description,
          lambda rng, s=slopes, sd=sd, c=c: _length_cells(s, sd, c, rng), judge_length,
          true_value=slopes[0])
    for name, truth, description, slopes, sd, c in LENGTH_CASES]
