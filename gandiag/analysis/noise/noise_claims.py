"""Section 3's claims on add-noise summaries (one per G run): noise keeps the original cost's
gradient alive (Theorems 3.2-3.3), and the noisy JSD bounds W (Theorem 3.4).

Both judge a sweep rather than one number, so their verdict rules are written out here:
- noise, per checkpoint: the largest sigma must reach ``SIGMA_OVER_DELTA_MIN`` delta (delta:
  the median distance from a fake to its nearest real), else PREMISE NOT MET whatever the
  decays say (the premise gates both directions); the decay without noise must exceed
  Figure 2's threshold (else there is no vanishing to rescue: INCONCLUSIVE); SUPPORTED if
  some sigma's decay lies below the noise threshold, each sigma tested one-sided at
  5% / (number of sigmas) (Bonferroni: one lucky sigma of many is not a rescue);
  CONTRADICTED if at every sigma of at least the premise's size the decay stays above it,
  tested at 5% / (number of checkpoints) (any one checkpoint contradicts the row).
  The effects show each sigma's 90% interval; the corrected bounds are in the note.
- Wasserstein: PREMISE NOT MET for unbounded (Gaussian) noise; INCONCLUSIVE where the bound
  is at least C (W <= C always); else W / bound judged against 1 on an interval that holds
  whatever the JSD is: its high end puts D's JSD lower bound (log 2 - L / 2 <= JSD) in the
  bound, its low end the largest JSD there is (log 2) and W less its finite-sample floor.
  SUPPORTED when even the smallest bound exceeds W. CONTRADICTED cannot be reached: samples
  give no upper bound of the JSD below log 2, and with it the bound exceeds C >= W. A bound
  that is a theorem cannot fail on valid numbers; a D at chance (JSD bound 0) leaves the
  row INCONCLUSIVE.
"""

import math
import statistics as pystatistics
from collections.abc import Sequence

from gandiag.analysis import evidence, spec
from gandiag.analysis.evidence import (
    ClaimResult,
    Effect,
    Interval,
    Premise,
    Verdict,
    bonferroni_level,
)
from gandiag.analysis.noise import bounds
from gandiag.analysis.noise.corrected import units_interval
from gandiag.store.schema import NoiseRow, NoiseSummary


def _rows(summaries: Sequence[NoiseSummary], epoch: int, sigma: float) -> list[NoiseRow]:
    return [row for summary in summaries for row in summary.rows
            if row.epoch == epoch and row.sigma == sigma]


def _grid(summaries: Sequence[NoiseSummary]) -> tuple[list[int], list[float]]:
    """The (epochs, sigmas) every run has."""
    cells = [{(row.epoch, row.sigma) for row in summary.rows} for summary in summaries]
    common = set.intersection(*cells)
    return sorted({e for e, _ in common}), sorted({s for _, s in common})


def decay_effect(rows: Sequence[NoiseRow], cost: str = "original",
                 level: float = evidence.LEVEL) -> Interval | None:
    """The decay of ``cost`` over runs (rows) and their D seeds, with a t interval at ``level``."""
    if not rows or any(cost not in seed.decay_orders for row in rows for seed in row.seeds):
        return None
    values = [[seed.decay_orders[cost].value for seed in row.seeds] for row in rows]
    return units_interval(values, evidence.from_estimate(rows[0].seeds[0].decay_orders[cost]),
                          level)


