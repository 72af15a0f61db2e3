"""What the frozen-G experiments record: the curves, held-out evaluations and premises of
every D, the files they are written to, and the judge's rows read back from them."""

import dataclasses

from gandiag.analysis.judge import judge_log, judge_units
from gandiag.store import layout, records
from gandiag.store.schema import CheckpointSummary
from gandiag.store.tensorboard import write_probe_events


@dataclasses.dataclass
class Records:
    """What the probe loop keeps: curves, held-out evaluations and premises, by stream."""

    curves: list[dict] = dataclasses.field(default_factory=list)
    evaluations: list[dict] = dataclasses.field(default_factory=list)
    premises: list[dict] = dataclasses.field(default_factory=list)


def write_records(output: layout.ExperimentDir, found: Records) -> None:
    """curves.jsonl, heldout.jsonl and premises.jsonl of an experiment, and the noise-free
    records as the log that `gandiag judge` reads (log.csv)."""
    records.write_jsonl(output.curves, found.curves)
    records.write_jsonl(output.heldout, found.evaluations)
    records.write_jsonl(output.premises, found.premises)
    write_probe_events(output.path, found)
    rows = log_rows(found)
    if rows:
        judge_log.write(output.path / judge_log.LOG_NAME, rows)


def log_rows(found: Records, sigma: float = 0.0) -> list[dict]:
    """The records of one noise level as the judge's log rows."""
    return judge_units.log_rows(found.curves, found.evaluations, found.premises, sigma)


def checkpoint_summaries(found: Records, sigma: float = 0.0) -> dict[int, CheckpointSummary]:
    """{epoch: every D seed's summary} at one noise level, read from the log rows exactly as
    `gandiag judge` reads the log, so a report and the judge give the same rows."""
    units = judge_units.group([judge_log.from_rows(judge_log.LOG_NAME, log_rows(found, sigma))])
    return next((judge_units.checkpoint_summaries(run) for run in units.values()), {})
