"""Figures: sample grids and the paper's plots, all drawn from recorded numbers."""

import math
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from gandiag.analysis import summaries
from gandiag.store import layout

# Above this many steps the training curves are drawn faintly, under a running mean.
SMOOTH_ABOVE = 200
COST_TITLES = {
    "original": "Figure 2: original cost E[log(1 - D(G(z)))]",
    "minus-log-d": "Figure 3: -log D cost E[-log D(G(z))]",
}


def cost_title(cost: str) -> str:
    """The title of a probed cost's gradient figure (the paper's figure for its costs)."""
    return COST_TITLES.get(cost, f"cost {cost}")


def image_grid(images: np.ndarray, min_pixels: int = 256) -> np.ndarray:
    """Tile (N, H, W, C) images in [-1, 1] into one uint8 image, enlarged to be seen."""
    count, height, width, channels = images.shape
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    pad = 1
    grid = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), 1.0)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = pad + row * (height + pad), pad + column * (width + pad)
        grid[top:top + height, left:left + width] = image
    pixels = np.clip((grid + 1.0) * 127.5, 0, 255).round().astype(np.uint8)
    scale = max(1, math.ceil(min_pixels / pixels.shape[0]))
    pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
    return pixels[..., 0] if channels == 1 else pixels


def save_samples(samples: np.ndarray, path: pathlib.Path, title: str = "",
                 reference: np.ndarray | None = None) -> None:
    """Images as a grid PNG; 2-D points as a scatter over the ``reference`` data."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if samples.ndim == 4:
        Image.fromarray(image_grid(samples)).save(path)
        return
    figure, axes = plt.subplots(figsize=(4, 4))
    if reference is not None:
        axes.scatter(reference[:, 0], reference[:, 1], s=2, c="0.7", label="data")
    axes.scatter(samples[:, 0], samples[:, 1], s=2, c="C3", label="G(z)")
    axes.set_title(title)
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=7)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def _band(axes, values: np.ndarray, label: str, color) -> None:
    """One curve per seed row: the line itself, or the median with an inter-quartile band."""
    values = np.asarray(values, dtype=np.float64)
    iterations = np.arange(1, values.shape[1] + 1)
    if values.shape[0] == 1:
        axes.plot(iterations, values[0], label=label, color=color, linewidth=0.8)
        return
    low, median, high = np.percentile(values, [25, 50, 75], axis=0)
    axes.plot(iterations, median, label=f"{label} (median)", color=color, linewidth=0.8)
    axes.fill_between(iterations, low, high, color=color, alpha=0.25, linewidth=0)


def figure1(errors: dict, held_out: dict, path: pathlib.Path, first: int = 500) -> None:
    """The paper's Figure 1: D's cross-entropy (log scale) and its held-out accuracy.

    Args:
        errors: label -> (seeds, iterations) in-sample cross-entropy (D's training batches).
        held_out: label -> one list per seed of held-out evaluations (``d_updates``,
            ``correct``, ``count``, ``error``), held-out reals and fresh fakes.
        path: the PNG to write.
        first: how many D updates the accuracy panel shows.
    """
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for index, label in enumerate(errors):
        color = f"C{index}"
        _band(left, errors[label], f"{label}, training batches", color)
        for seed, evaluations in enumerate(held_out.get(label, [])):
            updates = [e["d_updates"] for e in evaluations]
            left.plot(updates, [e["error"] for e in evaluations], "o", ms=2.5, color=color,
                      label=f"{label}, held out" if seed == 0 else None)
            early = [e for e in evaluations if e["d_updates"] <= first]
            right.plot([e["d_updates"] for e in early], [e["correct"] / e["count"] for e in early],
                       "o-", ms=2.5, linewidth=0.8, color=color,
                       label=label if seed == 0 else None)
    right.axhline(0.99, color="0.5", linewidth=0.6, linestyle="--")
    left.set(yscale="log", xlabel="D iterations", ylabel="D cross-entropy",
             title="D trained against a frozen G")
    right.set(xlabel="D updates", ylabel="held-out accuracy",
              title=f"D's held-out accuracy, first {first} updates", ylim=(0.45, 1.02))
    left.legend(fontsize=7)
    right.legend(fontsize=8, loc="lower right")
    save(figure, path)


def gradient_norms(norms: dict, path: pathlib.Path, title: str) -> None:
    """Figures 2 and 3: ||grad_theta L(D, g_theta)|| per D iteration, log scale, per label."""
    figure, axes = plt.subplots(figsize=(6.5, 4))
    for index, (label, values) in enumerate(norms.items()):
        _band(axes, values, label, f"C{index}")
    axes.set(yscale="log", xlabel="D iterations", ylabel="gradient norm", title=title)
    axes.legend(fontsize=8)
    save(figure, path)


def frozen_figures(curves: dict[int, list[list[dict]]], held_out: dict[int, dict[int, list]],
                   output: layout.ExperimentDir) -> None:
    """figure1.png, and figure2.png / figure3.png (or figure_<cost>.png) for each probed cost.

    Args:
        curves: {epoch: one list of curve records per D seed}, for one noise level.
        held_out: {epoch: {seed: held-out evaluations}}, for the same noise level.
        output: the experiment's folder.
    """
    label = lambda epoch: f"epoch {epoch}"  # noqa: E731
    errors = {label(e): [[r["error"] for r in c] for c in seeds] for e, seeds in curves.items()}
    evaluations = {label(e): [seeds[s] for s in sorted(seeds)] for e, seeds in held_out.items()}
    figure1(errors, evaluations, output.figure(layout.FIGURE1))
    first_curve = next(iter(curves.values()))[0]
    for cost in first_curve[0].get("grad_norm", {}):
        norms = {label(e): [[r["grad_norm"][cost] for r in c] for c in seeds]
                 for e, seeds in curves.items()}
        gradient_norms(norms, output.figure(layout.cost_figure(cost)), cost_title(cost))


def save(figure, path: pathlib.Path, dpi: int = 120) -> None:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    plt.close(figure)


def noise_gradients(curves_by_sigma: dict, costs, path: pathlib.Path, epoch: int) -> None:
    """G's gradient norm per D iteration, one panel per cost, one curve per noise level.

    Args:
        curves_by_sigma: label -> one list of curve records per seed, for one checkpoint.
        costs: the probed generator costs.
        path: the PNG to write.
        epoch: the checkpoint, for the title.
    """
    figure, panels = plt.subplots(1, len(costs), figsize=(6 * len(costs), 4), squeeze=False)
    for axes, cost in zip(panels[0], costs):
        for index, (label, seeds) in enumerate(curves_by_sigma.items()):
            _band(axes, [[r["grad_norm"][cost] for r in curve] for curve in seeds], label,
                  plt.cm.viridis(index / max(1, len(curves_by_sigma) - 1)))
        axes.set(yscale="log", xlabel="D iterations", ylabel="gradient norm",
                 title=f"cost {cost}, G of epoch {epoch}")
        axes.legend(fontsize=7)
    save(figure, path)


def noise_accuracy(rows: list, path: pathlib.Path) -> None:
    """D's final accuracy and the JSD estimate against sigma, one line per checkpoint.

    Args:
        rows: add-noise's summary rows (``NoiseRow``); medians over their D seeds.
        path: the PNG to write.
    """
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for epoch in sorted({row.epoch for row in rows}):
        chosen = sorted((r for r in rows if r.epoch == epoch), key=lambda r: r.sigma)
        sigmas = [r.sigma for r in chosen]
        accuracy = [np.median([seed.final_accuracy for seed in r.seeds]) for r in chosen]
        jsd = [np.median([seed.jsd_lower_bound for seed in r.seeds]) for r in chosen]
        left.plot(sigmas, accuracy, "o-", label=f"epoch {epoch}")
        right.plot(sigmas, jsd, "o-", label=f"epoch {epoch}")
    left.set(xlabel="instance noise sigma", ylabel="D's held-out accuracy",
             title="D's accuracy under instance noise")
    right.set(xlabel="instance noise sigma", ylabel="log 2 - L/2",
              title="JSD(P_r+e || P_g+e) estimate")
    for axes in (left, right):
        axes.set_xscale("symlog", linthresh=0.05)
        axes.legend(fontsize=8)
    save(figure, path)


def toy_noise(curves: dict, final_samples: dict, reference: np.ndarray, modes: int,
              path: pathlib.Path) -> None:
    """Distance to the nearest mode and modes covered per epoch, and the final samples.

    Args:
        curves: sigma label -> [ToyPoint], one per epoch.
        final_samples: panel title -> (n, 2) samples of the last epoch.
        reference: data points drawn behind the samples.
        modes: how many modes the data set has.
        path: the PNG to write.
    """
    columns = 2 + len(final_samples)
    figure, axes = plt.subplots(1, columns, figsize=(4.2 * columns, 4))
    for index, (sigma, curve) in enumerate(curves.items()):
        epochs = [point.epoch for point in curve]
        axes[0].plot(epochs, [p.mean_distance for p in curve], "o-", ms=3,
                     color=f"C{index}", label=f"sigma {sigma}")
        axes[1].plot(epochs, [p.modes_covered for p in curve], "o-", ms=3,
                     color=f"C{index}", label=f"sigma {sigma}")
    axes[0].set(yscale="log", xlabel="epoch", ylabel="mean distance to nearest mode",
                title="G's samples vs the modes")
    axes[1].set(xlabel="epoch", ylabel="modes covered", ylim=(-0.3, modes + 0.3),
                title=f"modes covered (of {modes})")
    for panel in axes[:2]:
        panel.legend(fontsize=8)
    for panel, (title, samples) in zip(axes[2:], final_samples.items()):
        panel.scatter(reference[:, 0], reference[:, 1], s=2, c="0.7")
        panel.scatter(samples[:, 0], samples[:, 1], s=2, c="C3")
        panel.set(title=f"final samples, {title}", aspect="equal")
    save(figure, path)


def training_curves(records: list[dict], path: pathlib.Path) -> None:
    """Losses, D's outputs and the gradient norms (log scale) against epochs."""
    first_epoch = records[0]["epoch"]
    # Steps per epoch from the first epoch, the one epoch sure to be complete in a longer run.
    steps_per_epoch = max(r["step"] for r in records if r["epoch"] == first_epoch)
    epochs = np.array([r["step"] for r in records]) / steps_per_epoch
    window = max(1, len(records) // 100) if len(records) > SMOOTH_ABOVE else 1
    panels = [(("d_loss", "g_loss"), "loss", "linear"),
              (("d_real", "d_fake"), "D output", "linear"),
              (("g_grad_norm", "d_grad_norm"), "gradient norm", "log")]
    figure, axes = plt.subplots(1, len(panels), figsize=(15, 4))
    for panel, (names, label, scale) in zip(axes, panels):
        for index, name in enumerate(n for n in names if all(n in r for r in records)):
            values = np.array([r[name] for r in records], dtype=np.float64)
            if window > 1:
                panel.plot(epochs, values, color=f"C{index}", alpha=0.2, linewidth=0.5)
                values = summaries.running_mean(values, window)
            panel.plot(epochs, values, color=f"C{index}", linewidth=1.0, label=name)
        panel.set(xlabel="epoch", ylabel=label, yscale=scale)
        panel.legend(fontsize=8)
    save(figure, path, dpi=100)


def comparison(comparison: dict, path: pathlib.Path) -> None:
    """comparison.png: per run, the decay orders of each probed cost against the checkpoint
    epoch (left, when any run was probed) and G's gradient norm in training (right).

    Args:
        comparison: the comparison that `gandiag compare` writes to comparison.json.
        path: the PNG to write.
    """
    entries = comparison["runs"]
    costs = sorted({cost for entry in entries for block in entry["checkpoints"].values()
                    for cost in block["decay_orders"]})
    figure, panels = plt.subplots(1, 2 if costs else 1, figsize=(11 if costs else 6, 4),
                                  squeeze=False)
    if costs:
        decay = panels[0][0]
        for index, entry in enumerate(entries):
            for style, cost in zip(("-", "--", ":", "-.") * len(costs), costs):
                points = [(int(epoch), block["decay_orders"][cost])
                          for epoch, block in entry["checkpoints"].items()
                          if cost in block["decay_orders"]]
                if points:
                    decay.plot(*zip(*points), style, marker="o", color=f"C{index}",
                               label=f"{entry['label']} {cost}")
        decay.set(xlabel="checkpoint epoch", ylabel="decay orders log10(start / end)",
                  title="G's gradient decay against a fresh D")
        decay.legend(fontsize=7)
    training = panels[0][-1]
    for index, entry in enumerate(entries):
        curve = entry["g_grad_norm_by_epoch"]
        if curve:
            training.plot([int(epoch) for epoch in curve], list(curve.values()), "o-",
                          markersize=3, color=f"C{index}", label=entry["label"])
    if any(entry["g_grad_norm_by_epoch"] for entry in entries):
        training.set_yscale("log")
        training.legend(fontsize=7)
    training.set(xlabel="epoch", ylabel="mean |grad G| over the epoch",
                 title="G's gradient norm in training")
    save(figure, path)


VERDICT_COLORS = {"SUPPORTED": "#2da44e", "CONTRADICTED": "#cf222e", "INCONCLUSIVE": "#d4a72c",
                  "PREMISE NOT MET": "#8250df", "NOT RUN": "#d0d7de"}


def verdict_grid(claims: list[str], runs: list[str], verdicts: list[list[str]],
                 path: pathlib.Path) -> None:
    """A claims x runs grid coloured by verdict.

    Args:
        claims: the rows' names.
        runs: the columns' labels.
        verdicts: per run, the verdict of each claim.
        path: the PNG to write.
    """
    figure, axes = plt.subplots(figsize=(2.2 + 2.0 * len(runs), 0.5 + 0.45 * len(claims)))
    for column, run_verdicts in enumerate(verdicts):
        for row, verdict in enumerate(run_verdicts):
            axes.add_patch(plt.Rectangle((column, row), 1, 1, color=VERDICT_COLORS[str(verdict)]))
            axes.text(column + 0.5, row + 0.5, str(verdict), ha="center", va="center",
                      fontsize=7, color="white" if str(verdict) != "NOT RUN" else "black")
    axes.set(xlim=(0, len(runs)), ylim=(len(claims), 0))
    axes.set_xticks([c + 0.5 for c in range(len(runs))], runs, rotation=20, ha="right",
                    fontsize=7)
    axes.set_yticks([r + 0.5 for r in range(len(claims))], claims, fontsize=7)
    axes.set_title("claims across runs")
    save(figure, path)
