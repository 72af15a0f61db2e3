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

from gandiag.analysis.quality.modes import mode_statistics
from gandiag.config import TrainConfig
from gandiag.core.networks import build_networks, generate
from gandiag.data import datasets
from gandiag.experiments.noise.toy_noise_config import ToyNoiseConfig
from gandiag.experiments.train import train
from gandiag.store import layout, runs
from gandiag.store.saved_run import SavedRun
from gandiag.store.schema import ToyPoint, ToySummary, write_summary
from gandiag.views import console, plots
from gandiag.views.report import tables

SAMPLES = 2000
TOY_SHAPE = (2,)


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
