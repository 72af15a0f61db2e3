"""`gandiag quality`: the sample quality of every saved G, with bootstrap intervals.

Each saved G draws ``samples`` images (BatchNorm on batch statistics, in batches of the
training batch size, as in training); the real reference is as many images of the data
set (a fixed random subset when the data set is larger). Labelled data sets are measured
in the features of gandiag's own classifier (FCD, KCD, k-NN precision/recall, class
coverage), unlabelled ones by SWD and precision/recall on random-projection features, the
2-D toys by the modes covered and the share of high-quality samples (as `toy-noise` counts
them) and precision/recall on the points themselves.
The floor is the classifier's held-out reals against as many of its training reals.
"""

import dataclasses
import pathlib
import time

import jax
import numpy as np

from gandiag.analysis.evidence import Interval
from gandiag.analysis.quality import modes as toy_modes
from gandiag.analysis.quality import quality_metrics as metrics
from gandiag.analysis.quality import swd
from gandiag.analysis.summaries import epoch_means
from gandiag.config import QualityConfig, TrainConfig, to_dict
from gandiag.core.networks import build_networks, generate
from gandiag.data import datasets, labels
from gandiag.experiments.quality import classifier as offline_classifier
from gandiag.store import layout, records
from gandiag.store.quality_schema import FCD_NOTE, QualityRow, QualitySummary
from gandiag.store.saved_run import SavedRun
from gandiag.store.schema import Estimate, write_summary
from gandiag.views import console
from gandiag.views.quality import quality_plots

# SWD is computed on at most this many images per set (its patches grow fast).
SWD_IMAGES = 2000
SWD_BOOTSTRAP = 10
PROJECTION_DIMENSIONS = 64
FEATURES_CLASSIFIER = "classifier (FCD, KCD)"
FEATURES_PROJECTION = "random projection (SWD on pixels)"
FEATURES_POINTS = "the 2-D points (modes covered, high-quality share)"


def estimate(interval: Interval) -> Estimate:
    return Estimate(interval.estimate, interval.low, interval.high)


@dataclasses.dataclass(frozen=True)
class Reference:
    """The real images a G is measured against, their features and (when labelled) classes."""

    images: np.ndarray
    features: np.ndarray
    classes: np.ndarray | None


