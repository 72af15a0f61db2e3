"""Instance noise (Section 3 of Arjovsky & Bottou 2017): the perturbation and its schedules."""

import math

import jax

# The exponential schedule falls by this many e-folds over the run, then is shifted
# so that it reaches exactly 0 at the last step, as the linear one does.
_EXPONENTIAL_RATE = 5.0


def add_noise(inputs: jax.Array, sigma: jax.Array, key: jax.Array) -> jax.Array:
    """Instance noise: inputs + sigma * N(0, I), fresh for every example."""
    return inputs + sigma * jax.random.normal(key, inputs.shape, inputs.dtype)


def noise_level(sigma: float, schedule: str, step: int, total_steps: int) -> float:
    """The instance-noise standard deviation at ``step`` (0-based) of ``total_steps``."""
    if schedule == "constant" or sigma == 0:
        return sigma
    progress_fraction = step / max(total_steps - 1, 1)
    if schedule == "linear":
        return sigma * (1.0 - progress_fraction)
    floor = math.exp(-_EXPONENTIAL_RATE)
    return sigma * (math.exp(-_EXPONENTIAL_RATE * progress_fraction) - floor) / (1.0 - floor)
