"""`gandiag add-noise` (Section 3 of Arjovsky & Bottou 2017): the probe under instance noise,
and what noise does to D, to G's gradient, and to the bound
W(P_r, P_g) <= 2 sqrt(V) + 2 C sqrt(JSD(P_r+e || P_g+e)).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis import statistics, summaries
from gandiag.analysis.noise.bounds import empirical_wasserstein, jsd_lower_bound, nearest_distances
from gandiag.config import NoiseOptions, ParallelConfig, ProbeConfig, to_dict
from gandiag.core.probe_step import make_evaluation
from gandiag.core.state import NetworkState
from gandiag.errors import GandiagError
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.probe import probe_records
from gandiag.store import layout, locks
from gandiag.store.schema import Estimate, NoiseRow, NoiseSeed, NoiseSummary, write_summary
from gandiag.views import console, plots
from gandiag.views.report import tables

# Offsets the final evaluation's random stream from the probe's and its checks'.
_FINAL_KEY_OFFSET = 104729


class HeldOutEvaluation:
    """D's held-out cross-entropy and accuracy after each probe, and W per checkpoint.

    Called by the probe loop with each trained D, on every held-out example (in chunks of
    the evaluation size) with as many fresh fakes and fresh noise; the numbers wait here,
    keyed by (epoch, sigma, seed) and by epoch, until the summary is built. Its keys are
    folded from the epoch and the example's place, so a part of the experiment on a
    worker measures what the whole would.
    """

    def __init__(self, experiment: probing.Experiment, options: NoiseOptions):
        self.options = options
        probe = experiment.probe
        self.chunk = experiment.eval_size
        usable = len(experiment.held_out) // self.chunk * self.chunk
        self.held_out = experiment.mesh.replicate(jnp.asarray(experiment.held_out[:usable]))
        self.references = np.asarray(experiment.held_out)
        self.batch = probe.batch_size
        self.transport_samples = min(options.transport_samples, len(experiment.held_out) // 2)
        if self.transport_samples < 2:
            raise GandiagError(f"{len(experiment.held_out)} held-out examples are too few for "
                               "the empirical Wasserstein distance; pass a larger --held-out")
        self.key = jax.random.key(probe.seed + _FINAL_KEY_OFFSET)
        self.evaluate, self.samples = make_evaluation(experiment.networks, probe)
        self.scores: dict[tuple[int, float, int], tuple[float, float]] = {}
        self.transport: dict[int, tuple[float, float, float]] = {}

    def __call__(self, epoch: int, sigma: float, seed: int, g_variables: dict,
                 d: NetworkState) -> None:
        key = jax.random.fold_in(self.key, epoch)
        results = jax.device_get([
            self.evaluate(d, g_variables, self.held_out[start:start + self.chunk],
                          jax.random.fold_in(key, start), jnp.float32(sigma))
            for start in range(0, len(self.held_out), self.chunk)])
        count = 2 * len(self.held_out)
        correct = sum(int(result["correct"]) for result in results)
        error = 2 * sum(float(result["error_sum"]) for result in results) / count
        self.scores[(epoch, sigma, seed)] = (error, correct / count)
        if epoch not in self.transport:
            self.transport[epoch] = self.distances(g_variables, key)

    def again(self):
        return functools.partial(HeldOutEvaluation, options=self.options)

    def results(self) -> tuple[dict, dict]:
        return self.scores, self.transport

    def absorb(self, results: tuple[dict, dict]) -> None:
        scores, transport = results
        self.scores.update(scores)
        self.transport.update(transport)

    def distances(self, g_variables: dict, key: jax.Array) -> tuple[float, float, float]:
        """(W between n held-out reals and n fakes, W between two disjoint sets of n reals,
        the median distance from a fake to its nearest held-out real), without noise."""
        count = self.transport_samples
        fakes = np.concatenate([np.asarray(self.samples(g_variables, jax.random.fold_in(key, i),
                                                        self.batch))
                                for i in range(-(-count // self.batch))])[:count]
        reals, other_reals = self.references[:count], self.references[count:2 * count]
        return (empirical_wasserstein(reals, fakes), empirical_wasserstein(reals, other_reals),
                float(np.median(nearest_distances(fakes, self.references))))


def noise_seed(seed: int, curve: list[dict], score: tuple[float, float]) -> NoiseSeed:
    """One D seed at one noise level: the held-out numbers and each cost's decay."""
    error, accuracy = score
    decays = {}
    for cost in curve[0].get("grad_norm", {}):
        start, end = summaries.windows([r["grad_norm"][cost] for r in curve])
        interval = statistics.decay_interval(start, end, seed)
        decays[cost] = Estimate(interval.estimate, interval.low, interval.high)
    return NoiseSeed(seed, accuracy, error, jsd_lower_bound(error), decays)


