"""The paper's claims, each checked against this run's summaries with an explicit criterion.

Every claim is a pure function of one loaded summary.json (or None when the experiment
was not run); Figure 3's also of the probe's per-iteration norms. A summary that lacks
what a claim needs gives NOT RUN, never an error, so that a partial set of experiments
still yields a table.
"""

import dataclasses
import json
import math
import pathlib
import statistics
from typing import Literal, NamedTuple

from gandiag import metrics, probes, summaries

Verdict = Literal["PASS", "FAIL", "NOT RUN"]
PASS: Verdict = "PASS"
FAIL: Verdict = "FAIL"
NOT_RUN: Verdict = "NOT RUN"

# Where each experiment writes its outputs inside a run directory.
FROZEN_DIR = "freeze_g_train_d"
PROBE_DIR = "probe"
NOISE_DIR = "add_noise"
TOY_DIR = "toy_noise"

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


def read_json(path: pathlib.Path) -> dict | None:
    """A summary or config JSON file; None if missing or unreadable (an interrupted experiment)."""
    try:
        return json.loads(pathlib.Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _number(value, spec: str = ".3g") -> str:
    return "never" if value is None else format(value, spec)


def _per_epoch(values: dict[int, object], spec: str = ".3g") -> str:
    """'23 / 41 / 118 (epochs 1 / 10 / 25)'."""
    return (f"{' / '.join(_number(v, spec) for v in values.values())} "
            f"(epochs {' / '.join(map(str, values))})")


def checkpoint_fields(summary: dict | None, names: tuple[str, ...],
                      cost: str | None = None) -> dict[int, dict] | None:
    """Per epoch (in order), the named numbers of each checkpoint, or of one cost's block.

    Returns None when there are no checkpoints or any checkpoint lacks one of the names.
    """
    try:
        checkpoints = summary["checkpoints"]
        blocks = {int(epoch): checkpoints[epoch] for epoch in sorted(checkpoints, key=int)}
        if cost is not None:
            blocks = {epoch: block["costs"][cost] for epoch, block in blocks.items()}
        fields = {epoch: {name: block[name] for name in names} for epoch, block in blocks.items()}
    except (KeyError, TypeError, ValueError):
        return None
    return fields or None


def perfect_discrimination(summary: dict | None) -> Claim:
    """Figure 1: a fresh D becomes perfect against every frozen G, quickly."""
    name = "Perfect discrimination (Figure 1)"
    paper = "D reaches ~100% accuracy within ~50 iterations, even against a good G"
    criterion = (f"running accuracy >= 0.99 within {MAX_ITERS_TO_PERFECT} iterations, "
                 "every checkpoint")
    fields = checkpoint_fields(summary, ("iters_to_acc_0.99", "final_accuracy"))
    if fields is None:
        return Claim(name, paper, "-", criterion, NOT_RUN)
    iters = {epoch: f["iters_to_acc_0.99"] for epoch, f in fields.items()}
    accuracy = " / ".join(f"{f['final_accuracy']:.3f}" for f in fields.values())
    passed = all(value is not None and value <= MAX_ITERS_TO_PERFECT for value in iters.values())
    return Claim(name, paper, f"iters to 0.99: {_per_epoch(iters)}; final acc {accuracy}",
                 criterion, PASS if passed else FAIL)


def vanishing_gradient(summary: dict | None) -> Claim:
    """Figure 2: under the original cost, G's gradient vanishes as D trains."""
    name = "Vanishing gradient, original cost (Figure 2)"
    paper = "the norm falls ~5 orders of magnitude over 4000 D iterations"
    criterion = f"log10(start norm / end norm) >= {MIN_DECAY_ORDERS:g}, every checkpoint"
    fields = checkpoint_fields(summary, ("decay_orders",), "original")
    if fields is None:
        return Claim(name, paper, "-", criterion, NOT_RUN)
    decays = {epoch: f["decay_orders"] for epoch, f in fields.items()}
    passed = all(decay >= MIN_DECAY_ORDERS for decay in decays.values())
    return Claim(name, paper, f"decay orders {_per_epoch(decays, '.2f')}", criterion,
                 PASS if passed else FAIL)


def jitter_growths(curves_path: pathlib.Path) -> dict[str, dict[int, float]] | None:
    """Per probed cost and epoch, ``summaries.jitter_growth`` of G's gradient norm.

    Read once from the probe's curves.jsonl (noise-free records; the median over seeds).
    None when the file is missing or unreadable.
    """
    try:
        curves = probes.group_curves(metrics.read_jsonl(curves_path))
        costs = next(iter(curves.values()))[0][0]["grad_norm"] if curves else {}
        return {cost: {epoch: statistics.median(
                    summaries.jitter_growth([record["grad_norm"][cost] for record in curve])
                    for curve in seeds) for epoch, seeds in sorted(curves.items())}
                for cost in costs} or None
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None


def minus_log_d_grows(summary: dict | None, jitter: dict[int, float] | None = None) -> Claim:
    """Figure 3: under -log D, G's gradient grows and gets noisier as D trains.

    "Noisier" is ``jitter``, per epoch (``jitter_growths``'s -log D entry): the variance of the norm's
    change from one iteration to the next, last quarter over first. The plain variance
    ratio (``variance_growth`` in summary.json) is shown beside it, but it cannot judge
    noise: the norm's steep early rise fills the first quarter's variance.
    """
    name = "-log D gradient grows and gets noisier (Figure 3)"
    paper = "the gradient does not vanish; it grows and its variance grows"
    criterion = ("end norm >= start norm and jitter growth > 1 (mean squared change between "
                 "successive iterations, last quarter / first quarter), every checkpoint")
    fields = checkpoint_fields(summary, ("grad_norm_start", "grad_norm_end", "variance_growth"),
                               "minus-log-d")
    if fields is None or jitter is None or set(jitter) != set(fields):
        return Claim(name, paper, "-", criterion, NOT_RUN)
    norms = ", ".join(f"{_number(f['grad_norm_start'])} -> {_number(f['grad_norm_end'])}"
                      for f in fields.values())
    growth = {epoch: f["variance_growth"] for epoch, f in fields.items()}
    passed = all(f["grad_norm_end"] >= f["grad_norm_start"] and jitter[epoch] > 1
                 for epoch, f in fields.items())
    measured = (f"norm {norms}; jitter growth {_per_epoch(jitter)}; "
                f"variance growth (trend included) {' / '.join(map(_number, growth.values()))}")
    return Claim(name, paper, measured, criterion, PASS if passed else FAIL)


def _finite_median(values) -> float | None:
    """Median of the finite values (a failed stable fit is NaN), None if there are none."""
    finite = [value for value in values if value is not None and math.isfinite(value)]
    return statistics.median(finite) if finite else None


def heavy_tails(summary: dict | None) -> Claim:
    """Theorem 2.6: -log D updates are heavy-tailed, like a centred Cauchy variable."""
    name = "Heavy-tailed -log D updates (Theorem 2.6)"
    paper = "updates behave like a centred Cauchy variable (infinite variance)"
    criterion = (f"median tail index alpha <= {MAX_TAIL_INDEX} (Gaussian 2, Cauchy 1) and "
                 f"median excess kurtosis > {MIN_KURTOSIS:g}")
    names = ("tail_index", "kurtosis")
    fields = checkpoint_fields(summary, names, "minus-log-d") or {}
    alpha = _finite_median(f["tail_index"] for f in fields.values())
    kurtosis = _finite_median(f["kurtosis"] for f in fields.values())
    if alpha is None or kurtosis is None:
        return Claim(name, paper, "-", criterion, NOT_RUN)

    def describe(cost_fields: dict[int, dict]) -> str:
        alphas = {epoch: f["tail_index"] for epoch, f in cost_fields.items()}
        kurtoses = " / ".join(_number(f["kurtosis"], ".2f") for f in cost_fields.values())
        return f"alpha {_per_epoch(alphas, '.2f')}, kurtosis {kurtoses}"

    measured = f"-log D: {describe(fields)}"
    original = checkpoint_fields(summary, names, "original")
    if original is not None:
        measured += f"; original (contrast): {describe(original)}"
    passed = alpha <= MAX_TAIL_INDEX and kurtosis > MIN_KURTOSIS
    return Claim(name, paper, measured, criterion, PASS if passed else FAIL)


class NoisePoint(NamedTuple):
    """What claim 5 needs from one add-noise row."""

    sigma: float
    decay_orders: float
    final_accuracy: float


def noise_extremes(summary: dict | None) -> dict[int, tuple[NoisePoint, NoisePoint]] | None:
    """Per epoch, the add-noise numbers at sigma 0 and at the largest sigma.

    None when there are no rows, a row lacks the original cost's decay, or an epoch
    lacks a sigma-0 row or a second sigma to compare it with.
    """
    try:
        points = [(row["epoch"], NoisePoint(row["sigma"], row["costs"]["original"]["decay_orders"],
                                            row["final_accuracy"])) for row in summary["rows"]]
    except (KeyError, TypeError):
        return None
    extremes = {}
    for epoch in sorted({epoch for epoch, _ in points}):
        chosen = sorted((point for e, point in points if e == epoch), key=lambda p: p.sigma)
        if chosen[0].sigma != 0 or len(chosen) < 2:
            return None
        extremes[epoch] = (chosen[0], chosen[-1])
    return extremes or None


def noise_keeps_gradients(summary: dict | None) -> Claim:
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


def wasserstein_bound(summary: dict | None) -> Claim:
    """Theorem 3.5: the noisy JSD bounds the Wasserstein distance."""
    name = "Wasserstein bound (Theorem 3.5)"
    paper = "W(P_r,P_g) <= 2 sqrt(V) + 2 C sqrt(JSD(P_r+e||P_g+e))"
    criterion = "empirical W (exact OT) <= the bound, every (checkpoint, sigma) row"
    try:
        pairs = [(row["w_empirical"], row["w_upper_bound"]) for row in summary["rows"]]
    except (KeyError, TypeError):
        return Claim(name, paper, "-", criterion, NOT_RUN)
    if not pairs:
        return Claim(name, paper, "-", criterion, NOT_RUN)
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
    run_dir = pathlib.Path(run_dir)
    probe = read_json(run_dir / PROBE_DIR / "summary.json")
    frozen = read_json(run_dir / FROZEN_DIR / "summary.json")
    noise = read_json(run_dir / NOISE_DIR / "summary.json")
    if jitter is None:
        jitter = jitter_growths(run_dir / PROBE_DIR / "curves.jsonl")
    return [perfect_discrimination(frozen if frozen is not None else probe),
            vanishing_gradient(probe),
            minus_log_d_grows(probe, (jitter or {}).get("minus-log-d")),
            heavy_tails(probe),
            noise_keeps_gradients(noise), wasserstein_bound(noise)]
