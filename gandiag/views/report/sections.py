"""The report's sections for one G run: training, samples, Figures 1-3, noise, toy noise.

Each section is a list of blocks (``gandiag.views.render``) built from the run's records,
with a paragraph on how to read it; a section whose experiment has not run says which
command runs it.
"""

import pathlib

from gandiag.store import layout, records
from gandiag.store.schema import FrozenSummary, NoiseSummary, ToySummary, read_summary
from gandiag.views import plots
from gandiag.views.ablate import ablate_section
from gandiag.views.monitor import monitor_section
from gandiag.views.quality import quality_section
from gandiag.views.render import Figure, Heading, Table, Text
from gandiag.views.report import tables

READING = {
    "training": "Left: D's and G's losses per step. Middle: D's mean output on real data, D(x), "
    "and on generated data, D(G(z)); when they part towards 1 and 0, D is winning. Right: the "
    "norms of G's and D's gradients, log scale; G's falling by orders of magnitude while D(G(z)) "
    "goes to 0 is Section 2's vanishing gradient. With many steps, faint lines are single steps "
    "and solid lines a running mean.",
    "samples": "Samples from one fixed z at each saved epoch, so epochs compare like for like. "
    "These are the generators that Figures 1-3 freeze: a G that looks good here and is still "
    "beaten by D in Figure 1 is the paper's point.",
    "figure1": "A fresh D trained from scratch against each frozen G. Left: D's cross-entropy on "
    "its own training batches (lines) and on held-out reals with fresh fakes (dots), log scale; "
    "right: its held-out accuracy over the first updates. Held-out numbers use D's BatchNorm "
    "running statistics, so each example's score does not depend on the labels of the others "
    "(the mixed-batch column scores reals and fakes as one batch instead). When the supports "
    "of P_r and P_g are (almost) disjoint a perfect D exists (Theorems 2.1-2.2). In the table, "
    "- means never reached.",
    "original": "The norm of G's gradient under the original cost E[log(1 - D(G(z)))] while the "
    "fresh D trains, log scale, one curve per frozen G; iteration i is measured with D after "
    "i - 1 updates. As D nears perfection the gradient vanishes (Theorem 2.4), ~5 orders over "
    "4000 iterations in the paper. decay orders = log10(median of iterations 1-10 / median of "
    "the last 500), with a 90% block-bootstrap interval; epsilon end = sup D + sup |grad_x D| "
    "over fresh fakes at the end, the distance to D* that Theorem 2.4's bound needs small.",
    "minus-log-d": "The same under the -log D cost E[-log D(G(z))]: the gradient does not vanish "
    "but grows as D improves, and fluctuates more. jitter growth = the robust variance of the "
    "change in log(norm) from one iteration to the next, last quarter / first quarter (a "
    "level trend cancels; stationary noise gives 1, and the band beside it is what stationary "
    "noise of the same length and autocorrelation gives 90% of the time). Theorem 2.6: with "
    "D = D* + white noise the update is a centred Cauchy variable; tail alpha (Gaussian 2, "
    "Cauchy 1) is fitted on random projections over the second half, each direction "
    "standardised in a sliding window so that a drifting scale does not pass for a heavy tail.",
    "noise": "The probe repeated with instance noise on D's inputs. Gradients: G's gradient "
    "norm per sigma for one checkpoint; with noise the original cost's curve should flatten "
    "instead of falling (Theorems 3.2-3.3). Accuracy: D's held-out accuracy drops below 1 as "
    "sigma grows, and the JSD estimate log 2 - L/2 (L: D's held-out cross-entropy) drops with "
    "it. W (OT) is exact optimal transport between held-out reals and fakes; W floor the same "
    "between two disjoint real samples (the estimator's finite-sample bias); delta the median "
    "distance from a fake to its nearest real, the scale sigma is compared with.",
    "toy": "A 2-D toy trained with the original cost against a near-optimal D, once per noise "
    "level. Left: mean distance from G's samples to the nearest mode; middle: modes covered; "
    "right: the final samples over the data. Without noise G's gradient vanishes and G stalls; "
    "with noise it should reach the modes.",
}


def _not_run(command: str, run_dir: pathlib.Path) -> Text:
    return Text(f"Not run: `gandiag {command} --run-dir {run_dir}`")


def _table(rows: tables.Rows) -> Table:
    return Table(*rows)


def _settings(experiment: layout.ExperimentDir) -> list[Text]:
    """One line naming the experiment's D iterations, seeds, batch and held-out data."""
    config = records.read_json(experiment.config) or {}
    if "iters" not in config:
        return []
    return [Text(f"{config['iters']} D iterations per checkpoint, {config.get('seeds', 1)} D "
                 f"seed(s), batch {config.get('batch_size', '-')}, "
                 f"{config.get('held_out_count', '-')} held-out examples.")]


