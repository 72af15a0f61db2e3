"""TensorBoard event files beside the JSONL records, so `tensorboard --logdir runs/` shows a run.

The JSONL files stay the record; events are a view of the same numbers, written as they
are, through tensorboardX (a maintained writer of TensorBoard's format with no TensorFlow
behind it). A run's events go to ``<run>/tensorboard/``, an experiment's to its own folder's
``tensorboard/``, each under tags that name what was measured.
"""

import math
import pathlib
from collections.abc import Iterable

from tensorboardX import SummaryWriter

FOLDER = "tensorboard"
# Fields that label a record rather than measure something.
LABELS = ("step", "epoch", "iter", "d_updates", "count", "seed", "sigma")
# A probe's streams: (records' attribute, the field that counts D's updates, the tag group).
PROBE_STREAMS = (("curves", "iter", "probe"), ("evaluations", "d_updates", "held_out"),
                 ("premises", "d_updates", "premise"))


def scalars(record: dict, prefix: str = "") -> dict[str, float]:
    """The record's measured numbers by tag; keys with a "/" keep their own group, and a
    nested dict (a probe's ``{"grad_norm": {cost: value}}``) gives "grad_norm/cost"."""
    numbers = {}
    for name, value in _flat(record).items():
        if name in LABELS or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value):
            numbers[prefix + name if prefix or "/" in name else f"train/{name}"] = float(value)
    return numbers


def _flat(record: dict) -> dict:
    return {f"{name}/{inner}" if isinstance(value, dict) else name: inner_value
            for name, value in record.items()
            for inner, inner_value in (value.items() if isinstance(value, dict)
                                       else [(name, value)])}


class EventWriter:
    """Scalars of JSONL records, written to ``folder/tensorboard`` as TensorBoard events."""

    def __init__(self, folder: pathlib.Path, folder_name: str = FOLDER):
        self.path = pathlib.Path(folder) / folder_name
        self._writer = SummaryWriter(logdir=str(self.path), flush_secs=30)

    def write(self, records: Iterable[dict], step_field: str = "step",
              prefix: str = "") -> None:
        """Each record's numbers at the record's ``step_field``, tags prefixed by ``prefix``."""
        for record in records:
            for tag, value in scalars(record, prefix).items():
                self._writer.add_scalar(tag, value, int(record[step_field]))

    def close(self) -> None:
        self._writer.close()


def write_probe_events(folder: pathlib.Path, found) -> None:
    """A frozen-G experiment's curves, held-out evaluations and premises as events.

    One TensorBoard run per (checkpoint, noise level, D seed), in ``folder/tensorboard/``, so
    that TensorBoard overlays their curves; the step is D's update count.
    """
    writers: dict[str, EventWriter] = {}
    try:
        for attribute, step_field, group in PROBE_STREAMS:
            for record in getattr(found, attribute):
                name = f"epoch{record['epoch']}-sigma{record['sigma']:g}-seed{record['seed']}"
                if name not in writers:
                    writers[name] = EventWriter(pathlib.Path(folder) / FOLDER, name)
                writers[name].write([record], step_field, prefix=f"{group}/")
    finally:
        for writer in writers.values():
            writer.close()