class Measure:
    """Features of a run's data set and the metrics of a set of generated images."""

    def __init__(self, train_config: TrainConfig, dataset: datasets.Dataset, config: QualityConfig,
                 quiet: bool):
        self.config = config
        self.labelled = labels.has_labels(train_config.data.dataset)
        self.modes = (datasets.toy_modes(train_config.data.dataset)
                      if train_config.data.is_toy else None)
        self.model = (offline_classifier.load_or_train(train_config.data, dataset.array,
                                                       quiet=quiet) if self.labelled else None)
        count = min(config.samples, len(dataset))
        chosen = np.sort(np.random.default_rng(config.seed).permutation(len(dataset))[:count])
        real_classes = labels.load_labels(train_config.data)[chosen] if self.labelled else None
        images = dataset.array[chosen]
        self.reference = Reference(images, self.features(images)[1], real_classes)

    def features(self, images: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        if self.model is not None:
            return self.model.predict(images)
        if self.modes is not None:
            return None, np.asarray(images, np.float64).reshape(len(images), -1)
        return None, metrics.random_projection_features(images, PROJECTION_DIMENSIONS)

    def row(self, epoch: int, fake: np.ndarray) -> QualityRow:
        draws, seed, real = self.config.bootstrap, self.config.seed, self.reference
        predicted, features = self.features(fake)
        pr = metrics.precision_recall(real.features, features, seed=seed, draws=draws)
        common = {"epoch": epoch, "samples": len(fake), "precision": estimate(pr.precision),
                  "recall": estimate(pr.recall)}
        if self.modes is None:
            common["realism"] = estimate(metrics.pixel_realism(real.images, fake, seed, draws))
            common["diversity"] = estimate(metrics.pixel_diversity(real.images, fake, seed,
                                                                   draws))
        if self.modes is not None:
            coverage = toy_modes.mode_coverage(features, self.modes, seed, draws)
            return QualityRow(**common, modes_covered=estimate(coverage.covered),
                              high_quality=estimate(coverage.high_quality))
        if self.model is None:
            count = min(SWD_IMAGES, len(fake))
            distance = swd.swd_interval(real.images[:count], fake[:count], seed, SWD_BOOTSTRAP)
            return QualityRow(**common, swd=estimate(distance))
        coverage = metrics.class_coverage(predicted, real.classes, labels.CLASS_COUNT, seed, draws)
        return QualityRow(
            **common, fcd=estimate(metrics.frechet_interval(real.features, features, seed, draws)),
            kcd=estimate(metrics.kernel_distance(real.features, features, seed=seed)),
            classes_covered=estimate(coverage.covered), class_kl=estimate(coverage.kl),
            class_histogram=list(coverage.histogram))

    def floor(self, dataset: datasets.Dataset) -> dict:
        """FCD and KCD of the classifier's held-out reals against as many training reals."""
        if self.model is None:
            return {}
        train_index, held_out_index = offline_classifier.split_indices(len(dataset))
        count = min(len(held_out_index), self.config.samples)
        held_out = self.features(dataset.array[held_out_index[:count]])[1]
        training = self.features(dataset.array[train_index[:count]])[1]
        seed, draws = self.config.seed, self.config.bootstrap
        return {"floor_samples": count,
                "floor_fcd": estimate(metrics.frechet_interval(held_out, training, seed, draws)),
                "floor_kcd": estimate(metrics.kernel_distance(held_out, training, seed=seed))}


def generate_images(train_config: TrainConfig, example_shape, g_variables: dict, count: int,
                    seed: int) -> np.ndarray:
    """``count`` samples of G, in batches of the training batch size (as G was trained)."""
    networks = build_networks(train_config, example_shape)
    key = jax.random.key(seed)
    batch = train_config.batch_size
    chunks = [np.asarray(generate(networks, g_variables, jax.random.fold_in(key, index), batch))
              for index in range(-(-count // batch))]
    return np.concatenate(chunks)[:count]


def run(run_dir: pathlib.Path | None, config: QualityConfig = QualityConfig(),
        quiet: bool = False) -> QualitySummary:
    """Measure every saved G of a run into ``<run>/quality/`` (summary.json, quality.png)."""
    started = time.perf_counter()
    saved = SavedRun(run_dir, model=config.model)
    run, train_config = saved.dir, saved.config
    epochs = saved.epochs(config.epochs)
    dataset = datasets.load_data(train_config.data)
    measure = Measure(train_config, dataset, config, quiet)
    rows = []
    with console.progress_bar("quality", len(epochs), quiet) as bar:
        for done, epoch in enumerate(epochs, 1):
            g_variables = saved.generator(epoch, dataset.shape)
            fake = generate_images(train_config, dataset.shape, g_variables,
                                   len(measure.reference.images), config.seed + epoch)
            rows.append(measure.row(epoch, fake))
            bar.update(completed=done, status=f"epoch {epoch}")
    summary = QualitySummary(
        features=(FEATURES_CLASSIFIER if measure.labelled else
                  FEATURES_POINTS if measure.modes is not None else FEATURES_PROJECTION),
        note=FCD_NOTE if measure.labelled else "",
        classifier=measure.model.info if measure.model else {}, rows=rows,
        seconds=time.perf_counter() - started, **measure.floor(dataset))
    output = run.quality
    output.path.mkdir(parents=True, exist_ok=True)
    records.write_config(output.config, to_dict(config))
    write_summary(output.summary, summary)
    gradient_norms = epoch_means(records.read_jsonl(run.metrics), "g_grad_norm")
    quality_plots.quality_curves(summary, gradient_norms, output.figure(layout.QUALITY_FIGURE))
    if not quiet:
        console.show(quality_plots.table(summary, f"gandiag quality: {run.path}"))
        console.say(summary.note, quiet or not summary.note)
    return summary
