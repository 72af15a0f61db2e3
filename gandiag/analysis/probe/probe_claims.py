"""The paper's claims judged on one or more runs (G seeds), as the spec says.

Each claim gathers one number per D seed of each G run, per checkpoint; the effect's
interval is a hierarchical bootstrap over G runs and D seeds when there are at least two
numbers, else the interval measured within the one curve (a block bootstrap, or a
binomial interval for an accuracy). ``gandiag.analysis.evidence`` turns effects into
verdicts; the thresholds and their reasons are in ``gandiag.analysis.spec``.
"""

import dataclasses
import math
import pathlib
import statistics as pystatistics
from collections.abc import Callable, Sequence

from gandiag.analysis import evidence, spec, statistics
from gandiag.analysis.evidence import ClaimResult, Interval, Part, Premise
from gandiag.analysis.format import number
from gandiag.analysis.noise import noise_claims
from gandiag.analysis.summaries import log10_ratio
from gandiag.store import layout
from gandiag.store.schema import FrozenSummary, NoiseSummary, SeedSummary, read_summary


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


def _cost_effects(probes: Sequence[FrozenSummary], cost: str, field: str,
                  sign: float = 1.0) -> dict[int, Interval | None]:
    """{epoch: the pooled interval of one cost's stored estimate ``field``} (times ``sign``)."""

    def value(seed: SeedSummary) -> float:
        return sign * getattr(seed.costs[cost], field).value

    def single(seed: SeedSummary) -> Interval:
        estimate = getattr(seed.costs[cost], field)
        low, high = sorted((sign * estimate.low, sign * estimate.high))
        return Interval(sign * estimate.value, low, high,
                        method="moving-block bootstrap within one curve")

    return _per_epoch(probes, value, single)


def _probed(runs: Sequence[RunSummaries], cost: str) -> list[FrozenSummary] | None:
    """Every run's probe summary, if each run probed ``cost`` at every checkpoint."""
    probes = [run.probe for run in runs]
    if not probes or any(p is None for p in probes):
        return None
    if any(seed.costs is None or cost not in seed.costs for p in probes
           for block in p.checkpoints.values() for seed in block.seeds):
        return None
    return probes


def figure1(runs: Sequence[RunSummaries]) -> ClaimResult:
    """Figure 1, on held-out data: freeze-g-train-d where every run has it, else the probe."""
    sources = [run.frozen for run in runs]
    if not sources or any(s is None for s in sources):
        sources = [run.probe for run in runs]
    if not sources or any(s is None for s in sources):
        return evidence.not_run(spec.FIGURE1)
    effects = _per_epoch(
        sources, lambda seed: seed.held_out.correct_at / seed.held_out.count_at,
        lambda seed: statistics.binomial_interval(seed.held_out.correct_at,
                                                  seed.held_out.count_at))
    reached = {epoch: pystatistics.median(
        [math.inf if seed.held_out.iters_to_acc_099 is None else seed.held_out.iters_to_acc_099
         for run in _seeds(sources, epoch) for seed in run]) for epoch in effects}
    updates = sources[0].checkpoints[_epochs(sources)[0]].seeds[0].held_out.updates_at
    note = (f"after {updates} D updates; updates to 0.99 held out: "
            + " / ".join("never" if math.isinf(v) else f"{v:g}" for v in reached.values()))
    return evidence.decide(spec.FIGURE1, [Part(f"epoch {e}", i) for e, i in effects.items()],
                           note=note)


def _figure2_premise(probes: Sequence[FrozenSummary], epoch: int) -> Premise | None:
    premises = [seed.premises for run in _seeds(probes, epoch) for seed in run]
    if any(p is None for p in premises):
        return None
    epsilon = pystatistics.median(p.epsilon_end for p in premises)
    checks = sum(p.bound_checks for p in premises)
    holds = sum(p.bound_holds for p in premises)
    return Premise(spec.FIGURE2.premise, epsilon < spec.EPSILON_NEAR_OPTIMAL,
                   f"epoch {epoch}: epsilon at the end {number(epsilon, '.3g')}; "
                   f"bound held in {holds}/{checks} checks with epsilon < 1")


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
    measured = "; ".join(p.measured for p in premises.values() if p is not None)
    notes = [decomposition(probes, epoch) for epoch in effects]
    row_premise = Premise(spec.FIGURE2.premise,
                          all(p is not None and p.holds for p in premises.values()), measured) \
        if measured else None
    return evidence.decide(spec.FIGURE2, parts, row_premise,
                           "; ".join(note for note in notes if note))


def figure3(runs: Sequence[RunSummaries]) -> list[ClaimResult]:
    """Figure 3: the -log D norm grows, and its relative noise grows."""
    probes = _probed(runs, "minus-log-d")
    if probes is None:
        return [evidence.not_run(spec.FIGURE3_GROWTH), evidence.not_run(spec.FIGURE3_JITTER)]

    growths = _cost_effects(probes, "minus-log-d", "decay_orders", sign=-1.0)
    jitters = _cost_effects(probes, "minus-log-d", "jitter_growth")
    bands = {epoch: [(seed.costs["minus-log-d"].jitter_null_low,
                      seed.costs["minus-log-d"].jitter_null_high)
                     for run in _seeds(probes, epoch) for seed in run] for epoch in jitters}
    band_note = "stationary-noise 90% band: " + "; ".join(
        f"epoch {e} [{min(b[0] for b in band):.2f}, {max(b[1] for b in band):.2f}]"
        for e, band in bands.items())
    return [evidence.decide(spec.FIGURE3_GROWTH, [Part(f"epoch {e}", i)
                                                  for e, i in growths.items()]),
            evidence.decide(spec.FIGURE3_JITTER, [Part(f"epoch {e}", i)
                                                  for e, i in jitters.items()], note=band_note)]


def theorem26(runs: Sequence[RunSummaries]) -> ClaimResult:
    """Theorem 2.6's heavy tails: its premise (D = D* + white noise) fails for a sigmoid D."""
    probes = _probed(runs, "minus-log-d")
    if probes is None:
        return evidence.not_run(spec.THEOREM26)
    alphas = _cost_effects(probes, "minus-log-d", "tail_index")
    note = ""
    if _probed(runs, "original") is not None:
        original = _cost_effects(probes, "original", "tail_index")
        note = "original cost (contrast): " + "; ".join(f"epoch {e}: {i}"
                                                         for e, i in original.items())
    premise = Premise(spec.THEOREM26.premise, False, "D is a sigmoid of a smooth logit")
    return evidence.decide(spec.THEOREM26, [Part(f"epoch {e}", i) for e, i in alphas.items()],
                           premise, note)


def relativistic(runs: Sequence[RunSummaries]) -> ClaimResult:
    """The extension row: the decay of a relativistic G's gradient against a relativistic D."""
    probes = _probed(runs, "relativistic")
    if probes is None:
        return evidence.not_run(spec.RELATIVISTIC_VANISHING)
    effects = _cost_effects(probes, "relativistic", "decay_orders")
    return evidence.decide(spec.RELATIVISTIC_VANISHING,
                           [Part(f"epoch {e}", i) for e, i in effects.items()])


def evaluate(run_dirs: Sequence[pathlib.Path]) -> list[ClaimResult]:
    """Every DCGAN claim of the spec, in the paper's order, over a set of G runs."""
    runs = [load(run_dir) for run_dir in run_dirs]
    noise_summaries = [run.noise for run in runs]
    return [figure1(runs), figure2(runs), *figure3(runs), theorem26(runs),
            noise_claims.noise(noise_summaries), noise_claims.wasserstein(noise_summaries),
            relativistic(runs)]
