"""The judge's log: one row per D update of a frozen-G probe, as CSV or JSONL, from any framework.

Row ``iter`` = i describes the i-th update of a fresh D trained against a frozen G: the
gradient columns are G's gradient norms under the D it started from (after i - 1
updates), the held-out and premise columns D measured after the update. An optional row
``iter`` = 0 may carry the held-out and premise columns of D before its first update.
Blank cells (CSV), null or absent keys (JSONL) and NaN mean "not measured on this row".
``docs/judge.md`` gives every column's meaning and a PyTorch loop that writes the log.
"""

import csv
import dataclasses
import json
import math
import pathlib
from collections.abc import Callable, Sequence

from gandiag.config import GENERATOR_COSTS
from gandiag.errors import GandiagError

# The file gandiag's own frozen-G experiments write beside their records.
LOG_NAME = "log.csv"
ITER = "iter"
GROUPING = ("run", "epoch", "seed")
PROJECTION_PREFIX = "proj_"


class LogError(GandiagError):
    """A log whose file, row or cell is not one the judge reads."""


def cost_column(cost: str) -> str:
    """The gradient-norm column of a generator cost: ``grad_minus_log_d`` for minus-log-d."""
    return "grad_" + cost.replace("-", "_")


def projection_column(cost: str, direction: int) -> str:
    """The column of G's gradient under ``cost`` projected on fixed direction ``direction``
    (1-based): ``proj_minus_log_d_1``."""
    return f"{PROJECTION_PREFIX}{cost.replace('-', '_')}_{direction}"


@dataclasses.dataclass(frozen=True)
class Kind:
    """What a column's cells may hold: a parser and the words that name what is allowed."""

    allowed: str
    parse: Callable[[str | float | int], float | int | str]


def _number(value) -> float:
    if isinstance(value, bool):
        raise ValueError
    return float(value)


def _non_negative(value) -> float:
    number = _number(value)
    if not number >= 0 or math.isinf(number):
        raise ValueError
    return number


