"""Jitted training steps: pure functions of (state, batch inputs) -> (state, metrics).

The discriminator update here is the one every experiment uses: ``gandiag train``
interleaves it with generator updates, the frozen-G experiments call it alone.
"""

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from gandiag.config import NoiseDistribution, TrainConfig
from gandiag.core import losses
from gandiag.core.instance_noise import add_noise
from gandiag.core.networks import Networks, build_networks
from gandiag.core.parallel import Parallel
from gandiag.core.state import GANState, NetworkState, optimizer_of

Array = jax.Array


def global_norm(tree) -> Array:
    return optax.tree.norm(tree)


class DiscriminatorStep(NamedTuple):
    """What one D update returns.

    Attributes:
        d: D after the update.
        metrics: scalars measured on this batch, with D before its update.
        fake_logits: D's logits (before the update) on the (noisy) fake batch.
        real_logits: the same on the (noisy) real batch (a relativistic G cost pairs them).
        fake_gradient: the gradient of D's cost at the clean fake batch (its input
            gradient through D, a by-product of the weight gradients' pullback).
        fake_pullback: maps a cotangent at ``fake_logits`` to one at the clean fake batch.
    """

    d: NetworkState
    metrics: dict
    fake_logits: Array
    real_logits: Array
    fake_gradient: Array
    fake_pullback: Callable[[Array], Array]


@dataclasses.dataclass(frozen=True)
class DiscriminatorUpdate:
    """One Adam update of D on a real and a fake batch, with optional instance noise.

    Besides the new D it returns D's logits on the (noisy) fake batch and the pullback
    of that forward pass from a cotangent at those logits to one at the clean fake
    batch: the gradient probe uses it to get G's gradient from the same forward pass.
    """

    networks: Networks
    cost: Callable[[Array, Array], Array]
    tx: optax.GradientTransformation
    gradient_penalty: float = 0.0
    noise: NoiseDistribution = "gaussian"
    r1: float = 0.0
    r2: float = 0.0

    def __call__(self, d: NetworkState, real, fake, key, sigma) -> DiscriminatorStep:
        params, stats = d.params, d.stats
        noise_real, noise_fake, penalty_key = jax.random.split(key, 3)
        real = add_noise(real, sigma, noise_real, self.noise)
        # The noise is additive, so the pullback to the noisy fake batch is also the
        # pullback to the clean one: G's gradient flows through the noisy input.
        fake = add_noise(fake, sigma, noise_fake, self.noise)
        (real_logits, fake_logits), pullback, new_stats = jax.vjp(
            lambda d_params, fake_images: _pair_and_stats(
                self.networks, d_params, stats, real, fake_images),
            params, fake, has_aux=True)
        loss, (real_cotangent, fake_cotangent) = jax.value_and_grad(
            self.cost, argnums=(0, 1))(real_logits, fake_logits)
        grads, fake_gradient = pullback((real_cotangent, fake_cotangent))
        if self.gradient_penalty:
            penalty_grads = jax.grad(lambda d_params: losses.gradient_penalty(
                lambda inputs: self.networks.discriminate(d_params, new_stats, inputs)[0],
                real, fake, penalty_key))(params)
            grads = jax.tree_util.tree_map(
                lambda g, p: g + self.gradient_penalty * p, grads, penalty_grads)
        # R1 on the reals, R2 (the same penalty) on the fakes.
        for gamma, penalised in ((self.r1, real), (self.r2, fake)):
            if gamma:
                grads = jax.tree_util.tree_map(
                    jnp.add, grads, self._penalty_grads(params, stats, penalised, gamma))
        updates, opt_state = self.tx.update(grads, d.opt_state, params)
        metrics = {
            "d_loss": loss,
            "d_real": jnp.mean(jax.nn.sigmoid(real_logits)),
            "d_fake": jnp.mean(jax.nn.sigmoid(fake_logits)),
            "d_accuracy": losses.accuracy(real_logits, fake_logits),
            "d_grad_norm": global_norm(grads),
        }

        def fake_pullback(fake_logit_cotangent):
            return pullback((jnp.zeros_like(real_logits), fake_logit_cotangent))[1]

        return DiscriminatorStep(NetworkState(optax.apply_updates(params, updates), new_stats,
                                              opt_state),
                                 metrics, fake_logits, real_logits, fake_gradient, fake_pullback)

    def _penalty_grads(self, params, stats, inputs, gamma: float):
        """The gradient in D's weights of the R1 penalty at ``inputs``."""
        return jax.grad(lambda d_params: losses.r1_penalty(
            lambda x: self.networks.discriminate(d_params, stats, x)[0], inputs, gamma))(params)


