"""`gandiag ablate`: why D becomes perfect (or not), one factor at a time.

Each study's variants are frozen-G probes of their own (``<run>/ablate/<study>/<variant>``,
with curves, held-out evaluations, summary.json and figures), against the same saved Gs
and with the same D seeds. Besides the probe's records every final D is evaluated on its
own training reals, on held-out reals and, with pixel cues removed, on cleaned held-out
inputs (endpoints.jsonl). A variant already run in this run dir (its summary and
endpoints written) is kept, and one that equals a variant of an earlier study is copied,
so that studies can be run one at a time and the shared baseline runs once.
"""

import dataclasses
import shutil

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis import summaries
from gandiag.config import AblateConfig, to_dict
from gandiag.core.probe_step import make_evaluation
from gandiag.experiments import ablate_resolution, ablation_studies, frozen
from gandiag.experiments.ablation_studies import Variant
from gandiag.store import layout, locks, records, runs
from gandiag.store.schema import FrozenSummary, write_summary
from gandiag.views import ablations as ablation_views
from gandiag.views import console, plots

# Offsets the end-of-training evaluations' random stream from the probe's.
_ENDPOINT_KEY_OFFSET = 104729
# (split, which examples, how D sees them) of every final D's evaluations.
_ENDPOINT_SPLITS = (("train", "train", "raw"), ("held-out", "held-out", "raw"),
                    ("held-out-clean", "held-out", "clean"))


def run(run_dir, config: AblateConfig, quiet: bool = False) -> dict:
    """Run ``config``'s studies on a training run's saved Gs; returns {study: verdict}.

    Args:
        run_dir: a `gandiag train` run (None: the latest) with checkpoints at the
            epochs of ``config.probe``.
        config: the studies and the probe every variant starts from.
        quiet: no progress bars or tables.
    """
    base = frozen.prepare(run_dir, config.probe, layout.PROBE)
    verdicts, finished = {}, {}
    with locks.hold(base.run.path):
        for study in config.studies:
            chosen = ablation_studies.variants(study, config, len(base.dataset),
                                               base.dataset.shape[0],
                                               base.train_config.data.dataset)
            runs.make_dir(base.run.ablation_study(study), "run dir")
            records.write_json(base.run.ablation_study(study) / layout.STUDY,
                               {"baseline": chosen[0].name, "variants": [v.name for v in chosen]})
            for variant in chosen:
                if config.variants and variant.name not in config.variants:
                    continue
                output = base.run.ablation(study, variant.name)
                key = (variant.probe, variant.train_subset, variant.image_size)
                if not _complete(output):
                    if key in finished:
                        shutil.rmtree(output.path, ignore_errors=True)
                        shutil.copytree(finished[key].path, output.path)
                    else:
                        _run_variant(ablate_resolution.source(base, variant, quiet), study,
                                     variant, output, quiet)
                finished.setdefault(key, output)
            title, rows, verdict = ablation_views.study_table(base.run, study)
            verdicts[study] = verdict
            if not quiet:
                console.show(console.table(title, *rows))
                console.say(verdict.sentence)
    return verdicts


def _complete(output: layout.ExperimentDir) -> bool:
    return output.summary.is_file() and (output.path / layout.ENDPOINTS).is_file()


def _subset(dataset, count: int):
    """The data set with only its first ``count`` examples, repeated to the same length.

    The same array shape keeps the probe's compiled step; D draws uniformly from it.
    """
    if not count:
        return dataset
    return dataclasses.replace(dataset, array=np.resize(dataset.array[:count],
                                                        dataset.array.shape))


def _run_variant(base: frozen.Experiment, study: str, variant: Variant,
                 output: layout.ExperimentDir, quiet: bool) -> None:
    experiment = dataclasses.replace(base, probe=variant.probe, output=output,
                                     dataset=_subset(base.dataset, variant.train_subset))
    probe = experiment.probe
    frozen.begin(experiment, {**to_dict(experiment.resolved_probe), "study": study,
                              "variant": variant.name, "train_subset": variant.train_subset,
                              "held_out_count": len(experiment.held_out)}, quiet)
    evaluations = {inputs: make_evaluation(experiment.train_config,
                                           dataclasses.replace(probe, inputs=inputs),
                                           experiment.dataset.shape)[0]
                   for inputs in ("raw", "clean")}
    distinct = variant.train_subset or len(experiment.dataset)
    batches = {"train": jnp.asarray(experiment.dataset.array[:min(distinct, experiment.eval_size)]),
               "held-out": jnp.asarray(experiment.held_out[:experiment.eval_size])}
    endpoints = []

    def on_trained(epoch, sigma, seed, g_variables, d_state):
        key = jax.random.fold_in(jax.random.fold_in(
            jax.random.key(probe.seed + _ENDPOINT_KEY_OFFSET), epoch), seed)
        for split, examples, inputs in _ENDPOINT_SPLITS:
            numbers = evaluations[inputs](d_state, g_variables, batches[examples], key,
                                          jnp.float32(sigma))
            count = batches[examples].shape[0]
            endpoints.append({"epoch": epoch, "seed": seed, "split": split,
                              "accuracy": int(numbers["correct"]) / (2 * count),
                              "error": float(numbers["error_sum"]) / count})

    found = frozen.run_curves(experiment, quiet, on_trained)
    frozen.write_records(output, found)
    summary = FrozenSummary(probe.iters, len(experiment.held_out), experiment.eval_size,
                            frozen.checkpoint_summaries(found))
    plots.frozen_figures(summaries.group_curves(found.curves),
                         summaries.group(found.evaluations), output)
    # Written last: a variant counts as complete once both files are there.
    write_summary(output.summary, summary)
    records.write_jsonl(output.path / layout.ENDPOINTS, endpoints)