def _checkpoint(summaries, epoch: int, sigmas: list[float],
                checkpoints: int) -> tuple[list[Effect], Verdict, str]:
    """The noise claim at one checkpoint: effects per sigma, verdict, and a note."""
    threshold, vanishing = spec.NOISE.threshold, spec.FIGURE2.threshold
    noisy = [sigma for sigma in sigmas if sigma > 0]
    rows = {sigma: _rows(summaries, epoch, sigma) for sigma in sigmas}
    decays = {sigma: decay_effect(rows[sigma]) for sigma in sigmas}
    rescue = {sigma: decay_effect(rows[sigma], level=bonferroni_level(len(noisy)))
              for sigma in noisy}
    stays = {sigma: decay_effect(rows[sigma], level=bonferroni_level(checkpoints))
             for sigma in noisy}
    delta = pystatistics.median(row.delta for row in rows[sigmas[0]])
    clean = decays.get(0.0)
    if clean is None or not noisy or any(decays[s] is None for s in noisy):
        return [Effect(f"epoch {epoch}, sigma {s:g}", i, Verdict.NOT_RUN)
                for s, i in decays.items()], Verdict.NOT_RUN, ""
    rescued = [sigma for sigma in noisy if rescue[sigma].high < threshold]
    effects = [Effect(f"epoch {epoch}, sigma 0 (vanishing > {vanishing:g} orders?)", clean,
                      evidence.judge(clean, vanishing, "above"))]
    effects += [Effect(f"epoch {epoch}, sigma {sigma:g}", decays[sigma],
                       Verdict.SUPPORTED if sigma in rescued else evidence.judge(
                           stays[sigma], threshold, "below")) for sigma in noisy]
    largest = max(noisy)
    note = (f"epoch {epoch}: delta {delta:.3g}, sigma* "
            + (f"{rescued[0]:g} ({rescued[0] / delta:.2g} delta)" if rescued else "none")
            + f", largest sigma {largest / delta:.2g} delta; rescue judged on one-sided bounds "
              f"at 5% / {len(noisy)} (Bonferroni over {len(noisy)} sigmas): "
            + ", ".join(f"sigma {s:g} < {rescue[s].high:.3g}" for s in noisy))
    if largest < spec.SIGMA_OVER_DELTA_MIN * delta:
        return effects, Verdict.PREMISE_NOT_MET, note
    if not clean.low > vanishing:
        return effects, Verdict.INCONCLUSIVE, (
            note + f" (no vanishing to rescue: sigma 0 decays {clean} orders, not above Figure "
                   f"2's {vanishing:g} orders)")
    if rescued:
        return effects, Verdict.SUPPORTED, note
    reaching = [s for s in noisy if s >= spec.SIGMA_OVER_DELTA_MIN * delta]
    if all(stays[sigma].low > threshold for sigma in reaching):
        return effects, Verdict.CONTRADICTED, note
    return effects, Verdict.INCONCLUSIVE, note


def noise(summaries: Sequence[NoiseSummary | None]) -> ClaimResult:
    """Theorems 3.2-3.3 over the sigma sweep, per checkpoint (see the module docstring)."""
    if not summaries or any(s is None for s in summaries):
        return evidence.not_run(spec.NOISE)
    epochs, sigmas = _grid(summaries)
    if not epochs:
        return evidence.not_run(spec.NOISE)
    effects, verdicts, notes = [], [], []
    for epoch in epochs:
        parts, verdict, note = _checkpoint(summaries, epoch, sigmas, len(epochs))
        effects += parts
        verdicts.append(verdict)
        notes.append(note)
    premise = Premise(spec.NOISE.premise, Verdict.PREMISE_NOT_MET not in verdicts,
                      "; ".join(note.split(";")[0] for note in notes if note))
    return ClaimResult(spec.NOISE, tuple(effects), evidence.combine(verdicts), premise,
                       "; ".join(note for note in notes if note))


def _ratio(rows: Sequence[NoiseRow], sigma: float, distribution: str,
           dimensions: int) -> tuple[Interval, float]:
    """W / bound over the runs (the worst run), on an interval valid whatever the JSD is
    (see the module docstring), and the smallest bound (D's JSD lower bound in it)."""
    def bound(jsd: float) -> float:
        return bounds.wasserstein_upper_bound(sigma, dimensions, jsd, distribution)

    smallest = [bound(pystatistics.median(seed.jsd_lower_bound for seed in row.seeds))
                for row in rows]
    largest = bound(bounds.JSD_MAX)
    high = max(row.w_empirical / low if low > 0 else math.inf
               for row, low in zip(rows, smallest))
    low = max(max(row.w_empirical - row.w_bias, 0.0) / largest for row in rows)
    return Interval(high, low, high, method="W less its floor over the bound at JSD = log 2 "
                    "(low end) to W over the bound at D's JSD lower bound (high end)"), \
        max(smallest)


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
            diameter = bounds.noisy_diameter(sigma, dimensions, distribution)
            if not math.isfinite(diameter):
                effects.append(Effect(f"{label} (C infinite)", None, Verdict.PREMISE_NOT_MET))
                continue
            ratio, bound = _ratio(_rows(summaries, epoch, sigma), sigma, distribution,
                                  dimensions)
            if bound >= diameter:
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
                       evidence.combine([e.verdict for e in effects]), premise,
                       "CONTRADICTED is out of reach by construction: no sample gives an upper "
                       "bound of the JSD below log 2")
