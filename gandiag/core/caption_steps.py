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

from gandiag.config import TrainConfig
from gandiag.core import losses
from gandiag.core.instance_noise import add_noise
from gandiag.core.networks import build_networks
from gandiag.core.state import optimizer_of
from gandiag.core.steps import DiscriminatorUpdate


# Built once per setting and shared by every checkpoint: one compilation per command.
@functools.lru_cache(maxsize=8)
def make_discriminator_step(config: TrainConfig, example_shape) -> Callable:
    """``(d_params, d_stats, d_opt, g_variables, data, key, sigma) -> (d_params, d_stats,
    d_opt)``; ``sigma`` is traced, so every noise level shares the compiled step."""
    networks = build_networks(config, example_shape)
    update = DiscriminatorUpdate(networks, losses.cross_entropy, optimizer_of(config.optimizer))
    batch, nz = config.batch_size, config.model.nz

    def step(d_params, d_stats, d_opt, g_variables, data, key, sigma):
        real_key, z_key, d_key = jax.random.split(key, 3)
        real = jnp.take(data, jax.random.randint(real_key, (batch,), 0, data.shape[0]), 0)
        z = jax.random.normal(z_key, (batch, nz))
        fake = networks.generate(g_variables["params"], g_variables["batch_stats"], z)[0]
        result = update(d_params, d_stats, d_opt, real, fake, d_key, sigma)
        return result.params, result.stats, result.opt_state

    return jax.jit(step, donate_argnums=(0, 1, 2))


@functools.lru_cache(maxsize=8)
def make_generator_step(config: TrainConfig, example_shape, cost: str) -> Callable:
    """``(g_params, g_stats, g_opt, d_params, d_stats, data, key, sigma) -> (g_params, g_stats,
    g_opt)``: one Adam step of G on ``cost`` against the frozen D."""
    networks = build_networks(config, example_shape)
    generator_cost = losses.generator_cost(cost)
    tx = optimizer_of(config.optimizer)
    batch, nz = config.batch_size, config.model.nz

    def step(g_params, g_stats, g_opt, d_params, d_stats, data, key, sigma):
        real_key, z_key, real_noise, fake_noise = jax.random.split(key, 4)
        real = jnp.take(data, jax.random.randint(real_key, (batch,), 0, data.shape[0]), 0)
        real = add_noise(real, sigma, real_noise)
        z = jax.random.normal(z_key, (batch, nz))

        def loss(params):
            fake, new_stats = networks.generate(params, g_stats, z)
            logits = networks.fake_logits(d_params, d_stats, real,
                                          add_noise(fake, sigma, fake_noise))
            return generator_cost(logits), new_stats

        (_, new_stats), grads = jax.value_and_grad(loss, has_aux=True)(g_params)
        updates, g_opt = tx.update(grads, g_opt, g_params)
        return optax.apply_updates(g_params, updates), new_stats, g_opt

    return jax.jit(step, donate_argnums=(0, 1, 2))
