"""The paper's claims judged on one or more runs (G seeds), as the spec says.

Each claim gathers one number per D seed of each G run, per checkpoint; the effect's
interval is a t interval over G runs (or D seeds) when there are at least two
numbers, else the interval measured within the one curve (a block bootstrap, or a
binomial interval for an accuracy). Each row says how many units it rests on.
``gandiag.analysis.evidence`` turns effects into verdicts; the thresholds and their reasons
are in ``gandiag.analysis.spec``.
"""

import dataclasses
import math
import pathlib
import statistics as pystatistics
from collections.abc import Callable, Sequence

from gandiag.analysis import evidence, hill, spec, statistics
from gandiag.analysis.evidence import ClaimResult, Interval, Part, Premise, Units
from gandiag.analysis.format import number
from gandiag.analysis.noise import noise_claims
from gandiag.analysis.summaries import log10_ratio
from gandiag.store import layout
from gandiag.store.schema import (
    Estimate,
    FrozenSummary,
    NoiseSummary,
    SeedSummary,
    read_summary,
)


@dataclasses.dataclass(frozen=True)
class RunSummaries:
    """The summaries of one G run's experiments (None where not run)."""

    path: pathlib.Path
    probe: FrozenSummary | None
    frozen: FrozenSummary | None
    noise: NoiseSummary | None


def load(run_dir: pathlib.Path) -> RunSummaries:
    """Every summary a run holds."""
    run = layout.RunDir(run_dir)
    return RunSummaries(
        run.path, read_summary(run.experiment(layout.PROBE).summary, FrozenSummary),
        read_summary(run.experiment(layout.FREEZE_G_TRAIN_D).summary, FrozenSummary),
        read_summary(run.experiment(layout.ADD_NOISE).summary, NoiseSummary))


def _epochs(summaries: Sequence[FrozenSummary]) -> list[int]:
    """The checkpoints every run has."""
    common = set.intersection(*(set(s.checkpoints) for s in summaries))
    return sorted(common)


def _seeds(summaries: Sequence[FrozenSummary], epoch: int) -> list[list[SeedSummary]]:
    return [summary.checkpoints[epoch].seeds for summary in summaries]


def _units(summaries: Sequence[FrozenSummary]) -> Units:
    """The units behind a row: G runs and D seeds at the first common checkpoint."""
    return evidence.units_of(_seeds(summaries, _epochs(summaries)[0]))


def _per_epoch(summaries: Sequence[FrozenSummary], value: Callable[[SeedSummary], float | None],
               single: Callable[[SeedSummary], Interval]) -> dict[int, Interval | None]:
    """{epoch: the pooled interval of ``value`` over runs and seeds} (None if a seed lacks it)."""
    effects = {}
    for epoch in _epochs(summaries):
        seeds = _seeds(summaries, epoch)
        values = [[value(seed) for seed in run] for run in seeds]
        if any(v is None for run in values for v in run):
            effects[epoch] = None
            continue
        effects[epoch] = evidence.pooled(values, lambda seeds=seeds: single(seeds[0][0]))
    return effects


def _estimate_effects(probes: Sequence[FrozenSummary],
                      field: Callable[[SeedSummary], Estimate | None],
                      sign: float = 1.0) -> dict[int, Interval | None]:
    """{epoch: the pooled interval of a stored estimate} (times ``sign``; None if missing)."""

    def value(seed: SeedSummary) -> float | None:
        estimate = field(seed)
        return None if estimate is None else sign * estimate.value

    def single(seed: SeedSummary) -> Interval:
        estimate = field(seed)
        low, high = sorted((sign * estimate.low, sign * estimate.high))
        return Interval(sign * estimate.value, low, high,
                        method="moving-block bootstrap within one curve")

    return _per_epoch(probes, value, single)


def _cost_effects(probes: Sequence[FrozenSummary], cost: str, field: str,
                  sign: float = 1.0) -> dict[int, Interval | None]:
    """{epoch: the pooled interval of one cost's stored estimate ``field``} (times ``sign``)."""
    return _estimate_effects(probes, lambda seed: getattr(seed.costs[cost], field), sign)


def _probed(runs: Sequence[RunSummaries], cost: str) -> list[FrozenSummary] | None:
    """Every run's probe summary, if each run probed ``cost`` at every checkpoint."""
    probes = [run.probe for run in runs]
    if not probes or any(p is None for p in probes):
        return None
    if any(seed.costs is None or cost not in seed.costs for p in probes
           for block in p.checkpoints.values() for seed in block.seeds):
        return None
    return probes


