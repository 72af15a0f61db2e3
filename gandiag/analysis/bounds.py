"""Section 3's quantities from measured numbers: the JSD estimate, the Wasserstein bound of
Theorem 3.5, and the empirical Wasserstein distance by exact optimal transport."""

import math

import numpy as np
from scipy.optimize import linear_sum_assignment


def jsd_lower_bound(cross_entropy: float) -> float:
    """JSD >= log 2 - L / 2, L = E_r[-log D] + E_g[-log(1 - D)]; equality at the optimal D."""
    return max(0.0, math.log(2.0) - cross_entropy / 2.0)


def wasserstein_upper_bound(sigma: float, dimensions: int, jsd: float) -> float:
    """2 sqrt(V) + 2 C sqrt(JSD), V = sigma^2 d and C = 2 sqrt(d), the diameter of [-1, 1]^d."""
    return 2.0 * sigma * math.sqrt(dimensions) + 2.0 * 2.0 * math.sqrt(dimensions) * math.sqrt(jsd)


def empirical_wasserstein(real: np.ndarray, fake: np.ndarray) -> float:
    """W1 between two equal-size samples by exact optimal transport (an assignment).

    A finite-sample estimate of W(P_r, P_g): the mean Euclidean distance of the
    optimal one-to-one matching of the flattened samples.
    """
    real = real.reshape(len(real), -1).astype(np.float64)
    fake = fake.reshape(len(fake), -1).astype(np.float64)
    squared = (np.sum(real**2, 1)[:, None] + np.sum(fake**2, 1)[None, :] - 2.0 * real @ fake.T)
    distances = np.sqrt(np.maximum(squared, 0.0))
    rows, columns = linear_sum_assignment(distances)
    return float(distances[rows, columns].mean())
