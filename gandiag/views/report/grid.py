"""`gandiag report --grid RUN...`: every claim's verdict across runs in one table and figure,
so that no preset or data set is read alone."""

import datetime
import pathlib
from collections.abc import Sequence

from gandiag.analysis.evidence import ClaimResult
from gandiag.analysis.probe import probe_claims
from gandiag.analysis.spec import SPEC_VERSION
from gandiag.errors import GandiagError
from gandiag.store import runs
from gandiag.views import console, plots
from gandiag.views.claims_table import CONSOLE_STYLES
from gandiag.views.render import Figure, Heading, Table, Text, to_html, to_markdown

GRID_MARKDOWN = "GRID.md"
GRID_HTML = "grid.html"
GRID_FIGURE = "grid.png"


def label(root: pathlib.Path, members: Sequence[pathlib.Path]) -> str:
    """'mnist 32 (paper-cpu, 3 G runs)': the data set, image size, folder and G runs."""
    config = runs.read_config(members[0])
    data = config.get("data", {})
    size = data.get("image_size") or ""
    return (f"{data.get('dataset', '?')} {size} ({root.name}, {len(members)} G "
            f"run{'s' if len(members) > 1 else ''})").replace("  ", " ")


def cell(result: ClaimResult) -> str:
    """A verdict with its effects' estimates, short."""
    estimates = ", ".join(f"{effect.interval.estimate:.3g}" for effect in result.effects
                          if effect.interval is not None)
    return f"{result.verdict}" + (f" ({estimates})" if estimates else "")


def run(run_dirs: Sequence[pathlib.Path], output: pathlib.Path | None = None,
        quiet: bool = False) -> pathlib.Path:
    """Write GRID.md, grid.html and grid.png for the runs (or run sets); returns grid.html."""
    if len(run_dirs) < 1:
        raise GandiagError("report --grid needs at least one run or run set")
    sets = [runs.run_set(run_dir) for run_dir in run_dirs]
    labels = [label(root, members) for root, members in sets]
    results = [probe_claims.evaluate(members) for _, members in sets]
    names = [result.spec.name for result in results[0]]
    table = Table(["Claim", *labels],
                  [[name, *[cell(column[row]) for column in results]]
                   for row, name in enumerate(names)])
    output = pathlib.Path(output or runs.runs_root() / datetime.datetime.now().strftime(
        "grid-%Y%m%d-%H%M%S"))
    runs.make_dir(output, "--output")
    figure = output / GRID_FIGURE
    plots.verdict_grid(names, labels, [[r.verdict for r in column] for column in results],
                       figure)
    title = f"gandiag claims grid ({len(labels)} runs)"
    blocks = [Heading(title, 1),
              Text(f"Claims spec version {SPEC_VERSION}; each cell is the verdict and the "
                   "estimate of each part (checkpoint or noise level); every run's own "
                   f"report has the intervals. Runs: {'; '.join(str(r) for r, _ in sets)}."),
              table, Figure(figure, "verdicts across runs")]
    (output / GRID_MARKDOWN).write_text(to_markdown(blocks, output))
    (output / GRID_HTML).write_text(to_html(blocks, title))
    if not quiet:
        console.show(console.table(title, ["claim", *labels], [
            [name, *[f"[{CONSOLE_STYLES[column[row].verdict]}]{column[row].verdict}[/]"
                     for column in results]] for row, name in enumerate(names)]))
    return output / GRID_HTML