def _pair_and_stats(networks, params, stats, real, fake):
    real_logits, fake_logits, new_stats = networks.discriminate_pair(params, stats, real, fake)
    return (real_logits, fake_logits), new_stats


def epoch_permutation(key_data: Array, epoch: Array, num_examples: int) -> Array:
    """The order in which an epoch visits the data, derived from the run's key."""
    key = jax.random.fold_in(jax.random.wrap_key_data(key_data), 1_000_000 + epoch)
    return jax.random.permutation(key, num_examples)


def make_train_step(config: TrainConfig, example_shape, parallel: Parallel = Parallel()
                    ) -> Callable:
    """The jitted step ``(state, data, order, sigma) -> (state, metrics)``.

    ``data`` is the whole data set on the device and ``order`` this epoch's
    permutation of it, so drawing a batch needs no host round trip. D takes
    ``config.d_steps`` updates (the first on the epoch's next batch, any further on
    random batches), then G one, against the updated D and reusing the last D
    update's fake batch and its forward pass, as in the DCGAN reference. With a mesh
    (``parallel``), the real and latent batches are split over its devices.
    """
    networks = build_networks(config, example_shape)
    cost = losses.gan_cost(config.cost)
    tx = optimizer_of(config.optimizer)
    update_discriminator = DiscriminatorUpdate(networks, cost.discriminator, tx,
                                               cost.gradient_penalty, r1=config.r1, r2=config.r2)
    batch_size = config.batch_size

    def train_step(state: GANState, data: Array, order: Array, sigma: Array):
        key = jax.random.fold_in(jax.random.wrap_key_data(state.key), state.step)
        steps_per_epoch = order.shape[0] // batch_size
        first = jax.lax.dynamic_slice(order, ((state.step % steps_per_epoch) * batch_size,),
                                      (batch_size,))
        d = state.d
        for d_update in range(config.d_steps):
            step_key = jax.random.fold_in(key, d_update)
            index_key, z_key, d_key = jax.random.split(step_key, 3)
            indices = first if d_update == 0 else jax.random.randint(
                index_key, (batch_size,), 0, data.shape[0])
            real = parallel.split_batch(jnp.take(data, indices, axis=0))
            z = parallel.split_batch(jax.random.normal(z_key, (batch_size, config.model.nz)))
            fake, generator_vjp, g_stats = jax.vjp(
                # Called at once, in this iteration: the loop's z is the one meant.
                lambda g_params: networks.generate(g_params, state.g.stats, z),  # noqa: B023
                state.g.params, has_aux=True)
            d_step = update_discriminator(d, real, jax.lax.stop_gradient(fake), d_key, sigma)
            d = d_step.d

        g_noise_key, g_real_noise_key = jax.random.split(jax.random.fold_in(key, config.d_steps))
        noisy_real = add_noise(real, sigma, g_real_noise_key)
        fake_logits, discriminator_vjp = jax.vjp(
            lambda images: networks.fake_logits(d.params, d.stats, noisy_real, images),
            add_noise(fake, sigma, g_noise_key))
        # A relativistic G pairs its fakes with D's logits on the reals (constants to G).
        real_logits = (networks.discriminate(d.params, d.stats, noisy_real)[0]
                       if cost.generator.relativistic else None)
        g_loss, logit_cotangent = jax.value_and_grad(cost.generator)(fake_logits, real_logits)
        (g_grads,) = generator_vjp(discriminator_vjp(logit_cotangent)[0])
        updates, g_opt_state = tx.update(g_grads, state.g.opt_state, state.g.params)
        g = NetworkState(optax.apply_updates(state.g.params, updates), g_stats, g_opt_state)
        new_state = state.replace(step=state.step + 1, g=g, d=d)
        metrics = {**d_step.metrics, "g_loss": g_loss, "g_grad_norm": global_norm(g_grads)}
        return new_state, metrics

    return parallel.jit(train_step, donate_argnums=(0,))
