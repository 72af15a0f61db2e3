"""The probe step's shortcuts are exact, and its compiled passes are counted.

The probe shares passes between D's update and the costs' gradients (one forward
pass of G and D for all; the original cost reuses D's own pullback). These tests
compare it with the plain computation, and count the convolutions XLA compiles,
so that a change that adds a pass through a network fails CI, not just a benchmark.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandiag.config import DataConfig, ModelConfig, ProbeConfig, TrainConfig
from gandiag.core import losses
from gandiag.core.models import num_stride2_layers
from gandiag.core.probe_step import make_probe_step, probe_networks, random_directions
from gandiag.core.state import NetworkState, adam, create_state, init_discriminator

SHAPE = (16, 16, 1)
BATCH = 8
COSTS = ("original", "minus-log-d", "wasserstein")


def _probe_inputs(d_batching="separate", d_norm="batch"):
    model = ModelConfig(nz=16, ngf=16, ndf=16, d_norm=d_norm)
    config = TrainConfig(data=DataConfig("digits"), model=model, batch_size=BATCH,
                         d_batching=d_batching)
    probe = ProbeConfig(batch_size=BATCH, costs=COSTS)
    state = create_state(config, SHAPE)
    networks = probe_networks(config, probe, SHAPE)
    params, stats = init_discriminator(networks.discriminator, jax.random.key(1), SHAPE, BATCH)
    d = NetworkState(params, stats, adam(probe.optimizer).init(params))
    data = jax.random.uniform(jax.random.key(4), (5 * BATCH, *SHAPE), minval=-1, maxval=1)
    directions = random_directions(state.g.params, probe.directions, jax.random.key(2))
    arguments = (d, state.g.variables, data, jax.random.key(3), jnp.float32(0), directions)
    return probe, networks, arguments


def _direct_gradient(networks, arguments, cost_name):
    """G's gradient under one cost, by autodiff through G and D with nothing shared."""
    d, g_variables, data, key, _, _ = arguments
    real_key, z_key, _ = jax.random.split(key, 3)
    real = jnp.take(data, jax.random.randint(real_key, (BATCH,), 0, data.shape[0]), 0)
    z = jax.random.normal(z_key, (BATCH, 16))
    cost = losses.generator_cost(cost_name)

    def cost_of(g_params):
        fake = networks.generate(g_params, g_variables["batch_stats"], z)[0]
        return cost(networks.fake_logits(d.params, d.stats, real, fake))

    return jax.grad(cost_of)(g_variables["params"])


@pytest.mark.parametrize(("d_batching", "d_norm"), [
    ("separate", "batch"), pytest.param("joint", "batch", marks=pytest.mark.slow),
    pytest.param("separate", "none", marks=pytest.mark.slow)])
def test_probe_gradients_equal_plain_autodiff(d_batching, d_norm):
    probe, networks, arguments = _probe_inputs(d_batching, d_norm)
    step = make_probe_step(networks, probe)
    # The step donates D's state: give it a copy, keep the original for the reference.
    _, record = step(jax.tree_util.tree_map(jnp.copy, arguments[0]), *arguments[1:])
    for name in COSTS:
        direct = _direct_gradient(networks, arguments, name)
        norm = float(jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(direct))))
        assert float(record[f"grad_norm/{name}"]) == pytest.approx(norm, rel=1e-5), name
        projections = sum(jax.tree_util.tree_leaves(jax.tree_util.tree_map(
            lambda d, g: jnp.tensordot(d, g, axes=g.ndim), arguments[5], direct)))
        np.testing.assert_allclose(record[f"projections/{name}"], projections,
                                   rtol=1e-4, atol=1e-6 * norm)


def _compiled_convolutions(function, arguments) -> int:
    return function.lower(*arguments).compile().as_text().count(" convolution(")


def expected_probe_convolutions(layers: int, costs: int, original: bool) -> int:
    """The convolutions one probe iteration needs, pass by pass, with ``layers`` stride-2
    layers in G and in D, 16 or more channels inside, 1 outside (a 4x4 stride-2 layer's
    adjoint is 4 phase convolutions where its wide side has 16 channels or more, else
    XLA's own adjoint, 1 convolution; see core/layers.py).

    G forward: 4 per upsampling layer but the last, 1 for the last. D forward on the
    real and the fake batch: 1 per layer each. D's weight gradients: 1 per layer per
    batch. The input gradients that reach D's weight gradients: 4 per layer but the
    first, per batch; on the fake batch also the first layer's, 1, when the original
    cost reuses them. Then
    per cost other than the original (which reuses D's own pullback), D's input
    gradients on the fakes again: 4 per layer but the first, 1 for it; and per cost,
    G's weight gradients and input gradients: 1 each per upsampling layer.
    """
    g_forward = 4 * (layers - 1) + 1
    d_forward = d_weights = 2 * layers
    d_inputs = 2 * 4 * (layers - 1) + (1 if original else 0)
    d_inputs_per_cost = 4 * (layers - 1) + 1
    g_backward = 2 * layers
    pullbacks = costs - (1 if original else 0)
    return (g_forward + d_forward + d_weights + d_inputs + pullbacks * d_inputs_per_cost
            + costs * g_backward)


@pytest.mark.parametrize("costs", [("original", "minus-log-d"), ("minus-log-d",)])
def test_probe_step_compiles_the_expected_number_of_convolutions(costs):
    _, networks, arguments = _probe_inputs()
    probe = ProbeConfig(batch_size=BATCH, costs=costs)
    step = make_probe_step(networks, probe)
    expected = expected_probe_convolutions(num_stride2_layers(SHAPE[0]), len(costs),
                                           "original" in costs)
    assert _compiled_convolutions(step, arguments) == expected
