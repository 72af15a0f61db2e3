"""One report per run: the claims table, the config, the curves and every figure.

The report is a list of blocks (headings, text, tables, figures) built from the run's
records; gandiag.render writes them as REPORT.md and a self-contained report.html.
"""

import pathlib

from gandiag import claims, metrics, plots, probes, progress, runs
from gandiag.errors import GandiagError
from gandiag.render import VERDICT_STYLES, Figure, Heading, Table, Text, to_html, to_markdown

OUTPUT = "report"

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
    "then behaves like a centred Cauchy variable; a tail index alpha near 1 (Gaussian 2) and a large excess kurtosis, "
    "fitted on random projections over the second half, mark the heavy tail.",
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


def _lookup(record, path: tuple[str, ...]):
    """``record[path[0]][path[1]]...``, or None where a key is missing."""
    for key in path:
        if not isinstance(record, dict) or key not in record:
            return None
        record = record[key]
    return record


def records_table(records: list[dict], columns: dict[str, tuple[str, ...]]) -> Table:
    """A table with one row per record; ``columns`` maps each header to its key path."""
    return Table(list(columns), [[_lookup(r, path) for path in columns.values()] for r in records])


def checkpoint_records(summary: dict | None, cost: str | None = None) -> list[dict]:
    """summary.json's checkpoints as records in epoch order (one cost's block, if given)."""
    checkpoints = (summary or {}).get("checkpoints") or {}
    records = [{"epoch": int(epoch), **checkpoints[epoch]}
               for epoch in sorted(checkpoints, key=int)]
    if cost is None:
        return records
    return [{"epoch": r["epoch"], **r["costs"][cost]}
            for r in records if cost in r.get("costs", {})]


def _not_run(command: str, run_dir: pathlib.Path) -> Text:
    return Text(f"Not run: `gandiag {command} --run-dir {run_dir}`")


def _settings(output_dir: pathlib.Path) -> list[Text]:
    """One line naming the experiment's D iterations, seeds and batch size."""
    config = claims.read_json(output_dir / "config.json") or {}
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


def training_section(run_dir: pathlib.Path, report_dir: pathlib.Path) -> list:
    records = metrics.read_jsonl(run_dir / "metrics.jsonl")
    if not records:
        return [Heading("Training curves"), _not_run("train", run_dir)]
    plots.training_curves(records, report_dir / "training.png")
    return [Heading("Training curves"), Figure(report_dir / "training.png", "training curves"),
            Text(READING["training"])]


def samples_section(run_dir: pathlib.Path) -> list:
    grids = sorted((run_dir / "samples").glob("epoch_*.png"))
    if not grids:
        return [Heading("Samples"), _not_run("train", run_dir)]
    return [Heading("Samples"),
            *[Figure(grid, f"epoch {int(grid.stem.split('_')[1])}") for grid in grids],
            Text(READING["samples"])]


def figure1_section(run_dir: pathlib.Path) -> list:
    heading = Heading("Figure 1: perfect discrimination")
    sources = [run_dir / name for name in (claims.FROZEN_DIR, claims.PROBE_DIR)]
    source = next((s for s in sources if (s / "figure1.png").is_file()), None)
    if source is None:
        return [heading, _not_run("freeze-g-train-d", run_dir)]
    summary = claims.read_json(source / "summary.json")
    table = records_table(checkpoint_records(summary), {
        "epoch": ("epoch",), "iters to 0.99": ("iters_to_acc_0.99",),
        "iters to 0.999": ("iters_to_acc_0.999",), "final error": ("final_error",),
        "final accuracy": ("final_accuracy",)})
    return [heading, *_settings(source), Figure(source / "figure1.png", "Figure 1"), table,
            Text(READING["figure1"])]


def gradient_section(run_dir: pathlib.Path, cost: str,
                     jitter: dict[str, dict[int, float]] | None) -> list:
    """Figure 2 (original cost) or Figure 3 (-log D) with its rows of the probe summary.

    ``jitter``: ``claims.jitter_growths`` of the probe's curves (None if they are missing).
    """
    output_dir = run_dir / claims.PROBE_DIR
    figure = output_dir / probes.FIGURE_FILES[cost]
    heading = Heading(probes.FIGURE_TITLES[cost])
    if not figure.is_file():
        return [heading, _not_run("probe-gradients --cost both", run_dir)]
    summary = claims.read_json(output_dir / "summary.json")
    records = checkpoint_records(summary, cost)
    for record in records:
        record["jitter_growth"] = (jitter or {}).get(cost, {}).get(record["epoch"])
    table = records_table(records, {
        "epoch": ("epoch",), "norm start": ("grad_norm_start",), "norm end": ("grad_norm_end",),
        "decay orders": ("decay_orders",), "variance growth": ("variance_growth",),
        "jitter growth": ("jitter_growth",), "tail index": ("tail_index",),
        "excess kurtosis": ("kurtosis",)})
    return [heading, *_settings(output_dir), Figure(figure, heading.text.split(":")[0]), table,
            Text(READING[cost])]


