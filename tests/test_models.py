"""Tests of gandiag.models: exact parameter counts, output shapes, and the custom-VJP conv.

Parameter counts are written out per layer from the DCGAN architecture in models.py
(4x4 kernels; no bias before a BatchNorm; G's last layer and D's first layer and
final dense layer with a bias), so a change to the architecture shows up here.
Shapes are checked with ``jax.eval_shape`` where no numbers are needed.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from gandiag.config import IMAGE_SIZES, ModelConfig
from gandiag.core import layers, models
from gandiag.core.state import build_discriminator, build_generator

KERNEL_AREA = 4 * 4


def _count(tree) -> int:
    return sum(int(np.prod(leaf.shape)) for leaf in jax.tree_util.tree_leaves(tree))


def _abstract_variables(module, example_shape, batch=2):
    """Variables' shapes without running the initialisers."""
    example = jax.ShapeDtypeStruct((batch, *example_shape), jnp.float32)
    return jax.eval_shape(lambda inputs: module.init(jax.random.key(0), inputs, train=True),
                          example)


def _generator_variables(image_size, channels, ngf=64, nz=100):
    module = models.DCGANGenerator(image_size=image_size, channels=channels, ngf=ngf)
    return _abstract_variables(module, (nz,))


def _discriminator_variables(image_size, channels, ndf=64, batch_norm=True):
    module = models.DCGANDiscriminator(image_size=image_size, ndf=ndf, batch_norm=batch_norm)
    return _abstract_variables(module, (image_size, image_size, channels))


def test_generator_parameters_32x32x1():
    expected = (
        100 * 4 * 4 * 256            # dense z -> 4x4x256, no bias
        + 2 * 256                    # BatchNorm(256) scale and bias
        + KERNEL_AREA * 256 * 128    # upsampling conv 4x4 -> 8x8, 256 -> 128, no bias
        + 2 * 128                    # BatchNorm(128)
        + KERNEL_AREA * 128 * 64     # upsampling conv 8x8 -> 16x16, 128 -> 64, no bias
        + 2 * 64                     # BatchNorm(64)
        + KERNEL_AREA * 64 * 1 + 1   # upsampling conv 16x16 -> 32x32, 64 -> 1, with bias
    )
    assert expected == 1_066_881
    variables = _generator_variables(32, 1)
    assert _count(variables["params"]) == expected
    # Running mean and variance of each BatchNorm.
    assert _count(variables["batch_stats"]) == 2 * (256 + 128 + 64)


def test_discriminator_parameters_32x32x1():
    expected = (
        KERNEL_AREA * 1 * 64 + 64    # conv 32x32 -> 16x16, 1 -> 64, with bias (no BatchNorm)
        + KERNEL_AREA * 64 * 128     # conv 16x16 -> 8x8, 64 -> 128, no bias
        + 2 * 128                    # BatchNorm(128)
        + KERNEL_AREA * 128 * 256    # conv 8x8 -> 4x4, 128 -> 256, no bias
        + 2 * 256                    # BatchNorm(256)
        + 4 * 4 * 256 * 1 + 1        # dense 4x4x256 -> 1 logit, with bias
    )
    assert expected == 661_313
    variables = _discriminator_variables(32, 1)
    assert _count(variables["params"]) == expected
    assert _count(variables["batch_stats"]) == 2 * (128 + 256)


def test_discriminator_without_batch_norm_32x32x1():
    expected = (
        KERNEL_AREA * 1 * 64 + 64          # conv 1 -> 64, with bias
        + KERNEL_AREA * 64 * 128 + 128     # conv 64 -> 128, now with bias
        + KERNEL_AREA * 128 * 256 + 256    # conv 128 -> 256, now with bias
        + 4 * 4 * 256 * 1 + 1              # dense 4x4x256 -> 1
    )
    assert expected == 660_929
    variables = _discriminator_variables(32, 1, batch_norm=False)
    assert _count(variables["params"]) == expected
    assert "batch_stats" not in variables


