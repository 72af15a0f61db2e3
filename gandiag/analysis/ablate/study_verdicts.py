"""`gandiag ablate`'s tables and verdicts: each study's variants against its baseline.

A study's variants each trained fresh Ds (several seeds) against the same frozen Gs. Per
variant and epoch this module reduces every seed's numbers (from the variant's
``FrozenSummary`` and its end-of-training evaluations) to a mean with the range over
seeds, and judges each factor by the rule fixed in ``gandiag.analysis.spec``: its
comparisons corrected as one family, "no effect" only within equivalence margins
(``equivalence``).
"""

import dataclasses
import math

import numpy as np

from gandiag.analysis.ablate import concentration, equivalence
from gandiag.analysis.ablate.equivalence import INCONCLUSIVE, MATTERS, NO_EFFECT
from gandiag.analysis.spec import ABLATION_METRICS, ABLATION_MIN_SEEDS
from gandiag.store.schema import FrozenSummary

# Held-out accuracy a D must reach in every seed to count as perfect out of sample (the
# "updates to 0.99 held-out" column's level).
PERFECT_ACCURACY = 0.99
METRIC_NAMES = {
    "held_out_error": "held-out cross-entropy", "iters_to_099": "updates to 0.99 held-out",
    "decay_original": "original-cost decay (orders)",
    "growth_minus_log_d": "-log D growth (orders)",
    "held_out_accuracy": "held-out accuracy", "mixed_accuracy": "held-out acc, mixed batch",
    "in_batch_error": "in-batch cross-entropy",
    "train_error": "cross-entropy on D's training reals",
    "train_accuracy": "accuracy on D's training reals", "clean_accuracy": "held-out acc, cleaned",
    "project_accuracy": "held-out acc, projected fakes",
}


@dataclasses.dataclass(frozen=True)
class Spread:
    """A metric over D seeds: their mean, and the range [low, high] the seeds span."""

    mean: float
    low: float
    high: float
    seeds: int
    values: tuple[float, ...] = ()

    @classmethod
    def of(cls, values) -> "Spread":
        values = np.asarray([v for v in values if v is not None and math.isfinite(v)], float)
        if not values.size:
            return cls(math.nan, math.nan, math.nan, 0)
        return cls(float(values.mean()), float(values.min()), float(values.max()), values.size,
                   tuple(float(v) for v in values))

    def text(self) -> str:
        return "-" if not self.seeds else f"{self.mean:.3g} [{self.low:.3g}, {self.high:.3g}]"


@dataclasses.dataclass(frozen=True)
class Cell:
    """One variant against one frozen G: every metric's spread over D seeds."""

    variant: str
    epoch: int
    metrics: dict[str, Spread]
    reached: int  # seeds whose held-out accuracy reached 0.99


def seed_values(summary: FrozenSummary, endpoints: list[dict], epoch: int) -> dict[str, list]:
    """{metric: one value per D seed} of one variant against the G of ``epoch``."""
    seeds = summary.checkpoints[epoch].seeds
    values = {
        "held_out_error": [s.held_out.final_error for s in seeds],
        "held_out_accuracy": [s.held_out.final_accuracy for s in seeds],
        "mixed_accuracy": [s.held_out.final_mixed_accuracy for s in seeds],
        "in_batch_error": [s.final_train_error for s in seeds],
        "iters_to_099": [s.held_out.iters_to_acc_099 for s in seeds],
        "decay_original": [s.costs["original"].decay_orders.value for s in seeds],
        "growth_minus_log_d": [-s.costs["minus-log-d"].decay_orders.value for s in seeds]}
    for split, prefix in (("train", "train"), ("held-out-clean", "clean"),
                          ("held-out-project", "project")):
        chosen = [e for e in endpoints if e["epoch"] == epoch and e["split"] == split]
        values[f"{prefix}_error"] = [e["error"] for e in chosen]
        values[f"{prefix}_accuracy"] = [e["accuracy"] for e in chosen]
    per_sample = [e for e in endpoints if e["epoch"] == epoch and e["split"] == concentration.SPLIT]
    values |= {name: [e[name] for e in per_sample] for name in concentration.METRICS}
    return values


def cell(variant: str, epoch: int, values: dict[str, list]) -> Cell:
    return Cell(variant, epoch, {name: Spread.of(v) for name, v in values.items()},
                sum(v is not None for v in values["iters_to_099"]))


def separated(variant: Spread, baseline: Spread) -> bool:
    """The spec's rule: the seed ranges are disjoint and the means lie further apart than
    the wider range."""
    disjoint = variant.low > baseline.high or variant.high < baseline.low
    widest = max(variant.high - variant.low, baseline.high - baseline.low)
    return disjoint and abs(variant.mean - baseline.mean) > widest


@dataclasses.dataclass(frozen=True)
class Effect:
    variant: str
    epoch: int
    metric: str
    variant_spread: Spread
    baseline_spread: Spread


@dataclasses.dataclass(frozen=True)
class Verdict:
    verdict: str
    effects: list[Effect]
    sentence: str


