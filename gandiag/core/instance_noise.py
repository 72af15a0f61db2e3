"""Instance noise (Section 3 of Arjovsky & Bottou 2017): the perturbation and its schedules."""

import math

import jax
import jax.numpy as jnp

from gandiag.config import NoiseDistribution

# The exponential schedule falls by this many e-folds over the run, then is shifted
# so that it reaches exactly 0 at the last step, as the linear one does.
_EXPONENTIAL_RATE = 5.0


def add_noise(inputs: jax.Array, sigma: jax.Array, key: jax.Array,
              distribution: NoiseDistribution = "gaussian") -> jax.Array:
    """Instance noise, fresh for every example: ``sigma`` * N(0, I), or uniform in a ball.

    ``"ball"`` draws each example's noise uniformly from the ball of radius ``sigma`` in
    the example's space (a uniform direction and a radius ``sigma * U^(1/d)``), so the
    noisy supports stay bounded: their diameter grows by at most ``2 sigma``, the C of
    the Wasserstein bound stays finite.
    """
    if distribution == "gaussian":
        return inputs + sigma * jax.random.normal(key, inputs.shape, inputs.dtype)
    direction_key, radius_key = jax.random.split(key)
    direction = jax.random.normal(direction_key, inputs.shape, inputs.dtype)
    example_axes = tuple(range(1, inputs.ndim))
    direction = direction / jnp.sqrt(jnp.sum(jnp.square(direction), example_axes, keepdims=True))
    dimensions = math.prod(inputs.shape[1:])
    radius_shape = (inputs.shape[0],) + (1,) * len(example_axes)
    radius = sigma * jax.random.uniform(radius_key, radius_shape, inputs.dtype) ** (1 / dimensions)
    return inputs + radius * direction


def noise_level(sigma: float, schedule: str, step: int, total_steps: int) -> float:
    """The instance-noise standard deviation at ``step`` (0-based) of ``total_steps``."""
    if schedule == "constant" or sigma == 0:
        return sigma
    progress_fraction = step / max(total_steps - 1, 1)
    if schedule == "linear":
        return sigma * (1.0 - progress_fraction)
    floor = math.exp(-_EXPONENTIAL_RATE)
    return sigma * (math.exp(-_EXPONENTIAL_RATE * progress_fraction) - floor) / (1.0 - floor)
