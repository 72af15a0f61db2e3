"""One report per run: the claims table, the config, the curves and every figure.

The report is a list of blocks (headings, text, tables, figures) built from the run's
records; gandiag.render writes them as REPORT.md and a self-contained report.html.
"""

import pathlib

from gandiag.analysis import claims
from gandiag.errors import GandiagError
from gandiag.store import layout, records, runs
from gandiag.store.schema import FrozenSummary, NoiseSummary, ToySummary, read_summary
from gandiag.views import console, plots, tables
from gandiag.views.render import VERDICT_STYLES, Figure, Heading, Table, Text, to_html, to_markdown

READING = {
    "training": "Left: D's and G's losses per step. Middle: D's mean output on real data, D(x), "
    "and on generated data, D(G(z)); when they part towards 1 and 0, D is winning. Right: the "
    "norms of G's and D's gradients, log scale; G's falling by orders of magnitude while D(G(z)) "
    "goes to 0 is Section 2's vanishing gradient. With many steps, faint lines are single steps "
    "and solid lines a running mean.",
    "samples": "Samples from one fixed z at each saved epoch, so epochs compare like for like. "
    "These are the generators that Figures 1-3 freeze: a G that looks good here and is still "
    "beaten by D in Figure 1 is the paper's point.",
    "figure1": "A fresh D trained from scratch against each frozen G. Left: D's cross-entropy, "
    "log scale; right: its running accuracy over the first iterations. When the supports of "
    "P_r and P_g are (almost) disjoint a perfect D exists (Theorems 2.1-2.2), and D finds it in "
    "tens of iterations whatever the epoch of G. In the table, - means never reached.",
    "original": "The norm of G's gradient under the original cost E[log(1 - D(G(z)))] while the "
    "fresh D trains, log scale, one curve per frozen G. As D nears perfection the gradient "
    "vanishes (Theorem 2.4): a falling line here, ~5 orders over 4000 iterations in the paper. "
    "decay orders = log10(median norm of the first 50 iterations / median of the last ones).",
    "minus-log-d": "The same under the -log D cost E[-log D(G(z))]: the gradient does not vanish "
    "but grows as D improves, and fluctuates more. jitter growth = mean squared change of the "
    "norm from one iteration to the next, last quarter / first quarter: the noise, with the "
    "trend cancelled; variance growth = the norm's plain variance, last quarter / first "
    "quarter, which the early rise inflates in the first quarter. Theorem 2.6: the update "
    "then behaves like a centred Cauchy variable; a tail index alpha near 1 (Gaussian 2) and "
    "a large excess kurtosis, fitted on random projections over the second half, mark the "
    "heavy tail.",
    "noise": "The probe repeated with instance noise e ~ N(0, sigma^2 I) on D's inputs. Gradients: "
    "G's gradient norm per sigma for one checkpoint; with noise the original cost's curve should "
    "flatten instead of falling (Theorems 3.2-3.3). Accuracy: D's held-out accuracy drops below 1 "
    "as sigma grows, and the JSD estimate log 2 - L/2 (L: D's cross-entropy) drops with it. The "
    "table sets the bound 2 sqrt(V) + 2 C sqrt(JSD) beside the empirical W (exact optimal "
    "transport between samples); Theorem 3.5 says W never exceeds the bound.",
    "toy": "A 2-D toy trained with the original cost against a near-optimal D, once per noise "
    "level. Left: mean distance from G's samples to the nearest mode; middle: modes covered; "
    "right: the final samples over the data. Without noise G's gradient vanishes and G stalls; "
    "with noise it should reach the modes.",
}


def _table(rows: tables.Rows) -> Table:
    return Table(*rows)


def _not_run(command: str, run_dir: pathlib.Path) -> Text:
    return Text(f"Not run: `gandiag {command} --run-dir {run_dir}`")


def _settings(experiment: layout.ExperimentDir) -> list[Text]:
    """One line naming the experiment's D iterations, seeds and batch size."""
    config = records.read_json(experiment.config) or {}
    if "iters" not in config:
        return []
    return [Text(f"{config['iters']} D iterations per checkpoint, {config.get('seeds', 1)} "
                 f"seed(s), batch {config.get('batch_size', '-')}.")]


def claims_section(claim_list: list[claims.Claim]) -> list:
    rows = [[c.name, c.paper, c.measured, c.criterion, c.verdict] for c in claim_list]
    return [Heading("Claims"), Table(["Claim", "Paper", "Measured", "Criterion", "Verdict"], rows)]


def _flatten(config: dict, prefix: str = "") -> list[list]:
    rows = []
    for key, value in config.items():
        if isinstance(value, dict):
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append([f"{prefix}{key}", value])
    return rows


def config_section(config: dict) -> list:
    return [Heading("Configuration"), Table(["setting", "value"], _flatten(config))]


def training_section(run: layout.RunDir) -> list:
    training = records.read_jsonl(run.metrics)
    if not training:
        return [Heading("Training curves"), _not_run("train", run.path)]
    figure = run.report / layout.TRAINING_FIGURE
    plots.training_curves(training, figure)
    return [Heading("Training curves"), Figure(figure, "training curves"),
            Text(READING["training"])]


def samples_section(run: layout.RunDir) -> list:
    grids = run.sample_grids()
    if not grids:
        return [Heading("Samples"), _not_run("train", run.path)]
    return [Heading("Samples"), *[Figure(grid, f"epoch {epoch}") for epoch, grid in grids.items()],
            Text(READING["samples"])]


