"""Theorem 2.5 by quadrature: what the -log D cost optimises, on 1-D densities known exactly.

With D* = p_r / (p_r + p_g) fixed at theta_0, the paper shows

    E_z[-grad_theta log D*(g_theta(z))] = grad_theta [KL(P_g || P_r) - 2 JSD(P_g || P_r)]

at theta_0. Here P_r = N(0, 1) and P_g = N(m, s^2), g_theta(z) = m + s z with theta = (m, s).
The left side is an expectation over P_g of D*'s log-slope, the right side an analytic KL
gradient minus central differences of the JSD, both by Simpson's rule on a fine grid. The
left side can be given a wrong discriminator (``fake_weight`` != 1) to show the check fails.
"""

import math

import numpy as np
from scipy.integrate import simpson

from gandiag.store.schema import IdentityRow, TwoModeCurves

GRID_POINTS = 40001
GRID_HALF_WIDTH = 12.0  # standard deviations of either density
DIFFERENCE_STEP = 1e-4
LOG_ROOT_TWO_PI = 0.5 * math.log(2 * math.pi)


def log_normal(x: np.ndarray, mean: float, scale: float) -> np.ndarray:
    return -0.5 * ((x - mean) / scale) ** 2 - math.log(scale) - LOG_ROOT_TWO_PI


def grid(mean: float, scale: float) -> np.ndarray:
    """Quadrature nodes covering both N(0, 1) and N(mean, scale^2) to 12 deviations."""
    low = min(-GRID_HALF_WIDTH, mean - GRID_HALF_WIDTH * scale)
    high = max(GRID_HALF_WIDTH, mean + GRID_HALF_WIDTH * scale)
    return np.linspace(low, high, GRID_POINTS)


def divergences(log_p_g: np.ndarray, log_p_r: np.ndarray, x: np.ndarray) -> dict[str, float]:
    """KL(P_g || P_r), KL(P_r || P_g) and JSD(P_g || P_r) of densities given on nodes ``x``."""
    p_g, p_r = np.exp(log_p_g), np.exp(log_p_r)
    log_mixture = np.logaddexp(log_p_g, log_p_r) - math.log(2.0)
    return {
        "kl_g_r": float(simpson(p_g * (log_p_g - log_p_r), x=x)),
        "kl_r_g": float(simpson(p_r * (log_p_r - log_p_g), x=x)),
        "jsd": float(0.5 * simpson(p_g * (log_p_g - log_mixture), x=x)
                     + 0.5 * simpson(p_r * (log_p_r - log_mixture), x=x)),
    }


def gaussian_jsd(mean: float, scale: float, x: np.ndarray) -> float:
    """JSD(N(mean, scale^2) || N(0, 1)) on the nodes ``x``."""
    return divergences(log_normal(x, mean, scale), log_normal(x, 0.0, 1.0), x)["jsd"]


def minus_log_d_gradient(mean: float, scale: float, fake_weight: float = 1.0) -> np.ndarray:
    """The left side, E_z[-grad_(m, s) log D(m + s z)], for D = p_r / (p_r + w p_g) at (m, s).

    ``fake_weight`` w = 1 is the optimal D*; any other w is a wrong discriminator. The slope
    of log D in x is (1 - D) (log p_r' - log p_g'), and dx/dm = 1, dx/ds = z = (x - m) / s.
    """
    x = grid(mean, scale)
    log_p_r, log_p_g = log_normal(x, 0.0, 1.0), log_normal(x, mean, scale)
    one_minus_d = np.exp(math.log(fake_weight) + log_p_g
                         - np.logaddexp(log_p_r, math.log(fake_weight) + log_p_g))
    slope = one_minus_d * (-x + (x - mean) / scale**2)
    weight = np.exp(log_p_g)
    return -np.array([simpson(weight * slope, x=x),
                      simpson(weight * slope * (x - mean) / scale, x=x)])


def objective_gradient(mean: float, scale: float) -> np.ndarray:
    """The right side, grad_(m, s) [KL(P_g || P_r) - 2 JSD(P_g || P_r)].

    KL(N(m, s^2) || N(0, 1)) = (m^2 + s^2 - 1) / 2 - log s has gradient (m, s - 1/s); the
    JSD's gradient is a central difference on one fixed grid (step 1e-4: truncation ~1e-9).
    """
    x, h = grid(mean, scale), DIFFERENCE_STEP
    jsd_mean = (gaussian_jsd(mean + h, scale, x) - gaussian_jsd(mean - h, scale, x)) / (2 * h)
    jsd_scale = (gaussian_jsd(mean, scale + h, x) - gaussian_jsd(mean, scale - h, x)) / (2 * h)
    return np.array([mean - 2 * jsd_mean, scale - 1 / scale - 2 * jsd_scale])


def identity_point(mean: float, scale: float, fake_weight: float = 1.0) -> IdentityRow:
    """Both sides of Theorem 2.5 at (m, s) and their relative disagreement |lhs - rhs| / |rhs|."""
    lhs = minus_log_d_gradient(mean, scale, fake_weight)
    rhs = objective_gradient(mean, scale)
    error = float(np.linalg.norm(lhs - rhs) / np.linalg.norm(rhs))
    return IdentityRow(mean, scale, lhs.tolist(), rhs.tolist(), error)


def two_mode_objectives(means: np.ndarray, separation: float, scale: float) -> TwoModeCurves:
    """Divergences of P_g = N(m, scale^2) from P_r = two modes at +-separation (width
    ``scale``) over the means ``means``: the -log D objective KL(P_g||P_r) - 2 JSD, the JSD,
    and KL(P_r||P_g), which maximum likelihood minimises."""
    reach = separation + 12 * scale + float(np.abs(means).max())
    x = np.linspace(-reach, reach, GRID_POINTS)
    log_p_r = np.logaddexp(log_normal(x, -separation, scale),
                           log_normal(x, separation, scale)) - math.log(2.0)
    values = [divergences(log_normal(x, mean, scale), log_p_r, x) for mean in means]
    return TwoModeCurves(separation, scale, [float(m) for m in means],
                         [v["kl_g_r"] - 2 * v["jsd"] for v in values],
                         [v["jsd"] for v in values], [v["kl_g_r"] for v in values],
                         [v["kl_r_g"] for v in values])


def arc_bayes_accuracy(points: int = GRID_POINTS) -> float:
    """The best accuracy of any D between P_r uniform on a circle and P_g on the arc at
    angle (pi / 2)(1 + tanh z), z ~ N(0, 1) (Theorems 2.1-2.4's aligned control), with
    equal priors: 1/2 + TV(P_r, P_g) / 2, by quadrature in the angle."""
    angle = np.linspace(0.0, math.pi, points)[1:-1]
    z = np.arctanh(2 * angle / math.pi - 1)
    fake_density = np.exp(-0.5 * z**2 - LOG_ROOT_TWO_PI) / (0.5 * math.pi * (1 - np.tanh(z) ** 2))
    real_density = 1 / (2 * math.pi)
    total_variation = 0.5 * (simpson(np.abs(fake_density - real_density), x=angle) + 0.5)
    return float(0.5 + 0.5 * total_variation)
