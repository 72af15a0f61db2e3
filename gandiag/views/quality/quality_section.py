"""The report's section on sample quality (`gandiag quality`), for one G run."""

from gandiag.analysis.quality import quality_claims
from gandiag.store import layout
from gandiag.store.quality_schema import AfterProbeSummary, QualitySummary
from gandiag.store.schema import read_summary
from gandiag.views import claims_table
from gandiag.views.quality import quality_plots
from gandiag.views.render import Figure, Heading, Table, Text

READING = ("Each saved G's samples against as many real images, with 90% bootstrap intervals. "
           "Left: FCD, the Fréchet distance in the penultimate features of gandiag's own "
           "classifier (dashed: the floor, real held-out vs real training images); then k-NN "
           "precision (share of samples on the real manifold) and recall (share of reals on "
           "the samples' manifold, k = 3); the classes holding at least half their real share "
           "(mode dropping shows as fewer); right: G's gradient norm in training, per epoch. "
           "Unlabelled data sets show SWD over a Laplacian pyramid of 7x7 pixel patches instead; "
           "the 2-D toys the share of high-quality samples (within the coverage radius of a "
           "mode) and the modes covered, as `gandiag toy-noise` counts them.")


def section(run: layout.RunDir) -> list:
    heading = Heading("Sample quality (FCD and KCD: classifier features, not FID)", 3)
    summary = read_summary(run.quality.summary, QualitySummary)
    if summary is None:
        return [heading, Text(f"Not run: `gandiag quality {run.path}`")]
    figure = run.quality.figure(layout.QUALITY_FIGURE)
    accuracy = summary.classifier.get("held_out_accuracy")
    lines = [f"Features: {summary.features}."]
    if accuracy is not None:
        lines.append(f"Classifier: {accuracy:.2%} accuracy on {summary.classifier['held_out']} "
                     f"held-out images ({summary.classifier['split']}).")
    return [heading, *([Figure(figure, "quality against epochs")] if figure.is_file() else []),
            Table(quality_plots.columns(summary), quality_plots.rows(summary)),
            Text(" ".join(lines)), Text(quality_plots.floor_line(summary)),
            *([Text(summary.note)] if summary.note else []),
            Text(READING), *after_probe_section(run)]


AFTER_PROBE_COLUMNS = ["epoch", "G cost", "sigma", "D accuracy", "FCD before", "FCD after",
                       "FCD after / before - 1", "null (fresh z)", "classes before", "after"]
AFTER_PROBE_READING = (
    "Figure 3's caption as an experiment: from each saved G a fresh D is trained from scratch "
    "for the probe's iterations, then G alone takes K steps against that frozen D: with -log D, "
    "with the original cost, and with -log D under instance noise (its D trained with the same "
    "noise). FCD before and after on the same latents; the null is the unchanged G on fresh "
    "latents, what sampling alone moves.")


def after_probe_section(run: layout.RunDir) -> list:
    heading = Heading("Figure 3's caption: G steps against a near-optimal D", 3)
    summary = read_summary(run.quality.figure(layout.AFTER_PROBE), AfterProbeSummary)
    if summary is None:
        return [heading, Text(f"Not run: `gandiag quality --after-probe {run.path}`")]
    rows = [[row.epoch, row.cost, row.sigma, f"{row.d_accuracy:.3f}",
             quality_plots.cell(row.fcd_before), quality_plots.cell(row.fcd_after),
             quality_plots.cell(row.fcd_change), quality_plots.cell(row.null_change),
             row.covered_before, row.covered_after] for row in summary.rows]
    claim = quality_claims.figure3_caption(summary)
    return [heading, Text(f"{summary.iters} D iterations, K = {summary.g_steps} G steps, "
                          f"{summary.samples} samples."),
            Table(AFTER_PROBE_COLUMNS, rows),
            Table(claims_table.COLUMNS, claims_table.rows([claim])), Text(AFTER_PROBE_READING)]
