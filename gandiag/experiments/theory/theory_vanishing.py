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

from gandiag.analysis.theory import divergences
from gandiag.config import OptimizerName, TheoryConfig
from gandiag.core import losses
from gandiag.core.models import MLPDiscriminator
from gandiag.core.steps import global_norm
from gandiag.store.schema import VanishingRun

GeneratorKind = Literal["curve", "full", "arc"]
CURVE_OFFSET = 2.5  # distance of the curve's centre from the circle's, along a random axis
D_HIDDEN = (64, 64)


@dataclasses.dataclass(frozen=True)
class VanishingSetting:
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
    """z -> the real circle at angle (pi / 2)(1 + tanh(w z + b)): half of the circle.

    Frozen at its initial w = 1, b = 0, the map ``divergences.arc_bayes_accuracy`` assumes.
    """

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


def _generator(setting: VanishingSetting, basis: np.ndarray, rng: np.random.Generator) -> nn.Module:
    if setting.generator == "arc":
        return ArcGenerator(tuple(map(tuple, basis.tolist())))
    axis = rng.normal(size=setting.dimensions)
    offset = CURVE_OFFSET * axis / np.linalg.norm(axis) if setting.generator == "curve" else \
        np.zeros(setting.dimensions)
    return CurveGenerator(setting.dimensions, tuple(offset.tolist()))


def _optimizer(setting: VanishingSetting, config: TheoryConfig) -> optax.GradientTransformation:
    if setting.optimizer == "adam":
        return optax.adam(config.adam_lr, b1=0.5)
    return optax.sgd(config.sgd_lr)


@dataclasses.dataclass(frozen=True)
class FrozenPair:
    """P_r (the circle spanned by ``basis``) and the frozen G, with the latent grid."""

    generator: nn.Module
    g_params: dict
    basis: jax.Array
    grid: jax.Array

    def generate(self, z: jax.Array, g_params=None) -> jax.Array:
        params = self.g_params if g_params is None else g_params
        return self.generator.apply({"params": params}, z)

    def batch(self, key: jax.Array, count: int) -> tuple[jax.Array, jax.Array]:
        """``count`` reals (uniform on the circle) and ``count`` fakes G(z), z ~ N(0, I)."""
        real_key, fake_key = jax.random.split(key)
        angle = jax.random.uniform(real_key, (count, 1), maxval=2 * math.pi)
        real = jnp.concatenate([jnp.cos(angle), jnp.sin(angle)], axis=1) @ self.basis.T
        return real, self.generate(jax.random.normal(fake_key, (count, self.grid.shape[1])))


def frozen_pair(setting: VanishingSetting, config: TheoryConfig, seed: int) -> FrozenPair:
    rng = np.random.default_rng(seed)
    basis = random_plane(setting.dimensions, rng)
    generator = _generator(setting, basis, rng)
    nz = setting.latent_dimensions
    g_params = generator.init(jax.random.fold_in(jax.random.key(seed), 1),
                              jnp.zeros((1, nz)))["params"]
    return FrozenPair(generator, g_params, jnp.asarray(basis, dtype=jnp.float32),
                      jnp.asarray(latent_grid(config.latent_grid, nz)))


def jacobian_norm(pair: FrozenPair) -> float:
    """M-hat: sqrt(E_z |J_theta g(z)|_F^2) over the latent grid, exactly (reverse mode)."""
    def squared_norm(z):
        jacobian = jax.jacrev(lambda g: pair.generate(z[None], g)[0])(pair.g_params)
        return sum(jnp.sum(leaf**2) for leaf in jax.tree_util.tree_leaves(jacobian))

    return float(jnp.sqrt(jnp.mean(jax.vmap(squared_norm)(pair.grid))))


