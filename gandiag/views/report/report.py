"""One report per run or run set: the claims table over every G run, then each run's sections.

The report is a list of blocks (headings, text, tables, figures) built from the runs'
records; ``gandiag.views.render`` writes them as REPORT.md and a self-contained
report.html.
"""

import pathlib

from gandiag.analysis.probe import probe_claims
from gandiag.errors import GandiagError
from gandiag.store import layout, records, runs
from gandiag.versions import describe, software_versions
from gandiag.views import claims_table
from gandiag.views.render import Figure, Heading, Text, to_html, to_markdown
from gandiag.views.report import sections
from gandiag.views.theory import theory_section


def software(members: list[pathlib.Path]) -> str:
    """Which software trained the runs (as their config.json records it) and judges them now."""
    trained = sorted({describe(versions) if isinstance(versions := runs.read_config(member)
                                                     .get(records.VERSIONS_KEY), dict)
                      else "not recorded" for member in members})
    return (f"Trained with {'; '.join(trained)}. Judged with {describe(software_versions())}.")


def build(members: list[pathlib.Path], report_dir: pathlib.Path, title: str) -> tuple[list, list]:
    """The report's blocks and its claim results, for the G runs ``members``."""
    results = probe_claims.evaluate(members)
    body = [*theory_section.section(report_dir.parent)]
    for member in members:
        run = layout.RunDir(member)
        body += [Heading(f"G run {run.path.name}" if len(members) > 1 else "The run"),
                 *sections.run_sections(run, runs.read_config(run.path), report_dir)]
    figures = frozenset(block.path.name for block in body if isinstance(block, Figure))
    blocks = [Heading(title, 1),
              *claims_table.linked_section(results, len(members), figures, software(members)),
              *body, *claims_table.spec_section(results)]
    if len(members) > 1:
        blocks.insert(3, Text("G runs: " + ", ".join(str(m) for m in members)))
    return blocks, results


def run(run_dir: pathlib.Path | None = None, quiet: bool = False) -> pathlib.Path:
    """Write ``<run>/report/REPORT.md`` and a self-contained ``report.html``.

    Args:
        run_dir: a `gandiag train` run or a run set (`gandiag paper --g-seeds N`); None for
            the latest.
        quiet: skip printing the claims table.

    Returns:
        The path of report.html.
    """
    root, members = runs.run_set(run_dir)
    report_dir = root / layout.REPORT
    title = f"gandiag report: {root}"
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        blocks, results = build(members, report_dir, title)
        (report_dir / layout.REPORT_MARKDOWN).write_text(to_markdown(blocks, report_dir))
        (report_dir / layout.REPORT_HTML).write_text(to_html(blocks, title))
    except OSError as error:
        raise GandiagError(f"cannot write the report in {report_dir}: {error.strerror}; "
                           "make the run dir writable or copy the run elsewhere") from None
    if not quiet:
        claims_table.show(results, f"claims: {root}")
    return report_dir / layout.REPORT_HTML
