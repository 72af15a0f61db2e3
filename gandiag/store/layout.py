"""Every folder and file name of a run directory, here and nowhere else.

```
<run set>/                         a folder of G runs (`gandiag paper --g-seeds N`)
  members.json                     {"runs": ["g0", "g1", ...]}, folders relative to it
  report/                          the report over every member
<run>/                             RunDir
  config.json                      the resolved training config
  metrics.jsonl                    one record per training step
  checkpoints/epoch/<E>/           kept epochs;  checkpoints/latest/<step>/ for --resume
  samples/epoch_NNNN.png           G on a fixed z at each saved epoch
  <experiment>/                    ExperimentDir: freeze_g_train_d, probe, add_noise, toy_noise
    config.json, curves.jsonl, heldout.jsonl, premises.jsonl, summary.json, figures
  report/                          REPORT.md, report.html, training.png
  theory/                          `gandiag theory`: summary.json, one figure per check
  quality/                         `gandiag quality`: summary.json, quality.png, after_probe.json
  ablate/<study>/study.json        `gandiag ablate`: the study's baseline and variants
  ablate/<study>/<variant>/        an ExperimentDir per variant, plus
                                   endpoints.jsonl (each final D on train, held-out, clean)
```
"""

import dataclasses
import pathlib
import re
import typing
from typing import Literal

CONFIG = "config.json"
LOCK = ".lock"  # see store/locks.py
METRICS = "metrics.jsonl"
CURVES = "curves.jsonl"
HELDOUT = "heldout.jsonl"
PREMISES = "premises.jsonl"
SUMMARY = "summary.json"
CHECKPOINTS = "checkpoints"
EPOCH_CHECKPOINTS = "epoch"
LATEST_CHECKPOINT = "latest"
SAMPLES = "samples"
REPORT = "report"
REPORT_MARKDOWN = "REPORT.md"
REPORT_HTML = "report.html"
# The pointer to the newest run, inside the runs root.
LATEST_RUN = "latest"
# A folder holding several G runs (one per G seed) lists them here.
MEMBERS = "members.json"

ExperimentName = Literal["freeze_g_train_d", "probe", "add_noise", "toy_noise"]
FREEZE_G_TRAIN_D: ExperimentName = "freeze_g_train_d"
PROBE: ExperimentName = "probe"
ADD_NOISE: ExperimentName = "add_noise"
TOY_NOISE: ExperimentName = "toy_noise"
EXPERIMENTS: tuple[str, ...] = typing.get_args(ExperimentName)

# Figures, by what they show.
FIGURE1 = "figure1.png"
COST_FIGURES = {"original": "figure2.png", "minus-log-d": "figure3.png"}
NOISE_GRADIENTS = "noise_gradients.png"
NOISE_ACCURACY = "noise_accuracy.png"
TOY_FIGURE = "toy_noise.png"
TRAINING_FIGURE = "training.png"
COMPARISON_JSON = "comparison.json"
COMPARISON_FIGURE = "comparison.png"
# `gandiag theory`: its folder (in a run dir, or runs/theory alone) and a figure per check.
THEORY = "theory"
# `gandiag ablate`: its folder in a run dir, and each variant's end-of-training evaluations.
ABLATE = "ablate"
ENDPOINTS = "endpoints.jsonl"
# A study's baseline and its variants in order: {"baseline": ..., "variants": [...]}.
STUDY = "study.json"
THEORY_FIGURES = {"vanishing": "theory_vanishing.png", "minus-log-d": "theory_minus_log_d.png",
                  "cauchy": "theory_cauchy.png", "wasserstein": "theory_wasserstein.png",
                  "noise": "theory_noise.png", "dirac": "theory_dirac.png"}

# `gandiag quality`: its folder in a run dir and its figure (quality against epochs).
QUALITY = "quality"
QUALITY_FIGURE = "quality.png"
AFTER_PROBE = "after_probe.json"

_SAMPLE_GRID = re.compile(r"epoch_(\d+)\.png")


def cost_figure(cost: str) -> str:
    """figure2.png / figure3.png for the paper's costs, figure_<cost>.png for the others."""
    return COST_FIGURES.get(cost, f"figure_{cost}.png")


def toy_setting(sigma: float) -> str:
    """The sub-run of `toy-noise` that trains with noise level ``sigma``."""
    return f"sigma_{sigma:g}"


@dataclasses.dataclass(frozen=True)
class ExperimentDir:
    """The outputs of one experiment inside a run."""

    path: pathlib.Path

    @property
    def config(self) -> pathlib.Path:
        return self.path / CONFIG

    @property
    def curves(self) -> pathlib.Path:
        return self.path / CURVES

    @property
    def heldout(self) -> pathlib.Path:
        return self.path / HELDOUT

    @property
    def premises(self) -> pathlib.Path:
        return self.path / PREMISES

    @property
    def summary(self) -> pathlib.Path:
        return self.path / SUMMARY

    def figure(self, name: str) -> pathlib.Path:
        return self.path / name


@dataclasses.dataclass(frozen=True)
class RunDir:
    """One `gandiag train` run and everything later commands write into it."""

    path: pathlib.Path

    def __post_init__(self):
        object.__setattr__(self, "path", pathlib.Path(self.path))

    @property
    def config(self) -> pathlib.Path:
        return self.path / CONFIG

    @property
    def metrics(self) -> pathlib.Path:
        return self.path / METRICS

    @property
    def checkpoints(self) -> pathlib.Path:
        return self.path / CHECKPOINTS

    @property
    def samples(self) -> pathlib.Path:
        return self.path / SAMPLES

    @property
    def report(self) -> pathlib.Path:
        return self.path / REPORT

    def sample_grid(self, epoch: int) -> pathlib.Path:
        return self.samples / f"epoch_{epoch:04d}.png"

    def sample_grids(self) -> dict[int, pathlib.Path]:
        """{epoch: grid} of every saved sample grid, in epoch order."""
        found = {}
        for path in self.samples.glob("epoch_*.png"):
            match = _SAMPLE_GRID.fullmatch(path.name)
            if match:
                found[int(match.group(1))] = path
        return dict(sorted(found.items()))

    def experiment(self, name: ExperimentName) -> ExperimentDir:
        return ExperimentDir(self.path / name)

    @property
    def theory(self) -> ExperimentDir:
        return ExperimentDir(self.path / THEORY)

    @property
    def quality(self) -> ExperimentDir:
        return ExperimentDir(self.path / QUALITY)

    def ablation_study(self, study: str) -> pathlib.Path:
        return self.path / ABLATE / study

    def ablation(self, study: str, variant: str) -> ExperimentDir:
        """One variant of one `gandiag ablate` study: a frozen-G experiment of its own."""
        return ExperimentDir(self.ablation_study(study) / variant)
