"""The resolution study's Gs: the run's training config at another image side.

A G at each other side is trained from the run's own config with only ``image_size``
changed, for as many epochs as the largest probed epoch, saved at the probed epochs, in
``<run>/ablate/resolution/train-<size>/`` (a run dir of its own). A training that already
saved those epochs is reused; one that stopped early is resumed.
"""

import dataclasses

from gandiag.analysis.ablate.registry import Variant
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.train import train
from gandiag.store import layout
from gandiag.store.saved_run import trained

TRAIN_PREFIX = "train-"


def source(base: probing.Experiment, study: str, variant: Variant,
           quiet: bool) -> probing.Experiment:
    """The frozen-G experiment ``variant`` of ``study`` starts from: ``base`` for the run's own
    Gs, else one on a G trained (or already trained, under the study's folder) at the
    variant's image side."""
    if not variant.image_size:
        wanted = variant.probe.epochs or base.epochs
        if tuple(wanted) == tuple(base.epochs):
            return base
        if set(wanted) <= set(base.epochs):  # a study's own epochs (length-optimiser)
            return dataclasses.replace(base, epochs=tuple(wanted))
        return probing.prepare(base.run.path, variant.probe, layout.PROBE)
    epochs = variant.probe.epochs or base.epochs
    run_dir = base.run.ablation_study(study) / f"{TRAIN_PREFIX}{variant.image_size}"
    config = dataclasses.replace(
        base.train_config, epochs=max(epochs), save_epochs=tuple(epochs),
        data=dataclasses.replace(base.train_config.data, image_size=variant.image_size))
    if not trained(run_dir, epochs=tuple(epochs)):
        train.run(config, run_dir, resume=True, quiet=quiet)
    probe = dataclasses.replace(variant.probe, epochs=tuple(epochs))
    return probing.prepare(run_dir, probe, layout.PROBE)
