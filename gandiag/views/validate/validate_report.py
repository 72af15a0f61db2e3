"""`gandiag validate`'s output: the claim x world table of verdict rates and coverage, a
figure of the same, VALIDATE.md beside them, and the console summary per claim."""

import pathlib
import time
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from gandiag.analysis import spec
from gandiag.analysis.evidence import Verdict
from gandiag.analysis.validate import suite
from gandiag.analysis.validate.suite import JUDGED, ClaimCalibration
from gandiag.analysis.validate.world import (
    COVERAGE_TARGET,
    FALSE_RATE_TARGET,
    MONTE_CARLO_ALLOWANCE,
    WRONG,
)
from gandiag.views import console, plots
from gandiag.views.claims_table import CONSOLE_STYLES
from gandiag.views.render import Figure, Heading, Table, Text, to_markdown

MARKDOWN, FIGURE = "VALIDATE.md", "validate.png"
COLUMNS = ["Claim", "World", "Truth", *[str(v) for v in JUDGED], "False S", "False C",
           "Coverage", "Targets"]
COLOURS = {"SUPPORTED": "#2e7d32", "CONTRADICTED": "#c62828", "INCONCLUSIVE": "#f9a825",
           "PREMISE NOT MET": "#8e24aa"}


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def world_rows(results: Sequence[ClaimCalibration]) -> list[list[str]]:
    """One row per world: verdict rates, the wrong ones, coverage, whether targets are met."""
    return [[result.claim, c.world.name, c.world.truth,
             *[_percent(c.rates[v]) for v in JUDGED], _percent(c.false_supported),
             _percent(c.false_contradicted), _percent(c.coverage),
             "met" if c.meets_targets else "MISSED"]
            for result in results for c in result.calibrations]


def claim_rows(results: Sequence[ClaimCalibration]) -> list[list[str]]:
    """One row per claim: worst error rates, coverage range, verdicts reached, status."""
    rows = []
    for result in results:
        low_high = result.coverage
        coverage = "-" if low_high is None else f"{low_high[0]:.0%}-{low_high[1]:.0%}"
        unreached = [str(v) for v in JUDGED if v not in result.reached]
        rows.append([result.claim, _percent(result.false_supported),
                     _percent(result.false_contradicted), coverage,
                     ", ".join(map(str, result.reached)),
                     ", ".join(unreached) or "-",
                     result.status + (f" ({result.reason})" if result.reason else "")])
    return rows


def figure(results: Sequence[ClaimCalibration], path: pathlib.Path) -> None:
    """Stacked verdict rates per world, grouped by claim; wrong verdicts hatched."""
    calibrations = [c for result in results for c in result.calibrations]
    labels = [f"{c.world.claim}: {c.world.name} [{c.world.truth}]" for c in calibrations]
    fig, axes = plt.subplots(figsize=(9, 0.22 * len(labels) + 1.2))
    left = np.zeros(len(labels))
    for verdict in JUDGED:
        widths = np.array([c.rates[verdict] for c in calibrations])
        wrong = [verdict in WRONG[c.world.truth] for c in calibrations]
        bars = axes.barh(labels, widths, left=left, color=COLOURS[str(verdict)])
        for bar, is_wrong in zip(bars, wrong):
            if is_wrong:
                bar.set_hatch("///")
        left += widths
    axes.axvline(FALSE_RATE_TARGET, color="black", lw=0.6, ls=":")
    axes.invert_yaxis()
    axes.set_xlabel("share of simulated draws (hatched: a wrong verdict in this world)")
    axes.tick_params(axis="y", labelsize=6)
    axes.legend(handles=[Patch(color=COLOURS[str(v)], label=str(v)) for v in JUDGED],
                fontsize=6, loc="lower right")
    axes.set_title(f"Verdict rates in simulated worlds (spec {spec.SPEC_VERSION})", fontsize=8)
    plots.save(fig, path)


def write(results: Sequence[ClaimCalibration], output: pathlib.Path, repeats: int,
          seconds: float) -> pathlib.Path:
    """VALIDATE.md and validate.png in ``output``; returns the markdown's path."""
    output.mkdir(parents=True, exist_ok=True)
    figure(results, output / FIGURE)
    error = suite.monte_carlo_error(FALSE_RATE_TARGET, repeats)
    low, high = COVERAGE_TARGET
    blocks = [
        Heading("gandiag validate: the judge's error rates in simulated worlds", 1),
        Text(f"Claims spec version {spec.SPEC_VERSION}. {repeats} draws per world, "
             f"{seconds:.0f} s. Targets: false SUPPORTED and false CONTRADICTED at most "
             f"{FALSE_RATE_TARGET:.0%} in every world, coverage of the 90% interval within "
             f"{low:.0%}-{high:.0%}; a world misses a target only when it lies beyond by more "
             f"than {MONTE_CARLO_ALLOWANCE:g} Monte-Carlo standard errors ({error:.1%} on a 5% "
             f"rate, {suite.monte_carlo_error(0.9, repeats):.1%} on a 90% coverage)."),
        Heading("Per claim"),
        Table(["Claim", "Worst false S", "Worst false C", "Coverage", "Verdicts reached",
               "Never reached", "Status"], claim_rows(results)),
        Heading("Per world"), Table(COLUMNS, world_rows(results)),
        Figure(output / FIGURE, "Verdict rates per world"),
    ]
    path = output / MARKDOWN
    path.write_text(to_markdown(blocks, output))
    return path


def show(results: Sequence[ClaimCalibration]) -> None:
    """The per-claim summary on the console."""
    rows = [[row[0], row[1], row[2], row[3],
             f"[{CONSOLE_STYLES[_style(row[6])]}]{row[6]}[/]"] for row in claim_rows(results)]
    console.show(console.table("validate", ["claim", "false S", "false C", "coverage",
                                            "status"], rows))


def _style(status: str) -> Verdict:
    """Colour a kept claim as SUPPORTED is coloured, a demoted one as INCONCLUSIVE."""
    return Verdict.SUPPORTED if status.startswith("verdict") else Verdict.INCONCLUSIVE


def run(output: pathlib.Path, repeats: int, claims: Sequence[str] | None,
        write_rates: bool, quiet: bool = False) -> pathlib.Path:
    """Calibrate, write the table and figure, optionally the rates file; returns VALIDATE.md."""
    started = time.perf_counter()
    results = suite.run(repeats, claims=claims)
    seconds = time.perf_counter() - started
    path = write(results, output, repeats, seconds)
    if write_rates:
        suite.write_rates(results, repeats)
    if not quiet:
        show(results)
    return path
