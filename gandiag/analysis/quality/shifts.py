"""Pixel distances that a small translation does not fool, for the "G learnt" premise.

A real digit moved by one pixel is as much a digit as before, yet its plain L2 distance to
the nearest real grows (1.10-1.70 times the data's own spacing on MNIST and the digits),
while a flat black image lies close to MNIST's mostly black digits (0.75-0.9). So distances
here are the least over translations of the query by up to ``shift`` pixels each way
(edges replicated), and a second number, diversity, catches a G whose samples are one
image: the median distance of a sample to its nearest *other* sample, over the data's own
spacing (a single repeated image: 0; the tightest MNIST class alone: 0.40; the data: 1.1).
"""

from collections.abc import Iterator

import numpy as np

from gandiag.analysis.evidence import Interval, percentile_interval

ROWS = 512  # queries per block of the distance matrix


def _translations(images: np.ndarray, shift: int) -> Iterator[np.ndarray]:
    """Each translation of ``images`` (n, h, w[, c]) by up to ``shift`` pixels, flattened."""
    images = np.asarray(images, np.float64)
    if images.ndim == 3:
        images = images[..., None]
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="edge")
    for down in range(2 * shift + 1):
        for right in range(2 * shift + 1):
            yield padded[:, down:down + height, right:right + width].reshape(len(images), -1)


def _squared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :], 0.0)


def nearest(queries: np.ndarray, references: np.ndarray, shift: int,
            leave_one_out: bool = False) -> np.ndarray:
    """Each query's least distance to a reference over its translations (``leave_one_out``:
    queries are the references, and a query is never its own neighbour, moved or not)."""
    flat = np.asarray(references, np.float64).reshape(len(references), -1)
    best = np.full(len(queries), np.inf)
    for moved in _translations(queries, shift):
        for start in range(0, len(moved), ROWS):
            block = _squared(moved[start:start + ROWS], flat)
            if leave_one_out:
                rows = np.arange(start, min(start + ROWS, len(moved)))
                block[rows - start, rows] = np.inf
            best[start:start + ROWS] = np.minimum(best[start:start + ROWS], block.min(axis=1))
    return np.sqrt(best)


def spacing(real: np.ndarray, shift: int) -> float:
    """The data's own spacing: the median distance of a real to its nearest other real."""
    return float(np.median(nearest(real, real, shift, leave_one_out=True)))


def _median_interval(ratios: np.ndarray, seed: int, draws: int) -> Interval:
    rng = np.random.default_rng(seed)
    medians = [np.median(ratios[rng.integers(len(ratios), size=len(ratios))])
               for _ in range(draws)]
    return percentile_interval(np.array(medians), float(np.median(ratios)),
                               f"bootstrap over samples ({draws} draws)")


def realism(real: np.ndarray, fake: np.ndarray, shift: int, seed: int = 0,
            draws: int = 200) -> Interval:
    """Median distance of a sample to its nearest real, over the data's spacing (~1 for
    samples as close to the data as its own examples; noise > 1.5)."""
    ratios = nearest(fake, real, shift) / max(spacing(real, shift), 1e-12)
    return _median_interval(ratios, seed, draws)


def diversity(real: np.ndarray, fake: np.ndarray, shift: int, seed: int = 0,
              draws: int = 200) -> Interval:
    """Median distance of a sample to its nearest other sample, over the data's spacing."""
    ratios = nearest(fake, fake, shift, leave_one_out=True) / max(spacing(real, shift), 1e-12)
    return _median_interval(ratios, seed, draws)
