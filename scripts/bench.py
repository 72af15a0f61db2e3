"""`make bench`: speed of the train step and the gradient probe against the matmul rate.

FLOPs are counted analytically: 2 x the multiply-adds of every convolution and dense
layer that a step runs, forward and backward (BatchNorm and elementwise work are not
counted). The reference rate is a 4096 x 4096 float32 matmul timed in this process.

Usage: python scripts/bench.py [--quick]
"""

import argparse
import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.config import DataConfig, ModelConfig, ProbeConfig, TrainConfig
from gandiag.core.models import num_stride2_layers
from gandiag.core.networks import build_networks
from gandiag.core.probe_step import DiscriminatorState, make_probe_step, random_directions
from gandiag.core.state import adam, create_state, init_discriminator
from gandiag.core.steps import epoch_permutation, make_train_step


def best_seconds_per_call(call, repeats: int, rounds: int = 3) -> float:
    """The best of ``rounds`` timings of ``repeats`` calls (after one warm-up call)."""
    jax.block_until_ready(call())
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            result = call()
        jax.block_until_ready(result)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def matmul_gflops(size: int = 4096) -> float:
    a = jnp.asarray(np.random.default_rng(0).normal(size=(size, size)), jnp.float32)
    matmul = jax.jit(lambda x: x @ x)
    return 2 * size**3 / best_seconds_per_call(lambda: matmul(a), 5) / 1e9


@dataclasses.dataclass(frozen=True)
class LayerFlops:
    """Forward FLOPs of G and D for one batch, and of their first layers."""

    generator: float
    generator_first: float
    discriminator: float
    discriminator_first: float


def dcgan_flops(size: int, channels: int, model: ModelConfig, batch: int) -> LayerFlops:
    layers = num_stride2_layers(size)
    g_features = [model.ngf * 2 ** (layers - 1 - i) for i in range(layers)] + [channels]
    g_first = 2 * model.nz * 16 * g_features[0]
    g_total = g_first
    for i in range(layers):  # transposed conv: every input pixel meets a 4x4 kernel
        g_total += 2 * (4 * 2**i) ** 2 * 16 * g_features[i] * g_features[i + 1]
    d_features = [channels] + [model.ndf * 2**i for i in range(layers)]
    d_convs = [2 * (size // 2 ** (i + 1)) ** 2 * 16 * d_features[i] * d_features[i + 1]
               for i in range(layers)]
    d_total = sum(d_convs) + 2 * 16 * d_features[-1]
    return LayerFlops(batch * g_total, batch * g_first, batch * d_total, batch * d_convs[0])


def train_step_flops(f: LayerFlops) -> float:
    """G forward once; D update: forward on real and fake, weight gradients, input
    gradients but D's first layer; G update: D forward and input gradients on the fake,
    G's weight gradients and input gradients but its first layer."""
    g, g1, d, d1 = f.generator, f.generator_first, f.discriminator, f.discriminator_first
    return g + (2 * d + 2 * d + 2 * (d - d1)) + (d + d + g + (g - g1))


def probe_flops(f: LayerFlops, costs: int) -> float:
    """The D update as above, then per cost: D's input gradients on the fake and G's
    weight and input gradients."""
    g, g1, d, d1 = f.generator, f.generator_first, f.discriminator, f.discriminator_first
    return g + (2 * d + 2 * d + 2 * (d - d1)) + costs * (d + g + (g - g1))


def bench_train(size, channels, model, batch, repeats):
    config = TrainConfig(data=DataConfig("mnist"), model=model, batch_size=batch)
    shape = (size, size, channels)
    state = create_state(config, shape)
    data = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (batch * 20, *shape)), jnp.float32)
    order = epoch_permutation(state.key, jnp.int32(1), data.shape[0])
    step = make_train_step(config, shape)
    holder = {"state": state}

    def call():
        holder["state"], metrics = step(holder["state"], data, order, jnp.float32(0))
        return metrics

    return 1.0 / best_seconds_per_call(call, repeats)


def bench_probe(size, channels, model, batch, repeats, costs=("original", "minus-log-d")):
    config = TrainConfig(data=DataConfig("mnist"), model=model, batch_size=batch)
    probe = ProbeConfig(batch_size=batch, costs=costs)
    shape = (size, size, channels)
    state = create_state(config, shape)
    networks = build_networks(config, shape)
    params, stats = init_discriminator(networks.discriminator, jax.random.key(1), shape, batch)
    holder = {"d": DiscriminatorState(params, stats, adam(probe.optimizer).init(params))}
    g_variables = {"params": state.g_params, "batch_stats": state.g_stats}
    directions = random_directions(state.g_params, probe.directions, jax.random.key(2))
    data = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (batch * 20, *shape)), jnp.float32)
    step = make_probe_step(config, probe, shape)
    key = jax.random.key(3)

    def call():
        holder["d"], record = step(holder["d"], g_variables, data, key, jnp.float32(0), directions)
        return record

    return 1.0 / best_seconds_per_call(call, repeats)


def report(name, rate, flops, peak):
    achieved = rate * flops / 1e9
    print(f"{name:44s} {rate:7.2f} it/s  {flops / 1e9:6.2f} GFLOP/it  "
          f"{achieved:6.1f} GFLOP/s  {achieved / peak:5.1%} of matmul")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 64x64")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    print(f"devices: {jax.devices()}")
    peak = matmul_gflops()
    print(f"4096x4096 float32 matmul: {peak:.1f} GFLOP/s")
    model = ModelConfig(ngf=64, ndf=64)
    mnist = dcgan_flops(32, 1, model, 64)
    report("train step, 32x32x1 DCGAN, batch 64", bench_train(32, 1, model, 64, repeats),
           train_step_flops(mnist), peak)
    report("probe (both costs), 32x32x1, batch 64", bench_probe(32, 1, model, 64, repeats),
           probe_flops(mnist, 2), peak)
    if not args.quick:
        paper = dcgan_flops(64, 3, model, 64)
        report("probe (both costs), 64x64x3, batch 64",
               bench_probe(64, 3, model, 64, max(3, repeats // 4)), probe_flops(paper, 2), peak)


if __name__ == "__main__":
    main()