def updates_needed(threshold: float) -> int:
    """The fewest held-out evaluations whose 90% Wilson bound, every answer right, clears
    ``threshold``: n / (n + z^2) > threshold."""
    z_squared = statistics.WILSON_Z**2
    return math.floor(threshold * z_squared / (1 - threshold)) + 1


def _accuracy_interval(seeds: list[list[SeedSummary]], correct: Callable[[SeedSummary], int],
                       count: Callable[[SeedSummary], int]) -> Interval:
    """Held-out accuracy over units: the Wilson interval of the pooled counts, widened to the
    t interval over units where there are several (so units that all score 1.0 on few
    images cannot give an interval [1, 1])."""
    flat = [seed for run in seeds for seed in run]
    wilson = statistics.binomial_interval(sum(map(correct, flat)), sum(map(count, flat)))
    if len(flat) < 2:
        return wilson
    spread = evidence.unit_interval([[correct(s) / count(s) for s in run] for run in seeds])
    return Interval(spread.estimate, min(spread.low, wilson.low), max(spread.high, wilson.high),
                    method=f"{spread.method}, widened to the Wilson interval of "
                           f"{sum(map(count, flat))} pooled held-out evaluations")


def figure1(runs: Sequence[RunSummaries]) -> ClaimResult:
    """Figure 1, on held-out data after the paper's ~50 updates (freeze-g-train-d where every
    run has it, else the probe); the accuracy after 500 updates is shown beside it."""
    sources = [run.frozen for run in runs]
    if not sources or any(s is None for s in sources):
        sources = [run.probe for run in runs]
    if not sources or any(s is None for s in sources):
        return evidence.not_run(spec.FIGURE1)
    if any(seed.held_out is None for source in sources for block in source.checkpoints.values()
           for seed in block.seeds):
        return evidence.not_run(spec.FIGURE1, "no held-out evaluations")
    epochs = _epochs(sources)
    effects = {epoch: _accuracy_interval(_seeds(sources, epoch),
                                         lambda s: s.held_out.correct_at,
                                         lambda s: s.held_out.count_at) for epoch in epochs}
    reached = {epoch: pystatistics.median(
        [math.inf if seed.held_out.iters_to_acc_099 is None else seed.held_out.iters_to_acc_099
         for run in _seeds(sources, epoch) for seed in run]) for epoch in effects}
    first = sources[0].checkpoints[epochs[0]].seeds[0].held_out
    notes = [f"after {first.updates_at} D updates; updates to 0.99 held out: "
             + " / ".join("never" if math.isinf(v) else f"{v:g}" for v in reached.values())]
    if first.count_secondary is not None:
        notes.append(f"after {first.updates_secondary} updates: " + "; ".join(
            f"epoch {epoch}: " + str(_accuracy_interval(
                _seeds(sources, epoch), lambda s: s.held_out.correct_secondary,
                lambda s: s.held_out.count_secondary)) for epoch in epochs))
    pooled_count = min(sum(seed.held_out.count_at for run in _seeds(sources, epoch)
                           for seed in run) for epoch in epochs)
    needed = updates_needed(spec.FIGURE1.threshold)
    if pooled_count < needed:
        notes.append(f"SUPPORTED is out of reach at this n: needs >= {needed} held-out "
                     f"evaluations (images and fakes) in all, has {pooled_count}")
    return evidence.decide(spec.FIGURE1, [Part(f"epoch {e}", i) for e, i in effects.items()],
                           note="; ".join(notes), units=_units(sources))


def _figure2_premise(probes: Sequence[FrozenSummary], epoch: int) -> Premise | None:
    """Theorem 2.4's premise at one checkpoint: sup D on the fakes below the spec's epsilon
    (its dimensionless part, see ``spec.EPSILON_NEAR_OPTIMAL``) and the bound never broken."""
    premises = [seed.premises for run in _seeds(probes, epoch) for seed in run]
    if any(p is None for p in premises):
        return None
    # A log may give epsilon alone: sup D <= epsilon, so epsilon stands in for it.
    d_max = pystatistics.median(p.d_fake_max_end if math.isfinite(p.d_fake_max_end)
                                else p.epsilon_end for p in premises)
    epsilon = pystatistics.median(p.epsilon_end for p in premises)
    checks = sum(p.bound_checks for p in premises)
    holds = sum(p.bound_holds for p in premises)
    return Premise(spec.FIGURE2.premise, d_max < spec.EPSILON_NEAR_OPTIMAL and holds == checks,
                   f"epoch {epoch}: sup D at the end {number(d_max, '.3g')} (epsilon "
                   f"{number(epsilon, '.3g')}); bound held in {holds}/{checks} checks with "
                   f"epsilon < 1")


