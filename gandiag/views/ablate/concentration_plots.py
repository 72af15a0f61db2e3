"""The concentration study's figure: each final D's worst fakes beside their nearest reals."""

import dataclasses
import pathlib

import numpy as np

from gandiag.views.plots import plt, save

# One figure per frozen G: worst_fakes_epoch<N>.png in the variant's folder.
FIGURE = "worst_fakes_epoch{epoch}.png"


@dataclasses.dataclass(frozen=True)
class WorstFakes:
    """One final D's worst fakes (largest loss first), the training reals nearest to them
    (L2 in pixels), their losses and distances."""

    fakes: np.ndarray
    nearest: np.ndarray
    losses: np.ndarray
    distances: np.ndarray


def _show(axes, image: np.ndarray, title: str) -> None:
    axes.imshow(np.clip((image + 1) / 2, 0, 1).squeeze(), cmap="gray", vmin=0, vmax=1)
    axes.set_title(title, fontsize=6)
    axes.set_axis_off()


def worst_fakes(worst: dict[tuple[int, int], WorstFakes], folder: pathlib.Path) -> list:
    """Per epoch a figure, a row per D seed: each worst fake, then its nearest real.

    Returns the paths written.
    """
    paths = []
    for epoch in sorted({epoch for epoch, _ in worst}):
        seeds = sorted(seed for e, seed in worst if e == epoch)
        columns = 2 * max(len(worst[(epoch, seed)].fakes) for seed in seeds)
        figure, grid = plt.subplots(len(seeds), columns, squeeze=False,
                                    figsize=(1.1 * columns, 1.3 * len(seeds) + 0.4))
        for row, seed in enumerate(seeds):
            found = worst[(epoch, seed)]
            for index in range(columns // 2):
                fake_axes, real_axes = grid[row, 2 * index], grid[row, 2 * index + 1]
                if index >= len(found.fakes):
                    fake_axes.set_axis_off()
                    real_axes.set_axis_off()
                    continue
                _show(fake_axes, found.fakes[index],
                      f"seed {seed} fake\nloss {found.losses[index]:.3g}")
                _show(real_axes, found.nearest[index],
                      f"nearest real\nL2 {found.distances[index]:.3g}")
        figure.suptitle(f"epoch {epoch}: D's worst 1% of held-out fakes beside the nearest "
                        "training real", fontsize=8)
        path = pathlib.Path(folder) / FIGURE.format(epoch=epoch)
        save(figure, path)
        paths.append(path)
    return paths
