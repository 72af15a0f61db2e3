"""The health monitor's measurement: one jitted function of the GAN state and a held-out batch.

What it measures is what the paper says decides whether G can learn: how well D separates
reals it never trained on from fakes, G's gradient under its own cost and under the
other one, Theorem 2.4's epsilon (``probe_step.near_optimality``, as the probe measures it)
and the distance between the supports that instance noise must bridge. Nothing is updated.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp

from gandiag.config import TrainConfig
from gandiag.core import losses
from gandiag.core.networks import build_networks
from gandiag.core.probe_step import near_optimality
from gandiag.core.state import GANState
from gandiag.core.steps import global_norm

Array = jax.Array
PREFIX = "monitor/"


def other_cost(cost: str) -> str:
    """The generator cost the monitor measures beside the training one: the paper's other."""
    return "minus-log-d" if cost == "original" else "original"


def median_nearest_distance(fake: Array, real: Array) -> Array:
    """The median over fakes of the Euclidean distance to the nearest real example."""
    fake, real = fake.reshape(fake.shape[0], -1), real.reshape(real.shape[0], -1)
    squared = (jnp.sum(fake**2, axis=1)[:, None] + jnp.sum(real**2, axis=1)[None, :]
               - 2.0 * fake @ real.T)
    return jnp.median(jnp.sqrt(jnp.maximum(jnp.min(squared, axis=1), 0.0)))


def make_monitor_step(config: TrainConfig, example_shape) -> Callable:
    """The jitted ``(state, held_out, data, key) -> {name: scalar}`` of one health check.

    G draws as many fakes as there are held-out reals, and as many training reals are drawn
    at random from ``data``. Accuracies, D(G(z)) and epsilon take D as one fixed function
    (BatchNorm on its running statistics), as the probe's held-out evaluation and premises
    do, so no example's score depends on the others in its batch. G's gradients take D as
    training does (BatchNorm on the batches, batched as in training), as the probe's
    curves do: that is the gradient G is given.
    """
    networks = build_networks(config, example_shape)
    training_cost = losses.gan_cost(config.cost).generator
    measured_costs = (training_cost, losses.generator_cost(other_cost(config.cost)))
    nz = config.model.nz

    def monitor(state: GANState, held_out: Array, data: Array, key: Array) -> dict:
        count = held_out.shape[0]
        z_key, index_key = jax.random.split(key)
        training_real = jnp.take(data, jax.random.randint(index_key, (count,), 0,
                                                          data.shape[0]), axis=0)
        z = jax.random.normal(z_key, (count, nz))

        def logits(images):
            return networks.discriminate(state.d.params, state.d.stats, images, False)[0]

        def training_logits_of(fake_images):
            """(fake, real) logits as D computes them in a training step."""
            real_logits, fake_logits, _ = networks.discriminate_pair(
                state.d.params, state.d.stats, training_real, fake_images)
            return fake_logits, real_logits

        fake, generator_vjp = jax.vjp(
            lambda g_params: networks.generate(g_params, state.g.stats, z)[0], state.g.params)
        (step_fake_logits, step_real_logits), discriminator_vjp = jax.vjp(training_logits_of,
                                                                          fake)
        fake_logits = logits(fake)
        held_out_logits, training_logits = logits(held_out), logits(training_real)
        metrics = {
            "held_out_real_accuracy": jnp.mean(held_out_logits > 0),
            "training_real_accuracy": jnp.mean(training_logits > 0),
            "held_out_accuracy": losses.accuracy(held_out_logits, fake_logits),
            "r_t": jnp.mean(jnp.sign(training_logits)),
            "d_fake": jnp.mean(jax.nn.sigmoid(fake_logits)),
            "epsilon": near_optimality(logits, fake)["epsilon"],
            "delta": median_nearest_distance(
                fake, jnp.concatenate([held_out, training_real])),
        }
        for cost in measured_costs:
            cotangent = cost.logit_cotangent(step_fake_logits, step_real_logits)
            (grads,) = generator_vjp(
                discriminator_vjp((cotangent, jnp.zeros_like(step_real_logits)))[0])
            metrics[f"grad_norm/{cost.name}"] = global_norm(grads)
        return {PREFIX + name: value for name, value in metrics.items()}

    return jax.jit(monitor)
