"""Logs into the units the claims judge: G runs x checkpoints x D seeds, each a probe summary.

A unit is one fresh D (``seed``) trained against one frozen G (``run``, ``epoch``); its
rows become the three record streams of a gandiag probe (the curve, the held-out
evaluations, Theorem 2.4's premises) and ``gandiag.analysis.summaries.seed_summary``
summarises them, as it does for the probe itself: gandiag's probes write their log with
``log_rows`` and summarise it with ``checkpoint_summaries``, so a report and
``gandiag judge`` on the probe's log read the same numbers.
"""

import math
from collections.abc import Sequence

from gandiag.analysis import summaries
from gandiag.analysis.judge.judge_log import (
    ITER,
    PROJECTION_PREFIX,
    Log,
    LogError,
    cost_column,
    projection_column,
)
from gandiag.config import GENERATOR_COSTS
from gandiag.store.schema import CheckpointSummary, FrozenSummary

# {run: {epoch: {seed: rows in iter order}}}, runs in the order the logs name them.
Units = dict[str, dict[int, dict[int, list[dict]]]]

_CURVE = {"d_fake": "d_fake", "train_accuracy": "accuracy", "train_error": "error"}
_PREMISE = {"epsilon": "epsilon", "d_fake_max": "d_fake_max", "grad_x_d_max": "grad_x_d_max",
            "jacobian_norm": "jacobian_norm", "grad_original_fixed_d": "grad_norm_fixed_d"}
_GRADIENT_COLUMNS = {cost_column(cost) for cost in GENERATOR_COSTS}


def log_rows(curves: Sequence[dict], evaluations: Sequence[dict], premises: Sequence[dict],
             sigma: float = 0.0) -> list[dict]:
    """A gandiag probe's records (one noise level) as log rows, in (epoch, seed, iter) order.

    A curve record of iteration i was measured before D's i-th update, an evaluation or a
    premise after ``d_updates`` updates: both belong to row i = ``d_updates``.
    """
    rows: dict[tuple[int, int, int], dict] = {}

    def row(record: dict, iteration: int) -> dict:
        key = (record["epoch"], record["seed"], iteration)
        return rows.setdefault(key, {"epoch": key[0], "seed": key[1], ITER: key[2]})

    for record in (r for r in curves if r["sigma"] == sigma):
        target = row(record, record["iter"])
        target.update({column: float(record[name]) for column, name in _CURVE.items()})
        for cost, norm in record.get("grad_norm", {}).items():
            target[cost_column(cost)] = float(norm)
            target.update({projection_column(cost, k): float(value) for k, value in
                           enumerate(record["projections"][cost], 1)})
    for record in (r for r in evaluations if r["sigma"] == sigma):
        count = record["count"]
        row(record, record["d_updates"]).update(
            heldout_accuracy=record["correct"] / count, heldout_n=count,
            heldout_error=float(record["error"]),
            heldout_mixed_accuracy=record["mixed_correct"] / count)
    for record in (r for r in premises if r["sigma"] == sigma):
        row(record, record["d_updates"]).update(
            {column: float(record[name]) for column, name in _PREMISE.items()})
    return [rows[key] for key in sorted(rows)]


def group(logs: Sequence[Log]) -> Units:
    """Every log's rows by G run, checkpoint and D seed, each unit checked.

    A row's G run is its ``run`` cell, else its file's path; its checkpoint its ``epoch``
    (0 when absent), its D seed its ``seed`` (0 when absent).

    Raises:
        LogError: a unit whose iters are not 1..N (with an optional 0) once each, or a
            gradient or projection column filled on some of its updates only.
    """
    units: Units = {}
    where: dict[tuple, tuple[Log, list[dict]]] = {}
    for log in logs:
        for row in log.rows:
            run = row.get("run") or str(log.path)
            epoch, seed = row.get("epoch") or 0, row.get("seed") or 0
            unit = units.setdefault(run, {}).setdefault(epoch, {}).setdefault(seed, [])
            unit.append(row)
            where[(run, epoch, seed)] = (log, unit)
    for log, unit in where.values():
        unit.sort(key=lambda row: row[ITER])
        _check_unit(log, unit)
    return units


