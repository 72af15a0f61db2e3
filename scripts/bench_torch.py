"""The PyTorch eager reference of `make bench`: gandiag's train step and probe, same DCGAN.

Runs in its own virtualenv (.bench-venv, made by `make bench`; torch is never a gandiag
dependency) and prints one JSON object: iterations per second of each case, channels-last
(oneDNN's fast layout on CPUs), with the same batch, widths and work per iteration as
scripts/bench.py's cases: the train step (D on real and fake, then G on -log D) and the
probe (G forward once, both costs' gradients of G under the current D, their norms and
projections on fixed directions, then one Adam step of D).

Usage: .bench-venv/bin/python scripts/bench_torch.py [--quick]
"""

import argparse
import json
import math
import time

import torch
from torch import nn
from torch.nn import functional

NZ, WIDTH, BATCH, DIRECTIONS = 100, 64, 64, 4


def generator(size: int, channels: int) -> nn.Module:
    layers = int(math.log2(size)) - 2
    features = WIDTH * 2 ** (layers - 1)
    modules = [nn.Unflatten(1, (NZ, 1, 1)), nn.ConvTranspose2d(NZ, features, 4, 1, 0, bias=False),
               nn.BatchNorm2d(features), nn.ReLU()]
    for _ in range(layers - 1):
        modules += [nn.ConvTranspose2d(features, features // 2, 4, 2, 1, bias=False),
                    nn.BatchNorm2d(features // 2), nn.ReLU()]
        features //= 2
    modules += [nn.ConvTranspose2d(features, channels, 4, 2, 1), nn.Tanh()]
    return nn.Sequential(*modules)


def discriminator(size: int, channels: int) -> nn.Module:
    layers = int(math.log2(size)) - 2
    modules, features = [], channels
    for layer in range(layers):
        out = WIDTH * 2**layer
        modules += [nn.Conv2d(features, out, 4, 2, 1, bias=layer == 0)]
        modules += [nn.BatchNorm2d(out)] if layer else []
        modules += [nn.LeakyReLU(0.2)]
        features = out
    modules += [nn.Flatten(), nn.Linear(features * 16, 1), nn.Flatten(0)]
    return nn.Sequential(*modules)


def networks(size, channels):
    g = generator(size, channels).to(memory_format=torch.channels_last)
    d = discriminator(size, channels).to(memory_format=torch.channels_last)
    return g, d, torch.optim.Adam(g.parameters(), 2e-4, (0.5, 0.999)), \
        torch.optim.Adam(d.parameters(), 2e-4, (0.5, 0.999))


def d_update(d, d_opt, real, fake):
    d_opt.zero_grad(set_to_none=True)
    loss = functional.softplus(-d(real)).mean() + functional.softplus(d(fake)).mean()
    loss.backward()
    d_opt.step()


def train_case(size, channels):
    g, d, g_opt, d_opt = networks(size, channels)
    real = torch.rand(BATCH, channels, size, size).mul(2).sub(1).to(
        memory_format=torch.channels_last)

    def step():
        fake = g(torch.randn(BATCH, NZ))
        d_update(d, d_opt, real, fake.detach())
        g_opt.zero_grad(set_to_none=True)
        functional.softplus(-d(fake)).mean().backward()
        g_opt.step()

    return step


def probe_case(size, channels):
    g, d, _, d_opt = networks(size, channels)
    real = torch.rand(BATCH, channels, size, size).mul(2).sub(1).to(
        memory_format=torch.channels_last)
    params = list(g.parameters())
    directions = [[torch.randn_like(p) for p in params] for _ in range(DIRECTIONS)]
    costs = {"original": lambda logits: -functional.softplus(logits).mean(),
             "minus-log-d": lambda logits: functional.softplus(-logits).mean()}

    def step():
        fake = g(torch.randn(BATCH, NZ))
        logits = d(fake)
        for cost in costs.values():
            grads = torch.autograd.grad(cost(logits), params, retain_graph=True)
            torch.sqrt(sum(grad.square().sum() for grad in grads)).item()
            [sum((grad * v).sum() for grad, v in zip(grads, direction)).item()
             for direction in directions]
        d_update(d, d_opt, real, fake.detach())

    return step


def rate(step, repeats: int, rounds: int = 3) -> float:
    step()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            step()
        best = min(best, (time.perf_counter() - start) / repeats)
    return 1.0 / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 64x64")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    torch.manual_seed(0)
    results = {"train_32x32x1": rate(train_case(32, 1), repeats),
               "probe_32x32x1": rate(probe_case(32, 1), repeats)}
    if not args.quick:
        results["probe_64x64x3"] = rate(probe_case(64, 3), max(3, repeats // 4))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "iterations_per_s": results}))


if __name__ == "__main__":
    main()