def run(run_dir, probe: ProbeConfig, options: NoiseOptions = NoiseOptions(),
        quiet: bool = False, parallel: ParallelConfig = ParallelConfig()) -> NoiseSummary:
    """The probe at each noise level, then per (checkpoint, sigma) the held-out numbers, the
    JSD estimate and what the Wasserstein bound needs.

    The held-out examples are kept from D's training: the final cross-entropy, accuracy
    and JSD estimate are measured on them (with fresh generated batches and fresh noise),
    and they are the real side of the empirical W.
    """
    experiment = probing.prepare(run_dir, probe, layout.ADD_NOISE, parallel)
    count = probing.choose_workers(experiment, parallel.workers)
    with locks.hold(experiment.run.path, writer=experiment.mesh.primary,
                    experiment=layout.ADD_NOISE):
        quiet = quiet or not experiment.mesh.primary
        evaluation = start(experiment, options, quiet)
        found = probing.run_parts(experiment, layout.ADD_NOISE, count, quiet, evaluation)
        return finish(experiment, options, evaluation, found)


def start(experiment: probing.Experiment, options: NoiseOptions,
          quiet: bool) -> "HeldOutEvaluation":
    """The experiment's folder and config.json (process 0), and its final evaluation."""
    evaluation = HeldOutEvaluation(experiment, options)
    if experiment.mesh.primary:  # with several processes, process 0 writes
        probing.begin(experiment, {**probing.settings(experiment), **to_dict(options)}, quiet)
    return evaluation


def finish(experiment: probing.Experiment, options: NoiseOptions,
           evaluation: "HeldOutEvaluation", found: probe_records.Records) -> NoiseSummary:
    """Per (checkpoint, sigma) the held-out numbers and the bound's terms; written with the
    records, figures and table by process 0."""
    probe = experiment.probe
    output = experiment.output
    by_sigma = {sigma: summaries.group(found.curves, sigma) for sigma in probe.sigmas}
    rows = []
    for epoch in experiment.epochs:
        w_empirical, w_bias, delta = evaluation.transport[epoch]
        for sigma in probe.sigmas:
            seeds = [noise_seed(seed, by_sigma[sigma][epoch][seed],
                                evaluation.scores[(epoch, sigma, seed)])
                     for seed in range(probe.seeds)]
            rows.append(NoiseRow(epoch, sigma, seeds, w_empirical, w_bias, delta))
    summary = NoiseSummary(probe.noise_dist, int(np.prod(experiment.dataset.shape)),
                           evaluation.transport_samples, rows)
    if not experiment.mesh.primary:
        return summary
    probe_records.write_records(output, found)
    write_summary(output.summary, summary)
    figure_epoch = options.figure_epoch or experiment.epochs[-1]
    plots.noise_gradients({f"sigma {s:g}": summaries.group_curves(found.curves, s)[figure_epoch]
                           for s in probe.sigmas}, probe.costs,
                          output.figure(layout.NOISE_GRADIENTS), figure_epoch)
    plots.noise_accuracy(summary.rows, output.figure(layout.NOISE_ACCURACY))
    console.show(console.table(f"add-noise: {experiment.run.path}", *tables.noise_rows(summary)))
    return summary