def judge(study: str, baseline: str, cells: list[Cell]) -> Verdict:
    """Whether the factor a study varies matters, by the spec's rule, in one sentence: every
    variant against the baseline at each epoch on each primary metric, corrected as one
    family (``equivalence``)."""
    base = {c.epoch: c for c in cells if c.variant == baseline}
    others = [c for c in cells if c.variant != baseline and c.epoch in base]
    if not others:
        return Verdict(INCONCLUSIVE, [], f"{study}: INCONCLUSIVE, no variant besides the "
                       f"baseline {baseline} ran.")
    seeds = min(c.metrics[m].seeds for c in [*others, *base.values()] for m in ABLATION_METRICS)
    if seeds < ABLATION_MIN_SEEDS:
        return Verdict(INCONCLUSIVE, [], f"{study}: INCONCLUSIVE, {seeds} D seed(s) per "
                       f"variant; the rule needs {ABLATION_MIN_SEEDS} to tell an effect from "
                       "the seed spread.")
    pairs = {(c.variant, c.epoch, metric): (c.metrics[metric], base[c.epoch].metrics[metric])
             for c in others for metric in ABLATION_METRICS}
    comparisons = [equivalence.compare(f"{variant} vs {baseline} at epoch {epoch}", metric,
                                       spreads[0].values, spreads[1].values)
                   for (variant, epoch, metric), spreads in pairs.items()]
    verdict, flagged, power = equivalence.decide(comparisons)
    keys = list(pairs)
    effects = [Effect(*keys[comparisons.index(c)], *pairs[keys[comparisons.index(c)]])
               for c in flagged]
    metrics = " or ".join(METRIC_NAMES[m] for m in ABLATION_METRICS)
    if verdict == NO_EFFECT:
        return Verdict(NO_EFFECT, [], f"{study}: NO EFFECT: every variant's difference from the "
                       f"baseline {baseline} on {metrics} lies within its equivalence margin "
                       f"({seeds} D seeds; {power}).")
    if verdict == INCONCLUSIVE:
        return Verdict(INCONCLUSIVE, [], f"{study}: INCONCLUSIVE: no difference from the "
                       f"baseline {baseline} on {metrics} is significant, nor all within their "
                       f"equivalence margins ({seeds} D seeds; {power}).")
    listed = "; ".join(
        f"{e.variant} vs {baseline} at epoch {e.epoch}: {METRIC_NAMES[e.metric]} "
        f"{e.variant_spread.text()} vs {e.baseline_spread.text()} (p {c.p:.2g})"
        for e, c in zip(effects, flagged))
    return Verdict(MATTERS, effects, f"{study}: MATTERS ({seeds} D seeds; {power}): {listed}.")


def decay_answer(baseline: list[Cell], verdicts: dict[str, Verdict],
                 length: Verdict | None = None) -> str:
    """The report's answer to "why does G's original-cost gradient vanish against some
    saved Gs and not others?", from the baseline's cells and each study's verdict.

    States per G the baseline's decay and whether its D is perfect out of sample (held-out
    accuracy >= PERFECT_ACCURACY in every seed), whether the decay differs between the
    first and last G by the spec's rule, then per study the variants that move the decay
    beyond the seed spread, and the studies that move nothing (``verdicts``: those of the
    studies `judge` judges by their factor), and the length study's headline (does D's
    held-out loss keep falling?) when it ran. Judges nothing new: each claim is a verdict
    its study already gave.
    """
    if not baseline:
        return "No baseline ran: nothing to explain."
    cells = sorted(baseline, key=lambda c: c.epoch)
    perfect = {c.epoch: c.metrics["held_out_accuracy"].seeds > 0
               and c.metrics["held_out_accuracy"].low >= PERFECT_ACCURACY for c in cells}
    parts = ["; ".join(
        f"epoch {c.epoch}: original-cost decay {c.metrics['decay_original'].text()} orders, "
        f"held-out accuracy {c.metrics['held_out_accuracy'].text()}, cross-entropy "
        f"{c.metrics['held_out_error'].text()} (D {'' if perfect[c.epoch] else 'not '}perfect "
        f"out of sample; on its own batches {c.metrics['in_batch_error'].text()})"
        for c in cells)]
    if len(cells) >= 2:
        first, last = cells[0], cells[-1]
        differs = separated(first.metrics["decay_original"], last.metrics["decay_original"])
        parts.append(f"the decay against the epoch-{first.epoch} and epoch-{last.epoch} Gs "
                     f"{'differs' if differs else 'does not differ'} by more than the seed "
                     "spread")
    moving = []
    for study, verdict in verdicts.items():
        effects = [e for e in verdict.effects if e.metric == "decay_original"]
        if effects:
            moving.append(f"{study}: " + ", ".join(
                f"{e.variant} at epoch {e.epoch} {e.variant_spread.text()}" for e in effects))
    still = [study for study, verdict in verdicts.items()
             if not any(e.metric == "decay_original" for e in verdict.effects)
             and verdict.verdict != INCONCLUSIVE]
    unjudged = [study for study, verdict in verdicts.items() if verdict.verdict == INCONCLUSIVE]
    parts.append("variants that move the decay beyond the seed spread: "
                 + ("; ".join(moving) if moving else "none"))
    if still:
        parts.append(f"studies that do not move it: {', '.join(still)}")
    if unjudged:
        parts.append(f"inconclusive: {', '.join(unjudged)}")
    if length is not None:
        parts.append(f"D's held-out cross-entropy over longer training (the baseline of the "
                     f"length study): {length.verdict}")
    return "Baseline D, mean [seed range]: " + ". ".join(p[0].upper() + p[1:] for p in parts) + "."
