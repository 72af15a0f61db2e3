"""The commands that read results: report, compare and judge (claims on any framework's
logs), and validate (the judge's own error rates in simulated worlds)."""

import datetime
import pathlib

import typer

from gandiag.cli.options import Flag, Settings, with_flags
from gandiag.cli.run_options import QuietOption
from gandiag.config import VALIDATE_MIN_REPEATS, ValidateConfig
from gandiag.errors import GandiagError
from gandiag.store import runs


def report(
    run_dirs: list[pathlib.Path] | None = typer.Argument(
        None, help="A run or run set (default: the latest); with --grid, several"),
    grid: bool = typer.Option(False, help="One table and one figure of every claim's verdict "
                              "across the given runs (data sets x presets)"),
    output: pathlib.Path | None = typer.Option(None, help="--grid's folder; default: "
                                               "runs/grid-<time>"),
    quiet: bool = QuietOption,
):
    """REPORT.md and a self-contained report.html with every figure and the claims table."""
    run_dirs = list(run_dirs or [])
    if grid:
        from gandiag.views.report import grid as grids

        typer.echo(f"grid: {grids.run(run_dirs, output, quiet)}")
        return
    if len(run_dirs) > 1:
        raise GandiagError(f"report takes one run, got {len(run_dirs)}; pass --grid to set "
                           "several side by side")
    from gandiag.views.report import report as reporting

    typer.echo(f"report: {reporting.run(run_dirs[0] if run_dirs else None, quiet)}")


def judge(
    logs: list[pathlib.Path] = typer.Argument(
        ..., help="Probe logs (CSV, or JSONL for .jsonl): one row per D update; columns in "
        "docs/judge.md. A gandiag probe writes <run>/probe/log.csv"),
    json_output: bool = typer.Option(False, "--json", help="A JSON list of the claims instead "
                                     "of the table"),
):
    """The paper's Figure 1-3 and Theorem 2.6 claims judged on training logs of any framework."""
    from gandiag.analysis.judge import judge_claims
    from gandiag.views.judge import judge_view

    judged, logs_read = judge_claims.judge(logs)
    ignored = sorted({column for log in logs_read for column in log.ignored})
    if ignored:
        typer.echo(f"note: columns the judge does not read: {', '.join(ignored)}", err=True)
    if json_output:
        typer.echo(judge_view.to_json(judged))
    else:
        judge_view.show(judged, "claims")


def compare(
    run_dirs: list[pathlib.Path] = typer.Argument(..., help="Runs to compare"),
    output: pathlib.Path | None = typer.Option(None, help="Default: runs/compare-<time>"),
    quiet: bool = QuietOption,
):
    """Several runs side by side: a table and a figure of their summaries."""
    from gandiag.views.compare import compare as comparing

    comparing.run(list(run_dirs), output, quiet)


VALIDATE_FLAGS = [
    Flag("repeats", f"Simulated draws per world (at least {VALIDATE_MIN_REPEATS}); the default "
         "keeps the run under 5 minutes on 2 cores"),
    Flag("claims", "Only this claim (repeatable); default: every claim with worlds",
         name="claim"),
    Flag("write_spec_rates", "Also write each claim's measured false rates, keyed by the "
         "spec's hash, to the file every report reads them from"),
]


@with_flags(options=(VALIDATE_FLAGS, ValidateConfig()))
def validate(options: Settings,
             output: pathlib.Path | None = typer.Option(None, help="Default: "
                                                        "runs/validate-<time>"),
             quiet: bool = QuietOption):
    """The judge's own error rates: every claim judged in simulated worlds whose truth is
    known (VALIDATE.md and validate.png: verdict rates and interval coverage per world)."""
    from gandiag.analysis.validate import topics
    from gandiag.views.validate import validate_report

    config = options.apply(ValidateConfig())
    known = topics.claims()
    unknown = [name for name in config.claims if name not in known]
    if unknown:
        raise GandiagError(f"unknown --claim {', '.join(unknown)}; choose from: "
                           f"{', '.join(known)}")
    output = output or runs.runs_root() / datetime.datetime.now().strftime(
        "validate-%Y%m%d-%H%M%S")
    path = validate_report.run(output, config.repeats, config.claims or None,
                               config.write_spec_rates, quiet)
    typer.echo(f"validate: {path}")