def _check_unit(log: Log, unit: list[dict]) -> None:
    for expected, row in enumerate(unit, 0 if unit[0][ITER] == 0 else 1):
        if row[ITER] != expected:
            raise LogError(f"{log.where(row, ITER)}: {row[ITER]} where {expected} was expected; "
                           "each D (one run, epoch and seed) needs one row per update, "
                           "iter 1, 2, ..., N, and at most one row 0")
    updates = [row for row in unit if row[ITER] >= 1]
    if not updates:
        raise LogError(f"{log.where(unit[0], ITER)}: a D with no update (only iter 0); "
                       "give one row per D update from iter 1")
    for column in (column for column in log.columns if _per_update(column)):
        filled = [row[column] is not None for row in updates]
        if any(filled) and not all(filled):
            row = updates[filled.index(False)]
            raise LogError(f"{log.where(row, column)}: blank on a D update while other updates "
                           f"of this D have it; {column} needs a value on every update "
                           "(iter >= 1) or on none")


def _per_update(column: str) -> bool:
    """Whether a column is a curve (a value on every update): gradients and projections."""
    return column in _GRADIENT_COLUMNS or column.startswith(PROJECTION_PREFIX)


def has(unit: list[dict], column: str) -> bool:
    """Whether any row of a unit measured ``column``."""
    return any(row.get(column) is not None for row in unit)


def _value(row: dict, column: str) -> float:
    value = row.get(column)
    return math.nan if value is None else value


def records(unit: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """One unit's rows as a probe's record streams: curve, evaluations, premises."""
    costs = [cost for cost in GENERATOR_COSTS if has(unit, cost_column(cost))]
    curve = []
    for row in (row for row in unit if row[ITER] >= 1):
        record = {ITER: row[ITER], **{name: _value(row, column)
                                      for column, name in _CURVE.items()}}
        if costs:
            record["grad_norm"] = {cost: row[cost_column(cost)] for cost in costs}
            record["projections"] = {cost: _projections(row, cost) for cost in costs}
        curve.append(record)
    evaluations = [{"d_updates": row[ITER], "count": row["heldout_n"],
                    "correct": _count(row, "heldout_accuracy"),
                    "error": _value(row, "heldout_error"),
                    "mixed_correct": _count(row, "heldout_mixed_accuracy")}
                   for row in unit if row.get("heldout_accuracy") is not None]
    premises = [{"d_updates": row[ITER], **{name: _value(row, column)
                                            for column, name in _PREMISE.items()}}
                for row in unit if row.get("epsilon") is not None]
    return curve, evaluations, premises


def _count(row: dict, accuracy: str) -> float:
    """How many of the row's ``heldout_n`` examples an accuracy column says were right."""
    value = row.get(accuracy)
    return math.nan if value is None else round(value * row["heldout_n"])


def _projections(row: dict, cost: str) -> list[float]:
    values, direction = [], 1
    while row.get(projection_column(cost, direction)) is not None:
        values.append(row[projection_column(cost, direction)])
        direction += 1
    return values


def checkpoint_summaries(checkpoints: dict[int, dict[int, list[dict]]]
                         ) -> dict[int, CheckpointSummary]:
    """{epoch: every D seed's summary} of one G run's units."""
    return {epoch: CheckpointSummary([
        summaries.seed_summary(*records(seeds[seed]), seed) for seed in sorted(seeds)])
        for epoch, seeds in sorted(checkpoints.items())}


def frozen_summary(checkpoints: dict[int, dict[int, list[dict]]]) -> FrozenSummary:
    """One G run's units as a probe's summary (``held_out`` and ``eval_size``: the largest
    held-out count a row gives)."""
    rows = [row for seeds in checkpoints.values() for unit in seeds.values() for row in unit]
    held_out = max((row.get("heldout_n") or 0 for row in rows), default=0)
    return FrozenSummary(max(row[ITER] for row in rows), held_out, held_out,
                         checkpoint_summaries(checkpoints))
