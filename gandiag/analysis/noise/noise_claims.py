"""Section 3's claims on add-noise summaries (one per G run): noise keeps the original cost's
gradient alive (Theorems 3.2-3.3), and the noisy JSD bounds W (Theorem 3.4).

Both judge a sweep rather than one number, so their verdict rules are written out here:
- noise: per checkpoint, the decay without noise must exceed the threshold (else there
  is nothing to rescue: INCONCLUSIVE); SUPPORTED if some sigma brings the decay's
  interval below it, CONTRADICTED if at every sigma it stays above, unless the largest
  sigma is too small against delta (the median distance from a fake to its nearest real
  sample), where the theorems predict nothing: PREMISE NOT MET.
- Wasserstein: PREMISE NOT MET for unbounded (Gaussian) noise; INCONCLUSIVE where the
  bound is at least C (W <= C always, so the bound cannot fail); else the ratio W / bound,
  with W from exact OT less its finite-sample floor at the low end and W itself at the
  high end, judged against 1.
"""

import math
import statistics as pystatistics
from collections.abc import Sequence

from gandiag.analysis import evidence, spec
from gandiag.analysis.evidence import ClaimResult, Effect, Interval, Premise, Verdict
from gandiag.analysis.noise import bounds
from gandiag.store.schema import NoiseRow, NoiseSummary


def _rows(summaries: Sequence[NoiseSummary], epoch: int, sigma: float) -> list[NoiseRow]:
    return [row for summary in summaries for row in summary.rows
            if row.epoch == epoch and row.sigma == sigma]


def _grid(summaries: Sequence[NoiseSummary]) -> tuple[list[int], list[float]]:
    """The (epochs, sigmas) every run has."""
    cells = [{(row.epoch, row.sigma) for row in summary.rows} for summary in summaries]
    common = set.intersection(*cells)
    return sorted({e for e, _ in common}), sorted({s for _, s in common})


def decay_effect(rows: Sequence[NoiseRow], cost: str = "original") -> Interval | None:
    """The decay of ``cost`` pooled over runs (rows) and their D seeds."""
    if any(cost not in seed.decay_orders for row in rows for seed in row.seeds):
        return None
    values = [[seed.decay_orders[cost].value for seed in row.seeds] for row in rows]
    return evidence.pooled(values, lambda: evidence.from_estimate(
        rows[0].seeds[0].decay_orders[cost]))


def _checkpoint(summaries, epoch: int, sigmas: list[float]) -> tuple[list[Effect], Verdict, str]:
    """The noise claim at one checkpoint: effects per sigma, verdict, and sigma*."""
    threshold = spec.NOISE.threshold
    decays = {sigma: decay_effect(_rows(summaries, epoch, sigma)) for sigma in sigmas}
    delta = pystatistics.median(row.delta for row in _rows(summaries, epoch, sigmas[0]))
    effects = [Effect(f"epoch {epoch}, sigma {sigma:g}", interval,
                      evidence.judge(interval, threshold, "below"))
               for sigma, interval in decays.items()]
    clean, noisy = decays.get(0.0), {s: i for s, i in decays.items() if s > 0}
    if clean is None or not noisy or any(i is None for i in noisy.values()):
        return effects, Verdict.NOT_RUN, ""
    rescued = [sigma for sigma, interval in noisy.items() if interval.high < threshold]
    largest = max(noisy)
    sigma_note = (f"epoch {epoch}: delta {delta:.3g}, sigma* "
                  + (f"{rescued[0]:g} ({rescued[0] / delta:.2g} delta)" if rescued else "none")
                  + f", largest sigma {largest / delta:.2g} delta")
    if clean.low <= threshold:
        return effects, Verdict.INCONCLUSIVE, sigma_note + " (no vanishing to rescue at sigma 0)"
    if rescued:
        return effects, Verdict.SUPPORTED, sigma_note
    if all(interval.low > threshold for interval in noisy.values()):
        premise_met = largest >= spec.SIGMA_OVER_DELTA_MIN * delta
        return effects, Verdict.CONTRADICTED if premise_met else Verdict.PREMISE_NOT_MET, \
            sigma_note
    return effects, Verdict.INCONCLUSIVE, sigma_note