def test_generator_parameters_64x64x3():
    expected = (
        100 * 4 * 4 * 512            # dense z -> 4x4x512, no bias
        + 2 * 512                    # BatchNorm(512)
        + KERNEL_AREA * 512 * 256    # upsampling conv 4 -> 8, 512 -> 256
        + 2 * 256                    # BatchNorm(256)
        + KERNEL_AREA * 256 * 128    # upsampling conv 8 -> 16, 256 -> 128
        + 2 * 128                    # BatchNorm(128)
        + KERNEL_AREA * 128 * 64     # upsampling conv 16 -> 32, 128 -> 64
        + 2 * 64                     # BatchNorm(64)
        + KERNEL_AREA * 64 * 3 + 3   # upsampling conv 32 -> 64, 64 -> 3, with bias
    )
    assert expected == 3_576_707
    variables = _generator_variables(64, 3)
    assert _count(variables["params"]) == expected
    assert _count(variables["batch_stats"]) == 2 * (512 + 256 + 128 + 64)


def test_discriminator_parameters_64x64x3():
    expected = (
        KERNEL_AREA * 3 * 64 + 64    # conv 64 -> 32, 3 -> 64, with bias
        + KERNEL_AREA * 64 * 128     # conv 32 -> 16, 64 -> 128
        + 2 * 128                    # BatchNorm(128)
        + KERNEL_AREA * 128 * 256    # conv 16 -> 8, 128 -> 256
        + 2 * 256                    # BatchNorm(256)
        + KERNEL_AREA * 256 * 512    # conv 8 -> 4, 256 -> 512
        + 2 * 512                    # BatchNorm(512)
        + 4 * 4 * 512 * 1 + 1        # dense 4x4x512 -> 1
    )
    assert expected == 2_765_633
    variables = _discriminator_variables(64, 3)
    assert _count(variables["params"]) == expected
    assert _count(variables["batch_stats"]) == 2 * (128 + 256 + 512)


@pytest.mark.parametrize("image_size, layers", [(16, 2), (32, 3), (64, 4), (128, 5)])
def test_num_stride2_layers(image_size, layers):
    assert models.num_stride2_layers(image_size) == layers
    assert 4 * 2 ** layers == image_size


def _build(image_size, channels, nz=8, width=8, d_norm="batch"):
    config = ModelConfig(nz=nz, ngf=width, ndf=width, d_norm=d_norm)
    example_shape = (image_size, image_size, channels)
    return build_generator(config, example_shape), build_discriminator(config, example_shape)


@pytest.mark.parametrize("image_size", IMAGE_SIZES)
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_output_shapes(image_size, channels):
    batch, nz = 3, 8
    generator, discriminator = _build(image_size, channels, nz=nz)
    assert isinstance(generator, models.DCGANGenerator)
    assert isinstance(discriminator, models.DCGANDiscriminator)

    def forward(z):
        g_variables = generator.init(jax.random.key(0), z)
        images, _ = generator.apply(g_variables, z, train=True, mutable=["batch_stats"])
        d_variables = discriminator.init(jax.random.key(1), images)
        logits, _ = discriminator.apply(d_variables, images, train=True, mutable=["batch_stats"])
        return images, logits, discriminator.apply(d_variables, images, train=False)

    images, logits, eval_logits = jax.eval_shape(forward, jax.ShapeDtypeStruct((batch, nz),
                                                                               jnp.float32))
    assert images.shape == (batch, image_size, image_size, channels)
    assert images.dtype == jnp.float32
    assert logits.shape == eval_logits.shape == (batch,)


def _numpy_variables(abstract_variables, seed=0):
    """DCGAN-like values for a variables tree, drawn in numpy.

    Running Flax's initialisers would compile XLA's random number generator, which
    takes seconds on a small CPU; the outputs' range needs only plausible values.
    """
    rng = np.random.default_rng(seed)

    def value(path, leaf):
        name = path[-1].key
        if name in ("scale", "var"):
            return np.ones(leaf.shape, np.float32)
        if name in ("bias", "mean"):
            return np.zeros(leaf.shape, np.float32)
        return (0.02 * rng.standard_normal(leaf.shape)).astype(np.float32)

    return jax.tree_util.tree_map_with_path(value, abstract_variables)


def test_dcgan_outputs_are_images_in_range_and_finite_logits():
    batch, nz = 4, 8
    generator, discriminator = _build(32, 1, nz=nz)
    g_variables = _numpy_variables(_abstract_variables(generator, (nz,), batch), seed=1)
    d_variables = _numpy_variables(_abstract_variables(discriminator, (32, 32, 1), batch), seed=2)

    @jax.jit
    def forward(z):
        images, _ = generator.apply(g_variables, z, train=True, mutable=["batch_stats"])
        logits, _ = discriminator.apply(d_variables, images, train=True, mutable=["batch_stats"])
        return images, logits

    images, logits = forward(np.random.default_rng(0).standard_normal((batch, nz), np.float32))
    images = np.asarray(images)
    assert images.shape == (batch, 32, 32, 1)
    assert np.all(np.abs(images) <= 1.0)
    assert np.std(images) > 0
    assert logits.shape == (batch,)
    assert np.all(np.isfinite(np.asarray(logits)))


