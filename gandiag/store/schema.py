"""The typed records behind every summary.json, and their one JSON codec.

Writers build these records and ``write_summary`` stamps them with ``schema_version``;
readers go through ``read_summary``, which checks the version and every key. A key
renamed on one side is therefore a ``SchemaError`` naming the key, never a claim that
silently reads as NOT RUN.

A field's JSON key is its name unless its metadata gives another (``json_key``), for
keys that are not Python names such as ``iters_to_acc_0.99``.
"""

import dataclasses
import pathlib
import types
import typing
from typing import Any

from gandiag.errors import GandiagError
from gandiag.store import records

SCHEMA_VERSION = 1
VERSION_KEY = "schema_version"


class SchemaError(GandiagError):
    """A summary whose keys or version are not those this gandiag reads."""


def json_key(key: str) -> dict:
    """Field metadata giving the field's key in JSON."""
    return {"json_key": key}


def _key(field: dataclasses.Field) -> str:
    return field.metadata.get("json_key", field.name)


@dataclasses.dataclass(frozen=True)
class CostSummary:
    """One generator cost's numbers for one checkpoint (the median over D seeds).

    Start is the median norm over the first 50 iterations, end over the last 500 (an
    eighth of a shorter run); ``decay_orders`` = log10(start / end).
    """

    grad_norm_start: float
    grad_norm_end: float
    decay_orders: float
    variance_growth: float
    tail_index: float
    kurtosis: float


@dataclasses.dataclass(frozen=True)
class CheckpointSummary:
    """A fresh D against one frozen G: how fast it became perfect, and G's gradient."""

    iters_to_acc_099: int | None = dataclasses.field(metadata=json_key("iters_to_acc_0.99"))
    iters_to_acc_0999: int | None = dataclasses.field(metadata=json_key("iters_to_acc_0.999"))
    final_error: float
    final_accuracy: float
    # Only the probe measures G's gradient; Figure 1 alone leaves this None.
    costs: dict[str, CostSummary] | None = None


@dataclasses.dataclass(frozen=True)
class FrozenSummary:
    """summary.json of freeze_g_train_d/ and probe/: one block per checkpoint epoch."""

    checkpoints: dict[int, CheckpointSummary]


@dataclasses.dataclass(frozen=True)
class NoiseCost:
    grad_norm_start: float
    grad_norm_end: float
    decay_orders: float


@dataclasses.dataclass(frozen=True)
class NoiseRow:
    """One (checkpoint, sigma) of add-noise: held-out numbers, the JSD and W bound rows."""

    epoch: int
    sigma: float
    final_accuracy: float
    final_error: float
    jsd_lower_bound: float
    w_upper_bound: float
    w_empirical: float
    costs: dict[str, NoiseCost]


@dataclasses.dataclass(frozen=True)
class NoiseSummary:
    """summary.json of add_noise/."""

    rows: list[NoiseRow]


@dataclasses.dataclass(frozen=True)
class ToyPoint:
    epoch: int
    modes_covered: int
    mean_distance: float


@dataclasses.dataclass(frozen=True)
class ToySummary:
    """summary.json of toy-noise: per noise level, G's modes covered and distance by epoch."""

    dataset: str
    modes: int
    config: dict[str, Any]
    curves: dict[str, list[ToyPoint]]


def encode(value) -> Any:
    """A JSON-ready value of a record (dataclasses become dicts under their JSON keys).

    An optional field left at its default of None is left out, as an absent block.
    """
    if dataclasses.is_dataclass(value):
        return {_key(field): encode(getattr(value, field.name))
                for field in dataclasses.fields(value)
                if not (field.default is None and getattr(value, field.name) is None)}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    return value


def decode(kind, value, where: str = "summary"):
    """``value`` (parsed JSON) as the type ``kind``; a ``SchemaError`` naming the bad key."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        return decode(next(a for a in arguments if a is not type(None)), value, where)
    if dataclasses.is_dataclass(kind):
        return _decode_record(kind, value, where)
    if origin is dict:
        key_type, item_type = arguments
        _expect(isinstance(value, dict), where, "an object", value)
        return {_decode_key(key_type, key, where): decode(item_type, item, f"{where}.{key}")
                for key, item in value.items()}
    if origin in (list, tuple):
        _expect(isinstance(value, list), where, "a list", value)
        return origin(decode(arguments[0], item, f"{where}[{index}]")
                      for index, item in enumerate(value))
    if kind is Any:
        return value
    if kind is float:
        _expect(isinstance(value, (int, float)) and not isinstance(value, bool), where,
                "a number", value)
        return float(value)
    _expect(isinstance(value, kind) and not (kind is int and isinstance(value, bool)), where,
            f"a {kind.__name__}", value)
    return value


def _decode_record(kind, value, where: str):
    _expect(isinstance(value, dict), where, "an object", value)
    hints = typing.get_type_hints(kind)
    fields = {_key(field): field for field in dataclasses.fields(kind)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise SchemaError(f"{where} has unknown key(s) {', '.join(unknown)}; expected "
                          f"{', '.join(fields)}")
    kwargs = {}
    for key, field in fields.items():
        if key in value:
            kwargs[field.name] = decode(hints[field.name], value[key], f"{where}.{key}")
        elif field.default is dataclasses.MISSING:
            raise SchemaError(f"{where} lacks the key {key!r}")
    return kind(**kwargs)


def _decode_key(kind, key: str, where: str):
    if kind is int:
        try:
            return int(key)
        except ValueError:
            raise SchemaError(f"{where} has key {key!r} where an integer was expected") from None
    return key


def _expect(ok: bool, where: str, what: str, value) -> None:
    if not ok:
        raise SchemaError(f"{where} should be {what}, got {value!r}")


def write_summary(path: pathlib.Path, summary) -> dict:
    """Write a summary record as JSON with its schema version first; returns the JSON."""
    value = {VERSION_KEY: SCHEMA_VERSION, **encode(summary)}
    records.write_json(path, value)
    return value


def read_summary(path: pathlib.Path, kind):
    """The summary record of type ``kind`` at ``path``; None if the file does not exist."""
    value = records.read_json(path)
    if value is None:
        return None
    if not isinstance(value, dict) or value.get(VERSION_KEY) != SCHEMA_VERSION:
        found = value.get(VERSION_KEY) if isinstance(value, dict) else None
        raise SchemaError(f"{path} has schema version {found}, this gandiag reads "
                          f"{SCHEMA_VERSION}; rerun the experiment that wrote it")
    body = {key: item for key, item in value.items() if key != VERSION_KEY}
    return decode(kind, body, str(path))