def noise(summaries: Sequence[NoiseSummary | None]) -> ClaimResult:
    """Theorems 3.2-3.3 over the sigma sweep, per checkpoint (see the module docstring)."""
    if not summaries or any(s is None for s in summaries):
        return evidence.not_run(spec.NOISE)
    epochs, sigmas = _grid(summaries)
    if not epochs:
        return evidence.not_run(spec.NOISE)
    effects, verdicts, notes = [], [], []
    for epoch in epochs:
        parts, verdict, note = _checkpoint(summaries, epoch, sigmas)
        effects += parts
        verdicts.append(verdict)
        notes.append(note)
    premise = Premise(spec.NOISE.premise, Verdict.PREMISE_NOT_MET not in verdicts,
                      "; ".join(note for note in notes if note))
    return ClaimResult(spec.NOISE, tuple(effects), evidence.combine(verdicts), premise,
                       premise.measured)


def _ratio(summaries, epoch: int, sigma: float, distribution: str,
           dimensions: int) -> tuple[Interval | None, float, float]:
    """(W / bound, pooled over runs and seeds, low end with W less its floor), bound, C."""
    rows = _rows(summaries, epoch, sigma)
    diameter = bounds.noisy_diameter(sigma, dimensions, distribution)
    bound = pystatistics.median(
        bounds.wasserstein_upper_bound(sigma, dimensions, seed.jsd_lower_bound, distribution)
        for row in rows for seed in row.seeds)
    if not math.isfinite(bound) or bound <= 0:
        return None, bound, diameter
    raw = [[row.w_empirical / bounds.wasserstein_upper_bound(
        sigma, dimensions, seed.jsd_lower_bound, distribution) for seed in row.seeds]
        for row in rows]
    floor = [[max(row.w_empirical - row.w_bias, 0.0) / bounds.wasserstein_upper_bound(
        sigma, dimensions, seed.jsd_lower_bound, distribution) for seed in row.seeds]
        for row in rows]
    high = evidence.pooled(raw, lambda: Interval(raw[0][0], raw[0][0], raw[0][0]))
    low = evidence.pooled(floor, lambda: Interval(floor[0][0], floor[0][0], floor[0][0]))
    return Interval(high.estimate, low.low, high.high,
                    method="W from exact OT (high end) and less its two-real-sample floor "
                           "(low end)"), bound, diameter


def wasserstein(summaries: Sequence[NoiseSummary | None]) -> ClaimResult:
    """Theorem 3.4 per (checkpoint, sigma) row (see the module docstring)."""
    if not summaries or any(s is None for s in summaries):
        return evidence.not_run(spec.WASSERSTEIN)
    distribution, dimensions = summaries[0].noise_dist, summaries[0].dimensions
    epochs, sigmas = _grid(summaries)
    effects = []
    for epoch in epochs:
        for sigma in sigmas:
            label = f"epoch {epoch}, sigma {sigma:g}"
            ratio, bound, diameter = _ratio(summaries, epoch, sigma, distribution, dimensions)
            if not math.isfinite(diameter):
                effects.append(Effect(f"{label} (C infinite)", None, Verdict.PREMISE_NOT_MET))
            elif bound >= diameter:
                effects.append(Effect(f"{label} (bound {bound:.3g} >= C {diameter:.3g})", ratio,
                                      Verdict.INCONCLUSIVE))
            else:
                effects.append(Effect(label, ratio, evidence.judge(
                    ratio, spec.WASSERSTEIN.threshold, spec.WASSERSTEIN.direction)))
    if not effects:
        return evidence.not_run(spec.WASSERSTEIN)
    bounded = distribution == "ball"
    premise = Premise(spec.WASSERSTEIN.premise, bounded or sigmas == [0.0],
                      f"noise {distribution}: C " + ("finite" if bounded else "infinite for "
                                                       "sigma > 0"))
    return ClaimResult(spec.WASSERSTEIN, tuple(effects),
                       evidence.combine([e.verdict for e in effects]), premise)