def _row_premise(statement: str, parts: Sequence[Part]) -> Premise | None:
    """The row's premise from its parts': met if all are, not met if none is, else mixed
    (None, naming the parts where it is not met: each part is gated by its own)."""
    known = [part for part in parts if part.premise is not None]
    if not known:
        return None
    held = [part.premise.holds for part in known]
    holds = True if all(held) else False if not any(held) else None
    not_met_at = tuple(part.label for part in known if part.premise.holds is False)
    return Premise(statement, holds, "; ".join(part.premise.measured for part in known
                                               if part.premise.measured),
                   not_met_at if holds is None else ())


def decomposition(probes: Sequence[FrozenSummary], epoch: int) -> str:
    """The original cost's decay as the fall of D(G(z))'s odds less the -log D norm's growth.

    Both costs share one pullback, with cotangents -D_i and -(1 - D_i) at the logits, so
    with D_i near its mean D, |grad original| ~ D / (1 - D) |grad -log D|.
    """
    seeds = [seed for run in _seeds(probes, epoch) for seed in run]
    if any(seed.costs is None or "minus-log-d" not in seed.costs
           or not math.isfinite(seed.d_fake_start + seed.d_fake_end) for seed in seeds):
        return ""
    decay = pystatistics.mean(seed.costs["original"].decay_orders.value for seed in seeds)
    odds = pystatistics.mean(log10_ratio(s.d_fake_start / (1 - s.d_fake_start),
                                         s.d_fake_end / (1 - s.d_fake_end)) for s in seeds)
    growth = -pystatistics.mean(seed.costs["minus-log-d"].decay_orders.value for seed in seeds)
    # The approximation D_i ~ D leaves a remainder: named, so the sum reads whole.
    return (f"epoch {epoch}: the original cost's decay {decay:.2f} orders = {odds:.2f} (fall of "
            f"D(G(z))'s odds) - {growth:.2f} (growth of the -log D norm) "
            f"{decay - odds + growth:+.2f} (remainder: D(G(z)) varies across the batch)")


def figure2(runs: Sequence[RunSummaries]) -> ClaimResult:
    """Figure 2 with Theorem 2.4's premise per checkpoint, and the decay's decomposition."""
    probes = _probed(runs, "original")
    if probes is None:
        return evidence.not_run(spec.FIGURE2)
    effects = _cost_effects(probes, "original", "decay_orders")
    premises = {epoch: _figure2_premise(probes, epoch) for epoch in effects}
    parts = [Part(f"epoch {e}", interval, premises[e]) for e, interval in effects.items()]
    notes = [decomposition(probes, epoch) for epoch in effects]
    return evidence.decide(spec.FIGURE2, parts, _row_premise(spec.FIGURE2.premise, parts),
                           "; ".join(note for note in notes if note), _units(probes))


def _accurate_premise(claim: evidence.ClaimSpec, probes: Sequence[FrozenSummary],
                      epoch: int, field: str) -> Premise:
    """Whether D became accurate in every seed at one checkpoint (Figure 3's windows)."""
    seeds = [seed for run in _seeds(probes, epoch) for seed in run]
    accurate = sum(getattr(seed.costs["minus-log-d"], field) is not None for seed in seeds)
    return Premise(claim.premise, accurate == len(seeds),
                   f"epoch {epoch}: D accurate in {accurate} of {len(seeds)} D seeds")


