"""Views of `gandiag quality`: quality against epochs beside G's gradient norm, and its table."""

import pathlib

import matplotlib.pyplot as plt
import numpy as np

from gandiag.analysis.format import number
from gandiag.store.quality_schema import QualityRow, QualitySummary
from gandiag.store.schema import Estimate
from gandiag.views import console
from gandiag.views.plots import save

COLUMNS = ("epoch", "samples", "FCD", "KCD", "precision", "recall", "classes covered",
           "class KL", "SWD x1e3", "pixel realism")
_FIELDS = ("fcd", "kcd", "precision", "recall", "classes_covered", "class_kl", "swd", "realism")
# The 2-D toys' columns: modes instead of classes, no image distances.
TOY_COLUMNS = ("epoch", "samples", "precision", "recall", "modes covered", "high-quality share")
_TOY_FIELDS = ("precision", "recall", "modes_covered", "high_quality")


def _is_toy(summary: QualitySummary) -> bool:
    return any(row.modes_covered is not None for row in summary.rows)


def cell(value: Estimate | None) -> str:
    if value is None:
        return "-"
    return f"{number(value.value, '.3g')} [{number(value.low, '.3g')}, {number(value.high, '.3g')}]"


def rows(summary: QualitySummary) -> list[list]:
    """One row per saved epoch: each metric as 'estimate [90% interval]'."""
    fields = _TOY_FIELDS if _is_toy(summary) else _FIELDS
    return [[row.epoch, row.samples, *[cell(getattr(row, name)) for name in fields]]
            for row in summary.rows]


def floor_line(summary: QualitySummary) -> str:
    if _is_toy(summary):
        return ("2-D toy: a sample within the coverage radius of a mode is high-quality; a mode "
                "is covered when it holds its share of the samples (as `gandiag toy-noise`).")
    if summary.floor_fcd is None:
        return "No FCD floor: the data set has no labels, so no classifier."
    return (f"Floor (real vs real, {summary.floor_samples} held-out vs as many training "
            f"images): FCD {cell(summary.floor_fcd)}, KCD {cell(summary.floor_kcd)}.")


def columns(summary: QualitySummary) -> list[str]:
    return list(TOY_COLUMNS if _is_toy(summary) else COLUMNS)


def table(summary: QualitySummary, title: str):
    return console.table(title, columns(summary), rows(summary))


def _errorbars(axes, rows: list[QualityRow], name: str, label: str, color) -> None:
    present = [row for row in rows if getattr(row, name) is not None]
    if not present:
        return
    epochs = np.array([row.epoch for row in present])
    values = [getattr(row, name) for row in present]
    middle = np.array([v.value for v in values])
    spread = np.array([[v.value - v.low for v in values], [v.high - v.value for v in values]])
    axes.errorbar(epochs, middle, yerr=np.maximum(spread, 0), marker="o", capsize=3,
                  label=label, color=color)


def quality_curves(summary: QualitySummary, gradient_norms: dict[int, float],
                   path: pathlib.Path) -> None:
    """FCD (or SWD), precision/recall, classes covered, and G's mean gradient norm by epoch."""
    distance = ("fcd", "FCD (classifier features, not FID)") if summary.floor_fcd else (
        "swd", "SWD x1e3 (pixel patches)")
    figure, axes = plt.subplots(1, 4, figsize=(18, 4))
    _errorbars(axes[0], summary.rows, *distance, "C0")
    if summary.floor_fcd is not None:
        axes[0].axhline(summary.floor_fcd.value, color="grey", linestyle="--",
                        label="floor: real vs real")
    axes[0].set(xlabel="epoch", ylabel=distance[1])
    _errorbars(axes[1], summary.rows, "precision", "precision", "C1")
    _errorbars(axes[1], summary.rows, "recall", "recall", "C2")
    axes[1].set(xlabel="epoch", ylabel="k-NN precision / recall (k = 3)", ylim=(-0.05, 1.05))
    if _is_toy(summary):
        _errorbars(axes[0], summary.rows, "high_quality", "high-quality share", "C0")
        axes[0].set(ylabel="share of samples near a mode", ylim=(-0.05, 1.05))
        _errorbars(axes[2], summary.rows, "modes_covered", "modes covered", "C3")
        axes[2].set(xlabel="epoch", ylabel="modes covered")
    else:
        _errorbars(axes[2], summary.rows, "classes_covered", "classes covered", "C3")
        axes[2].set(xlabel="epoch", ylabel="classes with >= half their share")
    if gradient_norms:
        axes[3].plot(list(gradient_norms), list(gradient_norms.values()), color="C4",
                     label="G's gradient norm (epoch mean, training)")
    axes[3].set(xlabel="epoch", ylabel="gradient norm", yscale="log")
    for panel in axes:
        if panel.get_legend_handles_labels()[0]:
            panel.legend(fontsize=8)
    save(figure, path, dpi=100)