def _finite(value) -> float:
    number = _number(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _fraction(value) -> float:
    number = _number(value)
    if not 0 <= number <= 1:
        raise ValueError
    return number


def _integer(value, minimum: int) -> int:
    number = _number(value)
    if not (math.isfinite(number) and number == int(number) and number >= minimum):
        raise ValueError
    return int(number)


def _label(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return str(int(value)) if isinstance(value, float) else str(value)


NORM = Kind("a finite number >= 0", _non_negative)
REAL = Kind("a finite number", _finite)
FRACTION = Kind("a number in [0, 1]", _fraction)
INDEX = Kind("an integer >= 0", lambda value: _integer(value, 0))
COUNT = Kind("an integer >= 1", lambda value: _integer(value, 1))
LABEL = Kind("a name or an integer", _label)

# Every column the judge reads, with what it holds; ``proj_<cost>_<k>`` columns are REAL.
COLUMNS: dict[str, Kind] = {
    ITER: INDEX, "run": LABEL, "epoch": INDEX, "seed": INDEX,
    **{cost_column(cost): NORM for cost in GENERATOR_COSTS},
    "heldout_accuracy": FRACTION, "heldout_n": COUNT,
    "heldout_error": NORM, "heldout_mixed_accuracy": FRACTION,
    "epsilon": NORM, "d_fake_max": FRACTION, "grad_x_d_max": NORM, "jacobian_norm": NORM,
    "grad_original_fixed_d": NORM,
    "d_fake": FRACTION, "train_accuracy": FRACTION, "train_error": NORM,
}


def kind_of(column: str) -> Kind | None:
    """The kind of a column the judge reads; None for a column it ignores."""
    if column in COLUMNS:
        return COLUMNS[column]
    cost, _, direction = column.removeprefix(PROJECTION_PREFIX).rpartition("_")
    if column.startswith(PROJECTION_PREFIX) and direction.isdigit() and int(direction) >= 1 \
            and cost_column(cost.replace("_", "-")) in COLUMNS:
        return REAL
    return None


@dataclasses.dataclass(frozen=True)
class Log:
    """One log file read and checked: its columns and its rows (``line``: where in the file)."""

    path: pathlib.Path
    columns: tuple[str, ...]
    ignored: tuple[str, ...]
    rows: list[dict]

    def where(self, row: dict, column: str | None = None) -> str:
        """``log.csv, line 7, column heldout_n``: the place an error names."""
        return f"{self.path}, line {row['line']}" + (f", column {column}" if column else "")


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and value.strip().lower() in ("nan", "na"))


def _cell(path: pathlib.Path, line: int, column: str, value):
    kind = kind_of(column)
    if kind is None or _blank(value):
        return None
    try:
        return kind.parse(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise LogError(f"{path}, line {line}, column {column}: {value!r} is not allowed; "
                       f"{column} holds {kind.allowed} (blank where not measured)") from None


def _csv_records(path: pathlib.Path, text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    records = []
    for record in reader:
        if None in record:
            raise LogError(f"{path}, line {reader.line_num}: {len(header) + len(record[None])} "
                           f"cells under a header of {len(header)} columns; give every row "
                           "the header's columns")
        records.append((reader.line_num, {name.strip(): value for name, value in record.items()}))
    return header, records


def _jsonl_records(path: pathlib.Path, text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    header, records = {}, []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as error:
            raise LogError(f"{path}, line {line}: not JSON ({error.msg}); a JSONL log holds "
                           "one JSON object per line") from None
        if not isinstance(record, dict):
            raise LogError(f"{path}, line {line}: a JSON {type(record).__name__}, not an "
                           "object; a JSONL log holds one object of columns per line")
        header.update(dict.fromkeys(record))
        records.append((line, record))
    return list(header), records


def read(path: pathlib.Path) -> Log:
    """Read and check one log (CSV, or JSONL for a ``.jsonl``/``.json`` suffix).

    Raises:
        LogError: naming the file, the line and the column, and what the column allows.
    """
    path = pathlib.Path(path)
    try:
        text = path.read_text().removeprefix("\ufeff")  # spreadsheets may start with a BOM
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not a UTF-8 text file"
        raise LogError(f"{path}: cannot read the log ({reason}); give a CSV or JSONL file "
                       "with one row per D update") from None
    reader = _jsonl_records if path.suffix in (".jsonl", ".json") else _csv_records
    header, records = reader(path, text)
    if ITER not in header:
        raise LogError(f"{path}: no {ITER!r} column (found: {', '.join(header) or 'none'}); "
                       "every row needs iter, the 1-based number of the D update")
    if not records:
        raise LogError(f"{path}: no rows; a log holds one row per D update")
    columns = tuple(column for column in header if kind_of(column) is not None)
    rows = [{"line": line, **{column: _cell(path, line, column, record.get(column))
                              for column in columns}} for line, record in records]
    log = Log(path, columns, tuple(c for c in header if c not in columns), rows)
    _check_rows(log)
    return log


def from_rows(path: pathlib.Path, rows: Sequence[dict]) -> Log:
    """A log of rows already typed (a gandiag probe's, from ``judge_units.log_rows``),
    checked as a file is; ``path`` names it in errors."""
    columns = tuple(dict.fromkeys(c for row in rows for c in row if kind_of(c) is not None))
    log = Log(pathlib.Path(path), columns, (),
              [{"line": line, **row} for line, row in enumerate(rows, 1)])
    _check_rows(log)
    return log


def _check_rows(log: Log) -> None:
    """Rows every unit can be judged from: iter set, held-out accuracy with its count."""
    for row in log.rows:
        if row[ITER] is None:
            raise LogError(f"{log.where(row, ITER)}: blank; every row needs iter, the 1-based "
                           "number of the D update (0 for a measurement before the first)")
        for present, needed in (("heldout_accuracy", "heldout_n"),
                                ("heldout_n", "heldout_accuracy")):
            if row.get(present) is not None and row.get(needed) is None:
                raise LogError(f"{log.where(row, needed)}: blank beside {present}; a held-out "
                               "evaluation gives both its accuracy and its number of examples")


def write(path: pathlib.Path, rows: Sequence[dict]) -> None:
    """Write rows as a CSV log (columns in the order first seen; floats in full precision)."""
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with open(path, "w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(row.get(column)) for column in columns] for row in rows)


def _text(value) -> str:
    """A cell as text: blank for None, floats by ``repr`` so that reading gives them back."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)
