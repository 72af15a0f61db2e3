"""The train step's and the probe's speed on 1 device and on N, in one process.

On a CPU, run it with forced host devices (they share the same cores, so expect no
speed-up: the ratio measures what splitting the batch costs):

    XLA_FLAGS=--xla_force_host_platform_device_count=4 python scripts/bench_devices.py

Usage: python scripts/bench_devices.py [--size 32] [--batch 64] [--width 64] [--repeats 10]
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from bench import best_seconds_per_call

from gandiag.config import DataConfig, ModelConfig, ParallelConfig, ProbeConfig, TrainConfig
from gandiag.core import parallel
from gandiag.core.probe_step import make_probe_step, probe_networks, random_directions
from gandiag.core.state import NetworkState, adam, create_state, init_discriminator
from gandiag.core.steps import epoch_permutation, make_train_step


def rates(mesh: parallel.Parallel, size: int, batch: int, width: int, repeats: int):
    """(train steps/s, probe iterations/s) of a 32x32x1 DCGAN on ``mesh``."""
    model = ModelConfig(ngf=width, ndf=width)
    config = TrainConfig(data=DataConfig("mnist"), model=model, batch_size=batch)
    shape = (size, size, 1)
    host = np.random.default_rng(0).uniform(-1, 1, (batch * 20, *shape)).astype(np.float32)
    data = mesh.put_data(host)
    state = {"train": mesh.replicate(create_state(config, shape))}
    order = epoch_permutation(state["train"].key, jnp.int32(1), len(host))
    train_step = make_train_step(config, shape, mesh)

    def train():
        state["train"], metrics = train_step(state["train"], data, order, jnp.float32(0))
        return metrics

    probe = ProbeConfig(batch_size=batch)
    networks = probe_networks(config, probe, shape)
    params, stats = init_discriminator(networks.discriminator, jax.random.key(1), shape, batch)
    state["d"] = mesh.replicate(NetworkState(params, stats, adam(probe.optimizer).init(params)))
    fresh = create_state(config, shape)  # the train step donated (deleted) its own
    g_variables = mesh.replicate(fresh.g.variables)
    directions = random_directions(g_variables["params"], probe.directions, jax.random.key(2))
    probe_step = make_probe_step(networks, probe, mesh)

    def probe_call():
        state["d"], record = probe_step(state["d"], g_variables, data, jax.random.key(3),
                                        jnp.float32(0), directions)
        return record

    return (1 / best_seconds_per_call(train, repeats), 1 / best_seconds_per_call(probe_call,
                                                                                    repeats))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    counts = sorted({1, len(jax.local_devices())})
    found = {n: rates(parallel.setup(ParallelConfig(devices=n)), args.size, args.batch,
                      args.width, args.repeats) for n in counts}
    print(f"{jax.local_devices()[0].platform}, {args.size}x{args.size}x1, batch {args.batch}, "
          f"ngf = ndf = {args.width}")
    for n, (train, probe) in found.items():
        print(f"{n} device(s): train {train:.2f} it/s ({train / found[1][0]:.2f} x 1 device), "
              f"probe {probe:.2f} it/s ({probe / found[1][1]:.2f} x 1 device)")


if __name__ == "__main__":
    main()
