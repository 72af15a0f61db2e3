"""Two parallel unit segments at distance delta, with instance noise: everything exact.

P_r is uniform on [0, 1] x {0}, P_g on [0, 1] x {delta}, so W(P_r, P_g) = delta exactly
(the translation is a coupling of cost delta, and the 1-Lipschitz f(x) = x_2 gives at least
delta). With noise e added to both, the noisy densities are closed-form: uniform in a disk
of radius sigma, the density at y is the length of the segment inside the disk around y
over the disk's area; Gaussian N(0, sigma^2 I), a difference of normal CDFs along the
segment times a normal density across it. The JSD of the noisy pair, the optimal noisy
discriminator D*_sigma and its gradient follow by quadrature on a grid.
"""

import math
from typing import Literal

import numpy as np
from scipy.integrate import simpson
from scipy.special import ndtr, xlogy

from gandiag.analysis.noise.bounds import ball_variance
from gandiag.store.schema import BoundRow

SegmentNoise = Literal["ball", "gaussian"]
DIMENSIONS = 2
# Quadrature: midpoints across the noisy strip and along it.
ACROSS_POINTS = 800
ALONG_POINTS = 1200
GAUSSIAN_REACH = 8.0  # standard deviations of Gaussian noise beyond the segments


def noisy_density(points: np.ndarray, offset: float, sigma: float,
                  noise: SegmentNoise) -> np.ndarray:
    """Density at ``points`` (..., 2) of the unit segment at height ``offset`` plus noise."""
    along, across = points[..., 0], points[..., 1] - offset
    if noise == "ball":
        half = np.sqrt(np.maximum(sigma**2 - across**2, 0.0))
        length = np.clip(np.minimum(1.0, along + half) - np.maximum(0.0, along - half), 0.0, None)
        return length / (math.pi * sigma**2)
    spread = ndtr((1.0 - along) / sigma) - ndtr(-along / sigma)
    return spread * np.exp(-0.5 * (across / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma)


def optimal_logit(points: np.ndarray, delta: float, sigma: float) -> np.ndarray:
    """log(D*_sigma / (1 - D*_sigma)) = log p_r - log p_g under Gaussian noise, in closed
    form: the factors along the segments are equal and cancel, leaving
    delta (delta - 2 y_2) / (2 sigma^2)."""
    return delta * (delta - 2 * points[..., 1]) / (2 * sigma**2)


def _quadrature_grid(delta: float, sigma: float, noise: SegmentNoise):
    reach = sigma if noise == "ball" else GAUSSIAN_REACH * sigma
    along = np.linspace(-reach, 1.0 + reach, ALONG_POINTS + 1)
    across = np.linspace(-reach, delta + reach, ACROSS_POINTS + 1)
    along_mid, across_mid = (along[1:] + along[:-1]) / 2, (across[1:] + across[:-1]) / 2
    points = np.stack(np.meshgrid(along_mid, across_mid, indexing="ij"), axis=-1)
    return points, (along[1] - along[0]) * (across[1] - across[0])


def noisy_masses_and_jsd(delta: float, sigma: float,
                         noise: SegmentNoise) -> tuple[float, float, float]:
    """(mass of P_r + e, mass of P_g + e, JSD(P_r + e || P_g + e)) by the midpoint rule.

    The masses should be 1; their error bounds the quadrature's.
    """
    points, cell = _quadrature_grid(delta, sigma, noise)
    real = noisy_density(points, 0.0, sigma, noise)
    fake = noisy_density(points, delta, sigma, noise)
    total = real + fake
    safe = np.where(total > 0, total, 1.0)
    jsd = 0.5 * cell * float(np.sum(xlogy(real, 2 * real / safe) + xlogy(fake, 2 * fake / safe)))
    jsd = min(max(jsd, 0.0), math.log(2))
    return float(real.sum() * cell), float(fake.sum() * cell), jsd


def noise_variance(sigma: float, noise: SegmentNoise) -> float:
    """V = E|e|^2: sigma^2 d / (d + 2) in a disk, d sigma^2 for Gaussian noise (d = 2)."""
    return ball_variance(sigma, DIMENSIONS) if noise == "ball" else DIMENSIONS * sigma**2


def diameter(delta: float, sigma: float, noise: SegmentNoise) -> float:
    """C: a ball of diameter sqrt(1 + delta^2) (centred between the segments) holds both;
    disk noise widens it by 2 sigma; Gaussian noise has unbounded support."""
    return math.hypot(1.0, delta) + 2 * sigma if noise == "ball" else math.inf


def bound(jsd: float, delta: float, sigma: float, noise: SegmentNoise) -> float:
    """2 sqrt(V) + 2 C sqrt(JSD) (infinite when C is)."""
    size = diameter(delta, sigma, noise)
    if not math.isfinite(size):
        return math.inf
    return 2 * math.sqrt(noise_variance(sigma, noise)) + 2 * size * math.sqrt(max(jsd, 0.0))


def bound_cell(delta: float, sigma: float, noise: SegmentNoise = "ball") -> BoundRow:
    """Theorem 3.4 at one (delta, sigma): W = delta, the noisy JSD, the bound and C."""
    real_mass, fake_mass, jsd = noisy_masses_and_jsd(delta, sigma, noise)
    return BoundRow(delta, sigma, delta, jsd, bound(jsd, delta, sigma, noise),
                     diameter(delta, sigma, noise),
                     max(abs(real_mass - 1.0), abs(fake_mass - 1.0)))


def optimal_generator_gradient(points: np.ndarray, delta: float, sigma: float) -> np.ndarray:
    """grad_x log(1 - D*_sigma(x)) under Gaussian noise, G's per-sample input gradient of the
    original cost: -D*_sigma grad_x logit = D*_sigma (0, delta / sigma^2)."""
    d_star = np.exp(-np.logaddexp(0.0, -optimal_logit(points, delta, sigma)))
    gradient = np.zeros(points.shape, dtype=np.float64)
    gradient[..., 1] = d_star * delta / sigma**2
    return gradient


def exponential_slope(sigmas: list[float], gradients: list[float], delta: float) -> float:
    """Slope of log(|grad| sigma^2 / delta) against 1 / sigma^2 over the sigmas <= delta / 2.

    On the fakes D*_sigma = sigmoid(-delta^2 / 2 sigma^2), so for sigma << delta G's
    gradient D*_sigma delta / sigma^2 falls as exp(-delta^2 / 2 sigma^2): slope -delta^2 / 2.
    """
    chosen = [(s, g) for s, g in zip(sigmas, gradients) if s <= delta / 2 and g > 0]
    if len(chosen) < 2:
        return math.nan
    inverse_square = np.array([1 / s**2 for s, _ in chosen])
    scaled = np.log([g * s**2 / delta for s, g in chosen])
    return float(np.polyfit(inverse_square, scaled, 1)[0])


DECOMPOSITION_POINTS = 20001


def decomposition(points: np.ndarray, delta: float,
                  sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theorem 3.2's right side at each point x (n, 2), under Gaussian noise, and a, b:

        a(x) int P_e(x - y) grad_x |x - y|^2 dP_r(y) - b(x) int P_e(x - y) grad_x |x - y|^2 dP_g(y),
        a = 1 / (2 sigma^2 (P_r+e(x) + P_g+e(x))),  b = a P_r+e(x) / P_g+e(x),

    every integral along the segments by Simpson's rule. It should equal the closed-form
    ``optimal_generator_gradient``.
    """
    along = np.linspace(0.0, 1.0, DECOMPOSITION_POINTS)
    densities, pulls = [], []
    for offset in (0.0, delta):
        difference = points[:, None, :] - np.stack([along, np.full_like(along, offset)], axis=1)
        kernel = np.exp(-0.5 * np.sum(difference**2, axis=-1) / sigma**2) / (2 * math.pi * sigma**2)
        densities.append(simpson(kernel, x=along, axis=1))
        pulls.append(simpson(kernel[..., None] * 2 * difference, x=along, axis=1))
    (real, fake), (real_pull, fake_pull) = densities, pulls
    a = 1 / (2 * sigma**2 * (real + fake))
    b = a * real / fake
    return a[:, None] * real_pull - b[:, None] * fake_pull, a, b
