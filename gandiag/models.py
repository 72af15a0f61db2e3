"""DCGAN (Radford et al. 2015) and the MLPs used for the 2-D toys.

G's stride-2 transposed convolutions are written as the adjoint of a strided
convolution with a hand-written VJP. On XLA:CPU, the gradient that JAX derives for
``lax.conv_transpose`` (and so Flax's ``ConvTranspose``) runs at about 20 GFLOP/s;
written as below, every pass is an ordinary strided convolution or its weight
gradient and runs at 200-300 GFLOP/s (measured on the 2-core dev CPU). The gradient
probe needs exactly this weight gradient, twice per iteration.
"""

import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

_DIMENSIONS = ("NHWC", "HWIO", "NHWC")
_KERNEL = 4
_PADDING = ((1, 1), (1, 1))
IMAGE_SIZES = (16, 32, 64, 128)

# DCGAN's initialisation: N(0, 0.02) weights, BatchNorm scales N(1, 0.02).
_weight_init = nn.initializers.normal(0.02)


def _scale_init(key, shape, dtype=jnp.float32):
    return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)


def strided_conv(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """4x4 convolution, stride 2, padding 1: halves height and width."""
    return lax.conv_general_dilated(inputs, kernel, (2, 2), _PADDING, dimension_numbers=_DIMENSIONS)


@jax.custom_vjp
def upsampling_conv(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """4x4 transposed convolution, stride 2: doubles height and width.

    Defined as the adjoint of ``strided_conv``, whose kernel has shape
    (4, 4, output channels, input channels) of this layer.
    """
    batch, height, width, _ = inputs.shape
    template = jnp.zeros((batch, 2 * height, 2 * width, kernel.shape[2]), inputs.dtype)
    _, strided_conv_adjoint = jax.vjp(lambda image: strided_conv(image, kernel), template)
    return strided_conv_adjoint(inputs)[0]


def _upsampling_conv_forward(inputs, kernel):
    return upsampling_conv(inputs, kernel), (inputs, kernel)


def _upsampling_conv_backward(residuals, output_cotangent):
    inputs, kernel = residuals
    # <dy, T(x; W)> = <S(dy; W), x> with S the strided conv, so dx = S(dy; W) and dW is
    # the strided conv's weight gradient with dy as its input and x as its cotangent.
    inputs_cotangent = strided_conv(output_cotangent, kernel)
    _, kernel_vjp = jax.vjp(lambda weights: strided_conv(output_cotangent, weights), kernel)
    return inputs_cotangent, kernel_vjp(inputs)[0]


upsampling_conv.defvjp(_upsampling_conv_forward, _upsampling_conv_backward)


class UpsamplingConv(nn.Module):
    """Flax layer around ``upsampling_conv``: (N, H, W, C) -> (N, 2H, 2W, features)."""

    features: int
    use_bias: bool = False

    @nn.compact
    def __call__(self, inputs):
        kernel = self.param(
            "kernel", _weight_init, (_KERNEL, _KERNEL, self.features, inputs.shape[-1])
        )
        outputs = upsampling_conv(inputs, kernel)
        if self.use_bias:
            outputs = outputs + self.param("bias", nn.initializers.zeros, (self.features,))
        return outputs


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

    @nn.compact
    def __call__(self, z, train: bool = True):
        layers = num_stride2_layers(self.image_size)
        features = self.ngf * 2 ** (layers - 1)
        hidden = nn.Dense(4 * 4 * features, use_bias=False, kernel_init=_weight_init)(z)
        hidden = hidden.reshape(z.shape[0], 4, 4, features)
        hidden = nn.relu(_batch_norm(train)(hidden))
        for _ in range(layers - 1):
            features //= 2
            hidden = nn.relu(_batch_norm(train)(UpsamplingConv(features)(hidden)))
        return jnp.tanh(UpsamplingConv(self.channels, use_bias=True)(hidden))


class DCGANDiscriminator(nn.Module):
    """Image -> stride-2 convs with LeakyReLU(0.2) -> one logit per image."""

    image_size: int
    ndf: int = 64
    batch_norm: bool = True

    @nn.compact
    def __call__(self, images, train: bool = True):
        hidden = images
        for layer in range(num_stride2_layers(self.image_size)):
            inner = layer > 0 and self.batch_norm
            hidden = nn.Conv(self.ndf * 2**layer, (_KERNEL, _KERNEL), (2, 2), _PADDING,
                             use_bias=not inner, kernel_init=_weight_init)(hidden)
            if inner:
                hidden = _batch_norm(train)(hidden)
            hidden = nn.leaky_relu(hidden, 0.2)
        # A 4x4 valid convolution to one output is exactly a dense layer on the flat 4x4 map.
        logits = nn.Dense(1, kernel_init=_weight_init)(hidden.reshape(hidden.shape[0], -1))
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
