"""Theorems 2.1, 2.2 and 2.4 where D* is known: a fresh MLP D trained against a frozen G.

P_r is uniform on the unit circle in a random 2-plane of R^d; G maps a 1-D latent through a
tanh MLP and a fixed offset, so P_g lies on a bounded curve away from the circle and
D* = 0 (with grad D* = 0) on every fake. Every expectation over z is a quantile grid of
N(0, 1) (``latent_grid`` points), which is also the dense sample of the curve that eps
is the supremum over, so Theorem 2.4's Jensen argument holds exactly on the logged numbers:

    |grad_theta E log(1 - D(g(z)))| <= M eps / (1 - eps),
    eps = sup |D| + sup |grad_x D| over the curve, M^2 = E |J_theta g(z)|_F^2.

Controls break the premise: ``full`` (nz = d, P_g a 2-D blob over the circle) and ``arc``
(G traces half of the real circle, where D* = p_r / (p_r + p_g) > 0).
"""

import dataclasses
import math
from typing import Literal

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from scipy.special import ndtri

from gandiag.config import TheoryConfig
from gandiag.core import losses
from gandiag.core.models import MLPDiscriminator
from gandiag.core.steps import global_norm
from gandiag.store.schema import VanishingRun

GeneratorKind = Literal["curve", "full", "arc"]
OptimizerName = Literal["adam", "gd"]
CURVE_OFFSET = 2.5  # distance of the curve's centre from the circle's, along a random axis
D_HIDDEN = (64, 64)


@dataclasses.dataclass(frozen=True)
class Setting:
    """One D training: the ambient dimension, the optimiser and the kind of G."""

    dimensions: int
    optimizer: OptimizerName
    generator: GeneratorKind = "curve"

    @property
    def label(self) -> str:
        kind = {"curve": "", "full": " full-dim P_g", "arc": " arc of the circle"}[self.generator]
        return f"d={self.dimensions} {self.optimizer}{kind}"

    @property
    def latent_dimensions(self) -> int:
        return self.dimensions if self.generator == "full" else 1


class CurveGenerator(nn.Module):
    """z -> tanh MLP -> R^d, plus a fixed ``offset``: a bounded curve (or blob, nz > 1)."""

    dimensions: int
    offset: tuple[float, ...]
    hidden: tuple[int, ...] = (32, 32)

    @nn.compact
    def __call__(self, z):
        hidden = z
        for width in self.hidden:
            hidden = jnp.tanh(nn.Dense(width)(hidden))
        return nn.Dense(self.dimensions)(hidden) + jnp.asarray(self.offset)


class ArcGenerator(nn.Module):
    """z -> the real circle at angle (pi / 2)(1 + tanh(w z + b)): half of the circle."""

    basis: tuple[tuple[float, ...], ...]

    @nn.compact
    def __call__(self, z):
        w = self.param("w", nn.initializers.ones, (1,))
        b = self.param("b", nn.initializers.zeros, (1,))
        angle = 0.5 * math.pi * (1 + jnp.tanh(w * z[:, :1] + b))
        return jnp.concatenate([jnp.cos(angle), jnp.sin(angle)], axis=1) @ jnp.asarray(self.basis).T


def random_plane(dimensions: int, rng: np.random.Generator) -> np.ndarray:
    """An orthonormal (d, 2) basis of a random 2-plane of R^d."""
    return np.linalg.qr(rng.normal(size=(dimensions, 2)))[0]


def latent_grid(count: int, dimensions: int) -> np.ndarray:
    """Quantiles of N(0, 1): ``count`` points for nz = 1, a product grid for nz > 1."""
    side = count if dimensions == 1 else round(count ** (1 / dimensions))
    axis = ndtri((np.arange(side) + 0.5) / side)
    mesh = np.meshgrid(*[axis] * dimensions, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1).astype(np.float32)


