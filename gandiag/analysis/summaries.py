"""Numbers that summarise a frozen-G experiment's records (the records of summary.json).

A probe writes three record streams per (epoch, sigma, seed): its curve (one record per
iteration, measured with D before that iteration's update), D's held-out evaluations
(after a given number of updates) and, without noise, Theorem 2.4's premises. Each D
seed is summarised on its own: claims need every seed to bootstrap over them.
"""

import math

import numpy as np

from gandiag.analysis import hill, statistics
from gandiag.analysis.spec import (
    END_ITERATIONS,
    EVALUATE_EARLY_UNTIL,
    EVALUATE_EVERY_EARLY,
    EVALUATE_EVERY_LATE,
    FIGURE1_ITERATIONS,
    FIGURE1_SECONDARY_ITERATIONS,
    FIGURE3_AFTER_ACCURATE,
    START_ITERATIONS,
)
from gandiag.store.schema import CostSummary, Estimate, HeldOutSummary, PremiseSummary, SeedSummary

# D's in-sample accuracy is averaged over a trailing window of this many iterations before
# it is compared with 0.99 (one batch's accuracy is too coarse).
ACCURACY_WINDOW = 20


def running_mean(values: np.ndarray, window: int = ACCURACY_WINDOW) -> np.ndarray:
    """Trailing mean over ``window`` values (over all values so far, early on)."""
    values = np.asarray(values, dtype=np.float64)
    sums = np.cumsum(values)
    sums[window:] = sums[window:] - sums[:-window]
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return sums / counts


def iters_to_reach(accuracy: np.ndarray, threshold: float,
                   window: int = ACCURACY_WINDOW) -> int | None:
    """The first iteration (1-based, from ``window`` on) whose running accuracy >= threshold."""
    running = running_mean(accuracy, window)
    hits = np.flatnonzero(running[window - 1:] >= threshold)
    return int(hits[0] + window) if hits.size else None


def evaluation_points(iters: int) -> set[int]:
    """The numbers of D updates after which the probe evaluates D on held-out data."""
    early = range(0, min(iters, EVALUATE_EARLY_UNTIL) + 1, EVALUATE_EVERY_EARLY)
    late = range(EVALUATE_EARLY_UNTIL, iters + 1, EVALUATE_EVERY_LATE)
    return {*early, *late, iters}


