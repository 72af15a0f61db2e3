"""The tables of each summary record, shared by the console and the report.

Each function returns ``(columns, rows)``; ``console.table`` and the report's ``Table``
block render them.
"""

import dataclasses

from gandiag.analysis.format import lookup
from gandiag.store.schema import FrozenSummary, NoiseSummary, ToySummary

Rows = tuple[list[str], list[list]]

CHECKPOINT_COLUMNS = {"epoch": ("epoch",), "iters to acc 0.99": ("iters_to_acc_099",),
                      "iters to acc 0.999": ("iters_to_acc_0999",),
                      "final error": ("final_error",), "final acc": ("final_accuracy",)}
COST_COLUMNS = {"|grad| start": ("grad_norm_start",), "|grad| end": ("grad_norm_end",),
                "decay orders": ("decay_orders",), "var growth": ("variance_growth",),
                "tail alpha": ("tail_index",), "kurtosis": ("kurtosis",)}


def records_rows(records: list, columns: dict[str, tuple[str, ...]]) -> Rows:
    """One row per record (a dict or a summary record); ``columns`` maps header to key path."""
    return list(columns), [[lookup(r, path) for path in columns.values()] for r in records]


def checkpoint_records(summary: FrozenSummary | None, cost: str | None = None) -> list[dict]:
    """A summary's checkpoints as flat records in epoch order (one cost's numbers, if given)."""
    if summary is None:
        return []
    records = []
    for epoch in sorted(summary.checkpoints):
        block = summary.checkpoints[epoch]
        if cost is None:
            records.append({"epoch": epoch, **dataclasses.asdict(block)})
        elif cost in (block.costs or {}):
            records.append({"epoch": epoch, **dataclasses.asdict(block.costs[cost])})
    return records


def frozen_rows(summary: FrozenSummary) -> Rows:
    """The console table of a freeze-g-train-d or probe summary: a row per checkpoint and cost."""
    probed = any(block.costs for block in summary.checkpoints.values())
    columns = list(CHECKPOINT_COLUMNS) + (["cost", *COST_COLUMNS] if probed else [])
    rows = []
    for epoch in sorted(summary.checkpoints):
        block = summary.checkpoints[epoch]
        base = [epoch, *[lookup(block, path) for path in list(CHECKPOINT_COLUMNS.values())[1:]]]
        if not block.costs:
            rows.append(base)
            continue
        for cost, numbers in block.costs.items():
            rows.append(base + [cost] + [lookup(numbers, path) for path in COST_COLUMNS.values()])
            base = [""] * len(base)
    return columns, rows


def noise_rows(summary: NoiseSummary) -> Rows:
    """The add-noise table: one row per (checkpoint, sigma)."""
    costs = list(summary.rows[0].costs) if summary.rows else []
    columns = ["epoch", "sigma", "final acc", "final error", "JSD >=", "W bound", "W (OT)",
               "bound holds", *[f"decay {cost}" for cost in costs]]
    rows = [[r.epoch, r.sigma, r.final_accuracy, r.final_error, r.jsd_lower_bound,
             r.w_upper_bound, r.w_empirical, "yes" if r.w_empirical <= r.w_upper_bound else "NO",
             *[r.costs[c].decay_orders if c in r.costs else None for c in costs]]
            for r in summary.rows]
    return columns, rows


def toy_rows(summary: ToySummary) -> Rows:
    """The toy-noise table: per noise level, the distance to the modes and modes covered."""
    rows = [[sigma, curve[0].mean_distance, curve[-1].mean_distance,
             f"{curve[-1].modes_covered}/{summary.modes}"]
            for sigma, curve in summary.curves.items() if curve]
    return ["sigma", "distance, first epoch", "distance, last epoch", "modes covered"], rows
