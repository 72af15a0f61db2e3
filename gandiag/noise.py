"""Instance noise (Section 3 of Arjovsky & Bottou 2017): its training schedules, and the
`add-noise` experiment that measures what it does to D, to G's gradient, and to the
bound W(P_r, P_g) <= 2 sqrt(V) + 2 C sqrt(JSD(P_r+e || P_g+e)).
"""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import linear_sum_assignment

from gandiag import losses, metrics, plots, progress, summaries
from gandiag.config import ProbeConfig, to_dict
from gandiag.errors import GandiagError
from gandiag.steps import add_noise, build_networks

# The exponential schedule falls by this many e-folds over the run, then is shifted
# so that it reaches exactly 0 at the last step, as the linear one does.
_EXPONENTIAL_RATE = 5.0
DEFAULT_SIGMAS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
OUTPUT = "add_noise"


def noise_level(sigma: float, schedule: str, step: int, total_steps: int) -> float:
    """The instance-noise standard deviation at ``step`` (0-based) of ``total_steps``."""
    if schedule == "constant" or sigma == 0:
        return sigma
    progress_fraction = step / max(total_steps - 1, 1)
    if schedule == "linear":
        return sigma * (1.0 - progress_fraction)
    floor = math.exp(-_EXPONENTIAL_RATE)
    return sigma * (math.exp(-_EXPONENTIAL_RATE * progress_fraction) - floor) / (1.0 - floor)


def jsd_lower_bound(cross_entropy: float) -> float:
    """JSD >= log 2 - L / 2, L = E_r[-log D] + E_g[-log(1 - D)]; equality at the optimal D."""
    return max(0.0, math.log(2.0) - cross_entropy / 2.0)


def wasserstein_upper_bound(sigma: float, dimensions: int, jsd: float) -> float:
    """2 sqrt(V) + 2 C sqrt(JSD), V = sigma^2 d and C = 2 sqrt(d), the diameter of [-1, 1]^d."""
    return 2.0 * sigma * math.sqrt(dimensions) + 2.0 * 2.0 * math.sqrt(dimensions) * math.sqrt(jsd)


def empirical_wasserstein(real: np.ndarray, fake: np.ndarray) -> float:
    """W1 between two equal-size samples by exact optimal transport (an assignment).

    A finite-sample estimate of W(P_r, P_g): the mean Euclidean distance of the
    optimal one-to-one matching of the flattened samples.
    """
    real = real.reshape(len(real), -1).astype(np.float64)
    fake = fake.reshape(len(fake), -1).astype(np.float64)
    squared = (np.sum(real**2, 1)[:, None] + np.sum(fake**2, 1)[None, :] - 2.0 * real @ fake.T)
    distances = np.sqrt(np.maximum(squared, 0.0))
    rows, columns = linear_sum_assignment(distances)
    return float(distances[rows, columns].mean())


def make_evaluation(train_config, probe: ProbeConfig, example_shape):
    """Jitted (d_state, g_variables, real, key, sigma) -> (cross-entropy, accuracy) on one
    held-out batch with fresh noise, D and G as during the probe, nothing updated."""
    config = dataclasses.replace(train_config,
                                 d_batching=probe.d_batching or train_config.d_batching)
    networks = build_networks(config, example_shape)

    def evaluate(d_state, g_variables, real, key, sigma):
        z_key, real_key, fake_key = jax.random.split(key, 3)
        z = jax.random.normal(z_key, (real.shape[0], config.model.nz))
        fake = networks.generate(g_variables["params"], g_variables["batch_stats"], z,
                                 probe.g_mode == "train")[0]
        real_logits, fake_logits, _ = networks.discriminate_pair(
            d_state.params, d_state.stats, add_noise(real, sigma, real_key),
            add_noise(fake, sigma, fake_key))
        return losses.cross_entropy(real_logits, fake_logits), losses.accuracy(real_logits,
                                                                               fake_logits)

    def generate(g_variables, key, count):
        z = jax.random.normal(key, (count, config.model.nz))
        return networks.generate(g_variables["params"], g_variables["batch_stats"], z,
                                 probe.g_mode == "train")[0]

    return jax.jit(evaluate), jax.jit(generate, static_argnums=2)


@dataclasses.dataclass(frozen=True)
class NoiseOptions:
    """What `add-noise` adds to the probe: held-out data, OT sample size, figure epoch."""

    held_out: int = 1000
    transport_samples: int = 1000
    figure_epoch: int | None = None