def _steps(pair: FrozenPair, discriminator: nn.Module, optimizer, config: TheoryConfig):
    """The jitted D training chunk (``log_every`` updates) and the jitted diagnostics."""
    def logits(params, points):
        return discriminator.apply({"params": params}, points)

    def step(carry, step_key):
        params, opt_state = carry
        real, fake = pair.batch(step_key, config.batch_size)
        grads = jax.grad(lambda p: losses.cross_entropy(logits(p, real), logits(p, fake)))(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), None

    def generator_gradient_norm(params, cost_name):
        cost = losses.generator_cost(cost_name)
        return global_norm(jax.grad(lambda g: cost(logits(params, pair.generate(pair.grid, g))))(
            pair.g_params))

    def diagnose(params, eval_key):
        """eps-hat, |grad_theta| under both costs, and held-out correct answers."""
        fakes = pair.generate(pair.grid)
        d_of_point = lambda x: jax.nn.sigmoid(logits(params, x[None]))[0]  # noqa: E731
        grad_norms = jnp.linalg.norm(jax.vmap(jax.grad(d_of_point))(fakes), axis=1)
        epsilon = jnp.max(jax.nn.sigmoid(logits(params, fakes))) + jnp.max(grad_norms)
        real, fake = pair.batch(eval_key, config.eval_size)
        correct = jnp.sum(logits(params, real) > 0) + jnp.sum(logits(params, fake) < 0)
        return (epsilon, generator_gradient_norm(params, "original"),
                generator_gradient_norm(params, "minus-log-d"), correct)

    train_chunk = jax.jit(lambda p, s, keys: jax.lax.scan(step, (p, s), keys)[0])
    return train_chunk, jax.jit(diagnose)


def run(setting: VanishingSetting, config: TheoryConfig, seed: int) -> VanishingRun:
    """Train D from scratch against the frozen G; log Theorem 2.4's numbers as it trains."""
    pair = frozen_pair(setting, config, seed)
    discriminator = MLPDiscriminator(hidden=D_HIDDEN)
    key = jax.random.key(seed)
    d_params = discriminator.init(jax.random.fold_in(key, 2),
                                  jnp.zeros((1, setting.dimensions)))["params"]
    optimizer = _optimizer(setting, config)
    train_chunk, diagnose = _steps(pair, discriminator, optimizer, config)
    opt_state = optimizer.init(d_params)
    columns = ("epsilon", "original", "minus_log_d", "correct")
    records: dict[str, list] = {name: [] for name in columns}
    train_key, eval_key = jax.random.fold_in(key, 3), jax.random.fold_in(key, 4)
    iterations = list(range(0, config.d_updates + 1, config.log_every))
    for start in iterations:
        values = jax.device_get(diagnose(d_params, jax.random.fold_in(eval_key, start)))
        for name, value in zip(columns, values):
            records[name].append(float(value))
        if start < config.d_updates:
            chunk = jax.random.split(jax.random.fold_in(train_key, start), config.log_every)
            d_params, opt_state = train_chunk(d_params, opt_state, chunk)
    gap = float(distance_to_circle(np.asarray(pair.generate(pair.grid)),
                                   np.asarray(pair.basis, dtype=np.float64)).min())
    # P_r is singular to a curve or a 2-D blob alike: a perfect D exists unless G is on the arc.
    bayes = divergences.arc_bayes_accuracy() if setting.generator == "arc" else 1.0
    return VanishingRun(setting.label, setting.dimensions, setting.optimizer, setting.generator,
                        jacobian_norm(pair), gap, 2 * config.eval_size, bayes, iterations,
                        records["epsilon"], records["original"], records["minus_log_d"],
                        [correct / (2 * config.eval_size) for correct in records["correct"]])


def settings(config: TheoryConfig) -> list[VanishingSetting]:
    """Every d with Adam and with plain gradient descent, then the two controls (Adam, d=2)."""
    return ([VanishingSetting(d, optimizer) for d in config.dimensions
             for optimizer in ("adam", "sgd")]
            + [VanishingSetting(2, "adam", "full"), VanishingSetting(2, "adam", "arc")])
