"""Jitted steps of the Figure 3 caption experiment: a fresh D trained against a frozen G,
then G trained alone against that frozen, near-optimal D.

D is trained with the cross-entropy (the probe's protocol); G's steps use one generator
cost, with Adam at the run's settings from a fresh optimizer state. Instance noise of
level ``sigma`` is added to D's inputs in both, as in training with noise.
"""

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

from gandiag.config import OptimizerConfig
from gandiag.core import losses
from gandiag.core.instance_noise import add_noise
from gandiag.core.networks import Networks
from gandiag.core.state import NetworkState, optimizer_of
from gandiag.core.steps import DiscriminatorUpdate


# Built once per setting and shared by every checkpoint: one compilation per command.
@functools.lru_cache(maxsize=8)
def make_discriminator_step(networks: Networks, optimizer: OptimizerConfig,
                            batch_size: int) -> Callable:
    """``(d, g_variables, data, key, sigma) -> d``: one update of D on a batch of ``data``
    and as many fakes; ``sigma`` is traced, so every noise level shares the compiled step."""
    update = DiscriminatorUpdate(networks, losses.cross_entropy, optimizer_of(optimizer))

    def step(d: NetworkState, g_variables, data, key, sigma) -> NetworkState:
        real_key, z_key, d_key = jax.random.split(key, 3)
        real = jnp.take(data, jax.random.randint(real_key, (batch_size,), 0, data.shape[0]), 0)
        z = jax.random.normal(z_key, (batch_size, networks.nz))
        fake = networks.generate(g_variables["params"], g_variables["batch_stats"], z)[0]
        return update(d, real, fake, d_key, sigma).d

    return jax.jit(step, donate_argnums=(0,))


@functools.lru_cache(maxsize=8)
def make_generator_step(networks: Networks, optimizer: OptimizerConfig, batch_size: int,
                        cost: str) -> Callable:
    """``(g, d, data, key, sigma) -> g``: one step of G on ``cost`` against the frozen D."""
    generator_cost = losses.generator_cost(cost)
    tx = optimizer_of(optimizer)

    def step(g: NetworkState, d: NetworkState, data, key, sigma) -> NetworkState:
        real_key, z_key, real_noise, fake_noise = jax.random.split(key, 4)
        real = jnp.take(data, jax.random.randint(real_key, (batch_size,), 0, data.shape[0]), 0)
        real = add_noise(real, sigma, real_noise)
        z = jax.random.normal(z_key, (batch_size, networks.nz))

        def loss(params):
            fake, new_stats = networks.generate(params, g.stats, z)
            logits = networks.fake_logits(d.params, d.stats, real,
                                          add_noise(fake, sigma, fake_noise))
            return generator_cost(logits), new_stats

        (_, new_stats), grads = jax.value_and_grad(loss, has_aux=True)(g.params)
        updates, opt_state = tx.update(grads, g.opt_state, g.params)
        return NetworkState(optax.apply_updates(g.params, updates), new_stats, opt_state)

    return jax.jit(step, donate_argnums=(0,))
