"""`gandiag add-noise` (Section 3 of Arjovsky & Bottou 2017): the probe under instance noise,
and what noise does to D, to G's gradient, and to the bound
W(P_r, P_g) <= 2 sqrt(V) + 2 C sqrt(JSD(P_r+e || P_g+e)).
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis import summaries
from gandiag.analysis.bounds import empirical_wasserstein, jsd_lower_bound, wasserstein_upper_bound
from gandiag.config import NoiseOptions, ProbeConfig, to_dict
from gandiag.core.probe_step import DiscriminatorState, make_evaluation
from gandiag.errors import GandiagError
from gandiag.experiments import frozen
from gandiag.store import layout, records
from gandiag.store.schema import NoiseCost, NoiseRow, NoiseSummary, write_summary
from gandiag.views import console, plots, tables

# Offsets the evaluation's random stream from the probe's (same seed, disjoint keys).
_EVALUATION_KEY_OFFSET = 7919


def hold_out(experiment: frozen.Experiment, options: NoiseOptions) -> tuple[frozen.Experiment,
                                                                             np.ndarray]:
    """The experiment with its last examples kept from D's training, and those examples.

    At most a fifth of the data set is held out; both parts must hold a batch.
    """
    images = experiment.dataset.array
    count = min(options.held_out, len(images) // 5)
    batch = experiment.probe.batch_size
    if count < batch or len(images) - count < batch:
        raise GandiagError(f"the data set ({len(images)} examples) is too small to hold out "
                           f"{batch}-example batches for add-noise; pass a smaller --batch-size")
    training = dataclasses.replace(experiment.dataset, array=images[:-count])
    return dataclasses.replace(experiment, dataset=training), images[-count:]


class HeldOutEvaluation:
    """D's held-out cross-entropy and accuracy after each probe, and W per checkpoint.

    Called by the probe loop with each trained D; the numbers wait here, keyed by
    (epoch, sigma, seed) and by epoch, until the summary is built.
    """

    def __init__(self, experiment: frozen.Experiment, held_out: np.ndarray,
                 options: NoiseOptions):
        probe = experiment.probe
        self.held_out = jnp.asarray(held_out)
        self.batch = probe.batch_size
        self.transport_samples = min(options.transport_samples, len(held_out))
        self.key = jax.random.key(probe.seed + _EVALUATION_KEY_OFFSET)
        self.evaluate, self.samples = make_evaluation(experiment.train_config, probe,
                                                      experiment.dataset.shape)
        self.scores: dict[tuple[int, float, int], tuple[float, float]] = {}
        self.wasserstein: dict[int, float] = {}

    def __call__(self, epoch: int, sigma: float, seed: int, g_variables: dict,
                 d_state: DiscriminatorState) -> None:
        key = jax.random.fold_in(self.key, epoch)
        results = [self.evaluate(d_state, g_variables, self.held_out[start:start + self.batch],
                                 jax.random.fold_in(key, start), jnp.float32(sigma))
                   for start in range(0, len(self.held_out) - self.batch + 1, self.batch)]
        cross_entropy, accuracy = np.mean(jax.device_get(results), axis=0)
        self.scores[(epoch, sigma, seed)] = (float(cross_entropy), float(accuracy))
        if epoch not in self.wasserstein:
            self.wasserstein[epoch] = self.empirical_wasserstein(g_variables, key)

    def empirical_wasserstein(self, g_variables: dict, key: jax.Array) -> float:
        """Exact OT between the first held-out examples and as many fresh samples of G."""
        count = self.transport_samples
        fakes = np.concatenate([np.asarray(self.samples(g_variables, jax.random.fold_in(key, i),
                                                        self.batch))
                                for i in range(-(-count // self.batch))])[:count]
        return empirical_wasserstein(np.asarray(self.held_out[:count]), fakes)


def summary_row(epoch: int, sigma: float, curves: list[list[dict]],
                scores: list[tuple[float, float]], w_empirical: float,
                dimensions: int) -> NoiseRow:
    """One row of summary.json: medians over seeds of the held-out numbers and the norms."""
    cross_entropy = float(np.median([score[0] for score in scores]))
    accuracy = float(np.median([score[1] for score in scores]))
    jsd = jsd_lower_bound(cross_entropy)
    checkpoint = summaries.checkpoint_summary(curves)
    return NoiseRow(
        epoch=epoch, sigma=sigma, final_accuracy=accuracy, final_error=cross_entropy,
        jsd_lower_bound=jsd, w_upper_bound=wasserstein_upper_bound(sigma, dimensions, jsd),
        w_empirical=w_empirical,
        costs={cost: NoiseCost(numbers.grad_norm_start, numbers.grad_norm_end,
                               numbers.decay_orders)
               for cost, numbers in (checkpoint.costs or {}).items()})


def run(run_dir, probe: ProbeConfig, options: NoiseOptions = NoiseOptions(),
        quiet: bool = False) -> NoiseSummary:
    """The probe at each noise level, then per (checkpoint, sigma) the JSD and W bound rows.

    The last ``options.held_out`` examples of the data set are kept from D's training:
    the final cross-entropy, accuracy and JSD estimate are measured on them (with fresh
    generated batches and fresh noise), and they are the real side of the empirical W.
    """
    experiment, held_out = hold_out(frozen.prepare(run_dir, probe, layout.ADD_NOISE), options)
    evaluation = HeldOutEvaluation(experiment, held_out, options)
    frozen.begin(experiment, {**to_dict(experiment.resolved_probe), **to_dict(options),
                              "held_out": len(held_out)}, quiet)
    curve_records = frozen.run_curves(experiment, quiet, evaluation)
    output = experiment.output
    records.write_jsonl(output.curves, curve_records)
    dimensions = int(np.prod(experiment.dataset.shape))
    by_sigma = {sigma: summaries.group_curves(curve_records, sigma) for sigma in probe.sigmas}
    summary = NoiseSummary([
        summary_row(epoch, sigma, by_sigma[sigma][epoch],
                    [evaluation.scores[(epoch, sigma, seed)] for seed in range(probe.seeds)],
                    evaluation.wasserstein[epoch], dimensions)
        for epoch in experiment.epochs for sigma in probe.sigmas])
    write_summary(output.summary, summary)
    figure_epoch = options.figure_epoch or experiment.epochs[-1]
    plots.noise_gradients({f"sigma {s:g}": by_sigma[s][figure_epoch] for s in probe.sigmas},
                          probe.costs, output.figure(layout.NOISE_GRADIENTS), figure_epoch)
    plots.noise_accuracy(summary.rows, output.figure(layout.NOISE_ACCURACY))
    console.show(console.table(f"add-noise: {experiment.run.path}", *tables.noise_rows(summary)))
    return summary