def figure1_section(run: layout.RunDir) -> list:
    heading = Heading("Figure 1: perfect discrimination")
    sources = [run.experiment(name) for name in (layout.FREEZE_G_TRAIN_D, layout.PROBE)]
    source = next((s for s in sources if s.figure(layout.FIGURE1).is_file()), None)
    if source is None:
        return [heading, _not_run("freeze-g-train-d", run.path)]
    summary = read_summary(source.summary, FrozenSummary)
    table = tables.records_rows(tables.checkpoint_records(summary), {
        "epoch": ("epoch",), "iters to 0.99": ("iters_to_acc_099",),
        "iters to 0.999": ("iters_to_acc_0999",), "final error": ("final_error",),
        "final accuracy": ("final_accuracy",)})
    return [heading, *_settings(source), Figure(source.figure(layout.FIGURE1), "Figure 1"),
            _table(table), Text(READING["figure1"])]


def gradient_section(run: layout.RunDir, cost: str,
                     jitter: dict[str, dict[int, float]] | None) -> list:
    """Figure 2 (original cost) or Figure 3 (-log D) with its rows of the probe summary.

    ``jitter``: ``claims.jitter_growths`` of the probe's curves (None if they are missing).
    """
    probe = run.experiment(layout.PROBE)
    figure = probe.figure(layout.cost_figure(cost))
    heading = Heading(plots.cost_title(cost))
    if not figure.is_file():
        return [heading, _not_run("probe-gradients --cost both", run.path)]
    checkpoint_records = tables.checkpoint_records(read_summary(probe.summary, FrozenSummary),
                                                   cost)
    for record in checkpoint_records:
        record["jitter_growth"] = (jitter or {}).get(cost, {}).get(record["epoch"])
    table = tables.records_rows(checkpoint_records, {
        "epoch": ("epoch",), "norm start": ("grad_norm_start",), "norm end": ("grad_norm_end",),
        "decay orders": ("decay_orders",), "variance growth": ("variance_growth",),
        "jitter growth": ("jitter_growth",), "tail index": ("tail_index",),
        "excess kurtosis": ("kurtosis",)})
    return [heading, *_settings(probe), Figure(figure, heading.text.split(":")[0]), _table(table),
            Text(READING[cost])]


def noise_section(run: layout.RunDir) -> list:
    noise = run.experiment(layout.ADD_NOISE)
    heading = Heading("Instance noise (Section 3)")
    summary = read_summary(noise.summary, NoiseSummary)
    if summary is None:
        return [heading, _not_run("add-noise", run.path)]
    figures = [Figure(noise.figure(name), caption) for name, caption in (
        (layout.NOISE_GRADIENTS, "gradient norm per noise level"),
        (layout.NOISE_ACCURACY, "D's accuracy and the JSD estimate against sigma"))
        if noise.figure(name).is_file()]
    return [heading, *_settings(noise), *figures, _table(tables.noise_rows(summary)),
            Text(READING["noise"])]


def toy_section(run: layout.RunDir) -> list:
    toy = run.experiment(layout.TOY_NOISE)
    heading = Heading("Toy noise (Section 3, 2-D)")
    summary = read_summary(toy.summary, ToySummary)
    if summary is None:
        return [heading, Text(f"Not run: `gandiag toy-noise --out-dir {toy.path}`")]
    figure = toy.figure(layout.TOY_FIGURE)
    return [heading, *([Figure(figure, "toy noise")] if figure.is_file() else []),
            _table(tables.toy_rows(summary)), Text(READING["toy"])]


def show_claims(claim_list: list[claims.Claim], run_dir: pathlib.Path) -> None:
    rows = [[c.name, c.paper, c.measured, c.criterion,
             f"[{VERDICT_STYLES[c.verdict]}]{c.verdict}[/]"] for c in claim_list]
    console.show(console.table(f"claims: {run_dir}",
                                 ["claim", "paper", "measured", "criterion", "verdict"], rows))


def run(run_dir: pathlib.Path | None = None, quiet: bool = False) -> pathlib.Path:
    """Write ``<run>/report/REPORT.md`` and a self-contained ``report.html``.

    Args:
        run_dir: a `gandiag train` run; None for the latest.
        quiet: skip printing the claims table.

    Returns:
        The path of report.html.
    """
    run = layout.RunDir(runs.resolve_run_dir(run_dir))
    jitter = claims.jitter_growths(run.experiment(layout.PROBE).curves)
    claim_list = claims.evaluate_claims(run.path, jitter)
    title = f"gandiag report: {run.path}"
    try:
        run.report.mkdir(parents=True, exist_ok=True)
        blocks = [Heading(title, 1), *claims_section(claim_list),
                  *config_section(runs.read_config(run.path)), *training_section(run),
                  *samples_section(run), *figure1_section(run),
                  *gradient_section(run, "original", jitter),
                  *gradient_section(run, "minus-log-d", jitter), *noise_section(run),
                  *toy_section(run)]
        (run.report / layout.REPORT_MARKDOWN).write_text(to_markdown(blocks, run.report))
        (run.report / layout.REPORT_HTML).write_text(to_html(blocks, title))
    except OSError as error:
        raise GandiagError(f"cannot write the report in {run.report}: {error.strerror}; "
                           "make the run dir writable or copy the run elsewhere") from None
    if not quiet:
        show_claims(claim_list, run.path)
    return run.report / layout.REPORT_HTML
