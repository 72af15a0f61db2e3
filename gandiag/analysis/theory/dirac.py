"""The Dirac GAN (Mescheder et al. 2018): one real point at 0, one fake at theta, a linear D.

D(x) = sigmoid(psi x). D ascends E[log D(0 + e)] + E[log(1 - D(theta + e))] and G descends
its cost, simultaneously; with instance noise e ~ N(0, sigma^2) on D's inputs every
expectation is a Gauss-Hermite sum. The only equilibrium is (theta, psi) = (0, 0): without
noise the field's Jacobian there has purely imaginary eigenvalues (both costs rotate around
it, and gradient steps spiral out); with noise D's own term damps psi and the real parts
turn negative.
"""

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import expit

from gandiag.store.schema import DiracRow

GENERATOR_COSTS = ("original", "minus-log-d")
HERMITE_NODES = 32
DIFFERENCE_STEP = 1e-5


def vector_field(theta: np.ndarray, psi: np.ndarray, cost: str,
                 sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(d theta / dt, d psi / dt) on arrays of (theta, psi): G's descent, D's ascent."""
    nodes, weights = hermegauss(HERMITE_NODES) if sigma > 0 else (np.zeros(1), np.ones(1))
    weights = weights / weights.sum()
    noise = sigma * nodes[:, None, None] if np.ndim(theta) else sigma * nodes
    weight = weights[:, None, None] if np.ndim(theta) else weights
    fake = theta + noise
    d_fake = expit(psi * fake)
    d_psi = np.sum(weight * ((1 - expit(psi * noise)) * noise - d_fake * fake), axis=0)
    slope = d_fake if cost == "original" else 1 - d_fake
    return np.sum(weight * slope * psi, axis=0), d_psi


def equilibrium_eigenvalues(cost: str, sigma: float) -> np.ndarray:
    """Eigenvalues of the field's Jacobian at (0, 0), by central differences."""
    h = DIFFERENCE_STEP
    columns = []
    for step in ((h, 0.0), (0.0, h)):
        plus = vector_field(np.float64(step[0]), np.float64(step[1]), cost, sigma)
        minus = vector_field(np.float64(-step[0]), np.float64(-step[1]), cost, sigma)
        columns.append([(a - b) / (2 * h) for a, b in zip(plus, minus)])
    return np.linalg.eigvals(np.array(columns).T)


def rows(sigmas: tuple[float, ...]) -> list[DiracRow]:
    """Every cost at every noise level: the real and imaginary parts at the equilibrium."""
    found = []
    for cost in GENERATOR_COSTS:
        for sigma in sigmas:
            eigenvalues = equilibrium_eigenvalues(cost, sigma)
            found.append(DiracRow(cost, sigma, [float(v) for v in eigenvalues.real],
                                  [float(v) for v in eigenvalues.imag]))
    return found
