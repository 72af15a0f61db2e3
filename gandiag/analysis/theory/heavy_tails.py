"""Theorem 2.6 on a manifold pair where D* = 0 on the fakes, at three fixed discriminators.

P_r is the unit circle, P_g the circle of radius 1 + gap (disjoint supports, so D* = 0 and
grad D* = 0 on every fake); g_theta(z) = (1 + theta_0) u(z) + (theta_1, theta_2) with
u(z) = (cos 2 pi z, sin 2 pi z), so J^T v = (u . v, v_1, v_2). The -log D update of one
sample is -J^T grad_x D / D. Three discriminators:

- ``white`` (the premise): D = D* + eps and grad D = grad D* + r, eps ~ N(0, s_eps^2) and
  r ~ N(0, s_r^2 I) independent for every x: the update is -J^T r / eps, centred Cauchy.
- ``sigmoid``: D = sigmoid(l + eta), l = -kappa (|x| - 1) the logit of a good D and eta a
  smooth Gaussian process (squared-exponential kernel of length scale lambda), drawn
  afresh for every sample from its one-point law (value and gradient independent, of
  variances s^2 and s^2 / lambda^2). The update -(1 - D) J^T (grad l + grad eta) is the
  logit's Gaussian gradient damped by 1 - D <= 1, never divided by a D near 0: Gaussian
  tails, not Cauchy.
- ``clipped``: D = clip(D* + eps, delta, 1), grad D = grad D* + r (the value clipped, as
  log(max(D, delta)) does in practice): the update is at most |J^T r| / delta.
"""

import dataclasses
from typing import Literal

import numpy as np

from gandiag.analysis import evidence, hill, spec, statistics
from gandiag.analysis.evidence import Interval
from gandiag.store.schema import Estimate, TailRow

TailCase = Literal["white", "sigmoid", "clipped"]
TAIL_CASES: tuple[TailCase, ...] = ("white", "sigmoid", "clipped")
# Bootstrap resamples of the tail index: 100 of 3 x 10^5 values take ~5 s.
TAIL_RESAMPLES = 100


@dataclasses.dataclass(frozen=True)
class TailSetting:
    """The fixed discriminators' noise: ``value_noise`` s_eps, ``gradient_noise`` s_r,
    ``logit_slope`` kappa, ``process_scale`` s and ``length_scale`` lambda of eta,
    ``clip_floor`` delta; ``gap`` between the circles."""

    samples: int = 100_000
    gap: float = 0.5
    value_noise: float = 1.0
    gradient_noise: float = 1.0
    logit_slope: float = 10.0
    process_scale: float = 1.0
    length_scale: float = 0.1
    clip_floor: float = 0.05


def _jacobian_transpose(vectors: np.ndarray, angles: np.ndarray) -> np.ndarray:
    radial = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    return np.concatenate([np.sum(radial * vectors, axis=-1, keepdims=True), vectors], axis=-1)


def updates(case: TailCase, setting: TailSetting,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample -log D updates (samples, 3) and D's values on the fakes (samples,)."""
    count = setting.samples
    angles = 2 * np.pi * rng.uniform(size=count)
    if case == "sigmoid":
        radial = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
        logit = -setting.logit_slope * setting.gap + setting.process_scale * rng.normal(size=count)
        logit_gradient = (-setting.logit_slope * radial + setting.process_scale
                          / setting.length_scale * rng.normal(size=(count, 2)))
        d_values = 1 / (1 + np.exp(-logit))
        gradient_log_d = (1 - d_values)[:, None] * logit_gradient
        return -_jacobian_transpose(gradient_log_d, angles), d_values
    value = setting.value_noise * rng.normal(size=count)
    gradient = setting.gradient_noise * rng.normal(size=(count, 2))
    d_values = value if case == "white" else np.clip(value, setting.clip_floor, 1.0)
    return -_jacobian_transpose(gradient / d_values[:, None], angles), d_values


def near_zero_share(d_values: np.ndarray) -> float:
    """Share of |D| below ``spec.NEAR_ZERO_FRACTION`` of the median |D|: the premise that
    D - D* (D itself, on the fakes) has a density at 0."""
    magnitude = np.abs(d_values)
    return float(np.mean(magnitude < spec.NEAR_ZERO_FRACTION * np.median(magnitude)))


def beyond_cut_share(updates_: np.ndarray, setting: TailSetting) -> float:
    """Share of update coordinates beyond ``spec.TAIL_CUT`` s_r / delta."""
    cut = spec.TAIL_CUT * setting.gradient_noise / setting.clip_floor
    return float(np.mean(np.abs(updates_) > cut))


def tail_index(updates_: np.ndarray, seed: int = 0) -> Interval:
    """The calibrated tail index (``statistics.alpha_of_standardised``, each coordinate
    standardised in a sliding window as ``statistics.tail_interval`` does) with a 90%
    interval from ``TAIL_RESAMPLES`` moving-block resamples of the samples (independent, so
    the blocks are only a formality; fewer resamples than the probe's, for time)."""
    standardised = statistics.local_standardise(updates_)
    interval = evidence.block_bootstrap([standardised], statistics.alpha_of_standardised, seed,
                                        TAIL_RESAMPLES)
    return dataclasses.replace(interval, method=f"bootstrap over {len(updates_)} independent "
                               f"samples ({TAIL_RESAMPLES} resamples)")


def run_case(case: TailCase, setting: TailSetting, seed: int) -> tuple[TailRow, np.ndarray]:
    """One discriminator's tail index, premise and tail cut, and its updates (for a figure)."""
    samples, d_values = updates(case, setting, np.random.default_rng(seed))
    share = beyond_cut_share(samples, setting)
    alpha = tail_index(samples, seed)
    tail = hill.hill_interval(samples, local=False)
    return TailRow(case, Estimate(alpha.estimate, alpha.low, alpha.high),
                   near_zero_share(d_values), share, round(share * samples.size),
                   samples.size, Estimate(tail.estimate, tail.low, tail.high)), samples
