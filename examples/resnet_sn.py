"""A ResNet-style GAN for 32x32 images, D spectrally normalised (Miyato et al. 2018).

Not one of gandiag's built-in networks: it shows what `gandiag train --model` accepts.
G upsamples 4x4 by residual blocks (BatchNorm, ReLU, nearest-neighbour upsampling, 3x3
convolutions) to the image size and ends in tanh; D downsamples by residual blocks whose
every kernel is divided by its largest singular value (one power iteration per call, its
vectors in `batch_stats`), sums ReLU features over space and maps them to one logit.

    gandiag train --dataset cifar10 --model examples/resnet_sn.py:build --epochs 20
    gandiag train --dataset digits --image-size 16 --model examples/resnet_sn.py:tiny
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp


def _upsample(images):
    batch, height, width, channels = images.shape
    return jax.image.resize(images, (batch, 2 * height, 2 * width, channels), "nearest")


def _downsample(images):
    return nn.avg_pool(images, (2, 2), strides=(2, 2))


class UpBlock(nn.Module):
    """BN-ReLU-up-conv-BN-ReLU-conv, plus an upsampled 1x1 shortcut."""

    features: int

    @nn.compact
    def __call__(self, inputs, train: bool):
        def norm(x):
            return nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)

        hidden = nn.Conv(self.features, (3, 3))(_upsample(nn.relu(norm(inputs))))
        hidden = nn.Conv(self.features, (3, 3))(nn.relu(norm(hidden)))
        return hidden + nn.Conv(self.features, (1, 1))(_upsample(inputs))


class DownBlock(nn.Module):
    """ReLU-conv-ReLU-conv-pool, plus a pooled 1x1 shortcut; every kernel spectrally normed."""

    features: int
    first: bool = False

    @nn.compact
    def __call__(self, inputs, train: bool):
        def conv(x, size):
            return nn.SpectralNorm(nn.Conv(self.features, (size, size)))(x, update_stats=train)

        # The first block sees the images themselves, which a ReLU would clip at 0.
        hidden = inputs if self.first else nn.relu(inputs)
        hidden = _downsample(conv(nn.relu(conv(hidden, 3)), 3))
        return hidden + conv(_downsample(inputs), 1)


class ResNetGenerator(nn.Module):
    image_size: int
    channels: int
    width: int = 64

    @nn.compact
    def __call__(self, z, train: bool = True):
        hidden = nn.Dense(4 * 4 * self.width)(z).reshape(z.shape[0], 4, 4, self.width)
        for _ in range(int(math.log2(self.image_size)) - 2):
            hidden = UpBlock(self.width)(hidden, train)
        hidden = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9)(hidden))
        return jnp.tanh(nn.Conv(self.channels, (3, 3))(hidden))


class ResNetDiscriminator(nn.Module):
    image_size: int
    width: int = 64

    @nn.compact
    def __call__(self, images, train: bool = True):
        hidden = images
        for index in range(int(math.log2(self.image_size)) - 2):
            hidden = DownBlock(self.width, first=index == 0)(hidden, train)
        features = jnp.sum(nn.relu(hidden), axis=(1, 2))
        return nn.SpectralNorm(nn.Dense(1))(features, update_stats=train)


def build(example_shape, nz, width: int = 64):
    """(G, D) for images of ``example_shape`` (size, size, channels); ``nz`` is not needed
    by G's first layer, which takes any latent size."""
    size, _, channels = example_shape
    return (ResNetGenerator(size, channels, width), ResNetDiscriminator(size, width))


def tiny(example_shape, nz):
    """The same networks 8 channels wide: seconds per epoch on a CPU, for tests and demos."""
    return build(example_shape, nz, width=8)