def run(run_dir, probe: ProbeConfig, options: NoiseOptions = NoiseOptions(),
        quiet: bool = False) -> dict:
    """The probe at each noise level, then per (checkpoint, sigma) the JSD and W bound rows.

    The last ``options.held_out`` examples of the data set are kept from D's training:
    the final cross-entropy, accuracy and JSD estimate are measured on them (with fresh
    generated batches and fresh noise), and they are the real side of the empirical W.
    """
    from gandiag import probes

    experiment = probes.prepare(run_dir, probe, OUTPUT)
    images = experiment.dataset.array
    held_out_count = min(options.held_out, len(images) // 5)
    held_out = jnp.asarray(images[-held_out_count:])
    experiment = dataclasses.replace(experiment, dataset=dataclasses.replace(
        experiment.dataset, array=images[:-held_out_count]))
    batch = probe.batch_size
    if held_out_count < batch or len(experiment.dataset) < batch:
        raise GandiagError(f"the data set ({len(images)} examples) is too small to hold out "
                           f"{batch}-example batches for add-noise; pass a smaller --batch-size")
    evaluate, generate = make_evaluation(experiment.train_config, probe,
                                         experiment.dataset.shape)
    dimensions = int(np.prod(experiment.dataset.shape))
    evaluations, wasserstein = {}, {}

    def on_trained(epoch, sigma, seed, g_variables, d_state):
        key = jax.random.fold_in(jax.random.key(probe.seed + 7919), epoch)
        results = [evaluate(d_state, g_variables, held_out[start:start + batch],
                            jax.random.fold_in(key, start), jnp.float32(sigma))
                   for start in range(0, held_out_count - batch + 1, batch)]
        cross_entropy, accuracy = np.mean(jax.device_get(results), axis=0)
        evaluations[(epoch, sigma, seed)] = (float(cross_entropy), float(accuracy))
        if epoch not in wasserstein:
            count = min(options.transport_samples, held_out_count)
            fakes = np.concatenate([np.asarray(generate(g_variables, jax.random.fold_in(key, i),
                                                        batch))
                                    for i in range(-(-count // batch))])[:count]
            wasserstein[epoch] = empirical_wasserstein(np.asarray(held_out[:count]), fakes)

    output_dir = experiment.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    metrics.write_json(output_dir / "config.json", {
        **to_dict(experiment.resolved_probe), **to_dict(options), "held_out": held_out_count})
    progress.say(f"add-noise: run {experiment.run_dir}, epochs "
                 f"{', '.join(map(str, experiment.epochs))}, sigmas "
                 f"{', '.join(f'{s:g}' for s in probe.sigmas)}", quiet)
    records = probes.run_curves(experiment, quiet, on_trained)
    metrics.write_jsonl(output_dir / "curves.jsonl", records)
    rows = [summary_row(epoch, sigma, probes.group_curves(records, sigma)[epoch],
                        [evaluations[(epoch, sigma, seed)] for seed in range(probe.seeds)],
                        wasserstein[epoch], dimensions)
            for epoch in experiment.epochs for sigma in probe.sigmas]
    summary = {"rows": rows}
    metrics.write_json(output_dir / "summary.json", summary)
    figure_epoch = options.figure_epoch or experiment.epochs[-1]
    plots.noise_gradients({f"sigma {s:g}": probes.group_curves(records, s)[figure_epoch]
                           for s in probe.sigmas}, probe.costs,
                          output_dir / "noise_gradients.png", figure_epoch)
    plots.noise_accuracy(rows, output_dir / "noise_accuracy.png")
    progress.show(progress.table(f"add-noise: {experiment.run_dir}", *table_rows(rows)))
    return summary


def summary_row(epoch, sigma, curves, evaluations, w_empirical, dimensions) -> dict:
    """One row of summary.json: medians over seeds of the held-out numbers and the norms."""
    cross_entropy = float(np.median([e[0] for e in evaluations]))
    accuracy = float(np.median([e[1] for e in evaluations]))
    jsd = jsd_lower_bound(cross_entropy)
    checkpoint = summaries.checkpoint_summary(curves)
    return {
        "epoch": epoch, "sigma": sigma, "final_accuracy": accuracy, "final_error": cross_entropy,
        "jsd_lower_bound": jsd, "w_upper_bound": wasserstein_upper_bound(sigma, dimensions, jsd),
        "w_empirical": w_empirical,
        "costs": {cost: {key: numbers[key] for key in
                         ("grad_norm_start", "grad_norm_end", "decay_orders")}
                  for cost, numbers in checkpoint.get("costs", {}).items()},
    }


def table_rows(rows: list[dict]) -> tuple[list[str], list[list]]:
    costs = list(rows[0]["costs"]) if rows else []
    columns = ["epoch", "sigma", "final acc", "final error", "JSD >=", "W bound", "W (OT)",
               "bound holds", *[f"decay {cost}" for cost in costs]]
    table = [[r["epoch"], r["sigma"], r["final_accuracy"], r["final_error"], r["jsd_lower_bound"],
              r["w_upper_bound"], r["w_empirical"],
              "yes" if r["w_empirical"] <= r["w_upper_bound"] else "NO",
              *[r["costs"][c]["decay_orders"] for c in costs]] for r in rows]
    return columns, table
