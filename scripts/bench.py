"""`make bench`: speed of the train step and the gradient probe against the matmul rate.

FLOPs are counted analytically: 2 x the multiply-adds of every convolution and dense
layer that a step runs, forward and backward (BatchNorm and elementwise work are not
counted). The reference rate is a 4096 x 4096 float32 matmul timed in this process.

Beside them, in the same invocation: the PyTorch eager reference of the same steps
(scripts/bench_torch.py, in .bench-venv) and gandiag's ratio to it, and the start-up of
a short probe with the compilation cache off, empty and filled (scripts/bench_startup.py).
On a CUDA machine (`pip install -e '.[cuda]'`) it runs unchanged on the GPU; the reference
stays on the CPU (the CPU torch wheel), so its ratios there are GPU against CPU.

Writes every number to bench.json (or --output) as well.

With --end-to-end, then the whole experiments a user waits for (scripts/bench_e2e.py: a fresh
clone's `make demo`, a 300-iteration probe, the cpu preset, the ablate preset), each against
its target, with the wall time of every phase.

Usage: python scripts/bench.py [--quick] [--no-startup] [--end-to-end CASES] [--output bench.json]
"""

import argparse
import dataclasses
import json
import os
import pathlib
import platform
import tempfile
import time

import bench_e2e
import bench_startup
import jax
import jax.numpy as jnp
import numpy as np

from gandiag.config import DataConfig, ModelConfig, ProbeConfig, TrainConfig
from gandiag.core.models import num_stride2_layers
from gandiag.core.probe_step import make_probe_step, probe_networks, random_directions
from gandiag.core.state import NetworkState, adam, create_state, init_discriminator
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


def probe_flops(f: LayerFlops, costs: int, shared_original: bool = True) -> float:
    """G forward once; the D update as in the train step, on the real and the fake
    batch; then per cost G's weight and input gradients, and per cost D's input
    gradients on the fake, except for the original cost with ``shared_original``: its
    gradient at the fakes is minus the one D's update pulls back, which needs only the
    first layer's input gradients on top."""
    g, g1, d, d1 = f.generator, f.generator_first, f.discriminator, f.discriminator_first
    d_update = 2 * d + 2 * d + 2 * (d - d1)
    pullbacks = costs - 1 if shared_original else costs
    extra = d1 if shared_original else 0.0
    return g + d_update + extra + pullbacks * d + costs * (g + (g - g1))


# The benchmark's model: the DCGAN at full width, as in the paper and the PyTorch runs.
MODEL = ModelConfig(ngf=64, ndf=64)
BATCH = 64


@dataclasses.dataclass
class Step:
    """A compiled step with its state threaded through: ``call()`` runs one iteration."""

    function: object
    arguments: list

    def call(self):
        self.arguments[0], metrics = self.function(*self.arguments)
        return metrics

    def lowered(self):
        return self.function.lower(*self.arguments)


def _data(size, channels, batch):
    return jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (batch * 20, size, size, channels)),
                       jnp.float32)


def train_call(size, channels, model=MODEL, batch=BATCH) -> Step:
    config = TrainConfig(data=DataConfig("mnist"), model=model, batch_size=batch)
    shape = (size, size, channels)
    state = create_state(config, shape)
    data = _data(size, channels, batch)
    order = epoch_permutation(state.key, jnp.int32(1), data.shape[0])
    return Step(make_train_step(config, shape), [state, data, order, jnp.float32(0)])


def probe_call(size, channels, model=MODEL, batch=BATCH,
               costs=("original", "minus-log-d")) -> Step:
    config = TrainConfig(data=DataConfig("mnist"), model=model, batch_size=batch)
    probe = ProbeConfig(batch_size=batch, costs=costs)
    shape = (size, size, channels)
    state = create_state(config, shape)
    networks = probe_networks(config, probe, shape)
    params, stats = init_discriminator(networks.discriminator, jax.random.key(1), shape, batch)
    d = NetworkState(params, stats, adam(probe.optimizer).init(params))
    directions = random_directions(state.g.params, probe.directions, jax.random.key(2))
    return Step(make_probe_step(networks, probe),
                [d, state.g.variables, _data(size, channels, batch), jax.random.key(3),
                 jnp.float32(0), directions])


