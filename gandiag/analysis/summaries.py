"""Numbers that summarise a frozen-G experiment's curves (the records of summary.json)."""

import dataclasses
import math

import numpy as np

from gandiag.store.schema import CheckpointSummary, CostSummary

# D's accuracy is averaged over a trailing window of this many iterations before it is
# compared with the 0.99 and 0.999 thresholds (one batch's accuracy is too coarse).
ACCURACY_WINDOW = 20
START_ITERS = 50
END_ITERS = 500


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


def end_length(iters: int) -> int:
    """How many final iterations "end" means: 500 of a 4000-iteration run, else an eighth."""
    return END_ITERS if iters >= 4000 else max(1, iters // 8)


def start_end(norms: np.ndarray) -> tuple[float, float]:
    """Medians over the first 50 and the last ``end_length`` iterations."""
    norms = np.asarray(norms, dtype=np.float64)
    return (float(np.median(norms[:START_ITERS])),
            float(np.median(norms[-end_length(len(norms)):])))


def decay_orders(start: float, end: float) -> float:
    """log10(start / end): how many orders of magnitude the norm fell."""
    if end <= 0:
        return math.inf
    return math.log10(start / end)


def variance_growth(norms: np.ndarray) -> float:
    """Variance of the norm over the last quarter of the run over that of the first quarter."""
    norms = np.asarray(norms, dtype=np.float64)
    quarter = max(1, len(norms) // 4)
    first = np.var(norms[:quarter])
    return float(np.var(norms[-quarter:]) / first) if first > 0 else math.inf


def jitter_growth(norms: np.ndarray) -> float:
    """How much noisier the norm got: its mean squared change from one iteration to the
    next over the last quarter of the run, over that of the first quarter.

    Successive differences cancel a slow trend (von Neumann's estimator of a noise
    variance), so a norm that rises steeply while D is still learning does not pass
    for a noisy start, as it does in ``variance_growth``.
    """
    changes = np.diff(np.asarray(norms, dtype=np.float64))
    if changes.size == 0:
        return math.nan
    quarter = max(1, len(changes) // 4)
    first = np.mean(np.square(changes[:quarter]))
    return float(np.mean(np.square(changes[-quarter:])) / first) if first > 0 else math.inf


def _standardise(projections: np.ndarray) -> np.ndarray:
    """Each direction's projections centred on its median and scaled by its IQR / 1.349.

    Robust scales, because a heavy tail would inflate a standard deviation.
    """
    projections = np.asarray(projections, dtype=np.float64)
    centred = projections - np.median(projections, axis=0)
    q75, q25 = np.percentile(centred, [75, 25], axis=0)
    scale = (q75 - q25) / 1.349
    return (centred / np.where(scale > 0, scale, 1.0)).ravel()


def stable_alpha(projections: np.ndarray) -> float:
    """Tail index alpha of a symmetric alpha-stable law fitted to the projections.

    The regression method of Koutrouvelis (1980) on the empirical characteristic
    function: for a symmetric stable law |phi(t)| = exp(-|c t|^alpha), so
    log(-log|phi(t)|) is linear in log t with slope alpha. Gaussian is alpha = 2,
    Cauchy alpha = 1. ``projections`` is (iterations, directions); each direction is
    standardised robustly and the directions are pooled.
    """
    samples = _standardise(projections)
    t = np.linspace(0.2, 1.0, 9)
    phase = np.outer(t, samples)
    modulus = np.hypot(np.cos(phase).mean(axis=1), np.sin(phase).mean(axis=1))
    usable = (modulus > 1e-6) & (modulus < 1.0)
    if usable.sum() < 2:
        return math.nan
    slope = np.polyfit(np.log(t[usable]), np.log(-np.log(modulus[usable])), 1)[0]
    return float(np.clip(slope, 0.0, 2.0))


def excess_kurtosis(projections: np.ndarray) -> float:
    """Pooled excess kurtosis of the standardised projections (0 for a Gaussian)."""
    samples = np.asarray(projections, dtype=np.float64)
    samples = (samples - samples.mean(axis=0)) / np.where(samples.std(axis=0) > 0,
                                                          samples.std(axis=0), 1.0)
    return float(np.mean(samples.ravel() ** 4) - 3.0)


def cost_summary(norms: np.ndarray, projections: np.ndarray) -> CostSummary:
    """The per-cost numbers of one seed's curve.

    Tail index and kurtosis use the second half of the run, when D is near-optimal,
    so that the drift of the early iterations does not pass for a heavy tail.
    """
    start, end = start_end(norms)
    late = np.asarray(projections)[len(projections) // 2:]
    return CostSummary(grad_norm_start=start, grad_norm_end=end,
                       decay_orders=decay_orders(start, end),
                       variance_growth=variance_growth(norms),
                       tail_index=stable_alpha(late), kurtosis=excess_kurtosis(late))


def seed_summary(curve: list[dict]) -> CheckpointSummary:
    """The numbers of one D seed's curve against one frozen G."""
    accuracy = np.array([r["accuracy"] for r in curve])
    costs = None
    if "grad_norm" in curve[0]:
        costs = {cost: cost_summary(np.array([r["grad_norm"][cost] for r in curve]),
                                    np.array([r["projections"][cost] for r in curve]))
                 for cost in curve[0]["grad_norm"]}
    return CheckpointSummary(
        iters_to_acc_099=iters_to_reach(accuracy, 0.99),
        iters_to_acc_0999=iters_to_reach(accuracy, 0.999),
        final_error=float(np.median([r["error"] for r in curve[-end_length(len(curve)):]])),
        final_accuracy=float(running_mean(accuracy)[-1]),
        costs=costs)


def checkpoint_summary(curves: list[list[dict]]) -> CheckpointSummary:
    """One checkpoint's summary from its curves, one list per seed.

    Each number is computed per seed, then the median over seeds is reported.
    """
    return median_of([seed_summary(curve) for curve in curves])


def median_of(summaries: list):
    """Field by field median of equally shaped records (None if any seed has None)."""
    first = summaries[0]
    if dataclasses.is_dataclass(first):
        return dataclasses.replace(first, **{
            field.name: median_of([getattr(s, field.name) for s in summaries])
            for field in dataclasses.fields(first)})
    if isinstance(first, dict):
        return {key: median_of([s[key] for s in summaries]) for key in first}
    if any(s is None for s in summaries):
        return None
    value = float(np.median(summaries))
    return int(value) if isinstance(first, int) else value


def epoch_means(records: list[dict], name: str) -> dict[int, float]:
    """{epoch: the mean of ``name`` over that epoch's steps}, in epoch order."""
    by_epoch: dict[int, list[float]] = {}
    for record in records:
        by_epoch.setdefault(record["epoch"], []).append(record[name])
    return {epoch: float(np.mean(values)) for epoch, values in sorted(by_epoch.items())}


def group_curves(records: list[dict], sigma: float = 0.0) -> dict[int, list[list[dict]]]:
    """{epoch: [one list of records per seed]} for one noise level of a curves.jsonl."""
    grouped: dict[int, dict[int, list[dict]]] = {}
    for record in records:
        if record["sigma"] == sigma:
            grouped.setdefault(record["epoch"], {}).setdefault(record["seed"], []).append(record)
    return {epoch: [seeds[s] for s in sorted(seeds)] for epoch, seeds in grouped.items()}
