"""The report's section on the training monitor: its checks plotted, its warnings replayed."""

import pathlib

import matplotlib.pyplot as plt
import numpy as np

from gandiag.analysis.monitor.health import checks, warnings_of
from gandiag.config import generator_cost_of
from gandiag.store import layout, records
from gandiag.views.plots import save
from gandiag.views.render import Figure, Heading, Text

READING = (
    "The monitor's checks during training (docs/monitor.md). Left: D's accuracy on held-out "
    "reals and fresh fakes, and on held-out and training reals alone (a gap is D memorising "
    "its training reals), with r_t = E[sign D(x)] on training reals. Middle: the norm of G's "
    "gradient under its training cost and under the other one, log scale; a fall of orders "
    "while D is perfect on held-out data is Section 2's vanishing gradient, in the run. "
    "Right: Theorem 2.4's epsilon (small: D near optimal on the fakes) and the median "
    "distance delta from fakes to their nearest reals, the scale instance noise must reach.")
PANELS = (
    (("held_out_accuracy", "held_out_real_accuracy", "training_real_accuracy", "r_t"),
     "D on reals and fakes", "linear"),
    (("grad_norm/",), "|grad G|", "log"),
    (("epsilon", "delta"), "epsilon, delta", "log"),
)


def monitor_figure(found: list[dict], path: pathlib.Path) -> None:
    """The checks' numbers against the training step, one panel per question."""
    steps = np.array([check["step"] for check in found])
    figure, axes = plt.subplots(1, len(PANELS), figsize=(15, 4))
    for panel, (prefixes, label, scale) in zip(axes, PANELS):
        names = [name for prefix in prefixes for name in found[0] if name.startswith(prefix)]
        for name in names:
            panel.plot(steps, [check[name] for check in found], marker=".", label=name)
        panel.set(xlabel="step", ylabel=label, yscale=scale)
        panel.legend(fontsize=8)
    save(figure, path, dpi=100)


def section(run: layout.RunDir, config: dict, report_dir: pathlib.Path) -> list:
    """The monitor's figure and warnings, or a line saying it was off."""
    heading = Heading("Health monitor", 3)
    found = checks(records.read_jsonl(run.metrics))
    if not found:
        return [heading, Text("Off for this run (`gandiag train --monitor-every N`).")]
    figure = report_dir / f"{run.path.name}-monitor.png"
    monitor_figure(found, figure)
    cost = generator_cost_of(config.get("cost", "minus-log-d"))
    other = next(name.removeprefix("grad_norm/") for name in found[0]
                 if name.startswith("grad_norm/") and name != f"grad_norm/{cost}")
    warnings = warnings_of(found, cost, other)
    said = Text("Warnings: " + ("; ".join(warnings) if warnings else "none (a healthy run)."))
    return [heading, Figure(figure, "monitor"), said, Text(READING)]
