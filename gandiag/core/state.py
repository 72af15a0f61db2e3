"""The state of each network and of a GAN, and the models and optimizers that go with them."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from gandiag.config import ModelConfig, OptimizerConfig, TrainConfig
from gandiag.core import user_model
from gandiag.core.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


class NetworkState(struct.PyTreeNode):
    """One network as its updates change it: parameters, statistics, optimizer state.

    ``stats`` is the Flax ``batch_stats`` collection (BatchNorm's running statistics,
    spectral normalisation's vectors), empty for a network without any.
    """

    params: dict
    stats: dict
    opt_state: optax.OptState

    @property
    def variables(self) -> dict:
        """The Flax variables ``{params, batch_stats}`` the module is applied to."""
        return {"params": self.params, "batch_stats": self.stats}


class GANState(struct.PyTreeNode):
    """Everything a training run changes: G, D and the step (``key`` is the run's own)."""

    step: jax.Array
    g: NetworkState
    d: NetworkState
    key: jax.Array


def build_generator(model: ModelConfig, example_shape: tuple[int, ...],
                    custom_gradients: bool = True) -> nn.Module:
    """The DCGAN generator for image examples, the MLP for 2-D points, or the user's own
    (``model.import_path``, core/user_model.py).

    ``custom_gradients`` False: the same function, differentiable in forward mode too.
    """
    if model.import_path:
        return user_model.build(model, example_shape).generator
    if len(example_shape) == 1:
        return MLPGenerator(hidden=(2 * model.ngf,) * 3, output_dim=example_shape[0])
    size, _, channels = example_shape
    return DCGANGenerator(image_size=size, channels=channels, ngf=model.ngf,
                          custom_gradients=custom_gradients)


def build_discriminator(model: ModelConfig, example_shape: tuple[int, ...]) -> nn.Module:
    """The DCGAN discriminator for image examples, the MLP for 2-D points, or the user's own."""
    if model.import_path:
        return user_model.build(model, example_shape).discriminator
    if len(example_shape) == 1:
        return MLPDiscriminator(hidden=(2 * model.ndf,) * 3)
    return DCGANDiscriminator(image_size=example_shape[0], ndf=model.ndf,
                              batch_norm=model.d_norm == "batch",
                              spectral_norm=model.d_norm == "spectral")


def adam(optimizer: OptimizerConfig) -> optax.GradientTransformation:
    return optax.adam(optimizer.lr, b1=optimizer.beta1, b2=optimizer.beta2)


def optimizer_of(config: OptimizerConfig) -> optax.GradientTransformation:
    """The optimiser ``config`` names: Adam, or plain SGD without momentum."""
    return optax.sgd(config.lr) if config.name == "sgd" else adam(config)


def init_variables(module: nn.Module, key: jax.Array, example: jax.Array) -> tuple[dict, dict]:
    """(params, batch_stats) of a freshly initialised module."""
    variables = module.init(key, example, train=True)
    return variables["params"], variables.get("batch_stats", {})


def init_discriminator(module: nn.Module, key: jax.Array, example_shape, batch_size: int):
    return init_variables(module, key, jnp.zeros((batch_size, *example_shape), jnp.float32))


def create_state(config: TrainConfig, example_shape: tuple[int, ...]) -> GANState:
    """A fresh state, every random choice derived from ``config.seed``."""
    generator = build_generator(config.model, example_shape)
    discriminator = build_discriminator(config.model, example_shape)
    key = jax.random.key_data(jax.random.key(config.seed))
    g_key, d_key = jax.random.split(jax.random.wrap_key_data(key), 2)
    z = jnp.zeros((config.batch_size, config.model.nz), jnp.float32)
    g_params, g_stats = init_variables(generator, g_key, z)
    d_params, d_stats = init_discriminator(discriminator, d_key, example_shape, config.batch_size)
    tx = optimizer_of(config.optimizer)
    return GANState(step=jnp.zeros((), jnp.int32),
                    g=NetworkState(g_params, g_stats, tx.init(g_params)),
                    d=NetworkState(d_params, d_stats, tx.init(d_params)), key=key)
