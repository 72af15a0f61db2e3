"""The paper's claims, each checked against this run's summaries with an explicit criterion.

Every claim is a pure function of one summary record (or None when the experiment was
not run); Figure 3's also of the probe's per-iteration norms. A summary that lacks what
a claim needs (a cost not probed, a checkpoint without a noise-free row) gives NOT RUN,
so that a partial set of experiments still yields a table.
"""

import dataclasses
import math
import pathlib
import statistics
from typing import Literal, NamedTuple

from gandiag.analysis import summaries
from gandiag.analysis.format import number, per_epoch
from gandiag.errors import GandiagError
from gandiag.store import layout, records
from gandiag.store.schema import CostSummary, FrozenSummary, NoiseSummary, read_summary

Verdict = Literal["PASS", "FAIL", "NOT RUN"]
PASS: Verdict = "PASS"
FAIL: Verdict = "FAIL"
NOT_RUN: Verdict = "NOT RUN"

# The paper sees ~50 iterations; ten times that still means "fast" on small data sets
# and short runs, where D's first few hundred steps are noisy.
MAX_ITERS_TO_PERFECT = 500
# The paper sees ~5 orders over 4000 iterations; 3 orders is unmistakably vanishing even
# on shorter probes.
MIN_DECAY_ORDERS = 3.0
# A Gaussian has alpha = 2 and excess kurtosis 0; these margins keep fitting noise from
# passing for a heavy tail.
MAX_TAIL_INDEX = 1.7
MIN_KURTOSIS = 1.0
# With noise the original cost's gradient must fall by less than one order of magnitude,
# and by at least one order less than without noise.
MAX_NOISY_DECAY = 1.0
MIN_DECAY_REDUCTION = 1.0


@dataclasses.dataclass(frozen=True)
class Claim:
    """One row of the claims table.

    Attributes:
        name: short name with the paper's figure or theorem.
        paper: the paper's statement.
        measured: the numbers measured on this run ("-" when not run).
        criterion: the explicit rule that gives the verdict.
        verdict: PASS, FAIL or NOT RUN.
    """

    name: str
    paper: str
    measured: str
    criterion: str
    verdict: Verdict


def cost_blocks(summary: FrozenSummary | None, cost: str) -> dict[int, CostSummary] | None:
    """Per epoch (in order), one cost's numbers; None unless every checkpoint probed it."""
    if summary is None or not summary.checkpoints:
        return None
    blocks = {epoch: (summary.checkpoints[epoch].costs or {}).get(cost)
              for epoch in sorted(summary.checkpoints)}
    return None if any(block is None for block in blocks.values()) else blocks


def perfect_discrimination(summary: FrozenSummary | None) -> Claim:
    """Figure 1: a fresh D becomes perfect against every frozen G, quickly."""
    name = "Perfect discrimination (Figure 1)"
    paper = "D reaches ~100% accuracy within ~50 iterations, even against a good G"
    criterion = (f"running accuracy >= 0.99 within {MAX_ITERS_TO_PERFECT} iterations, "
                 "every checkpoint")
    if summary is None or not summary.checkpoints:
        return Claim(name, paper, "-", criterion, NOT_RUN)
    blocks = {epoch: summary.checkpoints[epoch] for epoch in sorted(summary.checkpoints)}
    iters = {epoch: block.iters_to_acc_099 for epoch, block in blocks.items()}
    accuracy = " / ".join(f"{block.final_accuracy:.3f}" for block in blocks.values())
    passed = all(value is not None and value <= MAX_ITERS_TO_PERFECT for value in iters.values())
    return Claim(name, paper, f"iters to 0.99: {per_epoch(iters)}; final acc {accuracy}",
                 criterion, PASS if passed else FAIL)


def vanishing_gradient(summary: FrozenSummary | None) -> Claim:
    """Figure 2: under the original cost, G's gradient vanishes as D trains."""
    name = "Vanishing gradient, original cost (Figure 2)"
    paper = "the norm falls ~5 orders of magnitude over 4000 D iterations"
    criterion = f"log10(start norm / end norm) >= {MIN_DECAY_ORDERS:g}, every checkpoint"
    blocks = cost_blocks(summary, "original")
    if blocks is None:
        return Claim(name, paper, "-", criterion, NOT_RUN)
    decays = {epoch: block.decay_orders for epoch, block in blocks.items()}
    passed = all(decay >= MIN_DECAY_ORDERS for decay in decays.values())
    return Claim(name, paper, f"decay orders {per_epoch(decays, '.2f')}", criterion,
                 PASS if passed else FAIL)


