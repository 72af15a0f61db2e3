"""The jitted steps of the frozen-G experiments: one D update with G's gradient measured,
and D's cross-entropy and accuracy on a held-out batch.

G is frozen by never being updated: the same ``DiscriminatorUpdate`` as in training
runs, and G's gradients are only measured.
"""

import dataclasses
import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp

from gandiag.config import ProbeConfig, TrainConfig
from gandiag.core import losses
from gandiag.core.artefacts import transform_inputs
from gandiag.core.instance_noise import add_noise
from gandiag.core.networks import Networks, build_networks, generate
from gandiag.core.parallel import Parallel
from gandiag.core.state import NetworkState, optimizer_of
from gandiag.core.steps import DiscriminatorUpdate, global_norm


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


def probe_networks(train_config: TrainConfig, probe: ProbeConfig, example_shape) -> Networks:
    """The run's G and the probe's D (its batching and normalisation), built once per probe
    and passed to the factories below."""
    return build_networks(probe.for_run(train_config), example_shape)


def make_probe_step(networks: Networks, probe: ProbeConfig,
                    parallel: Parallel = Parallel()) -> Callable:
    """The jitted iteration ``(d, g_variables, data, key, sigma, directions) -> (d, record)``.

    One forward pass of G and of D serves D's update and every probed cost: the
    costs differ only in the cotangent at D's fake logits, each pulled back once, and
    the original cost's not at all (it is minus D's own cost on the fakes).
    Probes that differ only in what the loop runs (epochs, iterations, seeds, noise
    levels) share one step, so that e.g. `gandiag paper`'s probe and add-noise compile it
    once. With a mesh (``parallel``), the real and latent batches are split over its devices.
    """
    step_fields = dataclasses.replace(probe, epochs=(), iters=1, seed=0, seeds=1, sigmas=(0.0,))
    return _probe_step(networks, step_fields, parallel)


@functools.lru_cache(maxsize=8)
def _probe_step(networks: Networks, probe: ProbeConfig, parallel: Parallel) -> Callable:
    # D is trained with the cross-entropy whatever G was trained with (the paper's
    # protocol), unless the probe asks for the relativistic pairing.
    update_discriminator = DiscriminatorUpdate(networks, losses.DISCRIMINATOR_COSTS[probe.d_cost],
                                               optimizer_of(probe.optimizer),
                                               noise=probe.noise_dist, r1=probe.r1, r2=probe.r2)
    cross_entropy_d = probe.d_cost == "cross-entropy"
    generator_costs = [losses.generator_cost(name) for name in probe.costs]
    train_generator = probe.g_mode == "train"
    batch_size, nz = probe.batch_size, networks.nz

    def probe_step(d: NetworkState, g_variables, data, key, sigma, directions):
        real_key, z_key, d_key = jax.random.split(key, 3)
        inputs_key = jax.random.fold_in(key, 1)
        drawn = parallel.split_batch(
            jnp.take(data, jax.random.randint(real_key, (batch_size,), 0, data.shape[0]), 0))
        z = parallel.split_batch(jax.random.normal(z_key, (batch_size, nz)))

        def inputs_seen(g_params):
            """(real, fake) as D sees them (``probe.inputs``), fakes a function of G."""
            # G's BatchNorm statistics are computed but never stored: G stays frozen.
            fake = networks.generate(g_params, g_variables["batch_stats"], z, train_generator)[0]
            return transform_inputs(drawn, fake, inputs_key, probe.inputs)

        (real, fake), pullback_pair = jax.vjp(inputs_seen, g_variables["params"])

        def generator_pullback(fake_cotangent):
            return pullback_pair((jnp.zeros_like(real), fake_cotangent))

        d_step = update_discriminator(d, real, fake, d_key, sigma)
        record = {"error": d_step.metrics["d_loss"], "accuracy": d_step.metrics["d_accuracy"],
                  "d_real": d_step.metrics["d_real"], "d_fake": d_step.metrics["d_fake"]}
        for cost in generator_costs:
            if cost.name == "original" and cross_entropy_d and networks.batching != "joint":
                # log(1 - D(G(z))) is minus the fake half of D's cross-entropy, so its
                # gradient at the fake batch is minus the one D's update pulled back
                # already: one pullback through D fewer per iteration. (On joint batches
                # the real half sees the fakes through BatchNorm, and this does not hold.)
                fake_cotangent = -d_step.fake_gradient
            else:
                fake_cotangent = d_step.fake_pullback(
                    cost.logit_cotangent(d_step.fake_logits, d_step.real_logits))
            (grads,) = generator_pullback(fake_cotangent)
            record[f"grad_norm/{cost.name}"] = global_norm(grads)
            record[f"projections/{cost.name}"] = project(grads, directions)
        return d_step.d, record

    return parallel.jit(probe_step, donate_argnums=(0,))


