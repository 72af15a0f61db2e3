"""Mode coverage of 2-D samples against the known modes of a toy mixture."""

import numpy as np


def mode_statistics(samples: np.ndarray, modes: np.ndarray, radius: float,
                    share: float) -> tuple[int, float]:
    """(modes covered, mean distance of a sample to its nearest mode).

    A sample within ``radius`` of a mode counts for it; a mode is covered when it holds
    at least ``share`` of the samples.
    """
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    close = distances.min(axis=1) <= radius
    counts = np.bincount(nearest[close], minlength=len(modes))
    return int(np.sum(counts >= share * len(samples))), float(distances.min(axis=1).mean())
