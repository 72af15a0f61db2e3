"""Section 3's theory check on a 2-D toy, where everything is cheap and exact.

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

from gandiag import data, metrics, plots, progress, runs, train
from gandiag.checkpoint import Checkpoints
from gandiag.config import DataConfig, ModelConfig, TrainConfig
from gandiag.state import create_state
from gandiag.steps import build_networks

SAMPLES = 2000


@dataclasses.dataclass(frozen=True)
class ToyNoiseConfig:
    """A toy-noise comparison. ``coverage_radius``: a sample this close to a mode counts for
    it; a mode is covered when it holds at least ``coverage_share`` of the samples."""

    dataset: str = "ring"
    sigmas: tuple[float, ...] = (0.0, 0.5)
    epochs: int = 20
    d_steps: int = 5
    batch_size: int = 256
    seed: int = 0
    coverage_radius: float = 0.25
    coverage_share: float = 0.02

    def train_config(self, sigma: float) -> TrainConfig:
        return TrainConfig(data=DataConfig(self.dataset), model=ModelConfig(nz=2, ngf=64, ndf=64),
                           epochs=self.epochs, batch_size=self.batch_size, cost="original",
                           d_steps=self.d_steps, save_epochs=tuple(range(1, self.epochs + 1)),
                           instance_noise=sigma, seed=self.seed)


def mode_statistics(samples: np.ndarray, modes: np.ndarray, radius: float, share: float):
    """(modes covered, mean distance of a sample to its nearest mode)."""
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    close = distances.min(axis=1) <= radius
    counts = np.bincount(nearest[close], minlength=len(modes))
    return int(np.sum(counts >= share * len(samples))), float(distances.min(axis=1).mean())


def generator_samples(run_dir: pathlib.Path, config: TrainConfig, epoch: int) -> np.ndarray:
    template = create_state(config, (2,))
    state, _ = Checkpoints(run_dir, read_only=True).restore_epoch(epoch, template)
    networks = build_networks(config, (2,))
    z = jax.random.normal(jax.random.key(config.seed + 1), (SAMPLES, config.model.nz))
    return np.asarray(networks.generate(state.g_params, state.g_stats, z)[0])


def run(config: ToyNoiseConfig, output_dir: pathlib.Path | None = None,
        quiet: bool = False) -> dict:
    """Train one toy GAN per noise level; measure modes covered and distance per epoch."""
    output_dir = pathlib.Path(output_dir or runs.runs_root() / f"toy-noise-{config.dataset}")
    modes = data.toy_modes(config.dataset)
    results = {}
    final_samples = {}
    for sigma in config.sigmas:
        train_config = config.train_config(sigma)
        run_dir = output_dir / f"sigma_{sigma:g}"
        progress.say(f"toy-noise: training on {config.dataset} with sigma {sigma:g}", quiet)
        train.run(train_config, run_dir, overwrite=True, quiet=True)
        curve = []
        for epoch in range(1, config.epochs + 1):
            samples = generator_samples(run_dir, train_config, epoch)
            covered, distance = mode_statistics(samples, modes, config.coverage_radius,
                                                config.coverage_share)
            curve.append({"epoch": epoch, "modes_covered": covered, "mean_distance": distance})
        results[f"{sigma:g}"] = curve
        final_samples[f"sigma {sigma:g}"] = samples
    summary = {"dataset": config.dataset, "modes": len(modes), "config": dataclasses.asdict(config),
               "curves": results}
    metrics.write_json(output_dir / "summary.json", summary)
    reference = data.load_dataset(config.dataset).array[:2000]
    plots.toy_noise(results, final_samples, reference, len(modes), output_dir / "toy_noise.png")
    rows = [[sigma, curve[0]["mean_distance"], curve[-1]["mean_distance"],
             f"{curve[-1]['modes_covered']}/{len(modes)}"] for sigma, curve in results.items()]
    progress.show(progress.table(f"toy-noise: {config.dataset}, original cost, "
                                 f"{config.d_steps} D steps per G step",
                                 ["sigma", "distance epoch 1", "distance final", "modes covered"],
                                 rows))
    return summary
