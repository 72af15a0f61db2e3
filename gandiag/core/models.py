"""DCGAN (Radford et al. 2015) and the MLPs used for the 2-D toys."""

import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gandiag.core.layers import DownsamplingConv, UpsamplingConv, weight_init


def _scale_init(key, shape, dtype=jnp.float32):
    """DCGAN's initialisation of BatchNorm scales: N(1, 0.02)."""
    return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5,
                        scale_init=_scale_init)


def num_stride2_layers(image_size: int) -> int:
    """How many stride-2 layers take 4x4 to ``image_size`` (16 -> 2, 64 -> 4)."""
    return int(math.log2(image_size)) - 2


class DCGANGenerator(nn.Module):
    """z -> dense projection to 4x4 -> stride-2 transposed convs -> tanh image."""

    image_size: int
    channels: int
    ngf: int = 64
    custom_gradients: bool = True

    @nn.compact
    def __call__(self, z, train: bool = True):
        layers = num_stride2_layers(self.image_size)
        features = self.ngf * 2 ** (layers - 1)
        hidden = nn.Dense(4 * 4 * features, use_bias=False, kernel_init=weight_init)(z)
        hidden = hidden.reshape(z.shape[0], 4, 4, features)
        hidden = nn.relu(_batch_norm(train)(hidden))
        for _ in range(layers - 1):
            features //= 2
            hidden = nn.relu(_batch_norm(train)(UpsamplingConv(
                features, custom_gradient=self.custom_gradients)(hidden)))
        return jnp.tanh(UpsamplingConv(self.channels, use_bias=True,
                                       custom_gradient=self.custom_gradients)(hidden))


class DCGANDiscriminator(nn.Module):
    """Image -> stride-2 convs with LeakyReLU(0.2) -> one logit per image.

    ``spectral_norm``: every layer's kernel, reshaped to (inputs, outputs), is divided by
    its largest singular value, estimated by one power iteration per call whose ``u``
    vectors live in D's ``batch_stats`` (updated in training mode only).
    """

    image_size: int
    ndf: int = 64
    batch_norm: bool = True
    spectral_norm: bool = False

    def _layer(self, layer: nn.Module, inputs, train: bool):
        if self.spectral_norm:
            return nn.SpectralNorm(layer)(inputs, update_stats=train)
        return layer(inputs)

    @nn.compact
    def __call__(self, images, train: bool = True):
        hidden = images
        for layer in range(num_stride2_layers(self.image_size)):
            inner = layer > 0 and self.batch_norm
            hidden = self._layer(DownsamplingConv(self.ndf * 2**layer, use_bias=not inner),
                                 hidden, train)
            if inner:
                hidden = _batch_norm(train)(hidden)
            hidden = nn.leaky_relu(hidden, 0.2)
        # A 4x4 valid convolution to one output is exactly a dense layer on the flat 4x4 map.
        logits = self._layer(nn.Dense(1, kernel_init=weight_init),
                             hidden.reshape(hidden.shape[0], -1), train)
        return logits[:, 0]


class MLPGenerator(nn.Module):
    """z -> ReLU MLP -> a point in the plane."""

    hidden: Sequence[int] = (128, 128, 128)
    output_dim: int = 2

    @nn.compact
    def __call__(self, z, train: bool = True):
        hidden = z
        for width in self.hidden:
            hidden = nn.relu(nn.Dense(width)(hidden))
        return nn.Dense(self.output_dim)(hidden)


class MLPDiscriminator(nn.Module):
    """A point -> ReLU MLP -> one logit."""

    hidden: Sequence[int] = (128, 128, 128)

    @nn.compact
    def __call__(self, points, train: bool = True):
        hidden = points
        for width in self.hidden:
            hidden = nn.relu(nn.Dense(width)(hidden))
        return nn.Dense(1)(hidden)[:, 0]
