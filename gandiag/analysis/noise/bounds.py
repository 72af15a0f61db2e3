"""Section 3's quantities from measured numbers: the JSD estimate, the Wasserstein bound of
Theorem 3.4, and the empirical Wasserstein distance by exact optimal transport."""

import math

import numpy as np
from scipy.optimize import linear_sum_assignment

# The JSD's largest value (disjoint supports): the only upper bound of the JSD that needs
# no density, so the only one a sample of images gives.
JSD_MAX = math.log(2.0)


def jsd_lower_bound(cross_entropy: float) -> float:
    """JSD >= log 2 - L / 2, L = E_r[-log D] + E_g[-log(1 - D)]; equality at the optimal D.

    A lower bound: any D gives one, a D at chance gives 0. A Wasserstein bound built from it
    is smaller than the theorem's, so it can show the theorem's bound holds, never fails.
    """
    return max(0.0, JSD_MAX - cross_entropy / 2.0)


def noisy_diameter(sigma: float, dimensions: int, distribution: str) -> float:
    """C: the diameter of the noisy supports. Clean images and tanh outputs lie in
    [-1, 1]^d (diameter 2 sqrt(d)); ball noise of radius sigma adds 2 sigma; Gaussian
    noise has unbounded support (infinite C), unless sigma is 0."""
    if sigma == 0 or distribution == "ball":
        return 2.0 * math.sqrt(dimensions) + 2.0 * sigma
    return math.inf


def noise_variance(sigma: float, dimensions: int, distribution: str) -> float:
    """V = E|e|^2 of the noise: sigma^2 d for Gaussian noise, r^2 d / (d + 2) in a ball."""
    if distribution == "ball":
        return ball_variance(sigma, dimensions)
    return sigma**2 * dimensions


def wasserstein_upper_bound(sigma: float, dimensions: int, jsd: float,
                            distribution: str = "gaussian") -> float:
    """Theorem 3.4's 2 sqrt(V) + 2 C sqrt(JSD(P_r+e || P_g+e)) (infinite when C is)."""
    diameter = noisy_diameter(sigma, dimensions, distribution)
    if not math.isfinite(diameter):
        return math.inf
    return 2.0 * math.sqrt(noise_variance(sigma, dimensions, distribution)) + \
        2.0 * diameter * math.sqrt(max(jsd, 0.0))


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


def nearest_distances(points: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Each point's Euclidean distance to its nearest reference (flattened examples)."""
    points = points.reshape(len(points), -1).astype(np.float64)
    references = references.reshape(len(references), -1).astype(np.float64)
    squared = (np.sum(points**2, 1)[:, None] + np.sum(references**2, 1)[None, :]
               - 2.0 * points @ references.T)
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def ball_variance(radius: float, dimensions: int) -> float:
    """E|e|^2 for e uniform in the ball of ``radius`` in ``dimensions``: r^2 d / (d + 2)."""
    return radius**2 * dimensions / (dimensions + 2)
