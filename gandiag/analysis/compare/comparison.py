"""Several runs side by side: the comparison `gandiag compare` writes.

For each run: the config fields in which the runs differ, how training ended (the means
over its last epoch in metrics.jsonl) and what the frozen-G experiments found at each
checkpoint. Runs whose configs differ only in ``seed`` also get an aggregate: the median
and the range over seeds of every number. The comparison is built from the runs' records
alone; the table and comparison.png are views of it, and comparison.json is it.
"""

import json
import math
import pathlib

import numpy as np

from gandiag.analysis.format import lookup, number
from gandiag.analysis.summaries import epoch_means
from gandiag.config import differences
from gandiag.errors import GandiagError
from gandiag.store import layout, records
from gandiag.store.schema import CheckpointSummary, FrozenSummary, read_summary

TRAINING_KEYS = ("d_loss", "g_loss", "d_accuracy")
CHECKPOINT_KEYS = ("iters_to_acc_0.99", "final_accuracy")
# Where a run's checkpoint numbers come from, the first present: the gradient probe has
# D's accuracy and the per-cost numbers, freeze-g-train-d (Figure 1) the accuracy alone.
SUMMARY_SOURCES = (layout.PROBE, layout.FREEZE_G_TRAIN_D)
SEED = "seed"


def compare_runs(paths: list[pathlib.Path], configs: list[dict]) -> dict:
    """The comparison of runs (resolved run dirs and their configs).

    Returns:
        ``fields`` (the dotted config fields that differ), ``runs`` (one entry per run)
        and ``seed_aggregates`` (one per group of runs that differ only in seed).
    """
    if not paths:
        raise GandiagError("compare needs at least one run directory; pass the folders "
                           "that `gandiag train` wrote")
    fields = sorted({name for config in configs[1:] for name in differences(configs[0], config)})
    entries = [read_run(path, label, config, fields)
               for path, label, config in zip(paths, _labels(paths), configs)]
    return {"fields": fields, "runs": entries,
            "seed_aggregates": [aggregate([entries[i] for i in group])
                                for group in seed_groups(configs)]}


def _labels(paths: list[pathlib.Path]) -> list[str]:
    """Folder names, or whole paths where two runs share a name."""
    names = [path.name for path in paths]
    return [str(path) if names.count(path.name) > 1 else path.name for path in paths]


def read_run(run_dir: pathlib.Path, label: str, config: dict, fields: list[str]) -> dict:
    """One run's entry: its values of ``fields``, its last epoch and its checkpoints."""
    run = layout.RunDir(run_dir)
    training = records.read_jsonl(run.metrics)
    source, checkpoints = None, {}
    for name in SUMMARY_SOURCES:
        summary = read_summary(run.experiment(name).summary, FrozenSummary)
        if summary is not None:
            source = name
            checkpoints = {str(epoch): checkpoint_numbers(summary.checkpoints[epoch])
                           for epoch in sorted(summary.checkpoints)}
            break
    return {"label": label, "path": str(run_dir),
            "config": {name: lookup(config, tuple(name.split("."))) for name in fields},
            "training": last_epoch(training),
            "g_grad_norm_by_epoch": {str(epoch): value for epoch, value in
                                     epoch_means(training, "g_grad_norm").items()},
            "source": source, "checkpoints": checkpoints}


def last_epoch(training: list[dict]) -> dict | None:
    """The last logged epoch and its means of d_loss, g_loss and d_accuracy."""
    if not training:
        return None
    epoch = max(record["epoch"] for record in training)
    return {"epoch": epoch, **{name: epoch_means(training, name)[epoch] for name in TRAINING_KEYS}}


def checkpoint_numbers(block: CheckpointSummary) -> dict:
    """The compared numbers of one checkpoint: medians over its D seeds.

    ``iters_to_acc_0.99`` counts D updates until the held-out accuracy reached 0.99 (None
    if a seed never did), ``final_accuracy`` is the held-out accuracy at the end.
    """
    reached = [seed.held_out.iters_to_acc_099 for seed in block.seeds]
    costs = sorted({cost for seed in block.seeds for cost in (seed.costs or {})})
    return {"iters_to_acc_0.99": None if None in reached else float(np.median(reached)),
            "final_accuracy": float(np.median([s.held_out.final_accuracy for s in block.seeds])),
            "decay_orders": {cost: float(np.median([s.costs[cost].decay_orders.value
                                                    for s in block.seeds]))
                             for cost in costs}}


