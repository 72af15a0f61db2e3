"""The digits' upsampling subspace: fakes projected onto it, reals left in it."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandiag.config import UPSAMPLED_FROM, DataConfig
from gandiag.core import artefacts
from gandiag.data import datasets


@pytest.mark.parametrize("size", [16, 32])
def test_projection_keeps_the_upsampled_digits_and_removes_the_rest(size):
    stored = datasets._read_digits()[:200]
    assert stored.shape[1] == UPSAMPLED_FROM["digits"]
    unclipped = np.asarray(jax.image.resize(stored, (len(stored), size, size, 1), "cubic"))
    # The data set's images are these, clipped: the same resize builds the subspace.
    loaded = datasets.load_data(DataConfig("digits", image_size=size)).array[:200]
    np.testing.assert_allclose(np.clip(unclipped, -1, 1), loaded, atol=1e-6)
    np.testing.assert_allclose(artefacts.project_fakes(jnp.asarray(unclipped), 8), unclipped,
                               atol=1e-4)
    noise = jax.random.uniform(jax.random.key(0), (3, size, size, 1), minval=-1, maxval=1)
    projected = artefacts.project_fakes(noise, 8)
    residual = np.asarray(noise - projected).reshape(3, -1)
    upsampling, _ = artefacts.upsampling_basis(8, size)
    # The residual is orthogonal to every column of U, and not small: a random image is
    # mostly outside the 64 dimensions.
    np.testing.assert_allclose(residual @ upsampling, 0, atol=1e-4)
    assert np.all(np.linalg.norm(residual, axis=1) > 0.5 * np.linalg.norm(
        np.asarray(noise).reshape(3, -1), axis=1))
    # Projecting twice changes nothing.
    np.testing.assert_allclose(artefacts.project_fakes(projected, 8), projected, atol=1e-4)


def test_projection_passes_g_gradient_and_leaves_reals_alone():
    fake = jax.random.normal(jax.random.key(1), (2, 16, 16, 1))
    real = jax.random.normal(jax.random.key(2), (2, 16, 16, 1))
    weights = jax.random.normal(jax.random.key(3), fake.shape)

    def seen(fake):
        return jnp.sum(artefacts.transform_inputs(real, fake, jax.random.key(4), "project")[1]
                       * weights)

    # Linear and self-adjoint: the gradient is the projected weights.
    np.testing.assert_allclose(jax.grad(seen)(fake), artefacts.project_fakes(weights, 8),
                               atol=1e-4)
    seen_real = artefacts.transform_inputs(real, fake, jax.random.key(4), "project")[0]
    np.testing.assert_array_equal(seen_real, real)


def test_only_upsampled_data_sets_are_projected():
    assert artefacts.upsampled_from("digits", 16) == 8
    assert artefacts.upsampled_from("digits", 8) == 0
    assert artefacts.upsampled_from("mnist", 32) == 0
