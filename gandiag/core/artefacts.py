"""Pixel-exact cues a D could use instead of the data manifold, and their removal.

A tanh G never outputs exactly -1 (MNIST's background) nor values on the 8-bit grid that
real images lie on; `gandiag ablate`'s artefacts study removes both cues: fakes are
snapped and quantised like the reals, reals are dequantised with uniform noise. The
embedded digits are 8x8 images upsampled (cubic) to the run's size, so every real lies,
up to the clip to [-1, 1], in a 64-dimensional linear subspace that a tanh G need not
reach; the "project" transform puts the fakes into it.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.config import UPSAMPLED_FROM, InputTransform

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


def upsampled_from(dataset: str, image_size: int) -> int:
    """The size ``dataset``'s images were upsampled from at ``image_size`` (0: not upsampled)."""
    stored = UPSAMPLED_FROM.get(dataset, 0)
    return stored if image_size > stored else 0


@functools.lru_cache(maxsize=8)
def upsampling_basis(source: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(U, U+): U's columns are the source x source basis images resized (cubic, as the
    data sets are) to size x size, flattened; U+ its pseudo-inverse, by least squares."""
    basis = np.eye(source * source, dtype=np.float32).reshape(-1, source, source, 1)
    # Constants, also when first asked for while a step is being traced.
    with jax.ensure_compile_time_eval():
        resized = jax.image.resize(basis, (len(basis), size, size, 1), method="cubic")
    upsampling = np.asarray(resized, np.float64).reshape(len(basis), size * size).T
    inverse = np.linalg.lstsq(upsampling, np.eye(size * size), rcond=None)[0]
    return upsampling.astype(np.float32), inverse.astype(np.float32)


def project_fakes(fake: jax.Array, source: int) -> jax.Array:
    """Each channel of each image mapped to U U+ x: its nearest point (L2) in the span of the
    ``source`` x ``source`` images upsampled to its size. Linear, so G's gradient passes."""
    count, size, _, channels = fake.shape
    upsampling, inverse = upsampling_basis(source, size)
    flat = jnp.moveaxis(fake, -1, 1).reshape(count, channels, size * size)
    projected = (flat @ inverse.T) @ upsampling.T
    return jnp.moveaxis(projected.reshape(count, channels, size, size), 1, -1)


def transform_inputs(real: jax.Array, fake: jax.Array, key: jax.Array,
                     inputs: InputTransform) -> tuple[jax.Array, jax.Array]:
    """(real, fake) as D sees them under ``inputs`` (see ``gandiag.config.InputTransform``)."""
    if inputs == "raw":
        return real, fake
    if inputs == "project":
        # The only upsampled data set is the digits, stored at 8x8.
        return real, project_fakes(fake, UPSAMPLED_FROM["digits"])
    return dequantise_reals(real, key), clean_fakes(fake)
