"""`gandiag ablate`: why D becomes perfect (or not), one factor at a time.

Each study's variants are frozen-G probes of their own (``<run>/ablate/<study>/<variant>``,
with curves, held-out evaluations, summary.json and figures), against the same saved Gs
and with the same D seeds. Besides the probe's records every final D is evaluated on its
own training reals, on held-out reals and, with pixel cues removed, on cleaned held-out
inputs (endpoints.jsonl). A variant already run in this run dir (its summary and
endpoints written) is kept, and one that equals a complete variant of another study (the
same probe, real images, per-sample records and G side, read from its config.json) is
copied, so that the shared baseline runs once even when studies run one command at a
time. On data sets that were upsampled (the digits) every final D is also evaluated on
projected fakes. The concentration study's variant also records each final D's per-sample
held-out numbers (samples.npz) and a figure of its worst fakes beside their nearest
training reals.
"""

import dataclasses
import shutil

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis import summaries
from gandiag.analysis.ablate import concentration, registry
from gandiag.analysis.ablate.registry import Variant
from gandiag.config import AblateConfig, to_dict
from gandiag.core import workers
from gandiag.core.artefacts import upsampled_from
from gandiag.core.probe_step import make_evaluation
from gandiag.core.sample_scores import make_sample_scores
from gandiag.data import datasets
from gandiag.experiments.ablate import resolution
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.probe import probe_records
from gandiag.store import layout, locks, records, runs
from gandiag.store.saved_run import complete
from gandiag.store.schema import FrozenSummary, write_summary
from gandiag.views import console, plots
from gandiag.views.ablate import ablate_section as ablation_views
from gandiag.views.ablate import concentration_plots

# Offsets the end-of-training evaluations' random stream from the probe's.
_ENDPOINT_KEY_OFFSET = 104729
# (split, which examples, how D sees them) of every final D's evaluations.
_ENDPOINT_SPLITS = (("train", "train", "raw"), ("held-out", "held-out", "raw"),
                    ("held-out-clean", "held-out", "clean"))
# The same on projected fakes, for data sets that were upsampled.
_PROJECT_SPLIT = ("held-out-project", "held-out", "project")
# The concentration study's per-sample numbers of each final D, beside its endpoints.
SAMPLES = "samples.npz"
# The key of config.json that says which experiment a variant is (`_identity`).
_IDENTITY = "identity"


def run(run_dir, config: AblateConfig, quiet: bool = False) -> dict:
    """Run ``config``'s studies on a training run's saved Gs; returns {study: verdict}.

    Args:
        run_dir: a `gandiag train` run (None: the latest) with checkpoints at the
            epochs of ``config.probe``.
        config: the studies and the probe every variant starts from; ``config.workers``
            single-threaded worker processes run the variants side by side (``choose_workers``).
        quiet: no progress bars or tables.
    """
    base = probing.prepare(run_dir, config.probe, layout.PROBE)
    verdicts = {}
    context, upsampled = _context(base)
    with locks.hold(base.run.path):
        planned = {study: _chosen(base, study, config, context)
                   for study in config.studies or registry.STUDY_NAMES}
        for study, chosen in planned.items():
            runs.make_dir(base.run.ablation_study(study), "run dir")
            records.write_json(base.run.ablation_study(study) / layout.STUDY,
                               {"baseline": chosen[0].name, "variants": [v.name for v in chosen]})
        # The longest first, so that no long variant starts last beside an idle worker.
        pending = sorted(_pending(base.run, config, planned),
                         key=lambda item: -_work(item[1], context.image_size))
        count = choose_workers(config.workers, [_work(v, context.image_size) for _, v in pending])
        if count:
            console.say(f"ablate: {len(pending)} variants on {count} single-threaded "
                        f"worker{'s' * (count != 1)}")
            workers.run_steps(
                [workers.Step(f"{study}/{variant.name}", _variant_in_worker,
                              (base.run.path, config, study, variant.name))
                 for study, variant in pending], count,
                lambda name, seconds: console.say(
                    f"{name}: finished in {console.duration(seconds)}"))
        for study, chosen in planned.items():
            for variant in _wanted(config, chosen):
                output = base.run.ablation(study, variant.name)
                if complete(output, files=(layout.ENDPOINTS,)):
                    continue
                same = _equal_variant(base.run, variant)
                if same is not None:
                    shutil.rmtree(output.path, ignore_errors=True)
                    shutil.copytree(same, output.path)
                    continue
                _run_variant(resolution.source(base, study, variant, quiet), study, variant,
                             output, quiet, upsampled)
            title, rows, verdict = ablation_views.study_table(base.run, study)
            verdicts[study] = verdict
            if not quiet:
                console.show(console.table(title, *rows))
                console.say(verdict.sentence)
    return verdicts


