"""The claims table: each claim's effect with its 90% interval, threshold, premise, verdict."""

from collections.abc import Sequence

from gandiag.analysis.evidence import ClaimResult, Verdict
from gandiag.analysis.spec import SPEC_VERSION
from gandiag.analysis.validate import suite
from gandiag.store import layout
from gandiag.views import console
from gandiag.views.render import Heading, Links, Table, Text, figure_anchor

COLUMNS = ["Claim", "Paper", "Measured: effect [90% interval]", "Judged by", "Premise",
           "Rests on; the judge's validated error rates", "Verdict"]
CONSOLE_STYLES = {Verdict.SUPPORTED: "green", Verdict.CONTRADICTED: "red",
                  Verdict.INCONCLUSIVE: "yellow", Verdict.PREMISE_NOT_MET: "magenta",
                  Verdict.NOT_RUN: "dim"}

# The figure that shows each claim's measurement, linked from its row of the report.
CLAIM_FIGURES = {
    "figure1": layout.FIGURE1, "figure2": layout.COST_FIGURES["original"],
    "figure3-growth": layout.COST_FIGURES["minus-log-d"],
    "figure3-jitter": layout.COST_FIGURES["minus-log-d"],
    "theorem26": layout.COST_FIGURES["minus-log-d"], "noise": layout.NOISE_GRADIENTS,
    "wasserstein": layout.NOISE_ACCURACY, "mode-dropping": layout.QUALITY_FIGURE,
    "mode-dropping-learners": layout.QUALITY_FIGURE,
    "figure3-caption": layout.QUALITY_FIGURE,
}
SEE = "See"

READING = ("Each row: the paper's statement and number; the effect measured here with its 90% "
           "interval (a t interval over G runs, or over D seeds of one G run, when there are "
           "several units, else the interval within one curve); the statistic and the "
           "threshold its interval is judged against; the theorem's premise as measured. "
           "SUPPORTED: the interval clears the threshold; CONTRADICTED: it lies on the other "
           "side; INCONCLUSIVE: it straddles the threshold (or the test cannot fail here); "
           "PREMISE NOT MET: the assumption is measurably false, so the result says nothing "
           "for or against the paper, whichever way the effect went. Beside each verdict: "
           "the units it rests on and the judge's worst false SUPPORTED and false "
           "CONTRADICTED rates in simulated worlds (`gandiag validate`). "
           "A claim made of several checkpoints is CONTRADICTED by one clear counterexample and "
           "SUPPORTED only when every part is.")


def premise_text(result: ClaimResult) -> str:
    """The premise column: its state (``Premise.state``) and what was measured."""
    if result.premise is None:
        return result.spec.premise or "-"
    return f"{result.premise.state}: {result.premise.measured or result.premise.statement}"


def interval_method(result: ClaimResult) -> str:
    """How the row's intervals were made (that of its first effect with one)."""
    return next((f"; interval: {effect.interval.method}" for effect in result.effects
                 if effect.interval is not None and effect.interval.method), "")


def validation_text(result: ClaimResult, rates: dict[str, dict]) -> str:
    """The units a verdict rests on and the judge's validated error rates, for beside it."""
    units = f"{result.units}; " if result.units is not None else ""
    return units + suite.rates_text(result.spec.key, rates)


def rows(results: Sequence[ClaimResult]) -> list[list[str]]:
    rates = suite.read_rates()
    return [[r.spec.name, f"{r.spec.paper} ({r.spec.paper_number})", r.measured,
             f"{r.spec.statistic}; {r.spec.criterion}{interval_method(r)}", premise_text(r),
             validation_text(r, rates), str(r.verdict)] for r in results]


def links(result: ClaimResult, figures: frozenset[str]) -> Links:
    """The row's figure (when the report has it), spec entry and premise."""
    figure = CLAIM_FIGURES.get(result.spec.key)
    shown = (("figure", figure_anchor(figure)),) if figure in figures else ()
    return Links((*shown, ("spec", f"spec-{result.spec.key}"),
                  ("premise", f"premise-{result.spec.key}")))


def linked_section(results: Sequence[ClaimResult], runs: int, figures: frozenset[str],
                   software: str = "") -> list:
    """The report's claims table, each row linking to its figure (of ``figures``, the
    report's figure file names), its spec entry and its premise (``spec_section``); with
    the software versions behind the numbers (``software``)."""
    table = [[*row[:-1], links(result, figures), row[-1]]
             for row, result in zip(rows(results), results, strict=True)]
    return [Heading("Claims"), _version(runs, software),
            Table([*COLUMNS[:-1], SEE, COLUMNS[-1]], table), Text(READING)]


def spec_section(results: Sequence[ClaimResult]) -> list:
    """Each claim's spec entry (statistic, threshold, reason) and its premise, as targets
    of the claims table's links."""
    blocks = [Heading("Claims spec"), Text(f"Version {SPEC_VERSION}, from "
                                           "`gandiag/analysis/spec.py`.")]
    for result in results:
        spec = result.spec
        blocks += [Heading(spec.name, 3, anchor=f"spec-{spec.key}", toc=False),
                   Text(f"Paper: {spec.paper} ({spec.paper_number}). Measured: {spec.statistic}; "
                        f"{spec.criterion}. Why this threshold: {spec.rationale}"),
                   Heading(f"Premise: {spec.name}", 4, anchor=f"premise-{spec.key}", toc=False),
                   Text(f"{spec.premise or 'none'}"
                        f"{' (gates both directions)' if spec.premise else ''}. "
                        f"On this run: {premise_text(result)}.")]
    return blocks


def _version(runs: int, software: str = "") -> Text:
    return Text(f"Claims spec version {SPEC_VERSION} (thresholds and their reasons: "
                f"`gandiag/analysis/spec.py`); {runs} G run(s)."
                + (f" {software}" if software else ""))


def section(results: Sequence[ClaimResult], runs: int, heading: str = "Claims",
            software: str = "") -> list:
    """A claims table, with the spec's version, the software versions behind the numbers
    (``software``), and how to read it."""
    return [Heading(heading), _version(runs, software), Table(COLUMNS, rows(results)),
            Text(READING)]


def show(results: Sequence[ClaimResult], title: str) -> None:
    """The claims on the console: claim, effect, verdict."""
    table_rows = [[r.spec.name, r.measured,
                   f"[{CONSOLE_STYLES[r.verdict]}]{r.verdict}[/]"] for r in results]
    console.show(console.table(title, ["claim", "effect [90% interval]", "verdict"], table_rows))
