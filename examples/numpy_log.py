"""A probe log from a simulated world, in plain NumPy, for `gandiag judge`.

The world: a fresh D trains against a frozen G whose samples it can separate. D's logit
on fakes falls linearly and its input gradients sharpen, so D(G(z)) goes to 0 and D's
held-out accuracy to 1; G's gradient under the original cost, proportional to D(G(z)),
vanishes (Figure 2), while under -log D, proportional to 1 - D(G(z)), it grows with the
sharpening and its relative noise grows too (Figure 3). Theorem 2.4's epsilon falls
towards 0. Nothing here imports gandiag.

    python examples/numpy_log.py world.csv && gandiag judge world.csv
"""

import argparse
import csv
import json
import pathlib

import numpy as np

HELD_OUT = 1000  # held-out examples per evaluation (reals and fakes)
EVALUATE_EVERY = 10
DIRECTIONS = 4


def simulate(iters: int, seed: int, rng: np.random.Generator) -> list[dict]:
    """One fresh D's log rows: iter 1..iters, an evaluation every ``EVALUATE_EVERY``."""
    progress = np.arange(iters) / iters
    d_fake = 1 / (1 + np.exp(12 * progress))           # D(G(z)) from 0.5 to ~6e-6
    sharpness = 10 ** (1.5 * progress)                  # |grad_x D| grows 1.5 orders
    relative_noise = 0.05 + 0.3 * progress              # the -log D norm gets noisier
    noise = np.exp(rng.normal(0, relative_noise))
    original = d_fake * sharpness * noise
    minus_log_d = (1 - d_fake) * sharpness * noise
    accuracy = 1 - 0.5 * np.exp(-np.arange(1, iters + 1) / 8)  # 0.99 by ~30 updates
    rows = []
    for index in range(iters):
        row = {"run": "sim", "epoch": 1, "seed": seed, "iter": index + 1,
               "grad_original": original[index], "grad_minus_log_d": minus_log_d[index],
               "d_fake": d_fake[index]}
        row.update({f"proj_minus_log_d_{k}": minus_log_d[index] * rng.normal() / DIRECTIONS
                    for k in range(1, DIRECTIONS + 1)})
        if (index + 1) % EVALUATE_EVERY == 0:
            correct = rng.binomial(HELD_OUT, accuracy[index])
            row.update(heldout_accuracy=correct / HELD_OUT, heldout_n=HELD_OUT,
                       epsilon=2 * d_fake[index] * (1 + 1 / sharpness[index]))
        rows.append(row)
    return rows


def write(path: pathlib.Path, rows: list[dict]) -> None:
    """CSV (blank cells where a row has no evaluation), or JSONL for a .jsonl path."""
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps({k: float(v) if isinstance(v, np.floating) else v
                                            for k, v in row.items()}) + "\n" for row in rows))
        return
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path, help="the log to write (.csv or .jsonl)")
    parser.add_argument("--iters", type=int, default=1000, help="D updates per D seed")
    parser.add_argument("--seeds", type=int, default=3, help="fresh Ds against the one G")
    arguments = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = [row for seed in range(arguments.seeds)
            for row in simulate(arguments.iters, seed, rng)]
    write(arguments.out, rows)


if __name__ == "__main__":
    main()
