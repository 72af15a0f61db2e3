"""The variants of each `gandiag ablate` study, and the ablate preset of each data set.

Every study varies one factor of the frozen-G probe and keeps the rest at its baseline
(its first variant): D with BatchNorm on separate real and fake batches, the DCGAN and
paper default, on every real image, raw pixels.
"""

import dataclasses

from gandiag.config import AblateConfig, ProbeConfig
from gandiag.errors import GandiagError

BASELINE = "separate"


@dataclasses.dataclass(frozen=True)
class Variant:
    """One variant: its probe, how many real images D trains on (0: all), and whether every
    final D's per-sample held-out logits are recorded (the concentration study)."""

    name: str
    probe: ProbeConfig
    train_subset: int = 0
    per_sample: bool = False


def _variant(name: str, config: AblateConfig, **changes) -> Variant:
    subset = changes.pop("train_subset", 0)
    return Variant(name, dataclasses.replace(config.probe, **changes), subset)


def variants(study: str, config: AblateConfig, train_examples: int,
             upsampled: bool = False) -> list[Variant]:
    """The variants of ``study``, baseline first, for a data set of ``train_examples``
    (``upsampled``: its images were upsampled, as the digits are, and can be projected)."""
    baseline = _variant(BASELINE, config, d_batching="separate", d_norm="batch")
    if study == "normalisation":
        return [baseline,
                _variant("joint", config, d_batching="joint", d_norm="batch"),
                _variant("eval-mode", config, d_batching="running", d_norm="batch"),
                _variant("none", config, d_batching="separate", d_norm="none"),
                _variant("spectral", config, d_batching="separate", d_norm="spectral"),
                _variant(f"r1-{config.r1:g}", config, d_batching="separate", d_norm="batch",
                         r1=config.r1)]
    if study == "memorisation":
        return [baseline, *(_variant(f"n-{count}", config, d_batching="separate",
                                     d_norm="batch", train_subset=count)
                            for count in sorted(config.train_subsets, reverse=True)
                            if count < train_examples)]
    if study == "artefacts":
        return [baseline, _variant("clean", config, d_batching="separate", d_norm="batch",
                                   inputs="clean"),
                *([_variant("project", config, d_batching="separate", d_norm="batch",
                            inputs="project")] if upsampled else [])]
    if study == "concentration":
        # Its own sub-run of the baseline, never copied from another study's: only it
        # records per-sample logits and nearest neighbours.
        return [dataclasses.replace(baseline, per_sample=True)]
    raise GandiagError(f"study {study!r} has no variants")


def preset(dataset: str) -> AblateConfig:
    """The ablate preset of a data set: every study in about 25 minutes on a quiet 2-core CPU.

    For: the question why D becomes perfect against some Gs and not others. Sizes fixed
      before any ablation ran: the epoch-1 and epoch-25 Gs only (the contrast asked
      about; epoch 10 dropped), 3 D seeds (the fewest the spec's rule can judge with),
      250 D iterations (not the paper's 4000: the in-batch accuracy passes 0.99 within
      ~50), 256 held-out reals per evaluation. R1 with gamma 10. Memorisation: 1,000 and
      3,000 real images beside all of them (the digits: 1,000 and all 1,497).
      Concentration: the baseline again with the same epochs, iterations and seeds, since
      its verdict needs the 3 seeds and the same Gs as the other studies; its per-sample
      logits on the 256 held-out reals and as many fakes (the worst 1% is 3 samples a
      side); exact nearest neighbours among all of D's training reals cost 0.3 s per D
      against MNIST's 9,000 (measured on the loaded 2-core CPU): the study adds about one
      variant's time.
    Command: gandiag ablate RUN_DIR   (the run of `gandiag train`, 32x32, saved at 1 and 25)
    Expected time: about 25 minutes per data set on a quiet 2-core CPU (README).
    """
    held_out = 300 if dataset == "digits" else 1000
    return AblateConfig(probe=ProbeConfig(epochs=(1, 25), iters=250, seeds=3, eval_size=256,
                                          held_out=held_out))
