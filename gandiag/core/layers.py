"""The 4x4 stride-2 convolutions of the DCGAN, and their Flax layers.

G's stride-2 transposed convolutions are written as the adjoint of a strided
convolution with a hand-written VJP. On XLA:CPU, the gradient that JAX derives for
``lax.conv_transpose`` (and so Flax's ``ConvTranspose``) runs at about 20 GFLOP/s;
written as below, every pass is a strided convolution, its weight gradient, or its
adjoint computed phase by phase, at 150-300 GFLOP/s (measured on the 2-core dev CPU).
The gradient probe needs exactly these gradients, twice per iteration.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

_DIMENSIONS = ("NHWC", "HWIO", "NHWC")
_KERNEL = 4
_PADDING = ((1, 1), (1, 1))

# DCGAN's initialisation of every weight: N(0, 0.02).
weight_init = nn.initializers.normal(0.02)


def _plain_strided_conv(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    return lax.conv_general_dilated(inputs, kernel, (2, 2), _PADDING, dimension_numbers=_DIMENSIONS)


# For output pixel 2m + a of the adjoint, the strided conv's taps that reach it, in the
# order of a stride-1 window, and that window's padding: a = 0 reads inputs m - 1 and m
# through taps 3 and 1; a = 1 reads inputs m and m + 1 through taps 2 and 0.
_PHASE_TAPS = {0: ((3, 1), (1, 0)), 1: ((2, 0), (0, 1))}
# Below this many output channels XLA's own form of the adjoint is the faster one.
_PHASE_MIN_CHANNELS = 16


def transposed_conv(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """The adjoint of the 4x4 stride-2 convolution with ``kernel`` (H, W, big, small).

    Computed as four stride-1 2x2 convolutions, one per output phase, interleaved. XLA
    lowers the adjoint to a convolution over a zero-dilated input, which ran at about
    120 GFLOP/s for the 8x8 -> 16x16 layers on the dev CPU; the phases ran at about 175.
    """
    batch, height, width, _ = inputs.shape
    if kernel.shape[2] < _PHASE_MIN_CHANNELS:
        template = jnp.zeros((batch, 2 * height, 2 * width, kernel.shape[2]), inputs.dtype)
        _, adjoint = jax.vjp(lambda image: _plain_strided_conv(image, kernel), template)
        return adjoint(inputs)[0]
    reversed_kernel = jnp.swapaxes(kernel, 2, 3)
    rows = []
    for row_phase in (0, 1):
        row_taps, row_padding = _PHASE_TAPS[row_phase]
        columns = []
        for column_phase in (0, 1):
            column_taps, column_padding = _PHASE_TAPS[column_phase]
            taps = reversed_kernel[jnp.array(row_taps)][:, jnp.array(column_taps)]
            columns.append(lax.conv_general_dilated(
                inputs, taps, (1, 1), (row_padding, column_padding),
                dimension_numbers=_DIMENSIONS))
        rows.append(jnp.stack(columns, axis=3))
    return jnp.stack(rows, axis=2).reshape(batch, 2 * height, 2 * width, -1)


@jax.custom_vjp
def strided_conv(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """4x4 convolution, stride 2, padding 1: halves height and width."""
    return _plain_strided_conv(inputs, kernel)


def _strided_conv_forward(inputs, kernel):
    return _plain_strided_conv(inputs, kernel), (inputs, kernel)


def _strided_conv_backward(residuals, output_cotangent):
    inputs, kernel = residuals
    _, kernel_vjp = jax.vjp(lambda weights: _plain_strided_conv(inputs, weights), kernel)
    return transposed_conv(output_cotangent, kernel), kernel_vjp(output_cotangent)[0]


strided_conv.defvjp(_strided_conv_forward, _strided_conv_backward)


@jax.custom_vjp
def upsampling_conv(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """4x4 transposed convolution, stride 2: doubles height and width.

    Defined as the adjoint of ``strided_conv``, whose kernel has shape
    (4, 4, output channels, input channels) of this layer.
    """
    return transposed_conv(inputs, kernel)


def _upsampling_conv_forward(inputs, kernel):
    return transposed_conv(inputs, kernel), (inputs, kernel)


def _upsampling_conv_backward(residuals, output_cotangent):
    inputs, kernel = residuals
    # <dy, T(x; W)> = <S(dy; W), x> with S the strided conv, so dx = S(dy; W) and dW is
    # the strided conv's weight gradient with dy as its input and x as its cotangent.
    inputs_cotangent = _plain_strided_conv(output_cotangent, kernel)
    _, kernel_vjp = jax.vjp(lambda weights: _plain_strided_conv(output_cotangent, weights), kernel)
    return inputs_cotangent, kernel_vjp(inputs)[0]


upsampling_conv.defvjp(_upsampling_conv_forward, _upsampling_conv_backward)


class _StrideTwoConv(nn.Module):
    """A 4x4 stride-2 layer with a DCGAN-initialised kernel and an optional bias.

    ``custom_gradient`` False computes the same function without the hand-written VJP,
    for the rare caller that needs forward-mode derivatives (a custom VJP has none).
    """

    features: int
    use_bias: bool = True
    custom_gradient: bool = True

    def convolve(self, inputs: jax.Array, kernel: jax.Array) -> jax.Array:
        raise NotImplementedError

    def kernel_shape(self, in_features: int) -> tuple[int, ...]:
        raise NotImplementedError

    @nn.compact
    def __call__(self, inputs):
        kernel = self.param("kernel", weight_init, self.kernel_shape(inputs.shape[-1]))
        outputs = self.convolve(inputs, kernel)
        if self.use_bias:
            outputs = outputs + self.param("bias", nn.initializers.zeros, (self.features,))
        return outputs


class DownsamplingConv(_StrideTwoConv):
    """Flax layer around ``strided_conv``: (N, H, W, C) -> (N, H/2, W/2, features)."""

    def convolve(self, inputs, kernel):
        if self.custom_gradient:
            return strided_conv(inputs, kernel)
        return _plain_strided_conv(inputs, kernel)

    def kernel_shape(self, in_features):
        return (_KERNEL, _KERNEL, in_features, self.features)


class UpsamplingConv(_StrideTwoConv):
    """Flax layer around ``upsampling_conv``: (N, H, W, C) -> (N, 2H, 2W, features).

    Its kernel is that of the strided convolution it is the adjoint of.
    """

    use_bias: bool = False

    def convolve(self, inputs, kernel):
        if self.custom_gradient:
            return upsampling_conv(inputs, kernel)
        return transposed_conv(inputs, kernel)

    def kernel_shape(self, in_features):
        return (_KERNEL, _KERNEL, self.features, in_features)
