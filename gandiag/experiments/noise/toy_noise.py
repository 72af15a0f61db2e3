"""`gandiag toy-noise`: Section 3's theory on a 2-D toy, where everything is cheap and exact.

A G trained with the original cost against a D kept near-optimal (several D updates
per G update) stalls when D's inputs are clean: D separates the two distributions and
G's gradient vanishes. With instance noise the gradient survives and G's samples move
to the modes. Each setting is an ordinary `gandiag train` run; this module compares
them through their checkpoints.
"""

import dataclasses
import pathlib

import jax
import numpy as np

from gandiag.analysis.quality.modes import COVERAGE_RADIUS, COVERAGE_SHARE, mode_statistics
from gandiag.config import DataConfig, ModelConfig, ToyDatasetName, TrainConfig
from gandiag.core.networks import build_networks, generate
from gandiag.data import datasets
from gandiag.errors import GandiagError
from gandiag.experiments.train import train
from gandiag.store import layout, runs
from gandiag.store.saved_run import SavedRun
from gandiag.store.schema import ToyPoint, ToySummary, write_summary
from gandiag.views import console, plots
from gandiag.views.report import tables

SAMPLES = 2000
TOY_SHAPE = (2,)


# Training budgets are G updates, not epochs, so a budget means the same at any batch size.
# "20 epochs" at batch 256 was 780 updates, after which no G of any cost had learnt the grid.
# Measured before this was fixed (one -log D G on the grid, Adam 1e-3, batch 256, seed 0,
# the mode counter of `analysis/quality/modes.py`): 780 updates cover 3 modes with 5% of
# samples on a mode, 11,700 cover 6 with 73%, 19,500 6 with 88%, 30,030 8 with 94%. The
# published standard GAN on this grid keeps about 95% of its samples on a mode (VEEGAN,
# PacGAN), so 30,000 updates reach its sample quality; it covers more modes (about 17 of
# 25) than this G does. PacGAN's own grid runs train 400 epochs of 100,000 points at batch
# 100 (400,000 updates), out of reach of a shared CPU.
TOY_G_UPDATES = 30_000
TOY_POINTS = 10_000
# Epochs at which the curve of modes covered is measured (evenly spaced, the last included).
CURVE_POINTS = 20


@dataclasses.dataclass(frozen=True)
class ToyNoiseConfig:
    """A toy-noise comparison. ``g_updates``: G's training budget (rounded up to whole passes
    over the toy points); ``coverage_radius``: a sample this close to a mode counts for it;
    a mode is covered when it holds at least ``coverage_share`` of the samples on a mode."""

    dataset: ToyDatasetName = "ring"
    sigmas: tuple[float, ...] = (0.0, 0.5)
    g_updates: int = TOY_G_UPDATES
    d_steps: int = 5
    batch_size: int = 256
    seed: int = 0
    coverage_radius: float = COVERAGE_RADIUS
    coverage_share: float = COVERAGE_SHARE

    def __post_init__(self):
        if self.g_updates < 1:
            raise GandiagError(f"--g-updates must be at least 1, got {self.g_updates}")

    @property
    def epochs(self) -> int:
        """Whole passes over the toy points that give at least ``g_updates`` G updates."""
        return -(-self.g_updates // max(TOY_POINTS // self.batch_size, 1))

    @property
    def curve_epochs(self) -> tuple[int, ...]:
        count = min(CURVE_POINTS, self.epochs)
        return tuple(sorted({round(self.epochs * (i + 1) / count) for i in range(count)}))

    def train_config(self, sigma: float) -> TrainConfig:
        return TrainConfig(data=DataConfig(self.dataset), model=ModelConfig(nz=2, ngf=64, ndf=64),
                           epochs=self.epochs, batch_size=self.batch_size, cost="original",
                           d_steps=self.d_steps, save_epochs=self.curve_epochs,
                           instance_noise=sigma, seed=self.seed)


def generator_samples(run_dir: pathlib.Path, config: TrainConfig, epoch: int) -> np.ndarray:
    """``SAMPLES`` points of the G saved after ``epoch``, on the run's fixed latents."""
    g_variables = SavedRun(run_dir).generator(epoch, TOY_SHAPE)
    return np.asarray(generate(build_networks(config, TOY_SHAPE), g_variables,
                               jax.random.key(config.seed + 1), SAMPLES))


def mode_curve(run_dir: pathlib.Path, config: TrainConfig, toy: ToyNoiseConfig,
               modes: np.ndarray) -> tuple[list[ToyPoint], np.ndarray]:
    """Modes covered and distance to the modes at every epoch, and the last epoch's samples."""
    curve = []
    for epoch in toy.curve_epochs:
        samples = generator_samples(run_dir, config, epoch)
        covered, distance = mode_statistics(samples, modes, toy.coverage_radius,
                                            toy.coverage_share)
        curve.append(ToyPoint(epoch, covered, distance))
    return curve, samples


def run(config: ToyNoiseConfig, output_dir: pathlib.Path | None = None,
        quiet: bool = False) -> ToySummary:
    """Train one toy GAN per noise level; measure modes covered and distance per epoch."""
    output = layout.ExperimentDir(pathlib.Path(
        output_dir or runs.runs_root() / f"toy-noise-{config.dataset}"))
    modes = datasets.toy_modes(config.dataset)
    curves, final_samples = {}, {}
    with console.progress_bar("toy-noise", len(config.sigmas), quiet) as bar:
        for done, sigma in enumerate(config.sigmas):
            bar.update(done, status=f"training on {config.dataset} with sigma {sigma:g}")
            train_config = config.train_config(sigma)
            run_dir = output.path / layout.toy_setting(sigma)
            train.run(train_config, run_dir, overwrite=True, quiet=True)
            curves[f"{sigma:g}"], final_samples[f"sigma {sigma:g}"] = mode_curve(
                run_dir, train_config, config, modes)
        bar.update(len(config.sigmas), status="done")
    summary = ToySummary(config.dataset, len(modes), dataclasses.asdict(config), curves)
    write_summary(output.summary, summary)
    reference = datasets.load_dataset(config.dataset).array[:SAMPLES]
    plots.toy_noise(curves, final_samples, reference, len(modes), output.figure(layout.TOY_FIGURE))
    console.show(console.table(f"toy-noise: {config.dataset}, original cost, "
                               f"{config.d_steps} D steps per G step", *tables.toy_rows(summary)))
    return summary
