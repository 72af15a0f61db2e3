"""Simulated worlds of Section 3's rows (noise, Wasserstein) at the presets' sizes.

Each world draws add-noise summaries whose truth is known: one summary per G run, each
(checkpoint, sigma) row with one decay per D seed (a run's mean plus seed noise) and the
numbers the Wasserstein row reads. Sizes: the quick preset (1 G run x 1 D seed, sigmas
0-2), the cpu preset (3 runs x 1 seed, five sigmas), the full one (5 runs x 3 seeds, six
sigmas down to 0.05), and a sweep of twenty sigmas for the multiple-comparison null.

The Wasserstein row has no world where the claim is false: Theorem 3.4 is a theorem, so
every CONTRADICTED is wrong; its worlds check that the row never says it, even with a D at
chance (JSD lower bound 0), and that a bound comfortably above W is found. Its interval
brackets a partially identified ratio (the JSD is known only to lie between D's lower bound
and log 2), so it has no single true value and no coverage.
"""

import dataclasses
import math

import numpy as np

from gandiag.analysis.evidence import ClaimResult, Interval
from gandiag.analysis.noise import noise_claims
from gandiag.analysis.validate.world import World
from gandiag.store.schema import Estimate, NoiseRow, NoiseSeed, NoiseSummary

# The curve's own decay estimate: a D seed's decay scatters this much around its run's
# (orders); a G run's mean scatters RUN_SPREAD around the world's.
SEED_SPREAD = 0.3
RUN_SPREAD = 0.3
Z90 = 1.6448536269514722


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A world's sizes and true mean decays (orders) per sigma; delta in pixels."""

    runs: int
    seeds: int
    decays: dict[float, float]
    delta: float = 2.0
    distribution: str = "gaussian"
    w: float = 8.0
    jsd: tuple[float, float] = (0.05, 0.5)


def _seed(rng: np.random.Generator, index: int, decays: dict[float, float],
          run_means: dict[float, float], jsd: tuple[float, float]) -> dict[float, NoiseSeed]:
    out = {}
    for sigma in decays:
        value = run_means[sigma] + rng.normal(0, SEED_SPREAD)
        # A within-curve interval of the right width, as the probe's block bootstrap aims for.
        stored = Estimate(value, value - Z90 * SEED_SPREAD, value + Z90 * SEED_SPREAD)
        out[sigma] = NoiseSeed(index, 0.99, 0.1, float(rng.uniform(*jsd)), {"original": stored})
    return out


def simulate(sweep: Sweep, rng: np.random.Generator) -> list[NoiseSummary]:
    """One summary per G run, drawn from ``sweep``."""
    summaries = []
    for _ in range(sweep.runs):
        # With one seed per run the run and seed spreads are not told apart: one spread.
        means = {s: d + (rng.normal(0, RUN_SPREAD) if sweep.seeds > 1 or sweep.runs > 1
                         else 0.0) for s, d in sweep.decays.items()}
        seeds = [_seed(rng, i, sweep.decays, means, sweep.jsd) for i in range(sweep.seeds)]
        w = max(sweep.w + rng.normal(0, 0.5), 0.0)
        rows = [NoiseRow(25, sigma, [seed[sigma] for seed in seeds], w, 0.4 * w, sweep.delta)
                for sigma in sweep.decays]
        summaries.append(NoiseSummary(sweep.distribution, 1024, 500, rows))
    return summaries


def _largest_sigma(result: ClaimResult) -> Interval | None:
    return result.effects[-1].interval if result.effects else None


def _sweep(sigmas, clean: float, noisy: float) -> dict[float, float]:
    return {sigma: clean if sigma == 0 else noisy for sigma in sigmas}


QUICK, CPU = (0.0, 0.5, 1.0, 2.0), (0.0, 0.1, 0.5, 1.0, 2.0)
FULL, TWENTY = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0), (0.0, *(0.1 * i for i in range(1, 21)))
# (name, truth, description, sweep). Rescue: 4.5 orders without noise, 0.2 with it;
# no rescue: 2.5 with noise; the hardest null: every noisy decay exactly at the threshold.
NOISE_CASES = [
    ("true-quick", "true", "1 run x 1 seed, noise rescues (4.5 -> 0.2 orders)",
     Sweep(1, 1, _sweep(QUICK, 4.5, 0.2))),
    ("true-cpu", "true", "3 runs x 1 seed, noise rescues", Sweep(3, 1, _sweep(CPU, 4.5, 0.2))),
    ("true-full", "true", "5 runs x 3 seeds, noise rescues", Sweep(5, 3, _sweep(FULL, 4.5, 0.2))),
    ("false-cpu", "false", "3 runs x 1 seed, noise leaves 2.5 orders",
     Sweep(3, 1, _sweep(CPU, 4.5, 2.5))),
    ("false-full", "false", "5 runs x 3 seeds, noise leaves 2.5 orders",
     Sweep(5, 3, _sweep(FULL, 4.5, 2.5))),
    ("twenty-sigmas-null", "false", "3 runs x 1 seed, 20 sigmas all exactly at 1 order",
     Sweep(3, 1, _sweep(TWENTY, 4.5, 1.0))),
    ("premise-fails", "premise-fails", "3 runs x 1 seed, largest sigma 0.17 delta, decays "
     "fall anyway", Sweep(3, 1, _sweep(CPU, 4.5, 0.2), delta=12.0)),
    ("no-vanishing", "premise-fails", "3 runs x 1 seed, 1.6 orders without noise (Figure 2 "
     "finds no vanishing)", Sweep(3, 1, _sweep(CPU, 1.6, 0.2))),
]

WASSERSTEIN_CASES = [
    ("true-ball", "true", "3 runs x 1 seed, ball noise, W 8 of C 66, JSD bound 0.005-0.03",
     Sweep(3, 1, _sweep(CPU, 4.5, 0.2), distribution="ball", jsd=(0.005, 0.03))),
    ("d-at-chance", "true", "3 runs x 1 seed, ball noise, W 14, D at chance (JSD bound 0)",
     Sweep(3, 1, _sweep(CPU, 4.5, 0.2), distribution="ball", w=14.0, jsd=(0.0, 0.0))),
    ("gaussian", "premise-fails", "3 runs x 1 seed, Gaussian noise (C infinite)",
     Sweep(3, 1, _sweep(CPU, 4.5, 0.2))),
]


def _noise_world(name, truth, description, sweep) -> World:
    return World("noise", name, truth, description,
                 lambda rng, sweep=sweep: simulate(sweep, rng), noise_claims.noise,
                 true_value=sweep.decays[max(sweep.decays)], interval=_largest_sigma)


def _wasserstein_world(name, truth, description, sweep) -> World:
    return World("wasserstein", name, truth, description,
                 lambda rng, sweep=sweep: simulate(sweep, rng), noise_claims.wasserstein)


WORLDS: list[World] = ([_noise_world(*case) for case in NOISE_CASES]
                       + [_wasserstein_world(*case) for case in WASSERSTEIN_CASES])
assert all(math.isfinite(w.true_value) for w in WORLDS if w.true_value is not None)
