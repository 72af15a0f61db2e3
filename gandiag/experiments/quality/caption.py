"""`gandiag quality --after-probe`: Figure 3's caption as an experiment.

The caption says that -log D updates against a near-optimal D "lead to a notorious decrease
in sample quality". From each saved G: a fresh D trained from scratch for the probe's
iterations (G frozen), then K G steps against that frozen D, with -log D, separately with
the original cost, and with -log D under instance noise (its D trained with the same
noise). Quality (FCD in the classifier's features, classes covered) before and after, on
the same latents; the null is the unchanged G on fresh latents.
"""

import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis.evidence import percentile_interval
from gandiag.analysis.quality import quality_metrics as metrics
from gandiag.config import AfterProbeConfig, QualityConfig, TrainConfig
from gandiag.core.caption_steps import make_discriminator_step, make_generator_step
from gandiag.core.networks import Networks, build_networks
from gandiag.core.parallel import Parallel
from gandiag.core.state import NetworkState, init_discriminator, optimizer_of
from gandiag.data import datasets, labels
from gandiag.errors import GandiagError
from gandiag.experiments.quality import quality
from gandiag.store import layout
from gandiag.store.quality_schema import FCD_NOTE, AfterProbeRow, AfterProbeSummary
from gandiag.store.saved_run import SavedRun
from gandiag.store.schema import write_summary
from gandiag.views import console

PREMISE_BATCH = 512


def _d_accuracy(networks: Networks, d: NetworkState, g_variables, real, key) -> float:
    z = jax.random.normal(key, (len(real), networks.nz))
    fake = networks.generate(g_variables["params"], g_variables["batch_stats"], z)[0]
    real_logits, fake_logits, _ = networks.discriminate_pair(d.params, d.stats, real, fake)
    return float((np.mean(np.asarray(real_logits) > 0) + np.mean(np.asarray(fake_logits) < 0)) / 2)


def _relative_change(real, before, after, rng, draws):
    """FCD(after) / FCD(before) - 1, bootstrap over real, before and after samples alike."""
    estimate = metrics.frechet_distance(real, after) / metrics.frechet_distance(real, before) - 1
    samples = []
    for _ in range(draws):
        index = [rng.integers(len(s), size=len(s)) for s in (real, before, after)]
        samples.append(metrics.frechet_distance(real[index[0]], after[index[2]])
                       / metrics.frechet_distance(real[index[0]], before[index[1]]) - 1)
    return quality.estimate(percentile_interval(np.array(samples), estimate,
                                                f"bootstrap over samples ({draws} draws)"))


