"""Device metrics fetched to the host in chunks, as records for a JSONL file.

A jitted step returns its metrics as device scalars; reading each one would stall the
device every step, so they wait in a ``MetricBuffer`` and are fetched in one transfer
when a chunk is due (and always after the last step).
"""

import math
from collections.abc import Iterable

import jax
import numpy as np


def is_time(step: int, every: int, total: int) -> bool:
    """Whether a periodic action is due after ``step`` (1-based); always on the last step."""
    return step == total or (every > 0 and step % every == 0)


def to_python(value):
    """A JSON-ready float or list from a fetched scalar or array."""
    array = np.asarray(value)
    return array.item() if array.ndim == 0 else array.tolist()


def fetch(pending: list[tuple[dict, dict]]) -> list[dict]:
    """Fetch a chunk of (host fields, device metrics) pairs in one transfer.

    Returns one flat record per pair: the host fields, then the metrics as floats.
    """
    fetched = jax.device_get([metrics for _, metrics in pending])
    return [{**fields, **{name: to_python(value) for name, value in metrics.items()}}
            for (fields, _), metrics in zip(pending, fetched)]


def first_nonfinite(records: list[dict], names: Iterable[str]) -> dict | None:
    """The first record whose named values include a NaN or an infinity."""
    names = tuple(names)
    for record in records:
        if any(not math.isfinite(record[name]) for name in names if name in record):
            return record
    return None


class MetricBuffer:
    """Step metrics waiting on the device, each with the host fields that label it."""

    def __init__(self, every: int):
        self.every = every
        self._pending: list[tuple[dict, dict]] = []

    def add(self, fields: dict, metrics: dict) -> None:
        self._pending.append((fields, metrics))

    def due(self, step: int, total: int) -> bool:
        """Whether to fetch after ``step`` of ``total`` (every ``every`` steps and the last)."""
        return is_time(step, self.every, total)

    def fetch(self) -> list[dict]:
        """Every waiting record, fetched in one transfer; the buffer is empty afterwards."""
        records = fetch(self._pending) if self._pending else []
        self._pending = []
        return records
