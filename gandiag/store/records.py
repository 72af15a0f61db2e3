"""The JSON and JSONL files of a run: one reader with one error policy, atomic writers.

``metrics.jsonl`` (and each experiment's ``curves.jsonl``) is the record: one JSON
object per logged step. Tables, progress bars and figures are views built from it.

The error policy, for every reader: a missing file is ``None`` (or no records), the
normal state of an experiment not yet run; a file that exists but cannot be read or
parsed is a ``GandiagError`` naming it, because whole files are written atomically
(a temporary file renamed into place), so a damaged one is news the user must hear.
"""

import json
import os
import pathlib
import sys
from collections.abc import Iterable

from gandiag.errors import GandiagError
from gandiag.versions import software_versions

VERSIONS_KEY = "versions"


def _unreadable(path: pathlib.Path, reason: object) -> GandiagError:
    return GandiagError(f"cannot read {path} ({reason}); rerun the command that wrote it, or "
                        "leave that run out")


def read_json(path: pathlib.Path) -> dict | None:
    """A JSON file's value; None if it does not exist."""
    path = pathlib.Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _unreadable(path, error) from None


def read_jsonl(path: pathlib.Path) -> list[dict]:
    """Every record of a JSONL file ([] if it does not exist).

    A last line cut short (no newline, not JSON: the process was killed while appending
    it) is dropped with a warning on stderr; the run resumes from before it. Damage
    anywhere else is an error.
    """
    path = pathlib.Path(path)
    try:
        lines = path.read_text().split("\n")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise _unreadable(path, error) from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number < len(lines):  # a complete line: real damage
                raise _unreadable(path, f"line {number}: {error}") from None
            sys.stderr.write(f"warning: {path} ends in a line cut short ({len(line)} "
                             "characters, an interrupted write); ignoring it\n")
    return records


def _write_atomically(path: pathlib.Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = pathlib.Path(path)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        staging.write_text(text)
        os.replace(staging, path)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise GandiagError(f"cannot write {path}: {error.strerror}; free some disk space or "
                           "choose a writable run dir") from None


def write_json(path: pathlib.Path, value) -> None:
    """Write ``value`` as indented JSON, atomically."""
    _write_atomically(path, json.dumps(value, indent=2) + "\n")


def write_config(path: pathlib.Path, values: dict) -> None:
    """Write an experiment's resolved settings as config.json, stamped with the software
    versions that computed it (``gandiag.versions``; readers of the settings ignore them)."""
    write_json(path, {**values, VERSIONS_KEY: software_versions()})


def write_jsonl(path: pathlib.Path, records: Iterable[dict]) -> None:
    """Replace ``path`` with one JSON line per record, atomically."""
    _write_atomically(path, "".join(json.dumps(record) + "\n" for record in records))


class JsonlWriter:
    """Appends records to a JSONL file, one flushed line each."""

    def __init__(self, path: pathlib.Path, keep_until_step: int | None = None):
        """Open ``path`` for appending; with ``keep_until_step``, first drop later records.

        A resumed run continues from its last checkpoint, so anything logged after that
        step by the interrupted run is dropped and logged again.
        """
        self.path = pathlib.Path(path)
        if keep_until_step is not None:
            write_jsonl(self.path, [r for r in read_jsonl(self.path)
                                    if r["step"] <= keep_until_step])
        try:
            self._file = self.path.open("a")
        except OSError as error:
            raise GandiagError(f"cannot write {self.path}: {error.strerror}; make the run "
                               "dir writable or choose another") from None

    def write(self, records: Iterable[dict]) -> None:
        try:
            for record in records:
                self._file.write(json.dumps(record) + "\n")
            self._file.flush()
        except OSError as error:
            raise GandiagError(f"cannot append to {self.path}: {error.strerror}; the records "
                               "and checkpoints saved before are intact: free some disk space "
                               "and rerun with --resume") from None

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as error:
            raise GandiagError(f"cannot finish {self.path}: {error.strerror}; free some disk "
                               "space and rerun with --resume") from None