def noise_section(run_dir: pathlib.Path) -> list:
    output_dir = run_dir / claims.NOISE_DIR
    heading = Heading("Instance noise (Section 3)")
    summary = claims.read_json(output_dir / "summary.json")
    if summary is None:
        return [heading, _not_run("add-noise", run_dir)]
    rows = summary.get("rows", [])
    costs = list(rows[0].get("costs", {})) if rows else []
    table = records_table(rows, {
        "epoch": ("epoch",), "sigma": ("sigma",), "final accuracy": ("final_accuracy",),
        "final error": ("final_error",), "JSD >=": ("jsd_lower_bound",),
        "W bound": ("w_upper_bound",), "W (OT)": ("w_empirical",),
        **{f"decay {cost}": ("costs", cost, "decay_orders") for cost in costs}})
    figures = [Figure(output_dir / name, caption) for name, caption in (
        ("noise_gradients.png", "gradient norm per noise level"),
        ("noise_accuracy.png", "D's accuracy and the JSD estimate against sigma"))
        if (output_dir / name).is_file()]
    return [heading, *_settings(output_dir), *figures, table, Text(READING["noise"])]


def toy_section(run_dir: pathlib.Path) -> list:
    output_dir = run_dir / claims.TOY_DIR
    heading = Heading("Toy noise (Section 3, 2-D)")
    summary = claims.read_json(output_dir / "summary.json")
    if summary is None:
        return [heading, Text(f"Not run: `gandiag toy-noise --out-dir {output_dir}`")]
    modes = summary.get("modes", "?")
    rows = [[sigma, curve[0]["mean_distance"], curve[-1]["mean_distance"],
             f"{curve[-1]['modes_covered']}/{modes}"]
            for sigma, curve in summary.get("curves", {}).items() if curve]
    figure = output_dir / "toy_noise.png"
    return [heading, *([Figure(figure, "toy noise")] if figure.is_file() else []),
            Table(["sigma", "distance, first epoch", "distance, last epoch", "modes covered"],
                  rows),
            Text(READING["toy"])]


def show_claims(claim_list: list[claims.Claim], run_dir: pathlib.Path) -> None:
    rows = [[c.name, c.paper, c.measured, c.criterion,
             f"[{VERDICT_STYLES[c.verdict]}]{c.verdict}[/]"] for c in claim_list]
    progress.show(progress.table(f"claims: {run_dir}",
                                 ["claim", "paper", "measured", "criterion", "verdict"], rows))


def run(run_dir: pathlib.Path | None = None, quiet: bool = False) -> pathlib.Path:
    """Write ``<run>/report/REPORT.md`` and a self-contained ``report.html``.

    Args:
        run_dir: a `gandiag train` run; None for the latest.
        quiet: skip printing the claims table.

    Returns:
        The path of report.html.
    """
    run_dir = runs.resolve_run_dir(run_dir)
    report_dir = run_dir / OUTPUT
    jitter = claims.jitter_growths(run_dir / claims.PROBE_DIR / "curves.jsonl")
    claim_list = claims.evaluate_claims(run_dir, jitter)
    title = f"gandiag report: {run_dir}"
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        blocks = [Heading(title, 1), *claims_section(claim_list),
                  *config_section(runs.read_config(run_dir)),
                  *training_section(run_dir, report_dir), *samples_section(run_dir),
                  *figure1_section(run_dir), *gradient_section(run_dir, "original", jitter),
                  *gradient_section(run_dir, "minus-log-d", jitter), *noise_section(run_dir),
                  *toy_section(run_dir)]
        (report_dir / "REPORT.md").write_text(to_markdown(blocks, report_dir))
        (report_dir / "report.html").write_text(to_html(blocks, title))
    except OSError as error:
        raise GandiagError(f"cannot write the report in {report_dir}: {error.strerror}; "
                           "make the run dir writable or copy the run elsewhere") from None
    if not quiet:
        show_claims(claim_list, run_dir)
    return report_dir / "report.html"
