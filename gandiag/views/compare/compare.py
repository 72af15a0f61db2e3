"""`gandiag compare`: write a comparison of runs as comparison.json, a figure, a table and
REPORT.md/report.html (the comparison, and sample quality with the mode-dropping row)."""

import datetime
import pathlib

from gandiag.analysis.compare.comparison import compare_runs, table_rows
from gandiag.store import layout, records, runs
from gandiag.views import console, plots
from gandiag.views.quality import quality_compare
from gandiag.views.render import Figure, Heading, Table, to_html, to_markdown


def run(run_dirs: list[pathlib.Path], output: pathlib.Path | None = None,
        quiet: bool = False) -> dict:
    """Compare runs; write comparison.json and comparison.png and print a table.

    Args:
        run_dirs: `gandiag train` runs, each labelled by its folder's name.
        output: the folder to write; default ``<runs root>/compare-<time>``.
        quiet: print nothing.

    Returns:
        The comparison, as written to comparison.json (see ``compare_runs``).
    """
    paths = [runs.resolve_run_dir(run_dir) for run_dir in run_dirs]
    configs = [runs.read_train_config(path) for path in paths]
    comparison = compare_runs(paths, configs)
    output = pathlib.Path(output or runs.runs_root() / datetime.datetime.now().strftime(
        "compare-%Y%m%d-%H%M%S"))
    runs.make_dir(output, "--output")
    records.write_json(output / layout.COMPARISON_JSON, comparison)
    plots.comparison(comparison, output / layout.COMPARISON_FIGURE)
    console.say(f"compare: wrote {output / layout.COMPARISON_JSON} and "
                f"{layout.COMPARISON_FIGURE}", quiet)
    if not quiet:
        console.show(console.table(f"compare: {len(comparison['runs'])} runs",
                                   *table_rows(comparison)))
    quality = quality_compare.write(paths, configs, output, quiet)
    title = f"gandiag compare: {len(paths)} runs"
    report = [Heading(title, 1), Table(*table_rows(comparison)),
              Figure(output / layout.COMPARISON_FIGURE, "the runs compared"),
              *(quality[1] if quality else [])]
    (output / layout.REPORT_MARKDOWN).write_text(to_markdown(report, output))
    (output / layout.REPORT_HTML).write_text(to_html(report, title))
    return comparison
