"""The claims table: each claim's effect with its 90% interval, threshold, premise, verdict."""

from collections.abc import Sequence

from gandiag.analysis.evidence import ClaimResult, Verdict
from gandiag.analysis.spec import SPEC_VERSION
from gandiag.views import console
from gandiag.views.render import Heading, Table, Text

COLUMNS = ["Claim", "Paper", "Measured: effect [90% interval]", "Judged by", "Premise",
           "Verdict"]
CONSOLE_STYLES = {Verdict.SUPPORTED: "green", Verdict.CONTRADICTED: "red",
                  Verdict.INCONCLUSIVE: "yellow", Verdict.PREMISE_NOT_MET: "magenta",
                  Verdict.NOT_RUN: "dim"}

READING = ("Each row: the paper's statement and number; the effect measured here with its 90% "
           "interval (a hierarchical bootstrap over G runs and D seeds when there are several, "
           "else the interval within one curve); the statistic and the threshold its interval "
           "is judged against; the theorem's premise as measured. SUPPORTED: the interval "
           "clears the threshold; CONTRADICTED: it lies on the other side; INCONCLUSIVE: it "
           "straddles the threshold (or the test cannot fail here); PREMISE NOT MET: the "
           "assumption is measurably false, so the result says nothing against the paper. "
           "A claim made of several checkpoints is CONTRADICTED by one clear counterexample and "
           "SUPPORTED only when every part is.")


def premise_text(result: ClaimResult) -> str:
    if result.premise is None:
        return result.spec.premise or "-"
    state = {True: "met", False: "NOT met", None: "not measured"}[result.premise.holds]
    return f"{state}: {result.premise.measured or result.premise.statement}"


def interval_method(result: ClaimResult) -> str:
    """How the row's intervals were made (that of its first effect with one)."""
    return next((f"; interval: {effect.interval.method}" for effect in result.effects
                 if effect.interval is not None and effect.interval.method), "")


def rows(results: Sequence[ClaimResult]) -> list[list[str]]:
    return [[r.spec.name, f"{r.spec.paper} ({r.spec.paper_number})", r.measured,
             f"{r.spec.statistic}; {r.spec.criterion}{interval_method(r)}", premise_text(r),
             str(r.verdict)] for r in results]


def section(results: Sequence[ClaimResult], runs: int, heading: str = "Claims",
            software: str = "") -> list:
    """The report's claims table, with the spec's version, the software versions behind the
    numbers (``software``), and how to read it."""
    return [Heading(heading),
            Text(f"Claims spec version {SPEC_VERSION} (thresholds and their reasons: "
                 f"`gandiag/analysis/spec.py`); {runs} G run(s)."
                 + (f" {software}" if software else "")),
            Table(COLUMNS, rows(results)), Text(READING)]


def show(results: Sequence[ClaimResult], title: str) -> None:
    """The claims on the console: claim, effect, verdict."""
    table_rows = [[r.spec.name, r.measured,
                   f"[{CONSOLE_STYLES[r.verdict]}]{r.verdict}[/]"] for r in results]
    console.show(console.table(title, ["claim", "effect [90% interval]", "verdict"], table_rows))
