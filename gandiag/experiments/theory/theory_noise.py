"""Section 3 on two parallel unit segments at distance delta, against the exact noisy D*.

An MLP D is trained on P_r + e and P_g + e (P_r on [0, 1] x {0}, P_g on [0, 1] x {delta}).
With disk noise its held-out cross-entropy L gives the JSD estimate log 2 - L / 2 that
Theorem 3.4's bound would use in practice (``estimated_jsds``); with Gaussian noise it is
compared with the closed-form D*_sigma of ``gandiag.analysis.theory.segments``: the logit error
on noisy samples, and the cosine between G's per-sample input gradients of the original
cost under D and under D*_sigma on the fake segment (``match_optimal``).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gandiag.analysis.noise.bounds import jsd_lower_bound
from gandiag.analysis.theory import segments
from gandiag.config import NoiseDistribution, TheoryConfig
from gandiag.core import losses
from gandiag.core.instance_noise import add_noise
from gandiag.core.models import MLPDiscriminator
from gandiag.store.schema import NoiseMatchRow

D_HIDDEN = (64, 64)
HELD_OUT = 20_000
FAKE_POINTS = 512  # the fake segment's grid for the per-sample gradients
DECOMPOSITION_STRIDE = 8  # Theorem 3.2's quadrature on every 8th of them (64 points)
BATCH = 512
LEARNING_RATE = 1e-3


def _clean(key: jax.Array, count: int, height: float) -> jax.Array:
    along = jax.random.uniform(key, (count, 1))
    return jnp.concatenate([along, jnp.full((count, 1), height)], axis=1)


def _noisy_batch(key, count, delta, sigma, noise: NoiseDistribution):
    keys = jax.random.split(key, 4)
    real = add_noise(_clean(keys[0], count, 0.0), sigma, keys[1], noise)
    fake = add_noise(_clean(keys[2], count, delta), sigma, keys[3], noise)
    return real, fake


def train_discriminator(delta: float, sigma: float, noise: NoiseDistribution, updates: int,
                        seed: int):
    """A fresh MLP D trained with Adam on noisy segments; returns its logit function."""
    discriminator = MLPDiscriminator(hidden=D_HIDDEN)
    key = jax.random.key(seed)
    params = discriminator.init(jax.random.fold_in(key, 0), jnp.zeros((1, 2)))["params"]
    optimizer = optax.adam(LEARNING_RATE, b1=0.5)

    def logits(params, points):
        return discriminator.apply({"params": params}, points)

    def step(carry, step_key):
        params, opt_state = carry
        real, fake = _noisy_batch(step_key, BATCH, delta, sigma, noise)
        grads = jax.grad(lambda p: losses.cross_entropy(logits(p, real), logits(p, fake)))(params)
        changes, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, changes), opt_state), None

    train = jax.jit(lambda p, s, keys: jax.lax.scan(step, (p, s), keys)[0])
    params, _ = train(params, optimizer.init(params),
                      jax.random.split(jax.random.fold_in(key, 1), updates))
    return jax.jit(lambda points: logits(params, points))


def estimated_jsds(config: TheoryConfig) -> dict[float, float]:
    """{sigma: log 2 - L / 2} with disk noise at delta = ``noise_delta``, L on held-out data."""
    found = {}
    for index, sigma in enumerate(config.estimate_sigmas):
        logits = train_discriminator(config.noise_delta, sigma, "ball", config.noise_updates,
                                     config.seed + index)
        real, fake = _noisy_batch(jax.random.key(config.seed + 100 + index), HELD_OUT,
                                  config.noise_delta, sigma, "ball")
        found[sigma] = jsd_lower_bound(float(losses.cross_entropy(logits(real), logits(fake))))
    return found


def _input_gradients(logits, points: jax.Array) -> np.ndarray:
    """grad_x log(1 - D(x)) = grad_x (-softplus(logit)) at each point."""
    per_point = jax.vmap(jax.grad(lambda x: -jax.nn.softplus(logits(x[None])[0])))
    return np.asarray(per_point(points), dtype=np.float64)


def match_optimal(config: TheoryConfig) -> tuple[list[NoiseMatchRow], dict]:
    """Each sigma's learned D against D*_sigma (Gaussian noise), and the logit profiles
    across the segments at x_1 = 1/2 for the figure."""
    delta = config.noise_delta
    fakes = np.stack([np.linspace(0.0, 1.0, FAKE_POINTS), np.full(FAKE_POINTS, delta)], axis=1)
    across = np.linspace(-2 * delta, 3 * delta, 201)
    profile_points = np.stack([np.full_like(across, 0.5), across], axis=1)
    rows, profiles = [], {"across": across.tolist()}
    for index, sigma in enumerate(config.noise_sigmas):
        logits = train_discriminator(delta, sigma, "gaussian", config.noise_updates,
                                     config.seed + 10 + index)
        real, fake = _noisy_batch(jax.random.key(config.seed + 200 + index), HELD_OUT, delta,
                                  sigma, "gaussian")
        noisy = np.concatenate([np.asarray(real), np.asarray(fake)])
        logit_error = float(np.mean(np.abs(np.asarray(logits(jnp.asarray(noisy)), np.float64)
                                           - segments.optimal_logit(noisy, delta, sigma))))
        accuracy = float((np.sum(np.asarray(logits(real)) > 0)
                          + np.sum(np.asarray(logits(fake)) < 0)) / (2 * HELD_OUT))
        learned = _input_gradients(logits, jnp.asarray(fakes, dtype=jnp.float32))
        exact = segments.optimal_generator_gradient(fakes, delta, sigma)
        norms = np.linalg.norm(learned, axis=1) * np.linalg.norm(exact, axis=1)
        cosine = float(np.mean(np.sum(learned * exact, axis=1) / np.where(norms > 0, norms,
                                                                             math.inf)))
        decomposed, a, b = segments.decomposition(fakes[::DECOMPOSITION_STRIDE], delta, sigma)
        reference = exact[::DECOMPOSITION_STRIDE]
        decomposition_error = float(np.max(np.linalg.norm(decomposed - reference, axis=1)
                                           / np.linalg.norm(reference, axis=1)))
        rows.append(NoiseMatchRow(sigma, delta, logit_error, cosine,
                                  float(np.linalg.norm(exact, axis=1).mean()),
                                  float(np.linalg.norm(learned, axis=1).mean()), accuracy,
                                  decomposition_error, float(np.mean(b / a))))
        profiles[f"{sigma:g}"] = {
            "exact": segments.optimal_logit(profile_points, delta, sigma).tolist(),
            "learned": np.asarray(logits(jnp.asarray(profile_points, jnp.float32))).tolist()}
    return rows, profiles