def jitter_growths(curves_path: pathlib.Path) -> dict[str, dict[int, float]] | None:
    """Per probed cost and epoch, ``summaries.jitter_growth`` of G's gradient norm.

    Read once from the probe's curves.jsonl (noise-free records; the median over seeds).
    None when the file is missing or holds no gradient norms.
    """
    try:
        curves = summaries.group_curves(records.read_jsonl(curves_path))
        first = next(iter(curves.values()))[0][0] if curves else {}
        return {cost: {epoch: statistics.median(
                    summaries.jitter_growth([record["grad_norm"][cost] for record in curve])
                    for curve in seeds) for epoch, seeds in sorted(curves.items())}
                for cost in first.get("grad_norm", {})} or None
    except (KeyError, TypeError) as error:
        raise GandiagError(f"{curves_path} has a record without {error}; rerun the probe "
                           "that wrote it") from None


def minus_log_d_grows(summary: FrozenSummary | None,
                      jitter: dict[int, float] | None = None) -> Claim:
    """Figure 3: under -log D, G's gradient grows and gets noisier as D trains.

    "Noisier" is ``jitter``, per epoch (``jitter_growths``'s -log D entry): the variance of
    the norm's change from one iteration to the next, last quarter over first. The plain
    variance ratio (``variance_growth`` in summary.json) is shown beside it, but it cannot
    judge noise: the norm's steep early rise fills the first quarter's variance.
    """
    name = "-log D gradient grows and gets noisier (Figure 3)"
    paper = "the gradient does not vanish; it grows and its variance grows"
    criterion = ("end norm >= start norm and jitter growth > 1 (mean squared change between "
                 "successive iterations, last quarter / first quarter), every checkpoint")
    blocks = cost_blocks(summary, "minus-log-d")
    if blocks is None or jitter is None or set(jitter) != set(blocks):
        return Claim(name, paper, "-", criterion, NOT_RUN)
    norms = ", ".join(f"{number(b.grad_norm_start, '.3g')} -> {number(b.grad_norm_end, '.3g')}"
                      for b in blocks.values())
    growth = " / ".join(number(b.variance_growth, ".3g") for b in blocks.values())
    passed = all(b.grad_norm_end >= b.grad_norm_start and jitter[epoch] > 1
                 for epoch, b in blocks.items())
    measured = (f"norm {norms}; jitter growth {per_epoch(jitter)}; "
                f"variance growth (trend included) {growth}")
    return Claim(name, paper, measured, criterion, PASS if passed else FAIL)


def _finite_median(values) -> float | None:
    """Median of the finite values (a failed stable fit is NaN), None if there are none."""
    finite = [value for value in values if value is not None and math.isfinite(value)]
    return statistics.median(finite) if finite else None


def heavy_tails(summary: FrozenSummary | None) -> Claim:
    """Theorem 2.6: -log D updates are heavy-tailed, like a centred Cauchy variable."""
    name = "Heavy-tailed -log D updates (Theorem 2.6)"
    paper = "updates behave like a centred Cauchy variable (infinite variance)"
    criterion = (f"median tail index alpha <= {MAX_TAIL_INDEX} (Gaussian 2, Cauchy 1) and "
                 f"median excess kurtosis > {MIN_KURTOSIS:g}")
    blocks = cost_blocks(summary, "minus-log-d") or {}
    alpha = _finite_median(b.tail_index for b in blocks.values())
    kurtosis = _finite_median(b.kurtosis for b in blocks.values())
    if alpha is None or kurtosis is None:
        return Claim(name, paper, "-", criterion, NOT_RUN)

    def describe(cost_blocks: dict[int, CostSummary]) -> str:
        alphas = {epoch: b.tail_index for epoch, b in cost_blocks.items()}
        kurtoses = " / ".join(number(b.kurtosis, ".2f") for b in cost_blocks.values())
        return f"alpha {per_epoch(alphas, '.2f')}, kurtosis {kurtoses}"

    measured = f"-log D: {describe(blocks)}"
    original = cost_blocks(summary, "original")
    if original is not None:
        measured += f"; original (contrast): {describe(original)}"
    passed = alpha <= MAX_TAIL_INDEX and kurtosis > MIN_KURTOSIS
    return Claim(name, paper, measured, criterion, PASS if passed else FAIL)


