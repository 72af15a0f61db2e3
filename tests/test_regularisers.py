"""Spectral normalisation of D (`--d-norm spectral`) and the R1 penalty (`--r1`)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gandiag.config import ModelConfig, ProbeConfig
from gandiag.core import losses
from gandiag.core.networks import Networks
from gandiag.core.state import NetworkState, build_discriminator, init_discriminator
from gandiag.core.steps import DiscriminatorUpdate
from gandiag.errors import GandiagError


def _kernels_and_sigmas(params: dict, stats: dict) -> list[tuple[np.ndarray, float]]:
    """(kernel reshaped to (inputs, outputs), the sigma D divides it by) for every layer."""
    sigmas = {name.split("/")[0]: float(value) for wrapper in stats.values()
              for name, value in wrapper.items() if name.endswith("/kernel/sigma")}
    assert set(sigmas) == set(params), "every layer is normalised"
    return [(np.asarray(params[name]["kernel"]).reshape(-1, params[name]["kernel"].shape[-1]),
             sigmas[name]) for name in params]


def test_spectral_norm_of_every_d_layer_is_one_after_the_power_iteration():
    discriminator = build_discriminator(ModelConfig(ndf=8, d_norm="spectral"), (16, 16, 1))
    params, stats = init_discriminator(discriminator, jax.random.key(0), (16, 16, 1), 8)
    # Scale the kernels up: at DCGAN's N(0, 0.02) init every layer's norm is already < 1.
    params = jax.tree_util.tree_map(lambda leaf: 30.0 * leaf, params)
    images = jax.random.normal(jax.random.key(1), (8, 16, 16, 1))

    @jax.jit
    def power_iterations(stats):
        def one(stats, _):
            _, updates = discriminator.apply({"params": params, "batch_stats": stats}, images,
                                             train=True, mutable=["batch_stats"])
            return updates["batch_stats"], None
        return jax.lax.scan(one, stats, None, length=200)[0]

    layers = _kernels_and_sigmas(params, power_iterations(stats))
    assert len(layers) == 3  # two stride-2 convolutions and the final dense layer
    for kernel, sigma in layers:
        largest = np.linalg.svd(kernel, compute_uv=False)[0]
        assert largest > 2  # unnormalised, the layer would not be 1-Lipschitz
        assert abs(largest / sigma - 1) <= 1e-3


def test_spectral_norm_leaves_no_batch_norm_in_d():
    discriminator = build_discriminator(ModelConfig(ndf=8, d_norm="spectral"), (16, 16, 1))
    _, stats = init_discriminator(discriminator, jax.random.key(0), (16, 16, 1), 4)
    assert all(name.startswith("SpectralNorm_") for name in stats)


class _LinearCritic(nn.Module):
    @nn.compact
    def __call__(self, inputs, train: bool = True):
        return nn.Dense(1)(inputs.reshape(inputs.shape[0], -1))[:, 0]


@pytest.mark.parametrize("gamma", [0.5, 10.0])
def test_r1_equals_its_closed_form_on_a_linear_d(gamma):
    weights = jax.random.normal(jax.random.key(0), (48,))
    real = jax.random.normal(jax.random.key(1), (16, 4, 4, 3))
    penalty = losses.r1_penalty(lambda x: x.reshape(16, -1) @ weights + 3.0, real, gamma)
    np.testing.assert_allclose(penalty, gamma / 2 * jnp.sum(weights**2), rtol=1e-5)


def test_r1_gradient_reaches_d_update_as_gamma_times_its_weights():
    critic = _LinearCritic()
    networks = Networks(generator=None, discriminator=critic, nz=0, batching="joint")
    params = critic.init(jax.random.key(0), jnp.zeros((8, 4, 4, 1)))["params"]
    gamma = 0.25
    update = DiscriminatorUpdate(networks, lambda real, fake: 0.0 * jnp.sum(real + fake),
                                 optax.sgd(1.0), r1=gamma)
    real = jax.random.normal(jax.random.key(1), (8, 4, 4, 1))
    step = update(NetworkState(params, {}, optax.sgd(1.0).init(params)), real, real + 1.0,
                  jax.random.key(2), 0.0)
    # d/dw gamma/2 |w|^2 = gamma w: one SGD step of size 1 scales w by (1 - gamma).
    np.testing.assert_allclose(step.d.params["Dense_0"]["kernel"],
                               (1 - gamma) * params["Dense_0"]["kernel"], rtol=1e-5)
    np.testing.assert_allclose(step.d.params["Dense_0"]["bias"], params["Dense_0"]["bias"])


def test_negative_r1_is_a_one_line_error():
    with pytest.raises(GandiagError, match=r"r1 -1.0 is not allowed"):
        ProbeConfig(r1=-1.0)


def test_r2_penalises_the_fakes_as_r1_does_the_reals():
    """R2 is R1 at the fakes: on a quadratic D their gradients differ as the batches do."""
    weights = jax.random.normal(jax.random.key(0), (16,))
    params = {"w": weights}
    networks = Networks(generator=None, discriminator=_QuadraticModule(), nz=0,
                        batching="separate")
    real = jax.random.normal(jax.random.key(1), (8, 4, 4, 1))
    fake = jax.random.normal(jax.random.key(2), (8, 4, 4, 1))
    zero_cost = lambda r, f: 0.0 * jnp.sum(r + f)  # noqa: E731

    def step(**penalties):
        update = DiscriminatorUpdate(networks, zero_cost, optax.sgd(1.0), **penalties)
        return update(NetworkState(params, {}, optax.sgd(1.0).init(params)), real, fake,
                      jax.random.key(3), 0.0).d.params["w"]

    def expected(inputs, gamma):
        return weights - jax.grad(lambda w: losses.r1_penalty(
            lambda x: jnp.sum((x.reshape(x.shape[0], -1) * w)**2, axis=1), inputs, gamma))(weights)

    np.testing.assert_allclose(step(r2=0.5), expected(fake, 0.5), rtol=1e-5)
    np.testing.assert_allclose(step(r1=0.5), expected(real, 0.5), rtol=1e-5)
    assert not np.allclose(step(r2=0.5), step(r1=0.5))
    both = step(r1=0.5, r2=0.5)
    np.testing.assert_allclose(both - weights, (step(r1=0.5) - weights) + (step(r2=0.5) - weights),
                               rtol=1e-5)


class _QuadraticModule(nn.Module):
    """D(x) = sum_i (w_i x_i)^2: its input gradient depends on where it is taken."""

    @nn.compact
    def __call__(self, inputs, train: bool = True):
        weights = self.param("w", nn.initializers.normal(), (16,))
        return jnp.sum((inputs.reshape(inputs.shape[0], -1) * weights)**2, axis=1)