@pytest.mark.parametrize("image_size", IMAGE_SIZES)
def test_d_norm_none_removes_batch_norm(image_size):
    example_shape = (image_size, image_size, 1)
    _, with_norm = _build(image_size, 1)
    _, without_norm = _build(image_size, 1, d_norm="none")
    assert _count(_abstract_variables(with_norm, example_shape)["batch_stats"]) > 0
    variables = _abstract_variables(without_norm, example_shape)
    assert "batch_stats" not in variables
    assert not any("BatchNorm" in name for name in variables["params"])


@pytest.mark.parametrize("points", [2, 3])
def test_mlp_models_for_points(points):
    nz, width, batch = 5, 8, 4
    config = ModelConfig(nz=nz, ngf=width, ndf=width)
    generator = build_generator(config, (points,))
    discriminator = build_discriminator(config, (points,))
    assert isinstance(generator, models.MLPGenerator)
    assert isinstance(discriminator, models.MLPDiscriminator)
    hidden = 2 * width  # MLP widths are twice ngf / ndf
    g_variables = _abstract_variables(generator, (nz,), batch)
    d_variables = _abstract_variables(discriminator, (points,), batch)
    assert set(g_variables) == set(d_variables) == {"params"}  # no BatchNorm
    # Three hidden dense layers and an output layer, each with a bias.
    assert _count(g_variables["params"]) == ((nz * hidden + hidden)
                                             + 2 * (hidden * hidden + hidden)
                                             + (hidden * points + points))
    assert _count(d_variables["params"]) == ((points * hidden + hidden)
                                             + 2 * (hidden * hidden + hidden) + (hidden + 1))
    z = jax.ShapeDtypeStruct((batch, nz), jnp.float32)
    samples = jax.eval_shape(generator.apply, g_variables, z)
    assert samples.shape == (batch, points)
    assert jax.eval_shape(discriminator.apply, d_variables, samples).shape == (batch,)


# --- upsampling_conv: the transposed convolution with a hand-written VJP. ---

def _reference_by_vjp(inputs, kernel):
    """The adjoint of strided_conv through JAX's own VJP (no custom rule involved)."""
    batch, height, width, _ = inputs.shape
    template = jnp.zeros((batch, 2 * height, 2 * width, kernel.shape[2]), inputs.dtype)
    _, adjoint = jax.vjp(lambda image: _plain_strided_conv(image, kernel), template)
    return adjoint(inputs)[0]


