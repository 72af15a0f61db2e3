"""`gandiag theory`'s verdicts: each theorem where its premise provably holds, and controls
where it provably fails, judged by the THEORY block of the claims spec.

Exact numbers (quadrature, closed forms) have no sampling error: their interval is the
number itself. A trained D's accuracy has a Wilson interval; a tail index a bootstrap one.
"""

import math

import numpy as np

from gandiag.analysis import spec, statistics
from gandiag.analysis.evidence import (
    ClaimResult,
    Effect,
    Interval,
    Part,
    Premise,
    Verdict,
    decide,
    not_run,
)
from gandiag.analysis.format import number
from gandiag.analysis.theory import segments
from gandiag.store.schema import TheorySummary, VanishingRun

EXACT = "exact (quadrature or closed form)"


def exact(value: float, method: str = EXACT) -> Interval:
    return Interval(value, value, value, method=method)


def bound_ratios(run: VanishingRun) -> np.ndarray:
    """|grad| / (M eps / (1 - eps)) at each logged iteration (nan where eps >= 1)."""
    epsilon = np.asarray(run.epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(epsilon < 1, run.m_hat * epsilon / (1 - epsilon), np.nan)
        return np.asarray(run.grad_original) / bound


def log_log_slope(run: VanishingRun) -> float:
    """Slope of log |grad| against log of Theorem 2.4's bound over iterations with eps < 1."""
    epsilon = np.asarray(run.epsilon)
    usable = (epsilon < 1) & (np.asarray(run.grad_original) > 0)
    if usable.sum() < 3:
        return math.nan
    bound = run.m_hat * epsilon[usable] / (1 - epsilon[usable])
    return float(np.polyfit(np.log(bound), np.log(np.asarray(run.grad_original)[usable]), 1)[0])


def decay_orders(values: list[float]) -> float:
    """log10(median of the first tenth of the log / median of the last tenth)."""
    tenth = max(1, len(values) // 10)
    return statistics.median_decay(np.asarray(values[:tenth]), np.asarray(values[-tenth:]))


def _discrimination(curves: list[VanishingRun]) -> ClaimResult:
    accuracy = [Part(run.label, statistics.binomial_interval(
        round(run.accuracy[-1] * run.eval_count), run.eval_count)) for run in curves]
    gaps = ", ".join(number(run.support_gap, ".2g") for run in curves)
    return decide(spec.THEORY_DISCRIMINATION, accuracy, Premise(
        spec.THEORY_DISCRIMINATION.premise, all(run.support_gap > 0 for run in curves),
        f"smallest distance from the curve to the circle: {gaps}"))


def _bound(curves: list[VanishingRun]) -> ClaimResult:
    parts, counts = [], []
    for run in curves:
        ratios = bound_ratios(run)
        applicable = int(np.isfinite(ratios).sum())
        counts.append(f"{applicable} of {len(ratios)}")
        # Where eps >= 1 the bound is infinite (vacuous): the ratio is 0 and, gated by the
        # premise, reads PREMISE NOT MET.
        worst = float(np.nanmax(ratios)) if applicable else 0.0
        parts.append(Part(run.label, exact(worst, "exact on the latent grid"),
                          Premise(spec.THEORY_VANISHING.premise, applicable > 0, "")))
    premise = Premise(spec.THEORY_VANISHING.premise, all(part.premise.holds for part in parts),
                      f"eps < 1 at {', '.join(counts)} logged iterations")
    slopes = "; ".join(f"{run.label}: decay {decay_orders(run.grad_original):.2g} orders, "
                       f"slope {log_log_slope(run):.2g}" for run in curves)
    return decide(spec.THEORY_VANISHING, parts, premise,
                  f"log-log slope of |grad| on the bound and decay per run: {slopes}")


def _plateau(controls: list[VanishingRun]) -> ClaimResult:
    """The controls, judged as controls: where Theorem 2.4's premise measurably fails (eps
    stays >= the spec's near-optimal epsilon), the gradient must not vanish."""
    parts = [Part(run.label, exact(decay_orders(run.grad_original), "exact on the latent grid"),
                  Premise(spec.THEORY_PLATEAU.premise,
                          run.epsilon[-1] >= spec.EPSILON_NEAR_OPTIMAL,
                          f"{run.label}: eps end {run.epsilon[-1]:.3g}"))
             for run in controls]
    measured = "; ".join(f"{run.label}: eps end {run.epsilon[-1]:.3g}, held-out accuracy "
                         f"{run.accuracy[-1]:.3g} (best possible {run.bayes_accuracy:.3g})"
                         for run in controls)
    return decide(spec.THEORY_PLATEAU, parts, Premise(
        spec.THEORY_PLATEAU.premise, all(part.premise.holds for part in parts), measured))


def _vanishing(summary: TheorySummary) -> list[ClaimResult]:
    specs = (spec.THEORY_DISCRIMINATION, spec.THEORY_VANISHING, spec.THEORY_PLATEAU)
    if summary.vanishing is None:
        return [not_run(claim, "gandiag theory --only vanishing") for claim in specs]
    curves = [run for run in summary.vanishing if run.generator == "curve"]
    controls = [run for run in summary.vanishing if run.generator != "curve"]
    return [_discrimination(curves) if curves else not_run(specs[0]),
            _bound(curves) if curves else not_run(specs[1]),
            _plateau(controls) if controls else not_run(specs[2])]


def _identity(summary: TheorySummary) -> ClaimResult:
    if summary.identity is None:
        return not_run(spec.THEORY_MINUS_LOG_D, "gandiag theory --only minus-log-d")
    worst = max(row.relative_error for row in summary.identity)
    note = f"{len(summary.identity)} (m, s) points"
    if summary.two_modes is not None:
        curves = summary.two_modes
        seeking = curves.mean[int(np.argmin(curves.minus_log_d))]
        covering = curves.mean[int(np.argmin(curves.kl_r_g))]
        note += (f"; two modes at +-{curves.separation:g}: the -log D objective is least at "
                 f"m = {seeking:g} (a mode: mode seeking), KL(P_r || P_g) at m = {covering:g}")
    return decide(spec.THEORY_MINUS_LOG_D, [Part("largest of the grid", exact(worst))],
                  Premise(spec.THEORY_MINUS_LOG_D.premise, True, "by construction"), note)


def _tails(summary: TheorySummary) -> list[ClaimResult]:
    """Theorem 2.6 where its premise holds (a two-sided Hill test of alpha = 1), and the two
    controls where it measurably fails (the sigmoid's light tail, the clipped D's cut)."""
    specs = (spec.THEORY_CAUCHY, spec.THEORY_SIGMOID, spec.THEORY_CLIPPED)
    if summary.tails is None:
        return [not_run(s, "gandiag theory --only cauchy") for s in specs]
    rows = {row.case: row for row in summary.tails}
    results = []
    for claim, case in zip(specs, ("white", "sigmoid", "clipped")):
        row = rows.get(case)
        if row is None:
            results.append(not_run(claim, f"no {case} discriminator in the summary"))
            continue
        near_zero = row.near_zero_share > spec.NEAR_ZERO_SHARE_MIN
        # The theorem needs D near 0 on the fakes; its controls need the opposite.
        premise = Premise(claim.premise, near_zero if case == "white" else not near_zero,
                          f"share of |D| < {spec.NEAR_ZERO_FRACTION:g} median |D|: "
                          f"{row.near_zero_share:.3g}")
        estimate = row.hill or row.alpha
        alpha = Interval(estimate.value, estimate.low, estimate.high,
                         method=f"Hill estimator over {row.values} per-sample updates")
        note = (f"{row.beyond_cut_count} of {row.values} beyond {spec.TAIL_CUT:g} s_r / delta; "
                f"stable fit alpha {row.alpha.value:.3g}")
        if case == "clipped":
            beyond = statistics.binomial_interval(row.beyond_cut_count, row.values)
            effect = Interval(beyond.estimate, beyond.low, beyond.high,
                              method=f"Wilson interval over {row.values} values")
            results.append(decide(claim, [Part(case, effect)], premise, f"alpha {alpha}"))
        else:
            results.append(decide(claim, [Part(case, alpha)], premise, note))
    return results


def _wasserstein(summary: TheorySummary) -> ClaimResult:
    if summary.bounds is None:
        return not_run(spec.THEORY_WASSERSTEIN, "gandiag theory --only wasserstein")
    cells = summary.bounds
    finite = all(math.isfinite(cell.diameter) for cell in cells)
    informative = [cell for cell in cells if cell.bound < cell.diameter]
    holds = sum(cell.wasserstein <= cell.bound for cell in cells)
    note = (f"bound holds in {holds} of {len(cells)} cells; informative (below C) in "
            f"{len(informative)}")
    estimated = [cell for cell in cells if cell.bound_estimated is not None]
    if estimated:
        # A trained D gives only a lower bound of the JSD (log 2 - L / 2), so the bound built
        # from it is smaller than the theorem's: shown beside the exact one, never judged.
        note += "; with a trained D's JSD lower bound (not a bound of W): " + ", ".join(
            f"sigma {cell.sigma:g}: bound {cell.bound_estimated:.3g} vs exact {cell.bound:.3g}"
            for cell in estimated)
    premise = Premise(spec.THEORY_WASSERSTEIN.premise, finite,
                      "C finite (disk noise)" if finite else "C infinite (Gaussian noise)")
    judged = informative if finite and informative else cells
    worst = max(judged, key=lambda cell: cell.wasserstein / cell.bound)
    part = Part(f"delta {worst.delta:g}, sigma {worst.sigma:g}",
                exact(worst.wasserstein / worst.bound))
    if finite and not informative:  # every bound is at least C: it cannot fail
        return ClaimResult(spec.THEORY_WASSERSTEIN, (Effect(part.label, part.interval,
                                                            Verdict.INCONCLUSIVE),),
                           Verdict.INCONCLUSIVE, premise, note)
    return decide(spec.THEORY_WASSERSTEIN, [part], premise, note)


def _noise(summary: TheorySummary) -> ClaimResult:
    if summary.noise is None:
        return not_run(spec.THEORY_NOISE_MATCH, "gandiag theory --only noise")
    parts = [Part(f"sigma {row.sigma:g}", exact(row.cosine, "exact D*_sigma, one trained D"),
                  Premise(spec.THEORY_NOISE_MATCH.premise,
                          row.sigma >= spec.SIGMA_OVER_DELTA_MIN * row.delta,
                          f"sigma / delta = {row.sigma / row.delta:.2g}"))
             for row in summary.noise]
    note = "; ".join(f"sigma {row.sigma:g}: logit error {row.logit_error:.2g}, |grad| "
                     f"{row.gradient_exact:.2g} exact vs {row.gradient_learned:.2g} learned"
                     for row in summary.noise)
    sigmas, delta = [row.sigma for row in summary.noise], summary.noise[0].delta
    slopes = [segments.exponential_slope(sigmas, [getattr(row, key) for row in summary.noise],
                                         delta) for key in ("gradient_learned", "gradient_exact")]
    note += (f"; slope of log(|grad| sigma^2 / delta) on 1 / sigma^2 (sigma <= delta / 2): "
             f"learned {slopes[0]:.2g}, exact {slopes[1]:.2g}, -delta^2 / 2 = {-delta**2 / 2:.2g}")
    ratios = [row.sigma / row.delta for row in summary.noise]
    premise = Premise(spec.THEORY_NOISE_MATCH.premise, all(p.premise.holds for p in parts),
                      f"sigma / delta from {min(ratios):.2g} to {max(ratios):.2g}")
    return decide(spec.THEORY_NOISE_MATCH, parts, premise, note)


def _decomposition(summary: TheorySummary) -> ClaimResult:
    if summary.noise is None:
        return not_run(spec.THEORY_DECOMPOSITION, "gandiag theory --only noise")
    worst = max(row.decomposition_error for row in summary.noise)
    note = "mean b / a on the fakes (= P_r+e / P_g+e): " + ", ".join(
        f"sigma {row.sigma:g}: {row.push_over_pull:.2g}" for row in summary.noise)
    return decide(spec.THEORY_DECOMPOSITION, [Part("largest over sigma", exact(worst))],
                  Premise(spec.THEORY_DECOMPOSITION.premise, True, "by construction"), note)


def evaluate(summary: TheorySummary) -> list[ClaimResult]:
    """Every theory row, in the spec's order (NOT RUN for checks left out by --only)."""
    return [*_vanishing(summary), _identity(summary), *_tails(summary), _wasserstein(summary),
            _noise(summary), _decomposition(summary)]