def choose_workers(requested: int | None, sizes: list[float]) -> int:
    """Worker processes for the variants still to run, of ``sizes`` D updates each:
    ``requested`` (0: none, every variant in this process); by default one per core on a
    CPU where they finish sooner side by side (``workers.choose``), else none."""
    return workers.choose(requested, sizes, minimum=0)


def _context(base: probing.Experiment) -> tuple[registry.Context, bool]:
    upsampled = bool(upsampled_from(base.train_config.data.dataset, base.dataset.shape[0]))
    dataset = base.train_config.data.dataset
    return registry.Context(len(base.dataset), upsampled, base.dataset.shape[0], dataset,
                            datasets.IMAGE_SIZES.get(dataset, ())), upsampled


def _chosen(base: probing.Experiment, study: str, config: AblateConfig,
            context: registry.Context) -> list[Variant]:
    chosen = registry.variants(study, config, context)
    if base.train_config.model.import_path:
        # D's normalisation is a setting of gandiag's DCGAN; a user's own D has its own.
        chosen = [variant for variant in chosen if variant.probe.d_norm == "batch"]
    return chosen


def _wanted(config: AblateConfig, chosen: list[Variant]) -> list[Variant]:
    """The variants of a study that ``config.variants`` names (all, when it names none)."""
    return [v for v in chosen if not config.variants or v.name in config.variants]


def _pending(run: layout.RunDir, config: AblateConfig,
             planned: dict[str, list[Variant]]) -> list[tuple[str, Variant]]:
    """The variants still to run, each experiment once (a variant equal to another, done
    or pending, is copied from it afterwards)."""
    pending, seen = [], []
    for study, chosen in planned.items():
        for variant in _wanted(config, chosen):
            if complete(run.ablation(study, variant.name), files=(layout.ENDPOINTS,)):
                continue
            identity = _identity(variant)
            if identity in seen or _equal_variant(run, variant) is not None:
                continue
            seen.append(identity)
            pending.append((study, variant))
    return pending


def _work(variant: Variant, side: int) -> float:
    """About how long a variant takes: its D updates (iterations x checkpoints x seeds)
    times its pixels over the run's."""
    probe = variant.probe
    pixels = (variant.image_size / side) ** 2 if variant.image_size and side else 1.0
    return probe.iters * max(1, len(probe.epochs)) * probe.seeds * pixels


def _variant_in_worker(run_path, config: AblateConfig, study: str, name: str) -> None:
    """One variant in a worker process: the experiment rebuilt from the run dir."""
    base = probing.prepare(run_path, config.probe, layout.PROBE)
    context, upsampled = _context(base)
    variant = next(v for v in _chosen(base, study, config, context) if v.name == name)
    _run_variant(resolution.source(base, study, variant, True), study, variant,
                 base.run.ablation(study, name), True, upsampled)


def _identity(variant: Variant) -> dict:
    """What makes two variants the same experiment, whatever their study and name."""
    return {"probe": to_dict(variant.probe), "train_subset": variant.train_subset,
            "per_sample": variant.per_sample, "image_size": variant.image_size}


def _equal_variant(run: layout.RunDir, variant: Variant):
    """The folder of a complete variant of any study that is ``variant``'s experiment."""
    identity = _identity(variant)
    for config in sorted((run.path / layout.ABLATE).glob("*/*/config.json")):
        settings = records.read_json(config) or {}
        if (settings.get(_IDENTITY) == identity
                and complete(layout.ExperimentDir(config.parent), files=(layout.ENDPOINTS,))):
            return config.parent
    return None


def _subset(dataset, count: int):
    """The data set with only its first ``count`` examples, repeated to the same length.

    The same array shape keeps the probe's compiled step; D draws uniformly from it.
    """
    if not count:
        return dataset
    return dataclasses.replace(dataset, array=np.resize(dataset.array[:count],
                                                        dataset.array.shape))


