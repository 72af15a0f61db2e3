"""`gandiag toy-noise`'s settings, apart from the experiment so that the command line reads
them without loading JAX."""

import dataclasses

from gandiag.analysis.quality.modes import COVERAGE_RADIUS, COVERAGE_SHARE
from gandiag.config import TOY_DATASETS, DataConfig, ModelConfig, ToyDatasetName, TrainConfig
from gandiag.errors import GandiagError

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
        if self.dataset not in TOY_DATASETS:
            raise GandiagError(f"toy-noise dataset {self.dataset!r} is not allowed; choose one "
                               f"of: {', '.join(TOY_DATASETS)}")
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
