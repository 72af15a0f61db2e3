"""Pixel-exact cues a D could use instead of the data manifold, and their removal.

A tanh G never outputs exactly -1 (MNIST's background) nor values on the 8-bit grid that
real images lie on; `gandiag ablate`'s artefacts study removes both cues: fakes are
snapped and quantised like the reals, reals are dequantised with uniform noise.
"""

import jax
import jax.numpy as jnp

from gandiag.config import InputTransform

# Fake pixels below this are the background a tanh G can only approach.
SNAP_BELOW = -0.98
# One 8-bit step of an image in [-1, 1].
QUANTUM = 2.0 / 255.0


def clean_fakes(fake: jax.Array) -> jax.Array:
    """Pixels below -0.98 set to -1, then every pixel rounded to the 8-bit grid.

    The rounding passes G's gradient straight through (its own derivative is 0 almost
    everywhere), so G's gradient is still measured through the cleaned fakes.
    """
    snapped = jnp.where(fake < SNAP_BELOW, -1.0, fake)
    quantised = jnp.round((snapped + 1.0) / QUANTUM) * QUANTUM - 1.0
    return fake + jax.lax.stop_gradient(quantised - fake)


def dequantise_reals(real: jax.Array, key: jax.Array) -> jax.Array:
    """Reals plus uniform noise in [-1/255, 1/255], fresh per pixel: off the 8-bit grid."""
    return real + jax.random.uniform(key, real.shape, real.dtype, -QUANTUM / 2, QUANTUM / 2)


def transform_inputs(real: jax.Array, fake: jax.Array, key: jax.Array,
                     inputs: InputTransform) -> tuple[jax.Array, jax.Array]:
    """(real, fake) as D sees them under ``inputs`` (see ``gandiag.config.InputTransform``)."""
    if inputs == "raw":
        return real, fake
    return dequantise_reals(real, key), clean_fakes(fake)
