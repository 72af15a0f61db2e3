"""A small MLP GAN for the 2-D toys (ring, grid): G and D with LayerNorm and SiLU.

Not one of gandiag's built-in networks (those are ReLU MLPs without normalisation): it
shows what `gandiag train --model` accepts for points rather than images.

    gandiag train --dataset ring --nz 2 --model examples/toy_mlp.py:build --epochs 20
"""

import flax.linen as nn

WIDTH = 64
DEPTH = 2


class PointGenerator(nn.Module):
    """z -> (Dense, LayerNorm, SiLU) x DEPTH -> a point of ``dimensions`` coordinates."""

    dimensions: int

    @nn.compact
    def __call__(self, z, train: bool = True):
        hidden = z
        for _ in range(DEPTH):
            hidden = nn.silu(nn.LayerNorm()(nn.Dense(WIDTH)(hidden)))
        return nn.Dense(self.dimensions)(hidden)


class PointDiscriminator(nn.Module):
    """A point -> (Dense, SiLU) x DEPTH -> one logit, of shape (B, 1)."""

    @nn.compact
    def __call__(self, points, train: bool = True):
        hidden = points
        for _ in range(DEPTH):
            hidden = nn.silu(nn.Dense(WIDTH)(hidden))
        return nn.Dense(1)(hidden)


def build(example_shape, nz):
    """(G, D) for points of ``example_shape`` (dimensions,)."""
    return PointGenerator(example_shape[0]), PointDiscriminator()
