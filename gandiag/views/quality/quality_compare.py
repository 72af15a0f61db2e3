"""`gandiag compare`'s quality part: each setting's quality with seed intervals, the
mode-dropping row, quality_comparison.json and quality_comparison.png."""

import dataclasses
import pathlib

import matplotlib.pyplot as plt

from gandiag.analysis.evidence import ClaimResult
from gandiag.analysis.quality import mode_learners, quality_claims
from gandiag.store import records
from gandiag.store.quality_schema import FCD_NOTE
from gandiag.views import claims_table, console
from gandiag.views.plots import save
from gandiag.views.render import Figure, Heading, Table, Text

QUALITY_JSON = "quality_comparison.json"
QUALITY_FIGURE = "quality_comparison.png"
PANELS = (("fcd", "FCD (classifier features, not FID)"), ("recall", "k-NN recall"),
          ("classes_covered", "classes covered"), ("swd", "SWD x1e3"),
          ("modes_covered", "modes covered (2-D toy)"))
COLUMNS = ("setting", "cost", "seeds", "epoch", "FCD", "precision", "recall",
           "classes covered", "class KL", "modes covered")


def _cell(interval) -> str:
    return "-" if interval is None else str(interval)


def table_rows(entries: list[dict]) -> list[list]:
    rows = []
    for entry in entries:
        for epoch, numbers in entry["epochs"].items():
            rows.append([entry["label"], entry["setting"], ",".join(map(str, entry["seeds"])),
                         epoch, *[_cell(numbers.get(name)) for name in (
                             "fcd", "precision", "recall", "classes_covered", "class_kl",
                             "modes_covered")]])
    return rows


def claim_line(result: ClaimResult) -> str:
    return f"{result.spec.name}: {result.verdict} ({result.measured}; {result.spec.criterion})"


def _figure(entries: list[dict], path: pathlib.Path) -> None:
    panels = [(name, label) for name, label in PANELS
              if any(name in numbers for entry in entries for numbers in entry["epochs"].values())]
    figure, axes = plt.subplots(1, max(1, len(panels)), figsize=(5 * max(1, len(panels)), 4),
                                squeeze=False)
    for panel, (name, label) in zip(axes[0], panels):
        for index, entry in enumerate(entries):
            points = [(epoch, numbers[name]) for epoch, numbers in entry["epochs"].items()
                      if name in numbers]
            if not points:
                continue
            epochs = [epoch for epoch, _ in points]
            panel.plot(epochs, [i.estimate for _, i in points], marker="o", color=f"C{index}",
                       label=f"{entry['cost']} ({len(entry['seeds'])} seeds)")
            panel.fill_between(epochs, [i.low for _, i in points], [i.high for _, i in points],
                               color=f"C{index}", alpha=0.2)
        panel.set(xlabel="epoch", ylabel=label)
        panel.legend(fontsize=8)
    save(figure, path, dpi=100)


def blocks(entries: list[dict], claims: list[ClaimResult], output: pathlib.Path) -> list:
    """The comparison's quality section for the compare report: the table, the figure, and
    the mode-dropping rows as the claims table shows them."""
    runs = sum(len(entry["seeds"]) for entry in entries)
    return [Heading("Sample quality across settings (mean over seeds, 90% t interval)"),
            Table(list(COLUMNS), table_rows(entries)),
            Figure(output / QUALITY_FIGURE, "quality against epochs, per setting"),
            Text(FCD_NOTE),
            *claims_table.section(claims, runs, heading="Mode dropping (Theorem 2.5)")]


def write(paths: list[pathlib.Path], configs: list[dict], output: pathlib.Path,
          quiet: bool) -> tuple[dict, list] | None:
    """Write the quality comparison of runs that `gandiag quality` measured; returns it and
    its report blocks (None if no run was measured)."""
    entries = quality_claims.settings(paths, configs)
    if not entries:
        return None
    claim = quality_claims.mode_dropping_from(entries)
    learners = mode_learners.from_settings(quality_claims.by_setting(entries))
    result = {"note": FCD_NOTE, "settings": [
        {**entry, "epochs": {str(epoch): {name: dataclasses.asdict(interval)
                                          for name, interval in numbers.items()}
                             for epoch, numbers in entry["epochs"].items()}}
        for entry in entries],
        **{key: {"verdict": str(row.verdict), "measured": row.measured,
                 "criterion": row.spec.criterion, "rationale": row.spec.rationale}
           for key, row in (("mode_dropping", claim), ("mode_dropping_learners", learners))}}
    records.write_json(output / QUALITY_JSON, result)
    _figure(entries, output / QUALITY_FIGURE)
    if not quiet:
        console.show(console.table("quality (mean over seeds [90% t interval])", list(COLUMNS),
                                   table_rows(entries)))
        console.say(claim_line(claim))
        console.say(claim_line(learners))
        console.say(FCD_NOTE)
    return result, blocks(entries, [claim, learners], output)
