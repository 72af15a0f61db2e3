"""Figures: sample grids and the paper's plots, all drawn from recorded numbers."""

import math
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


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
