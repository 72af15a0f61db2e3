"""The report's Ablations section and `gandiag ablate`'s console tables.

Read from ``<run>/ablate/<study>/``: the study's variants in order (study.json), each
variant's summary.json and endpoints.jsonl.
"""

from gandiag.analysis.ablate import length_rule, registry, study_verdicts
from gandiag.store import layout, records
from gandiag.store.schema import FrozenSummary, read_summary
from gandiag.views.ablate.concentration_plots import FIGURE as WORST_FAKES_FIGURE
from gandiag.views.render import Figure, Heading, Table, Text

# The columns every study shows, then those a study adds: (header, metric).
COMMON_COLUMNS = (("in-batch CE end", "in_batch_error"),
                  ("held-out CE end", "held_out_error"), ("held-out acc end", "held_out_accuracy"),
                  ("mixed-batch acc end", "mixed_accuracy"),
                  ("updates to 0.99 held-out", "iters_to_099"),
                  ("original decay (orders)", "decay_original"),
                  ("-log D growth (orders)", "growth_minus_log_d"))
READING = (
    "Each study varies one factor of the frozen-G probe and keeps the rest at its baseline "
    "(BatchNorm on separate real and fake batches, every real image, raw pixels). Cells: mean "
    "over D seeds [lowest, highest seed]. Held-out numbers use D's running statistics on "
    "held-out reals and fresh fakes; decay = log10 of G's original-cost gradient norm, first "
    "10 iterations over the last eighth (positive: it vanishes); -log D growth the same for "
    "the -log D cost, sign flipped. 'updates to 0.99' is the median over the seeds that "
    "reached it (k/n reached). eval-mode: D normalises with running statistics that joint "
    "batches update; cleaned inputs: fakes snapped below -0.98 to -1 and quantised to 8 bits, "
    "reals dequantised by +-1/255. The verdict follows the spec's rule: an effect counts when "
    "a variant's seed range and the baseline's do not overlap and their means lie further "
    "apart than the wider range. Projected fakes (upsampled data sets, the digits): fakes "
    "mapped to their nearest point in the span of the 8x8 images upsampled to the run's size, "
    "where every real lies; reals unchanged. Concentration: from each final D's per-sample "
    "held-out cross-entropy, the share its worst 1% of fakes (of reals) carry, beside the "
    "share an even spread gives, and those samples' L2 distance (pixels) to their nearest "
    "real image among those D trained on, beside the median over all evaluated samples; "
    "figures worst_fakes_epoch<N>.png in ablate/concentration/separate. length-optimiser: "
    "D's optimiser at the study's own length; the "
    "slope is that of log10 held-out CE against updates over the run's last half, judged by "
    "the spec's threshold (keeps falling: time-limited; plateau: structural). resolution: "
    "the same data at each image side, a G trained at each other side from the run's own "
    "config (ablate/resolution/train-<size>/), the run's own side the baseline.")


def _reached(cell: study_verdicts.Cell) -> str:
    spread = cell.metrics["iters_to_099"]
    total = cell.metrics["held_out_error"].seeds
    return "-" if not spread.seeds else f"{spread.mean:.0f} ({cell.reached}/{total} reached)"


def study_cells(run: layout.RunDir, study: str) -> tuple[str, list[study_verdicts.Cell]]:
    """The study's baseline and a cell per (variant, epoch) that has run, variants in order."""
    description = records.read_json(run.ablation_study(study) / layout.STUDY) or {}
    cells = []
    for variant in description.get("variants", []):
        output = run.ablation(study, variant)
        if not output.summary.is_file():
            continue
        summary = read_summary(output.summary, FrozenSummary)
        endpoints = records.read_jsonl(output.path / layout.ENDPOINTS)
        length = registry.study(study).reads_evaluations
        evaluations = records.read_jsonl(output.heldout) if length else []
        cells += [study_verdicts.cell(variant, epoch, {
            **study_verdicts.seed_values(summary, endpoints, epoch),
            **(length_rule.seed_values(evaluations, epoch, summary.iters) if length else {})})
            for epoch in sorted(summary.checkpoints)]
    return description.get("baseline", ""), cells


def study_table(run: layout.RunDir, study: str):
    """(title, (columns, rows), verdict) of one study."""
    return _table(run, study, *study_cells(run, study))


def _table(run: layout.RunDir, study: str, baseline: str, cells: list[study_verdicts.Cell]):
    entry = registry.study(study)
    columns = (*COMMON_COLUMNS, *entry.columns)
    rows = [[c.variant, c.epoch, *(_reached(c) if metric == "iters_to_099"
                                   else c.metrics[metric].text() for _, metric in columns)]
            for c in cells]
    header = ["variant", "epoch", *(name for name, _ in columns)]
    return f"ablate {study}: {run.path}", (header, rows), entry.judge(study, baseline, cells)


def section(run: layout.RunDir) -> list:
    """The Ablations section: per study its table and its verdict (nothing if none ran)."""
    studies = [study for study in registry.STUDIES
               if (run.ablation_study(study.name) / layout.STUDY).is_file()]
    if not studies:
        return []
    blocks, verdicts, length, shared = [], {}, None, []
    for entry in studies:
        study = entry.name
        baseline, cells = study_cells(run, study)
        _, (columns, rows), verdict = _table(run, study, baseline, cells)
        if not shared and entry.shares_baseline:
            # The shared baseline (separate-batch BatchNorm, every real, raw pixels) from the
            # first study that ran it at the probe's own length and on the run's own Gs.
            shared = [c for c in cells if c.variant == baseline]
        if entry.role == "length":
            length = verdict
        elif entry.role == "factor":
            verdicts[study] = verdict
        blocks += [Heading(study, 3), Table(columns, rows), Text(verdict.sentence)]
        blocks += [Figure(path, f"{study}: epoch {epoch}'s worst fakes, nearest training reals")
                   for epoch, path in _worst_fake_figures(run, study, {row[1] for row in rows})]
    answer = study_verdicts.decay_answer(shared, verdicts, length)
    return [Heading("Ablations"), Text(READING), Heading("Why the gradient vanishes (or not)", 3),
            Text(answer), *blocks]


def _worst_fake_figures(run: layout.RunDir, study: str, epochs: set[int]) -> list:
    """(epoch, path) of each worst-fakes figure the study's baseline drew (concentration)."""
    baseline = (records.read_json(run.ablation_study(study) / layout.STUDY) or {}).get("baseline")
    if not baseline:
        return []
    paths = {epoch: run.ablation(study, baseline).path / WORST_FAKES_FIGURE.format(epoch=epoch)
             for epoch in sorted(epochs)}
    return [(epoch, path) for epoch, path in paths.items() if path.is_file()]
