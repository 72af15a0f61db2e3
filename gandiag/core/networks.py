"""G and D with the Flax variable plumbing hidden, and G's samples on a fixed latent batch."""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp

from gandiag.config import DBatching, TrainConfig
from gandiag.core.state import build_discriminator, build_generator


@dataclasses.dataclass(frozen=True, eq=False)
class Networks:
    """G and D with the Flax variable plumbing hidden: apply returns (output, new stats).

    Built once per experiment and passed to its step factories, which cache their compiled
    steps by it (``__hash__``). ``nz``: the size of G's latents. ``forward_generator``: G
    as the same function without custom VJPs, which forward-mode differentiation needs
    (None: G itself).
    """

    generator: nn.Module
    discriminator: nn.Module
    nz: int
    batching: DBatching = "separate"
    forward_generator: nn.Module | None = None

    def _key(self) -> tuple:
        modules = (self.generator, self.discriminator, self.forward_generator)
        return (*map(_value_or_identity, modules), self.nz, self.batching)

    def __eq__(self, other) -> bool:
        return isinstance(other, Networks) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def generate(self, params, stats, z, train: bool = True):
        return apply_module(self.generator, params, stats, z, train)

    def generate_forward(self, params, stats, z, train: bool = True):
        """``generate``, differentiable in forward mode too."""
        return apply_module(self.forward_generator or self.generator, params, stats, z, train)

    def discriminate(self, params, stats, inputs, train: bool = True):
        return apply_module(self.discriminator, params, stats, inputs, train)

    def discriminate_pair(self, params, stats, real, fake):
        """D's logits on a real and a fake batch, jointly or as two batches (BatchNorm differs).

        ``running`` batching: the logits use D's running statistics as they were before
        this batch, so no example's logit depends on its batch; the joint batch then
        updates them.
        """
        if self.batching == "running":
            joint = jnp.concatenate([real, fake])
            logits = self.discriminate(params, stats, joint, False)[0]
            new_stats = self.discriminate(jax.lax.stop_gradient(params), stats,
                                          jax.lax.stop_gradient(joint))[1]
            return logits[: real.shape[0]], logits[real.shape[0]:], new_stats
        if self.batching == "joint":
            logits, stats = self.discriminate(params, stats, jnp.concatenate([real, fake]))
            return logits[: real.shape[0]], logits[real.shape[0]:], stats
        real_logits, stats = self.discriminate(params, stats, real)
        fake_logits, stats = self.discriminate(params, stats, fake)
        return real_logits, fake_logits, stats

    def fake_logits(self, params, stats, real, fake):
        """D's logits on the fake batch alone, batched as in ``discriminate_pair``."""
        if self.batching != "separate":
            return self.discriminate_pair(params, stats, real, fake)[1]
        return self.discriminate(params, stats, fake)[0]


def _value_or_identity(module: nn.Module | None):
    """A module as a cache key: by value (equal settings, equal modules), or by identity where
    a user's module holds unhashable attributes (a list of widths); core/user_model.py builds
    those once per process, so each setting still compiles once."""
    try:
        hash(module)
    except TypeError:
        return id(module)
    return module


def apply_module(module: nn.Module, params, stats, inputs, train: bool):
    """A Flax module on ``inputs``: (outputs, batch statistics, updated in training mode)."""
    variables = {"params": params, "batch_stats": stats}
    if not train:
        return module.apply(variables, inputs, train=False), stats
    outputs, updates = module.apply(variables, inputs, train=True, mutable=["batch_stats"])
    return outputs, updates.get("batch_stats", stats)


def build_networks(config: TrainConfig, example_shape) -> Networks:
    """G and D of ``config``'s model for examples of ``example_shape``, D batched as it says."""
    return Networks(build_generator(config.model, example_shape),
                    build_discriminator(config.model, example_shape), config.model.nz,
                    batching=config.d_batching,
                    forward_generator=build_generator(config.model, example_shape,
                                                      custom_gradients=False))


def generate(networks: Networks, g_variables: dict, key: jax.Array, count: int,
             train: bool = True) -> jax.Array:
    """G's output on ``count`` latents drawn from ``key``; G's statistics are not updated.

    ``train``: BatchNorm on the batch's statistics (as in training) or on the running ones.
    """
    z = jax.random.normal(key, (count, networks.nz))
    return networks.generate(g_variables["params"], g_variables["batch_stats"], z, train)[0]
