"""The report's section on sample quality (`gandiag quality`), for one G run."""

from gandiag.store import layout
from gandiag.store.quality_schema import QualitySummary
from gandiag.store.schema import read_summary
from gandiag.views import quality_plots
from gandiag.views.render import Figure, Heading, Table, Text

READING = ("Each saved G's samples against as many real images, with 90% bootstrap intervals. "
           "Left: FCD, the Fréchet distance in the penultimate features of gandiag's own "
           "classifier (dashed: the floor, real held-out vs real training images); then k-NN "
           "precision (share of samples on the real manifold) and recall (share of reals on "
           "the samples' manifold, k = 3); the classes holding at least half their real share "
           "(mode dropping shows as fewer); right: G's gradient norm in training, per epoch. "
           "Unlabelled data sets show SWD over a Laplacian pyramid of 7x7 pixel patches instead.")


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
            Table(list(quality_plots.COLUMNS), quality_plots.rows(summary)),
            Text(" ".join(lines)), Text(quality_plots.floor_line(summary)), Text(summary.note),
            Text(READING)]