def _figure3_row(claim: evidence.ClaimSpec, probes: Sequence[FrozenSummary], field: str,
                 fallback: Callable[[SeedSummary], Estimate]) -> ClaimResult:
    """One Figure 3 row: the effect from the window where D is accurate; where D never was,
    the ``fallback`` reading, gated by the unmet premise."""
    if all(getattr(seed.costs["minus-log-d"], field) is None for p in probes
           for block in p.checkpoints.values() for seed in block.seeds) and not any(
            (seed.held_out is None or seed.held_out.iters_to_acc_099 is None)
            and seed.iters_to_acc_099_train is None
            for p in probes for block in p.checkpoints.values() for seed in block.seeds):
        return evidence.not_run(claim, "no window after D is accurate: D was accurate too "
                                       "late in the probe, or the summary predates it")
    effects = _estimate_effects(probes, lambda seed: getattr(seed.costs["minus-log-d"], field)
                                or fallback(seed))
    premises = {epoch: _accurate_premise(claim, probes, epoch, field) for epoch in effects}
    parts = [Part(f"epoch {e}", interval, premises[e]) for e, interval in effects.items()]
    return evidence.decide(claim, parts, _row_premise(claim.premise, parts),
                           units=_units(probes))


def figure3(runs: Sequence[RunSummaries]) -> list[ClaimResult]:
    """Figure 3, from the moment D is accurate: the -log D norm grows at least tenfold, and
    the variance of its changes grows."""
    probes = _probed(runs, "minus-log-d")
    if probes is None:
        return [evidence.not_run(spec.FIGURE3_GROWTH), evidence.not_run(spec.FIGURE3_JITTER)]
    whole_curve = Estimate(math.nan, math.nan, math.nan)
    return [_figure3_row(spec.FIGURE3_GROWTH, probes, "growth_after_accurate",
                         lambda seed: _negated(seed.costs["minus-log-d"].decay_orders)),
            _figure3_row(spec.FIGURE3_JITTER, probes, "variance_growth",
                         lambda seed: whole_curve)]


def _negated(estimate: Estimate) -> Estimate:
    return Estimate(-estimate.value, -estimate.high, -estimate.low)


def theorem26(runs: Sequence[RunSummaries]) -> ClaimResult:
    """Theorem 2.6's heavy tails: a two-sided Hill test of alpha = 1. Its premise (D = D* +
    white noise) needs D's value on each fake, which a probe does not keep: not measured,
    so it gates nothing, and the row says so."""
    probes = _probed(runs, "minus-log-d")
    if probes is None:
        return evidence.not_run(spec.THEOREM26)
    if any(seed.costs["minus-log-d"].hill_index is None for p in probes
           for block in p.checkpoints.values() for seed in block.seeds):
        return evidence.not_run(spec.THEOREM26, "the probe summary predates the Hill tail "
                                                "index; rerun the probe")
    alphas = _cost_effects(probes, "minus-log-d", "hill_index")
    stable = _cost_effects(probes, "minus-log-d", "tail_index")
    notes = ["stable fit (second reading): " + "; ".join(f"epoch {e}: {i}"
                                                        for e, i in stable.items())]
    units = _units(probes)
    needed = hill.iterations_needed(spec.CAUCHY_BAND)
    if units.seeds == 1 and probes[0].iters < needed:
        # One curve's interval is Hill's own, whose width depends only on its length.
        notes.append(f"SUPPORTED is out of reach at this n: one curve needs >= {needed} "
                     f"probe iterations for its Hill interval to fit inside "
                     f"{spec.CAUCHY_BAND}, has {probes[0].iters}")
    note = "; ".join(notes)
    premise = Premise(spec.THEOREM26.premise, None, "not measured on a probe")
    return evidence.decide(spec.THEOREM26, [Part(f"epoch {e}", i) for e, i in alphas.items()],
                           premise, note, units)


def relativistic(runs: Sequence[RunSummaries]) -> ClaimResult:
    """The extension row: the decay of a relativistic G's gradient against a relativistic D."""
    probes = _probed(runs, "relativistic")
    if probes is None:
        return evidence.not_run(spec.RELATIVISTIC_VANISHING)
    effects = _cost_effects(probes, "relativistic", "decay_orders")
    return evidence.decide(spec.RELATIVISTIC_VANISHING,
                           [Part(f"epoch {e}", i) for e, i in effects.items()],
                           units=_units(probes))


def evaluate(run_dirs: Sequence[pathlib.Path]) -> list[ClaimResult]:
    """Every DCGAN claim of the spec, in the paper's order, over a set of G runs."""
    runs = [load(run_dir) for run_dir in run_dirs]
    noise_summaries = [run.noise for run in runs]
    return [figure1(runs), figure2(runs), *figure3(runs), theorem26(runs),
            noise_claims.noise(noise_summaries), noise_claims.wasserstein(noise_summaries),
            relativistic(runs)]