def _run_variant(base: probing.Experiment, study: str, variant: Variant,
                 output: layout.ExperimentDir, quiet: bool, upsampled: bool) -> None:
    experiment = dataclasses.replace(base, probe=variant.probe, output=output,
                                     dataset=_subset(base.dataset, variant.train_subset))
    probe = experiment.probe
    probing.begin(experiment, {**to_dict(experiment.resolved_probe), "study": study,
                              "variant": variant.name, "train_subset": variant.train_subset,
                              "held_out_count": len(experiment.held_out),
                              _IDENTITY: _identity(variant)}, quiet)
    evaluations = {inputs: make_evaluation(experiment.networks,
                                           dataclasses.replace(probe, inputs=inputs))[0]
                   for inputs in ("raw", "clean", *(("project",) if upsampled else ()))}
    splits = (*_ENDPOINT_SPLITS, *((_PROJECT_SPLIT,) if upsampled else ()))
    distinct = variant.train_subset or len(experiment.dataset)
    batches = {"train": jnp.asarray(experiment.dataset.array[:min(distinct, experiment.eval_size)]),
               "held-out": jnp.asarray(experiment.held_out[:experiment.eval_size])}
    endpoints = []
    per_sample = (_PerSample(experiment, batches["held-out"], experiment.dataset.array[:distinct])
                  if variant.per_sample else None)

    def on_trained(epoch, sigma, seed, g_variables, d):
        key = jax.random.fold_in(jax.random.fold_in(
            jax.random.key(probe.seed + _ENDPOINT_KEY_OFFSET), epoch), seed)
        for split, examples, inputs in splits:
            numbers = evaluations[inputs](d, g_variables, batches[examples], key,
                                          jnp.float32(sigma))
            count = batches[examples].shape[0]
            endpoints.append({"epoch": epoch, "seed": seed, "split": split,
                              "accuracy": int(numbers["correct"]) / (2 * count),
                              "error": float(numbers["error_sum"]) / count})
        if per_sample is not None:
            endpoints.append(per_sample.measure(epoch, sigma, seed, g_variables, d, key))

    found = probing.run_curves(experiment, quiet, on_trained)
    probe_records.write_records(output, found)
    summary = FrozenSummary(probe.iters, len(experiment.held_out), experiment.eval_size,
                            probe_records.checkpoint_summaries(found))
    plots.frozen_figures(summaries.group_curves(found.curves),
                         summaries.group(found.evaluations), output)
    if per_sample is not None:
        per_sample.save(output.path / SAMPLES)
        concentration_plots.worst_fakes(per_sample.worst, output.path)
    # Written last: a variant counts as complete once both files are there.
    write_summary(output.summary, summary)
    records.write_jsonl(output.path / layout.ENDPOINTS, endpoints)


class _PerSample:
    """Each final D's per-sample held-out logits, its worst samples and their nearest
    neighbours among the real images D trained on (exact, in NumPy)."""

    def __init__(self, experiment: probing.Experiment, real: jax.Array, training: np.ndarray):
        self.scores = make_sample_scores(experiment.networks, experiment.probe)
        self.real, self.training = real, training
        # The held-out reals are the same for every D: their neighbours are found once.
        self.real_distances, _ = concentration.nearest_neighbours(np.asarray(self.real),
                                                                  self.training)
        self.arrays, self.worst = {}, {}

    def measure(self, epoch, sigma, seed, g_variables, d, key) -> dict:
        real_logits, fake_logits, fake = (np.asarray(a) for a in self.scores(
            d, g_variables, self.real, key, jnp.float32(sigma)))
        fake_distances, nearest = concentration.nearest_neighbours(fake, self.training)
        fake_losses = concentration.per_sample_losses(real_logits, fake_logits)[1]
        chosen = concentration.worst(fake_losses)
        self.arrays |= {f"epoch{epoch}_seed{seed}_real_logits": real_logits,
                        f"epoch{epoch}_seed{seed}_fake_logits": fake_logits,
                        f"epoch{epoch}_seed{seed}_fake_nn_distances": fake_distances}
        self.worst[(epoch, seed)] = concentration_plots.WorstFakes(
            fake[chosen], self.training[nearest[chosen]], fake_losses[chosen],
            fake_distances[chosen])
        return {"epoch": epoch, "seed": seed, "split": concentration.SPLIT,
                **concentration.measure(real_logits, fake_logits, self.real_distances,
                                        fake_distances)}

    def save(self, path) -> None:
        np.savez_compressed(path, real_nn_distances=self.real_distances, **self.arrays)