# The targets, in iterations per second on the 2-core dev CPU: PyTorch 2.13 eager,
# channels-last (oneDNN), measured on the same machine ran the probe at 7.7 it/s (32x32x1)
# and 1.6 (64x64x3) and the train step at 10.2 steps/s.
TARGETS = {"train_32x32x1": 10.2, "probe_32x32x1": 9.3, "probe_64x64x3": 1.9}


def measure(name, step, flops, peak, repeats):
    rate = 1.0 / best_seconds_per_call(step.call, repeats)
    achieved = rate * flops / 1e9
    target = TARGETS[name]
    print(f"{name:16s} {rate:7.2f} it/s (target {target:4.1f})  {flops / 1e9:6.2f} GFLOP/it  "
          f"{achieved:6.1f} GFLOP/s  {achieved / peak:5.1%} of matmul")
    return {"name": name, "iterations_per_s": rate, "target": target,
            "meets_target": rate >= target, "gflop_per_iteration": flops / 1e9,
            "gflops": achieved, "fraction_of_matmul": achieved / peak}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 64x64")
    parser.add_argument("--output", default="bench.json", help="where to write the results")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up runs")
    parser.add_argument("--end-to-end", default="", metavar="CASES",
                        help="comma-separated of demo, probe300, paper-cpu, ablate, or all")
    parser.add_argument("--seed", type=int, default=0, help="the end-to-end runs' G seed")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    print(f"devices: {jax.devices()}")
    peak = matmul_gflops()
    print(f"4096x4096 float32 matmul: {peak:.1f} GFLOP/s")
    small = dcgan_flops(32, 1, MODEL, BATCH)
    results = [
        measure("train_32x32x1", train_call(32, 1), train_step_flops(small), peak, repeats),
        measure("probe_32x32x1", probe_call(32, 1), probe_flops(small, 2), peak, repeats)]
    if not args.quick:
        paper = dcgan_flops(64, 3, MODEL, BATCH)
        results.append(measure("probe_64x64x3", probe_call(64, 3), probe_flops(paper, 2), peak,
                               max(3, repeats // 4)))
    flops = {name: {"before_shared_pullback": probe_flops(layers, 2, False) / 1e9,
                    "now": probe_flops(layers, 2) / 1e9}
             for name, layers in (("probe_32x32x1", small),
                                  ("probe_64x64x3", dcgan_flops(64, 3, MODEL, BATCH)))}
    print(f"probe GFLOP per iteration, before and after sharing D's pullback: {flops}")
    reference = bench_startup.reference(args.quick)
    if reference is not None:
        for result in results:
            torch_rate = reference["iterations_per_s"][result["name"]]
            result["reference_iterations_per_s"] = torch_rate
            result["ratio_to_reference"] = result["iterations_per_s"] / torch_rate
            print(f"{result['name']:16s} gandiag / PyTorch {reference['torch']} eager: "
                  f"{result['ratio_to_reference']:.2f} ({torch_rate:.2f} it/s)")
    startup = None if args.no_startup else bench_startup.startup()
    cases = list(bench_e2e.TARGETS) if args.end_to_end == "all" else [
        case for case in args.end_to_end.split(",") if case]
    end_to_end = bench_e2e.run(cases, pathlib.Path(tempfile.mkdtemp(prefix="gandiag-bench-")),
                               bench_e2e.ROOT.parent / "shared" / "data" / "mnist", args.seed,
                               peak) if cases else None
    peak_after = matmul_gflops()
    print(f"4096x4096 float32 matmul again at the end: {peak_after:.1f} GFLOP/s")
    record = {"machine": {"platform": platform.platform(), "processor": platform.processor(),
                          "cpus": os.cpu_count(), "devices": [str(d) for d in jax.devices()],
                          "jax": jax.__version__},
              "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "batch": BATCH,
              "ngf": MODEL.ngf, "ndf": MODEL.ndf, "matmul_gflops": peak,
              "matmul_gflops_at_end": peak_after, "load_average": os.getloadavg(),
              "results": results, "reference": reference, "startup": startup,
              "end_to_end": end_to_end,
              "probe_gflop_per_iteration": flops}
    pathlib.Path(args.output).write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
