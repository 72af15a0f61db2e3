"""The jitted steps of the frozen-G experiments: one D update with G's gradient measured,
and D's cross-entropy and accuracy on a held-out batch.

G is frozen by never being updated: the same ``DiscriminatorUpdate`` as in training
runs, and G's gradients are only measured.
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from gandiag.config import ProbeConfig, TrainConfig
from gandiag.core import losses
from gandiag.core.networks import build_networks, generate
from gandiag.core.noise import add_noise
from gandiag.core.state import adam
from gandiag.core.steps import DiscriminatorUpdate, global_norm


class DiscriminatorState(NamedTuple):
    params: dict
    stats: dict
    opt_state: optax.OptState


def random_directions(template: dict, count: int, key: jax.Array) -> dict:
    """``count`` random unit vectors in the space of ``template``'s parameters.

    Returned as one pytree shaped like ``template`` with a leading axis of ``count``.
    """
    leaves, treedef = jax.tree_util.tree_flatten(template)
    keys = jax.random.split(key, len(leaves))
    raw = [jax.random.normal(k, (count, *leaf.shape)) for k, leaf in zip(keys, leaves)]
    norms = jnp.sqrt(sum(jnp.sum(jnp.square(r).reshape(count, -1), axis=1) for r in raw))
    unit = [r / norms.reshape((count,) + (1,) * (r.ndim - 1)) for r in raw]
    return jax.tree_util.tree_unflatten(treedef, unit)


def project(tree: dict, directions: dict) -> jax.Array:
    """The (count,) inner products of ``tree`` with each direction."""
    products = jax.tree_util.tree_map(
        lambda d, t: jnp.tensordot(d, t, axes=t.ndim), directions, tree)
    return sum(jax.tree_util.tree_leaves(products))


def make_probe_step(train_config: TrainConfig, probe: ProbeConfig, example_shape) -> Callable:
    """The jitted iteration ``(d_state, g_variables, data, key, sigma, directions)``.

    One forward pass of G and of D serves D's update and every probed cost: the
    costs differ only in the cotangent at D's fake logits, each pulled back once.
    Probes that differ only in what the loop runs (epochs, iterations, seeds, noise
    levels) share one step, so that e.g. `gandiag paper`'s probe and add-noise compile it
    once.
    """
    step_fields = dataclasses.replace(probe, epochs=(), iters=1, seed=0, seeds=1, sigmas=(0.0,))
    return _probe_step(train_config, step_fields, tuple(example_shape))


@functools.lru_cache(maxsize=8)
def _probe_step(train_config: TrainConfig, probe: ProbeConfig, example_shape) -> Callable:
    config = probe.for_run(train_config)
    networks = build_networks(config, example_shape)
    # D is trained with the cross-entropy whatever G was trained with: the paper's protocol.
    update_discriminator = DiscriminatorUpdate(networks, losses.cross_entropy,
                                               adam(probe.optimizer))
    generator_costs = [losses.generator_cost(name) for name in probe.costs]
    train_generator = probe.g_mode == "train"
    batch_size, nz = probe.batch_size, config.model.nz

    def probe_step(d_state: DiscriminatorState, g_variables, data, key, sigma, directions):
        real_key, z_key, d_key = jax.random.split(key, 3)
        real = jnp.take(data, jax.random.randint(real_key, (batch_size,), 0, data.shape[0]), 0)
        z = jax.random.normal(z_key, (batch_size, nz))
        # G's BatchNorm statistics are computed but never stored: G stays frozen.
        fake, generator_pullback = jax.vjp(
            lambda g_params: networks.generate(g_params, g_variables["batch_stats"], z,
                                               train_generator)[0], g_variables["params"])
        d_step = update_discriminator(*d_state, real, fake, d_key, sigma)
        record = {"error": d_step.metrics["d_loss"], "accuracy": d_step.metrics["d_accuracy"],
                  "d_real": d_step.metrics["d_real"], "d_fake": d_step.metrics["d_fake"]}
        for cost in generator_costs:
            (grads,) = generator_pullback(d_step.fake_pullback(
                cost.logit_cotangent(d_step.fake_logits)))
            record[f"grad_norm/{cost.name}"] = global_norm(grads)
            record[f"projections/{cost.name}"] = project(grads, directions)
        return DiscriminatorState(d_step.params, d_step.stats, d_step.opt_state), record

    return jax.jit(probe_step, donate_argnums=(0,))


def make_evaluation(train_config: TrainConfig, probe: ProbeConfig, example_shape):
    """Jitted ``(d_state, g_variables, real, key, sigma) -> (cross-entropy, accuracy)`` on
    one held-out batch with fresh noise, D and G as during the probe, nothing updated;
    and jitted ``(g_variables, key, count) -> samples`` of G as during the probe."""
    config = probe.for_run(train_config)
    networks = build_networks(config, example_shape)
    train_generator = probe.g_mode == "train"
    nz = config.model.nz

    def evaluate(d_state, g_variables, real, key, sigma):
        z_key, real_key, fake_key = jax.random.split(key, 3)
        fake = generate(networks, g_variables, z_key, real.shape[0], nz, train_generator)
        real_logits, fake_logits, _ = networks.discriminate_pair(
            d_state.params, d_state.stats, add_noise(real, sigma, real_key),
            add_noise(fake, sigma, fake_key))
        return (losses.cross_entropy(real_logits, fake_logits),
                losses.accuracy(real_logits, fake_logits))

    def samples(g_variables, key, count):
        return generate(networks, g_variables, key, count, nz, train_generator)

    return jax.jit(evaluate), jax.jit(samples, static_argnums=2)