def _plain_strided_conv(inputs, kernel):
    return lax.conv_general_dilated(inputs, kernel, (2, 2), ((1, 1), (1, 1)),
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _reference_by_conv_transpose(inputs, kernel):
    """The same adjoint as lax.conv_transpose: a 4x4 kernel with padding 1 becomes
    padding 4 - 1 - 1 = 2 on the stride-dilated input, and transpose_kernel flips the
    kernel spatially and swaps its channel axes, as a conv's input gradient does."""
    return lax.conv_transpose(inputs, kernel, (2, 2), ((2, 2), (2, 2)),
                              dimension_numbers=("NHWC", "HWIO", "NHWC"), transpose_kernel=True)


def _normal(seed, shape):
    return jnp.asarray(np.random.default_rng(seed).standard_normal(shape, np.float32))


def _conv_inputs(batch=2, size=4, in_channels=3, out_channels=5, seed=0):
    rng = np.random.default_rng(seed)
    inputs = jnp.asarray(rng.standard_normal((batch, size, size, in_channels), np.float32))
    # strided_conv's layout: (4, 4, upsampling output channels, upsampling input channels).
    kernel = jnp.asarray(rng.standard_normal((4, 4, out_channels, in_channels), np.float32))
    return inputs, kernel


@pytest.mark.parametrize("size, in_channels, out_channels", [(4, 3, 5), (2, 1, 1), (4, 8, 32)])
def test_upsampling_conv_forward_matches_conv_transpose(size, in_channels, out_channels):
    inputs, kernel = _conv_inputs(size=size, in_channels=in_channels, out_channels=out_channels)
    # One jitted program rather than many op-by-op compilations: faster on a small CPU.
    outputs, by_conv_transpose, by_vjp = jax.jit(lambda x, w: (
        layers.upsampling_conv(x, w), _reference_by_conv_transpose(x, w),
        _reference_by_vjp(x, w)))(inputs, kernel)
    assert outputs.shape == (2, 2 * size, 2 * size, out_channels)
    np.testing.assert_allclose(np.asarray(outputs), np.asarray(by_conv_transpose),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(outputs), np.asarray(by_vjp), rtol=1e-5, atol=1e-5)


def test_upsampling_conv_is_the_adjoint_of_strided_conv():
    """<T(x), y> == <x, S(y)> for every x and y, the defining property."""
    inputs, kernel = _conv_inputs()
    image = _normal(7, (2, 8, 8, 5))
    left, right = jax.jit(lambda x, w, y: (
        jnp.vdot(layers.upsampling_conv(x, w), y), jnp.vdot(x, layers.strided_conv(y, w))))(
        inputs, kernel, image)
    np.testing.assert_allclose(float(left), float(right), rtol=1e-4)


def _relative_error(actual, expected) -> float:
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return float(np.linalg.norm(actual - expected) / np.linalg.norm(expected))


@pytest.mark.parametrize("reference", [_reference_by_vjp, _reference_by_conv_transpose],
                         ids=["vjp", "conv_transpose"])
@pytest.mark.parametrize("size, in_channels, out_channels", [(4, 3, 5), (4, 8, 32)])
def test_upsampling_conv_gradients_match_autodiff(reference, size, in_channels, out_channels):
    inputs, kernel = _conv_inputs(size=size, in_channels=in_channels, out_channels=out_channels)
    cotangent = _normal(9, (2, 2 * size, 2 * size, out_channels))

    def loss(function):
        # A non-linear loss, so the cotangent reaching the conv is not a constant.
        return lambda x, w: jnp.sum(jnp.tanh(function(x, w)) * cotangent)

    # Jitted, as the training step runs it.
    custom = jax.jit(jax.grad(loss(layers.upsampling_conv), argnums=(0, 1)))(inputs, kernel)
    expected = jax.jit(jax.grad(loss(reference), argnums=(0, 1)))(inputs, kernel)
    for actual, wanted in zip(custom, expected):
        assert actual.shape == wanted.shape
        assert _relative_error(actual, wanted) < 1e-4


@pytest.mark.parametrize("in_channels, out_channels", [(3, 5), (32, 8)])
def test_strided_conv_gradients_match_autodiff(in_channels, out_channels):
    """strided_conv's hand-written VJP (its input gradient computed phase by phase when
    the input has >= 16 channels) against JAX's autodiff of the plain convolution."""
    inputs = _normal(1, (2, 8, 8, in_channels))
    kernel = _normal(2, (4, 4, in_channels, out_channels))
    cotangent = _normal(3, (2, 4, 4, out_channels))

    def loss(function):
        return lambda x, w: jnp.sum(jnp.tanh(function(x, w)) * cotangent)

    custom = jax.jit(jax.grad(loss(layers.strided_conv), argnums=(0, 1)))(inputs, kernel)
    expected = jax.jit(jax.grad(loss(_plain_strided_conv), argnums=(0, 1)))(inputs, kernel)
    for actual, wanted in zip(custom, expected):
        assert _relative_error(actual, wanted) < 1e-5


def test_upsampling_conv_vjp_with_explicit_cotangent():
    inputs, kernel = _conv_inputs()
    cotangent = _normal(3, (2, 8, 8, 5))
    _, custom_vjp = jax.vjp(layers.upsampling_conv, inputs, kernel)
    _, reference_vjp = jax.vjp(_reference_by_vjp, inputs, kernel)
    for actual, wanted in zip(custom_vjp(cotangent), reference_vjp(cotangent)):
        assert _relative_error(actual, wanted) < 1e-4


def test_upsampling_conv_layer_bias_and_shape():
    layer = layers.UpsamplingConv(features=6, use_bias=True)
    inputs = jnp.ones((2, 4, 4, 3))
    params = jax.eval_shape(layer.init, jax.random.key(0), inputs)["params"]
    assert params["kernel"].shape == (4, 4, 6, 3)
    assert params["bias"].shape == (6,)
    assert jax.eval_shape(layer.apply, {"params": params}, inputs).shape == (2, 8, 8, 6)
    without_bias = layers.UpsamplingConv(features=6)
    assert "bias" not in jax.eval_shape(without_bias.init, jax.random.key(0), inputs)["params"]
