"""The resolution study's Gs: the run's training config at another image side.

A G at each other side is trained from the run's own config with only ``image_size``
changed, for as many epochs as the largest probed epoch, saved at the probed epochs, in
``<run>/ablate/resolution/train-<size>/`` (a run dir of its own). A training that already
saved those epochs is reused; one that stopped early is resumed.
"""

import dataclasses

from gandiag.experiments.ablate.studies import RESOLUTION, Variant
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.train import train
from gandiag.store import layout, runs
from gandiag.store.checkpoints import Checkpoints

TRAIN_PREFIX = "train-"


def _trained(run_dir, epochs: tuple[int, ...]) -> bool:
    if not layout.RunDir(run_dir).checkpoints.is_dir():
        return False
    return set(epochs) <= set(Checkpoints(run_dir, read_only=True).saved_epochs())


def source(base: probing.Experiment, variant: Variant, quiet: bool) -> probing.Experiment:
    """The frozen-G experiment ``variant`` starts from: ``base`` for the run's own Gs, else
    one on a G trained (or already trained) at the variant's image side."""
    if not variant.image_size:
        wanted = variant.probe.epochs or base.epochs
        if tuple(wanted) == tuple(base.epochs):
            return base
        if set(wanted) <= set(base.epochs):  # a study's own epochs (length-optimiser)
            return dataclasses.replace(base, epochs=tuple(wanted))
        return probing.prepare(base.run.path, variant.probe, layout.PROBE)
    epochs = variant.probe.epochs or base.epochs
    run_dir = base.run.ablation_study(RESOLUTION) / f"{TRAIN_PREFIX}{variant.image_size}"
    config = dataclasses.replace(
        base.train_config, epochs=max(epochs), save_epochs=tuple(epochs),
        data=dataclasses.replace(base.train_config.data, image_size=variant.image_size))
    if not _trained(run_dir, epochs):
        train.run(config, run_dir, resume=True, quiet=quiet)
        # Training points `latest` at the sub-run; later commands mean the ablated run.
        runs.mark_latest(base.run.path)
    probe = dataclasses.replace(variant.probe, epochs=tuple(epochs))
    return probing.prepare(run_dir, probe, layout.PROBE)