def _flatten(config: dict, prefix: str = "") -> list[list]:
    rows = []
    for key, value in config.items():
        if isinstance(value, dict):
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append([f"{prefix}{key}", value])
    return rows


def config_section(config: dict) -> list:
    return [Heading("Configuration", 3), Table(["setting", "value"], _flatten(config))]


def training_section(run: layout.RunDir, report_dir: pathlib.Path) -> list:
    training = records.read_jsonl(run.metrics)
    if not training:
        return [Heading("Training curves", 3), _not_run("train", run.path)]
    figure = report_dir / f"{run.path.name}-{layout.TRAINING_FIGURE}"
    plots.training_curves(training, figure)
    return [Heading("Training curves", 3), Figure(figure, "training curves"),
            Text(READING["training"])]


def samples_section(run: layout.RunDir) -> list:
    grids = run.sample_grids()
    if not grids:
        return [Heading("Samples", 3), _not_run("train", run.path)]
    return [Heading("Samples", 3),
            *[Figure(grid, f"epoch {epoch}") for epoch, grid in grids.items()],
            Text(READING["samples"])]


def figure1_section(run: layout.RunDir) -> list:
    heading = Heading("Figure 1: perfect discrimination", 3)
    sources = [run.experiment(name) for name in (layout.FREEZE_G_TRAIN_D, layout.PROBE)]
    source = next((s for s in sources if s.figure(layout.FIGURE1).is_file()), None)
    if source is None:
        return [heading, _not_run("probe", run.path)]
    summary = read_summary(source.summary, FrozenSummary)
    table = tables.column_rows(tables.seed_rows(summary), tables.FIGURE1_COLUMNS)
    return [heading, *_settings(source), Figure(source.figure(layout.FIGURE1), "Figure 1"),
            _table(table), Text(READING["figure1"])]


def gradient_section(run: layout.RunDir, cost: str) -> list:
    """Figure 2 (original cost) or Figure 3 (-log D) with each seed's numbers."""
    probe = run.experiment(layout.PROBE)
    figure = probe.figure(layout.cost_figure(cost))
    heading = Heading(plots.cost_title(cost), 3)
    if not figure.is_file():
        return [heading, _not_run("probe", run.path)]
    summary = read_summary(probe.summary, FrozenSummary)
    table = tables.column_rows(tables.cost_rows(summary, cost), tables.COST_COLUMNS)
    return [heading, *_settings(probe), Figure(figure, heading.text.split(":")[0]),
            _table(table), Text(READING[cost])]


def noise_section(run: layout.RunDir) -> list:
    noise = run.experiment(layout.ADD_NOISE)
    heading = Heading("Instance noise (Section 3)", 3)
    summary = read_summary(noise.summary, NoiseSummary)
    if summary is None:
        return [heading, _not_run("add-noise", run.path)]
    figures = [Figure(noise.figure(name), caption) for name, caption in (
        (layout.NOISE_GRADIENTS, "gradient norm per noise level"),
        (layout.NOISE_ACCURACY, "D's accuracy and the JSD estimate against sigma"))
        if noise.figure(name).is_file()]
    return [heading, *_settings(noise),
            Text(f"Noise: {summary.noise_dist}; W from {summary.transport_samples} samples."),
            *figures, _table(tables.noise_rows(summary)), Text(READING["noise"])]


def toy_section(run: layout.RunDir) -> list:
    toy = run.experiment(layout.TOY_NOISE)
    heading = Heading("Toy noise (Section 3, 2-D)", 3)
    summary = read_summary(toy.summary, ToySummary)
    if summary is None:
        return [heading, Text(f"Not run: `gandiag toy-noise --out-dir {toy.path}`")]
    figure = toy.figure(layout.TOY_FIGURE)
    return [heading, *([Figure(figure, "toy noise")] if figure.is_file() else []),
            _table(tables.toy_rows(summary)), Text(READING["toy"])]


def run_sections(run: layout.RunDir, config: dict, report_dir: pathlib.Path) -> list:
    """Every section of one G run."""
    return [*config_section(config), *training_section(run, report_dir),
            *monitor_section.section(run, config, report_dir), *samples_section(run),
            *figure1_section(run), *gradient_section(run, "original"),
            *gradient_section(run, "minus-log-d"), *noise_section(run), *toy_section(run),
            *quality_section.section(run),
            *ablate_section.section(run)]