class NoisePoint(NamedTuple):
    """What claim 5 needs from one add-noise row."""

    sigma: float
    decay_orders: float
    final_accuracy: float


def noise_extremes(summary: NoiseSummary | None) -> dict[int, tuple[NoisePoint, NoisePoint]] | None:
    """Per epoch, the add-noise numbers at sigma 0 and at the largest sigma.

    None when there are no rows, a row lacks the original cost's decay, or an epoch
    lacks a sigma-0 row or a second sigma to compare it with.
    """
    if summary is None or any("original" not in row.costs for row in summary.rows):
        return None
    points = [(row.epoch, NoisePoint(row.sigma, row.costs["original"].decay_orders,
                                     row.final_accuracy)) for row in summary.rows]
    extremes = {}
    for epoch in sorted({epoch for epoch, _ in points}):
        chosen = sorted((point for e, point in points if e == epoch), key=lambda p: p.sigma)
        if chosen[0].sigma != 0 or len(chosen) < 2:
            return None
        extremes[epoch] = (chosen[0], chosen[-1])
    return extremes or None


def noise_keeps_gradients(summary: NoiseSummary | None) -> Claim:
    """Theorems 3.2-3.3: instance noise keeps the original cost's gradient from vanishing."""
    name = "Noise keeps gradients alive (Theorems 3.2-3.3)"
    paper = ("with noise e added to D's inputs, D is no longer perfect and the original "
             "cost's gradient no longer vanishes")
    criterion = (f"original-cost decay at the largest sigma < {MAX_NOISY_DECAY:g} order and "
                 f">= {MIN_DECAY_REDUCTION:g} order below sigma 0, every checkpoint")
    extremes = noise_extremes(summary)
    if extremes is None:
        return Claim(name, paper, "-", criterion, NOT_RUN)
    passed = all(noisy.decay_orders < MAX_NOISY_DECAY
                 and noisy.decay_orders <= clean.decay_orders - MIN_DECAY_REDUCTION
                 for clean, noisy in extremes.values())
    parts = [f"epoch {epoch}: decay {clean.decay_orders:.2f} at sigma 0 -> "
             f"{noisy.decay_orders:.2f} at sigma {noisy.sigma:g}, final acc "
             f"{clean.final_accuracy:.3f} -> {noisy.final_accuracy:.3f}"
             for epoch, (clean, noisy) in extremes.items()]
    return Claim(name, paper, "; ".join(parts), criterion, PASS if passed else FAIL)


def wasserstein_bound(summary: NoiseSummary | None) -> Claim:
    """Theorem 3.5: the noisy JSD bounds the Wasserstein distance."""
    name = "Wasserstein bound (Theorem 3.5)"
    paper = "W(P_r,P_g) <= 2 sqrt(V) + 2 C sqrt(JSD(P_r+e||P_g+e))"
    criterion = "empirical W (exact OT) <= the bound, every (checkpoint, sigma) row"
    if summary is None or not summary.rows:
        return Claim(name, paper, "-", criterion, NOT_RUN)
    pairs = [(row.w_empirical, row.w_upper_bound) for row in summary.rows]
    holding = sum(empirical <= bound for empirical, bound in pairs)
    tightest = max(empirical / bound if bound > 0 else math.inf for empirical, bound in pairs)
    return Claim(name, paper,
                 f"holds in {holding}/{len(pairs)} rows; tightest ratio W/bound = {tightest:.2f}",
                 criterion, PASS if holding == len(pairs) else FAIL)


def evaluate_claims(run_dir: pathlib.Path,
                    jitter: dict[str, dict[int, float]] | None = None) -> list[Claim]:
    """The six claims, in the paper's order, from whichever summaries ``run_dir`` holds.

    ``jitter``: ``jitter_growths`` of the probe's curves, if the caller has read them.
    """
    run = layout.RunDir(run_dir)
    probe = read_summary(run.experiment(layout.PROBE).summary, FrozenSummary)
    frozen = read_summary(run.experiment(layout.FREEZE_G_TRAIN_D).summary, FrozenSummary)
    noise = read_summary(run.experiment(layout.ADD_NOISE).summary, NoiseSummary)
    if jitter is None:
        jitter = jitter_growths(run.experiment(layout.PROBE).curves)
    return [perfect_discrimination(frozen if frozen is not None else probe),
            vanishing_gradient(probe),
            minus_log_d_grows(probe, (jitter or {}).get("minus-log-d")),
            heavy_tails(probe),
            noise_keeps_gradients(noise), wasserstein_bound(noise)]