def run(run_dir: pathlib.Path | None, config: AfterProbeConfig = AfterProbeConfig(),
        measuring: QualityConfig = QualityConfig(), quiet: bool = False) -> AfterProbeSummary:
    """Run the experiment on every saved G of a run; write ``<run>/quality/after_probe.json``."""
    started = time.perf_counter()
    saved = SavedRun(run_dir, model=measuring.model)
    run, train_config = saved.dir, saved.config
    if not labels.has_labels(train_config.data.dataset):
        raise GandiagError(f"--after-probe needs a labelled data set (FCD); "
                           f"{train_config.data.dataset} has none: use one of "
                           f"{', '.join(labels.LABELLED_DATASETS)}")
    epochs = saved.epochs(measuring.epochs)
    dataset = datasets.load_data(train_config.data)
    measure = quality.Measure(train_config, dataset, measuring, quiet)
    count = len(measure.reference.images)
    data = jax.device_put(dataset.array)
    networks = build_networks(train_config, dataset.shape)
    rng = np.random.default_rng(measuring.seed)
    rows = []
    variants = [("minus-log-d", 0.0), ("original", 0.0), ("minus-log-d", config.sigma)]
    with console.progress_bar("after-probe", len(epochs) * len(variants), quiet) as bar:
        for epoch in epochs:
            g_start = saved.generator(epoch, dataset.shape)
            sample_seed = measuring.seed + epoch
            before_classes, before = measure.features(quality.generate_images(
                train_config, dataset.shape, g_start, count, sample_seed))
            again = measure.features(quality.generate_images(
                train_config, dataset.shape, g_start, count, sample_seed + 10_000))[1]
            trained_d = {}
            for cost, sigma in variants:
                key = jax.random.fold_in(jax.random.key(measuring.seed), epoch)
                if sigma not in trained_d:
                    trained_d[sigma] = _train_discriminator(networks, train_config, sigma,
                                                            config.iters, g_start, data, key)
                accuracy = _d_accuracy(networks, trained_d[sigma], g_start,
                                       dataset.array[:PREMISE_BATCH], jax.random.fold_in(key, 1))
                g_after = _train_generator(networks, train_config, cost, sigma, config.g_steps,
                                           g_start, trained_d[sigma], data, key)
                after_classes, after = measure.features(quality.generate_images(
                    train_config, dataset.shape, g_after, count, sample_seed))
                real = measure.reference.features
                rows.append(AfterProbeRow(
                    epoch, cost, sigma, accuracy,
                    quality.estimate(metrics.frechet_interval(real, before, measuring.seed, 20)),
                    quality.estimate(metrics.frechet_interval(real, after, measuring.seed, 20)),
                    _relative_change(real, before, after, rng, measuring.bootstrap // 4),
                    _relative_change(real, before, again, rng, measuring.bootstrap // 4),
                    _covered(before_classes, measure), _covered(after_classes, measure)))
                bar.update(completed=len(rows), status=f"epoch {epoch} {cost} sigma {sigma:g}")
    summary = AfterProbeSummary(config.iters, config.g_steps, count, FCD_NOTE, rows,
                                time.perf_counter() - started)
    run.quality.path.mkdir(parents=True, exist_ok=True)
    write_summary(run.quality.figure(layout.AFTER_PROBE), summary)
    return summary


def _covered(classes: np.ndarray, measure: quality.Measure) -> float:
    return metrics.class_coverage(classes, measure.reference.classes, labels.CLASS_COUNT,
                                  draws=1).covered.estimate


def _train_discriminator(networks: Networks, train_config: TrainConfig, sigma, iters,
                         g_variables, data, key) -> NetworkState:
    """A fresh D trained for ``iters`` updates against the frozen G."""
    tx = optimizer_of(train_config.optimizer)
    params, stats = init_discriminator(networks.discriminator, jax.random.fold_in(key, 2),
                                       data.shape[1:], train_config.batch_size)
    # Committed, as the step's outputs are: the second call does not compile again.
    d = Parallel().replicate(NetworkState(params, stats, tx.init(params)))
    step = make_discriminator_step(networks, train_config.optimizer, train_config.batch_size)
    for index in range(iters):
        d = step(d, g_variables, data, jax.random.fold_in(key, 100 + index), jnp.float32(sigma))
    return d


def _train_generator(networks: Networks, train_config: TrainConfig, cost, sigma, g_steps,
                     g_variables, d: NetworkState, data, key) -> dict:
    """G's variables after ``g_steps`` steps on ``cost`` against the frozen ``d``, from a
    fresh optimizer state."""
    tx = optimizer_of(train_config.optimizer)
    # Copies: the steps donate G's buffers, and ``g_variables`` is measured again.
    params = jax.tree_util.tree_map(np.array, g_variables["params"])
    stats = jax.tree_util.tree_map(np.array, g_variables["batch_stats"])
    g = Parallel().replicate(NetworkState(params, stats, tx.init(params)))
    step = make_generator_step(networks, train_config.optimizer, train_config.batch_size, cost)
    for index in range(g_steps):
        g = step(g, d, data, jax.random.fold_in(key, 1_000_000 + index), jnp.float32(sigma))
    return g.variables