def end_length(iters: int) -> int:
    """How many final iterations "end" means: the spec's 500 of a 4000-iteration run, else
    an eighth of the run."""
    return END_ITERATIONS if iters >= 4000 else max(1, iters // 8)


def windows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The start and end windows of a curve (see ``gandiag.analysis.spec``)."""
    values = np.asarray(values, dtype=np.float64)
    return values[:min(START_ITERATIONS, len(values))], values[-end_length(len(values)):]


def _estimate(interval) -> Estimate:
    return Estimate(interval.estimate, interval.low, interval.high)


def after_accurate(values: np.ndarray, accurate_at: int | None) -> np.ndarray | None:
    """The ``FIGURE3_AFTER_ACCURATE`` iterations from ``accurate_at`` (1-based; as many as
    the end window has, in a shorter probe), if they end before the end window starts;
    else None."""
    if accurate_at is None:
        return None
    first = accurate_at - 1
    last = first + min(FIGURE3_AFTER_ACCURATE, end_length(len(values)))
    if last > len(values) - end_length(len(values)):
        return None
    return np.asarray(values, dtype=np.float64)[first:last]


def cost_summary(norms: np.ndarray, projections: np.ndarray, seed: int = 0,
                 accurate_at: int | None = None) -> CostSummary:
    """One cost's numbers on one seed's curve, with block-bootstrap intervals.

    The tail index uses the second half of the run, when D is near-optimal; Figure 3's
    growths run from ``accurate_at`` (the iteration where D is accurate) to the end.
    """
    start, end = windows(norms)
    late = np.asarray(projections, dtype=np.float64)[len(projections) // 2:]
    jitter, (null_low, null_high) = statistics.jitter_interval(norms, seed)
    after = after_accurate(norms, accurate_at)
    # A log from another framework may give norms without projections: no tail index.
    measured = late.size > 0
    return CostSummary(
        grad_norm_start=float(np.median(start)), grad_norm_end=float(np.median(end)),
        decay_orders=_estimate(statistics.decay_interval(start, end, seed)),
        jitter_growth=_estimate(jitter),
        jitter_null_low=null_low, jitter_null_high=null_high,
        tail_index=_estimate(statistics.tail_interval(late, seed)) if measured
        else Estimate(math.nan, math.nan, math.nan),
        kurtosis=statistics.excess_kurtosis(late) if measured else math.nan,
        growth_after_accurate=None if after is None else _estimate(
            statistics.growth_interval(after, end, seed)),
        variance_growth=None if after is None else _estimate(
            statistics.variance_growth(after, end)),
        hill_index=_estimate(hill.hill_interval(late)) if measured else None)


def held_out_summary(evaluations: list[dict]) -> HeldOutSummary:
    """Figure 1's numbers from D's held-out evaluations (in order of D updates)."""
    accuracy = [e["correct"] / e["count"] for e in evaluations]
    reached = [e["d_updates"] for e, a in zip(evaluations, accuracy) if a >= 0.99]
    at, secondary = (next((e for e in evaluations if e["d_updates"] >= updates), evaluations[-1])
                     for updates in (FIGURE1_ITERATIONS, FIGURE1_SECONDARY_ITERATIONS))
    last = evaluations[-1]
    return HeldOutSummary(
        iters_to_acc_099=reached[0] if reached else None, updates_at=at["d_updates"],
        correct_at=at["correct"], count_at=at["count"], final_accuracy=accuracy[-1],
        final_error=last["error"], final_mixed_accuracy=last["mixed_correct"] / last["count"],
        updates_secondary=secondary["d_updates"], correct_secondary=secondary["correct"],
        count_secondary=secondary["count"])


def premise_summary(premises: list[dict]) -> PremiseSummary:
    """Theorem 2.4 along one curve: epsilon at the end, and the bound wherever eps < 1."""
    # Only where the bound's two sides were measured (a log may give epsilon alone).
    checked = [p for p in premises if p["epsilon"] < 1 and math.isfinite(p["jacobian_norm"])
               and math.isfinite(p["grad_norm_fixed_d"])]
    ratios = [p["grad_norm_fixed_d"] / (p["jacobian_norm"] * p["epsilon"] / (1 - p["epsilon"]))
              for p in checked if p["jacobian_norm"] * p["epsilon"] > 0]
    last = premises[-1]
    return PremiseSummary(
        epsilon_end=last["epsilon"], d_fake_max_end=last["d_fake_max"],
        grad_x_d_max_end=last["grad_x_d_max"], jacobian_norm_end=last["jacobian_norm"],
        bound_checks=len(checked), bound_holds=sum(ratio <= 1 for ratio in ratios),
        bound_ratio_max=max(ratios) if ratios else None)


def seed_summary(curve: list[dict], evaluations: list[dict], premises: list[dict],
                 seed: int) -> SeedSummary:
    """The numbers of one D seed against one frozen G."""
    accuracy = np.array([r["accuracy"] for r in curve])
    d_fake_start, d_fake_end = windows([r["d_fake"] for r in curve])
    held_out = held_out_summary(evaluations) if evaluations else None
    accurate_at = (held_out.iters_to_acc_099 if held_out else None) or iters_to_reach(
        accuracy, 0.99)
    costs = None
    if "grad_norm" in curve[0]:
        costs = {cost: cost_summary(np.array([r["grad_norm"][cost] for r in curve]),
                                    np.array([r["projections"][cost] for r in curve]), seed,
                                    accurate_at)
                 for cost in curve[0]["grad_norm"]}
    return SeedSummary(
        seed=seed, iters_to_acc_099_train=iters_to_reach(accuracy, 0.99),
        final_train_error=float(np.median(windows([r["error"] for r in curve])[1])),
        d_fake_start=float(np.mean(d_fake_start)), d_fake_end=float(np.mean(d_fake_end)),
        held_out=held_out, costs=costs,
        premises=premise_summary(premises) if premises else None)


def group(records: list[dict], sigma: float = 0.0) -> dict[int, dict[int, list[dict]]]:
    """{epoch: {seed: records in order}} of one noise level of a record stream."""
    grouped: dict[int, dict[int, list[dict]]] = {}
    for record in records:
        if record["sigma"] == sigma:
            grouped.setdefault(record["epoch"], {}).setdefault(record["seed"], []).append(record)
    return grouped


def group_curves(records: list[dict], sigma: float = 0.0) -> dict[int, list[list[dict]]]:
    """{epoch: [one list of records per seed]} for one noise level of a curves.jsonl."""
    return {epoch: [seeds[s] for s in sorted(seeds)]
            for epoch, seeds in group(records, sigma).items()}


def epoch_means(records: list[dict], name: str) -> dict[int, float]:
    """{epoch: the mean of ``name`` over that epoch's steps}, in epoch order."""
    by_epoch: dict[int, list[float]] = {}
    for record in records:
        by_epoch.setdefault(record["epoch"], []).append(record[name])
    return {epoch: float(np.mean(values)) for epoch, values in sorted(by_epoch.items())}


def log10_ratio(numerator: float, denominator: float) -> float:
    """log10(numerator / denominator), +-inf where one of them is 0."""
    if numerator <= 0 or denominator <= 0:
        return math.inf if denominator <= 0 < numerator else -math.inf
    return math.log10(numerator / denominator)
