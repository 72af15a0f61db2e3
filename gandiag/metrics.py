"""The JSONL record of a run, and the helpers that fetch device metrics into it.

``metrics.jsonl`` (and each experiment's ``curves.jsonl``) is the record: one JSON
object per logged step. Tables, progress bars and figures are views built from it.
"""

import json
import math
import pathlib
from collections.abc import Iterable

import jax
import numpy as np


def read_jsonl(path: pathlib.Path) -> list[dict]:
    """Every record of a JSONL file ([] if it does not exist)."""
    path = pathlib.Path(path)
    if not path.exists():
        return []
    with path.open() as file:
        return [json.loads(line) for line in file if line.strip()]


class JsonlWriter:
    """Appends records to a JSONL file, one flushed line each."""

    def __init__(self, path: pathlib.Path, keep_until_step: int | None = None):
        """Open ``path`` for appending; with ``keep_until_step``, first drop later records.

        A resumed run continues from its last checkpoint, so anything logged after that
        step by the interrupted run is dropped and logged again.
        """
        self.path = pathlib.Path(path)
        if keep_until_step is not None:
            kept = [r for r in read_jsonl(self.path) if r["step"] <= keep_until_step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept))
        self._file = self.path.open("a")

    def write(self, records: Iterable[dict]) -> None:
        for record in records:
            self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def write_jsonl(path: pathlib.Path, records: Iterable[dict]) -> None:
    """Replace ``path`` with one JSON line per record."""
    pathlib.Path(path).write_text("".join(json.dumps(record) + "\n" for record in records))


def write_json(path: pathlib.Path, value) -> None:
    """Write ``value`` as indented JSON."""
    pathlib.Path(path).write_text(json.dumps(value, indent=2) + "\n")


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


def is_time(step: int, every: int, total: int) -> bool:
    """Whether a periodic action is due after ``step`` (1-based); always on the last step."""
    return step == total or (every > 0 and step % every == 0)