def distance_to_circle(points: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Euclidean distance of each point to the unit circle spanned by ``basis``."""
    in_plane = points @ basis
    off_plane = points - in_plane @ basis.T
    return np.hypot(np.linalg.norm(off_plane, axis=1), np.linalg.norm(in_plane, axis=1) - 1.0)


def _generator(setting: Setting, basis: np.ndarray, rng: np.random.Generator) -> nn.Module:
    if setting.generator == "arc":
        return ArcGenerator(tuple(map(tuple, basis.tolist())))
    axis = rng.normal(size=setting.dimensions)
    offset = CURVE_OFFSET * axis / np.linalg.norm(axis) if setting.generator == "curve" else \
        np.zeros(setting.dimensions)
    return CurveGenerator(setting.dimensions, tuple(offset.tolist()))


def _optimizer(setting: Setting, config: TheoryConfig) -> optax.GradientTransformation:
    if setting.optimizer == "adam":
        return optax.adam(config.adam_lr, b1=0.5)
    return optax.sgd(config.gd_lr)


def run(setting: Setting, config: TheoryConfig, seed: int) -> VanishingRun:
    """Train D from scratch against the frozen G; log Theorem 2.4's numbers as it trains."""
    rng = np.random.default_rng(seed)
    basis = random_plane(setting.dimensions, rng)
    generator = _generator(setting, basis, rng)
    discriminator = MLPDiscriminator(hidden=D_HIDDEN)
    key = jax.random.key(seed)
    nz = setting.latent_dimensions
    g_params = generator.init(jax.random.fold_in(key, 1), jnp.zeros((1, nz)))["params"]
    d_params = discriminator.init(jax.random.fold_in(key, 2),
                                  jnp.zeros((1, setting.dimensions)))["params"]
    optimizer = _optimizer(setting, config)
    grid = jnp.asarray(latent_grid(config.latent_grid, nz))
    basis_j = jnp.asarray(basis, dtype=jnp.float32)

    def generate(params, z):
        return generator.apply({"params": params}, z)

    def logits(params, points):
        return discriminator.apply({"params": params}, points)

    def reals(sample_key, count):
        angle = jax.random.uniform(sample_key, (count, 1), maxval=2 * math.pi)
        return jnp.concatenate([jnp.cos(angle), jnp.sin(angle)], axis=1) @ basis_j.T

    def batch(batch_key, count):
        real_key, fake_key = jax.random.split(batch_key)
        return reals(real_key, count), generate(g_params, jax.random.normal(fake_key, (count, nz)))

    def step(carry, step_key):
        params, opt_state = carry
        real, fake = batch(step_key, config.batch_size)
        grads = jax.grad(lambda p: losses.cross_entropy(logits(p, real), logits(p, fake)))(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), None

    @jax.jit
    def train_chunk(params, opt_state, chunk_keys):
        return jax.lax.scan(step, (params, opt_state), chunk_keys)[0]

    @jax.jit
    def diagnose(params, eval_key):
        fakes = generate(g_params, grid)
        d_values = jax.nn.sigmoid(logits(params, fakes))
        d_of_point = lambda x: jax.nn.sigmoid(logits(params, x[None]))[0]  # noqa: E731
        grad_norms = jnp.linalg.norm(jax.vmap(jax.grad(d_of_point))(fakes), axis=1)
        real, fake = batch(eval_key, config.eval_size)
        correct = jnp.sum(logits(params, real) > 0) + jnp.sum(logits(params, fake) < 0)
        return jnp.max(d_values) + jnp.max(grad_norms), generator_gradient_norm(
            params, "original"), generator_gradient_norm(params, "minus-log-d"), correct

    def generator_gradient_norm(params, cost_name):
        cost = losses.generator_cost(cost_name)
        return global_norm(jax.grad(lambda g: cost(logits(params, generate(g, grid))))(
            g_params))

    jacobian_norms = jax.vmap(lambda z: sum(jnp.sum(leaf**2) for leaf in jax.tree_util.tree_leaves(
        jax.jacrev(lambda g: generate(g, z[None])[0])(g_params))))(grid)
    m_hat = float(jnp.sqrt(jnp.mean(jacobian_norms)))
    gap = float(distance_to_circle(np.asarray(generate(g_params, grid)), basis).min())

    opt_state = optimizer.init(d_params)
    records: dict[str, list] = {"iteration": [], "epsilon": [], "original": [], "minus_log_d": [],
                                "accuracy": []}
    train_key, eval_key = jax.random.fold_in(key, 3), jax.random.fold_in(key, 4)
    for start in range(0, config.d_updates + 1, config.log_every):
        epsilon, original, minus_log_d, correct = jax.device_get(
            diagnose(d_params, jax.random.fold_in(eval_key, start)))
        for name, value in (("iteration", start), ("epsilon", float(epsilon)),
                            ("original", float(original)), ("minus_log_d", float(minus_log_d)),
                            ("accuracy", int(correct) / (2 * config.eval_size))):
            records[name].append(value)
        if start < config.d_updates:
            chunk = jax.random.split(jax.random.fold_in(train_key, start), config.log_every)
            d_params, opt_state = train_chunk(d_params, opt_state, chunk)
    return VanishingRun(setting.label, setting.dimensions, setting.optimizer, setting.generator,
                        m_hat, gap, 2 * config.eval_size, records["iteration"],
                        records["epsilon"], records["original"], records["minus_log_d"],
                        records["accuracy"])


def settings(config: TheoryConfig) -> list[Setting]:
    """Every d with Adam and with plain gradient descent, then the two controls (Adam, d=2)."""
    return ([Setting(d, optimizer) for d in config.dimensions for optimizer in ("adam", "gd")]
            + [Setting(2, "adam", "full"), Setting(2, "adam", "arc")])