# Shared by every caller in a process (the probe's checks, add-noise's final evaluation):
# one compilation per shape.
@functools.lru_cache(maxsize=8)
def make_evaluation(networks: Networks, probe: ProbeConfig):
    """Jitted ``(d, g_variables, real, key, sigma) -> numbers`` of D on held-out data.

    D sees the held-out ``real`` batch and as many fresh fakes, each with fresh instance
    noise, and nothing is updated. BatchNorm uses D's running statistics, so D is one
    fixed function and no example's score depends on the labels of the others (the
    theorems' D); the same inputs as one mixed batch on its own statistics give
    ``mixed_correct``, for comparison. Returns counts and sums, so that chunks add up.

    Also returns the jitted ``(g_variables, key, count) -> samples`` of G as in the probe.
    """
    train_generator = probe.g_mode == "train"

    def evaluate(d: NetworkState, g_variables, real, key, sigma):
        z_key, real_key, fake_key = jax.random.split(key, 3)
        inputs_key = jax.random.fold_in(key, 1)
        fake = generate(networks, g_variables, z_key, real.shape[0], train_generator)
        real, fake = transform_inputs(real, fake, inputs_key, probe.inputs)
        noisy_real = add_noise(real, sigma, real_key, probe.noise_dist)
        noisy_fake = add_noise(fake, sigma, fake_key, probe.noise_dist)
        real_logits = networks.discriminate(d.params, d.stats, noisy_real, False)[0]
        fake_logits = networks.discriminate(d.params, d.stats, noisy_fake, False)[0]
        mixed = networks.discriminate(d.params, d.stats,
                                      jnp.concatenate([noisy_real, noisy_fake]), True)[0]
        count = real.shape[0]
        return {"correct": jnp.sum(real_logits > 0) + jnp.sum(fake_logits < 0),
                "mixed_correct": jnp.sum(mixed[:count] > 0) + jnp.sum(mixed[count:] < 0),
                "error_sum": count * losses.cross_entropy(real_logits, fake_logits),
                "d_fake_sum": jnp.sum(jax.nn.sigmoid(fake_logits))}

    def samples(g_variables, key, count):
        return generate(networks, g_variables, key, count, train_generator)

    return jax.jit(evaluate), jax.jit(samples, static_argnums=2)


# Random parameter directions per Hutchinson estimate of G's Jacobian norm.
JACOBIAN_PROBES = 4


def make_premise_step(networks: Networks, probe: ProbeConfig):
    """Jitted ``(d, g_variables, key) -> numbers``: Theorem 2.4's premise on fresh fakes.

    With D fixed (BatchNorm on running statistics) and a fresh batch of fakes x_i:
    ``epsilon`` = max_i D(x_i) + max_i |grad_x D(x_i)| (D* is 0 on the fakes, so this is
    |D - D*| on them); ``jacobian_norm`` = sqrt(mean_i |J_i|_F^2), J_i the Jacobian of
    G's output i in its parameters, by Hutchinson's estimate E_v |J_i v|^2 = |J_i|_F^2
    over random Gaussian parameter directions v, each a forward-mode pass that gives
    every sample's J_i v at once (through G's layers without their custom VJPs, the
    same function). The Frobenius norm bounds the theorem's operator norm, so the
    bound stays valid, if looser; and ``grad_norm_fixed_d``, the norm of G's gradient
    under the original cost with this same D and batch, which the theorem bounds by
    ``jacobian_norm * epsilon / (1 - epsilon)``.
    """
    train_generator = probe.g_mode == "train"
    batch_size, nz = probe.batch_size, networks.nz

    def premises(d: NetworkState, g_variables, key):
        z_key, probe_key = jax.random.split(key)
        z = jax.random.normal(z_key, (batch_size, nz))

        def generate_from(params):
            return networks.generate(params, g_variables["batch_stats"], z, train_generator)[0]

        def logits(images):
            return networks.discriminate(d.params, d.stats, images, False)[0]

        params = g_variables["params"]
        fake = generate_from(params)
        cost_gradients = jax.grad(lambda g_params: jnp.mean(losses.original_per_sample(
            logits(generate_from(g_params)))))(params)
        def forward(g_params):
            return networks.generate_forward(g_params, g_variables["batch_stats"], z,
                                             train_generator)[0]

        squared = jnp.stack([_squared_jvp_norms(forward, params, key)
                             for key in jax.random.split(probe_key, JACOBIAN_PROBES)])
        return {**near_optimality(logits, fake),
                "jacobian_norm": jnp.sqrt(jnp.mean(squared)),
                "grad_norm_fixed_d": global_norm(cost_gradients)}

    return jax.jit(premises)


def near_optimality(logits: Callable[[jax.Array], jax.Array], fake: jax.Array) -> dict:
    """Theorem 2.4's epsilon of D on a batch of fakes: max_i D(x_i) + max_i |grad_x D(x_i)|.

    ``logits`` must treat examples independently (BatchNorm on running statistics): one
    gradient of the sum then gives every example's own input gradient.
    """
    d_values = jax.nn.sigmoid(logits(fake))
    input_gradients = jax.grad(lambda images: jnp.sum(jax.nn.sigmoid(logits(images))))(fake)
    gradient_norms = jnp.sqrt(jnp.sum(jnp.square(input_gradients).reshape(fake.shape[0], -1),
                                      axis=1))
    return {"d_fake_max": jnp.max(d_values), "grad_x_d_max": jnp.max(gradient_norms),
            "epsilon": jnp.max(d_values) + jnp.max(gradient_norms)}


def _squared_jvp_norms(function, params: dict, key: jax.Array) -> jax.Array:
    """|J_i v|^2 for every output example i, for one random Gaussian parameter direction v."""
    leaves, treedef = jax.tree_util.tree_flatten(params)
    keys = jax.random.split(key, len(leaves))
    direction = jax.tree_util.tree_unflatten(
        treedef, [jax.random.normal(k, leaf.shape, leaf.dtype) for k, leaf in zip(keys, leaves)])
    _, tangent = jax.jvp(function, (params,), (direction,))
    return jnp.sum(jnp.square(tangent).reshape(tangent.shape[0], -1), axis=1)
