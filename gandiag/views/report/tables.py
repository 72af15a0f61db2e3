"""The tables of each experiment's summary, shared by the console and the report.

Each function returns ``(columns, rows)``; ``console.table`` and the report's ``Table``
block render them.
"""

import numpy as np

from gandiag.analysis.format import lookup
from gandiag.store.schema import FrozenSummary, NoiseSummary, ToySummary

Rows = tuple[list[str], list[list]]



def column_rows(items: list, columns: dict[str, tuple[str, ...]]) -> Rows:
    """One table row per item (a dict or a summary's dataclass); ``columns`` maps each header
    to its key path."""
    return list(columns), [[lookup(item, path) for path in columns.values()] for item in items]


def seed_rows(summary: FrozenSummary | None) -> list[dict]:
    """One flat row per (checkpoint, D seed), in epoch order, for the tables."""
    if summary is None:
        return []
    rows = []
    for epoch in sorted(summary.checkpoints):
        for seed in summary.checkpoints[epoch].seeds:
            held_out = seed.held_out
            rows.append({
                "epoch": epoch, "seed": seed.seed,
                "accuracy_at": held_out.correct_at / held_out.count_at,
                "updates_at": held_out.updates_at, "iters_to_acc_099": held_out.iters_to_acc_099,
                "final_accuracy": held_out.final_accuracy,
                "final_mixed_accuracy": held_out.final_mixed_accuracy,
                "final_error": held_out.final_error, "final_train_error": seed.final_train_error,
                "iters_to_acc_099_train": seed.iters_to_acc_099_train,
                "epsilon_end": seed.premises.epsilon_end if seed.premises else None,
                "costs": seed.costs or {}})
    return rows


def cost_rows(summary: FrozenSummary | None, cost: str) -> list[dict]:
    """One flat row per (checkpoint, D seed) of one probed cost's numbers."""
    rows = []
    for seed_row in seed_rows(summary):
        numbers = seed_row["costs"].get(cost)
        if numbers is None:
            continue
        rows.append({
            "epoch": seed_row["epoch"], "seed": seed_row["seed"],
            "start": numbers.grad_norm_start, "end": numbers.grad_norm_end,
            "decay": _estimate(numbers.decay_orders), "jitter": _estimate(numbers.jitter_growth),
            "null": f"[{numbers.jitter_null_low:.2f}, {numbers.jitter_null_high:.2f}]",
            "alpha": _estimate(numbers.tail_index), "kurtosis": numbers.kurtosis})
    return rows


def _estimate(estimate) -> str:
    return f"{estimate.value:.3g} [{estimate.low:.3g}, {estimate.high:.3g}]"


FIGURE1_COLUMNS = {"epoch": ("epoch",), "seed": ("seed",), "held-out acc": ("accuracy_at",),
                   "at updates": ("updates_at",), "updates to 0.99": ("iters_to_acc_099",),
                   "final held-out acc": ("final_accuracy",),
                   "mixed-batch acc": ("final_mixed_accuracy",),
                   "held-out error": ("final_error",), "training error": ("final_train_error",),
                   "epsilon end": ("epsilon_end",)}
COST_COLUMNS = {"epoch": ("epoch",), "seed": ("seed",), "norm start": ("start",),
                "norm end": ("end",), "decay orders [90%]": ("decay",),
                "jitter growth [90%]": ("jitter",), "stationary band": ("null",),
                "tail alpha [90%]": ("alpha",), "kurtosis": ("kurtosis",)}


def frozen_rows(summary: FrozenSummary) -> Rows:
    """The console table of a freeze-g-train-d or probe summary: a row per checkpoint and seed,
    with each probed cost's decay."""
    seeds = seed_rows(summary)
    costs = sorted({cost for seed in seeds for cost in seed["costs"]})
    columns = {name: FIGURE1_COLUMNS[name] for name in ("epoch", "seed", "held-out acc",
                                                          "updates to 0.99", "held-out error",
                                                          "epsilon end")}
    names, rows = column_rows(seeds, columns)
    for cost in costs:
        names.append(f"decay {cost}")
        for row, seed in zip(rows, seeds):
            numbers = seed["costs"].get(cost)
            row.append(_estimate(numbers.decay_orders) if numbers else None)
    return names, rows


def noise_rows(summary: NoiseSummary) -> Rows:
    """The add-noise table: one row per (checkpoint, sigma), medians over D seeds."""
    costs = sorted({cost for row in summary.rows for seed in row.seeds
                    for cost in seed.decay_orders})
    columns = ["epoch", "sigma", "held-out acc", "held-out error", "JSD >=", "W (OT)",
               "W floor", "delta", *[f"decay {cost}" for cost in costs]]
    rows = []
    for row in summary.rows:
        median = lambda values: float(np.median(list(values)))  # noqa: E731
        rows.append([row.epoch, row.sigma, median(s.final_accuracy for s in row.seeds),
                     median(s.final_error for s in row.seeds),
                     median(s.jsd_lower_bound for s in row.seeds), row.w_empirical, row.w_bias,
                     row.delta, *[median(s.decay_orders[c].value for s in row.seeds
                                         if c in s.decay_orders) for c in costs]])
    return columns, rows
def toy_rows(summary: ToySummary) -> Rows:
    """The toy-noise table: per noise level, the distance to the modes and modes covered."""
    rows = [[sigma, curve[0].mean_distance, curve[-1].mean_distance,
             f"{curve[-1].modes_covered}/{summary.modes}"]
            for sigma, curve in summary.curves.items() if curve]
    return ["sigma", "distance, first epoch", "distance, last epoch", "modes covered"], rows