def seed_groups(configs: list[dict]) -> list[list[int]]:
    """Indices of the runs whose configs differ only in seed, for each group of 2+ seeds."""
    groups: dict[str, list[int]] = {}
    for index, config in enumerate(configs):
        rest = {key: value for key, value in config.items() if key != SEED}
        groups.setdefault(json.dumps(rest, sort_keys=True), []).append(index)
    return [group for group in groups.values()
            if len({configs[index].get(SEED) for index in group}) > 1]


def spread(values: list) -> dict:
    """Median, min and max over seeds, and how many seeds had the number.

    None (D never reached the accuracy) ranks above every number, as "more iterations
    than were run"; a statistic that lands on it is None again.
    """
    never = any(value is None for value in values)
    ranked = np.array([math.inf if value is None else value for value in values], np.float64)
    stats = {"median": np.median(ranked), "min": ranked.min(), "max": ranked.max()}
    return {**{name: None if never and math.isinf(value) else float(value)
               for name, value in stats.items()}, "count": len(values)}


def aggregate(entries: list[dict]) -> dict:
    """The median and range over seeds of every number of ``entries`` (one run per seed).

    A checkpoint or a cost is aggregated over the runs that have it.
    """
    trained = [entry["training"] for entry in entries if entry["training"]]
    checkpoints = {}
    for epoch in sorted({e for entry in entries for e in entry["checkpoints"]}, key=int):
        blocks = [entry["checkpoints"][epoch] for entry in entries if epoch in entry["checkpoints"]]
        costs = sorted({cost for block in blocks for cost in block["decay_orders"]})
        checkpoints[epoch] = {
            **{key: spread([block[key] for block in blocks]) for key in CHECKPOINT_KEYS},
            "decay_orders": {cost: spread([block["decay_orders"][cost] for block in blocks
                                           if cost in block["decay_orders"]])
                             for cost in costs}}
    config = {**entries[0]["config"]}
    if SEED in config:
        config[SEED] = [entry["config"][SEED] for entry in entries]
    training = ({key: spread([numbers[key] for numbers in trained]) for key in TRAINING_KEYS}
                if trained else None)
    return {"label": f"median of {len(entries)} seeds",
            "runs": [entry["label"] for entry in entries], "config": config,
            "training": training, "checkpoints": checkpoints}


def _cell(value, none: str = ""):
    """A table cell: a spread as "median [min, max]", seeds as "0,1,2", ``none`` for None."""
    if isinstance(value, dict):
        median, low, high = (number(value[k], ".4g", none) for k in ("median", "min", "max"))
        return f"{median} [{low}, {high}]"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return none if value is None else value


def table_rows(comparison: dict) -> tuple[list[str], list[list]]:
    """Columns and rows of the table: one row per run (or seed aggregate) and checkpoint."""
    entries = comparison["runs"] + comparison["seed_aggregates"]
    costs = _costs(entries)
    columns = ["run", *comparison["fields"], "last epoch", *TRAINING_KEYS, "checkpoint",
               "iters to acc 0.99", "final acc", *[f"decay {cost}" for cost in costs]]
    rows = []
    for entry in entries:
        training = entry["training"] or {}
        base = [entry["label"], *[_cell(entry["config"][name]) for name in comparison["fields"]],
                *[_cell(training.get(key)) for key in ("epoch", *TRAINING_KEYS)]]
        if not entry["checkpoints"]:
            rows.append(base + [""] * (3 + len(costs)))
        for epoch, block in entry["checkpoints"].items():
            rows.append([*base, epoch, _cell(block["iters_to_acc_0.99"], "never"),
                         _cell(block["final_accuracy"]),
                         *[_cell(block["decay_orders"].get(cost)) for cost in costs]])
            base = [""] * len(base)
    return columns, rows


def _costs(entries: list[dict]) -> list[str]:
    """Every probed cost of any checkpoint of any entry."""
    return sorted({cost for entry in entries for block in entry["checkpoints"].values()
                   for cost in block["decay_orders"]})
