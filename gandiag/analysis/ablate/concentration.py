"""`gandiag ablate`'s concentration study: does a handful of samples carry D's loss?

From the per-sample held-out logits of a final D: the share of each side's cross-entropy
carried by its worst 1% of samples, and how far those samples lie from the real images D
trained on (exact nearest neighbours, L2 in pixels), beside the median over all evaluated
samples. The verdict follows the rule in ``gandiag.analysis.spec``.
"""

import math

import numpy as np

from gandiag.analysis.spec import ABLATION_MIN_SEEDS, CONCENTRATION_FRACTION, CONCENTRATION_SHARE

# The endpoint record (endpoints.jsonl) that holds one final D's concentration numbers.
SPLIT = "held-out-per-sample"
SIDES = ("fake", "real")
# Per side: worst 1%'s share of the loss, the even share, the worst samples' mean distance
# to their nearest training real, and the median distance of all evaluated samples.
METRICS = tuple(f"{side}_{name}" for side in SIDES
                for name in ("share", "even_share", "worst_nn", "median_nn"))
CONCENTRATED, SPREAD, INCONCLUSIVE = "CONCENTRATED", "SPREAD", "INCONCLUSIVE"


def per_sample_losses(real_logits, fake_logits) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's cross-entropy, -log D(x) for reals and -log(1 - D(x)) for fakes.

    In float64 with logaddexp, so that a confident D's tiny losses do not underflow.
    """
    real = np.logaddexp(0.0, -np.asarray(real_logits, np.float64).ravel())
    fake = np.logaddexp(0.0, np.asarray(fake_logits, np.float64).ravel())
    return real, fake


def worst_count(samples: int) -> int:
    """How many samples the worst ``CONCENTRATION_FRACTION`` are: at least one."""
    return max(1, math.ceil(CONCENTRATION_FRACTION * samples))


def worst(losses: np.ndarray) -> np.ndarray:
    """Indices of the worst ``worst_count`` samples, the largest loss first."""
    return np.argsort(-losses, kind="stable")[:worst_count(losses.size)]


def worst_share(losses: np.ndarray) -> float:
    """The share of the summed loss carried by the worst samples (nan if the sum is 0)."""
    total = float(np.sum(losses))
    return float(np.sum(losses[worst(losses)])) / total if total > 0 else math.nan


def nearest_neighbours(queries: np.ndarray, references: np.ndarray,
                       block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Exact L2 distance of each query to its nearest reference, and that reference's index.

    Images are flattened; distances come from |q|^2 + |r|^2 - 2 q.r in float64, in blocks
    of references so that memory stays at queries x ``block``.
    """
    queries = np.asarray(queries, np.float64).reshape(len(queries), -1)
    references = np.asarray(references).reshape(len(references), -1)
    query_norms = np.sum(queries ** 2, axis=1)
    best = np.full(len(queries), np.inf)
    index = np.zeros(len(queries), np.int64)
    for start in range(0, len(references), block):
        chunk = references[start:start + block].astype(np.float64)
        squared = query_norms[:, None] + np.sum(chunk ** 2, axis=1)[None] - 2 * queries @ chunk.T
        nearest = np.argmin(squared, axis=1)
        value = squared[np.arange(len(queries)), nearest]
        better = value < best
        best[better], index[better] = value[better], nearest[better] + start
    return np.sqrt(np.maximum(best, 0.0)), index


def measure(real_logits, fake_logits, real_distances, fake_distances) -> dict[str, float]:
    """One final D's numbers (``METRICS``) from its per-sample logits and NN distances."""
    losses = dict(zip(("real", "fake"), per_sample_losses(real_logits, fake_logits)))
    distances = {"real": np.asarray(real_distances), "fake": np.asarray(fake_distances)}
    numbers = {}
    for side in SIDES:
        chosen = worst(losses[side])
        numbers |= {f"{side}_share": worst_share(losses[side]),
                    f"{side}_even_share": chosen.size / losses[side].size,
                    f"{side}_worst_nn": float(np.mean(distances[side][chosen])),
                    f"{side}_median_nn": float(np.median(distances[side]))}
    return numbers


def side_verdict(share) -> str:
    """The spec's rule on one side at one epoch, from the share's spread over D seeds."""
    if share.seeds < ABLATION_MIN_SEEDS:
        return INCONCLUSIVE
    if share.low > CONCENTRATION_SHARE:
        return CONCENTRATED
    return SPREAD if share.high <= CONCENTRATION_SHARE else INCONCLUSIVE


def judge(study: str, cells) -> tuple[str, str]:
    """(verdict, sentence) of the study ``study`` from its cells (``study_verdicts.Cell``).

    CONCENTRATED when some epoch's fakes or reals are concentrated by the rule, SPREAD when
    every epoch's both sides are spread, INCONCLUSIVE otherwise.
    """
    cells = [c for c in cells if c.metrics["fake_share"].seeds]
    if not cells:
        return INCONCLUSIVE, f"{study}: INCONCLUSIVE, no final D's per-sample logits recorded."
    parts, found = [], []
    for c in cells:
        sides = []
        for side in SIDES:
            verdict = side_verdict(c.metrics[f"{side}_share"])
            found.append(verdict)
            sides.append(
                f"{side}s {verdict}: the worst 1% carry {c.metrics[f'{side}_share'].text()} "
                f"of their cross-entropy (even spread: "
                f"{c.metrics[f'{side}_even_share'].mean:.3g}) and lie "
                f"{c.metrics[f'{side}_worst_nn'].text()} from their nearest training real "
                f"(median of all {side}s: {c.metrics[f'{side}_median_nn'].text()})")
        parts.append(f"epoch {c.epoch}: " + "; ".join(sides))
    seeds = min(c.metrics["fake_share"].seeds for c in cells)
    if CONCENTRATED in found:
        overall = CONCENTRATED
    elif all(v == SPREAD for v in found):
        overall = SPREAD
    else:
        overall = INCONCLUSIVE
    rule = (f"rule: share > {CONCENTRATION_SHARE:g} in every one of >= {ABLATION_MIN_SEEDS} "
            f"D seeds; {seeds} seed(s) ran")
    return overall, f"{study}: {overall} ({rule}). " + ". ".join(parts) + "."
