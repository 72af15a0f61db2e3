"""The variants of each `gandiag ablate` study, and the ablate preset of each data set.

Every study varies one factor of the frozen-G probe and keeps the rest at its baseline
(its first variant): D with BatchNorm on separate real and fake batches, the DCGAN and
paper default, on every real image, raw pixels.
"""

import dataclasses

from gandiag.analysis.ablate import length_rule, study_verdicts
from gandiag.analysis.spec import ABLATION_LENGTH_SGD_LR
from gandiag.config import AblateConfig, OptimizerConfig, ProbeConfig
from gandiag.data import datasets
from gandiag.errors import GandiagError

BASELINE = "separate"
LENGTH, RESOLUTION = length_rule.STUDY, study_verdicts.RESOLUTION_STUDY


@dataclasses.dataclass(frozen=True)
class Variant:
    """One variant: its probe, how many real images D trains on (0: all), whether every
    final D's per-sample held-out logits are recorded (the concentration study), and the
    image side of the G it probes (0: the run's own G; else one trained at that side)."""

    name: str
    probe: ProbeConfig
    train_subset: int = 0
    per_sample: bool = False
    image_size: int = 0


def _variant(name: str, config: AblateConfig, **changes) -> Variant:
    subset = changes.pop("train_subset", 0)
    return Variant(name, dataclasses.replace(config.probe, **changes), subset)


def variants(study: str, config: AblateConfig, train_examples: int, *, upsampled: bool = False,
             image_size: int = 0, dataset: str = "") -> list[Variant]:
    """The variants of ``study``, baseline first, for a data set of ``train_examples``
    (``upsampled``: its images were upsampled, as the digits are, and can be projected; the
    resolution study: the run's ``image_size`` and ``dataset`` name)."""
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
    if study == LENGTH:
        return _length_variants(config)
    if study == RESOLUTION:
        return _resolution_variants(config, image_size, dataset)
    raise GandiagError(f"study {study!r} has no variants")


def _length_variants(config: AblateConfig) -> list[Variant]:
    """D's optimiser varied at the study's own length; the first equals the other studies'
    baseline (named after it) but for its length and epochs."""
    probe = dataclasses.replace(config.probe, iters=config.length_iters,
                                epochs=config.length_epochs or config.probe.epochs,
                                d_batching="separate", d_norm="batch")
    adam = probe.optimizer

    def optimised(name: str, optimizer: OptimizerConfig) -> Variant:
        return Variant(name, dataclasses.replace(probe, optimizer=optimizer))
    return [optimised(f"{BASELINE}-{config.length_iters}-iters", adam),
            optimised("adam-lr-1e-3", dataclasses.replace(adam, lr=1e-3)),
            optimised("adam-beta1-0.9", dataclasses.replace(adam, beta1=0.9)),
            optimised(f"sgd-lr-{ABLATION_LENGTH_SGD_LR:g}",
                      OptimizerConfig(name="sgd", lr=ABLATION_LENGTH_SGD_LR))]


def _resolution_variants(config: AblateConfig, image_size: int, dataset: str) -> list[Variant]:
    """The run's own image side first (its saved Gs, the baseline probe), then each other
    side of ``config.resolution_sizes`` (a G trained at that side)."""
    allowed = datasets.IMAGE_SIZES.get(dataset, ())
    for size in config.resolution_sizes:
        if size not in allowed:
            raise GandiagError(
                f"resolution size {size} is not available for {dataset}; choose sizes from: "
                f"{', '.join(map(str, allowed)) or 'none (an image data set is needed)'}")
    probe = dataclasses.replace(config.probe,
                                epochs=config.resolution_epochs or config.probe.epochs,
                                d_batching="separate", d_norm="batch")
    others = sorted(set(config.resolution_sizes) - {image_size})
    return [Variant(f"{image_size}px", probe),
            *(Variant(f"{size}px", probe, image_size=size) for size in others)]


def preset(dataset: str) -> AblateConfig:
    """The ablate preset of a data set: every study in 30-35 minutes on a quiet 2-core CPU.

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
      Length-optimiser: the epoch-25 G only (where D's loss stopped at ~1e-3 on MNIST),
      2,000 D iterations per variant (not the issue's 20,000: 4 variants x 3 seeds of them
      would take hours on 2 cores; the spec's slope rule says INCONCLUSIVE when this length
      is too noisy to place the slope), 3 seeds. Resolution: every side the data set has of
      16, 32, 64 (the digits: 16 and 32); the digits at epochs 1 and 25 (a G trains 25
      epochs of 1,497 images in minutes), MNIST at epoch 1 only (the G whose gradient
      vanishes by 3.5 orders; 25 epochs of a 64-pixel DCGAN on 10,000 images would not fit
      the time, an estimate, not measured).
    Command: gandiag ablate RUN_DIR   (the run of `gandiag train`, 32x32, saved at 1 and 25)
    Expected time: measured on the quiet 2-core dev CPU (matmul 375-415 GFLOP/s), every
      study in one command: MNIST test split 2,110 s, the digits 1,796 s (README).
    """
    held_out = 300 if dataset == "digits" else 1000
    config = AblateConfig(probe=ProbeConfig(epochs=(1, 25), iters=250, seeds=3, eval_size=256,
                                            held_out=held_out))
    digits = dataset == "digits"
    return dataclasses.replace(
        config, length_iters=2000, length_epochs=(25,),
        resolution_sizes=tuple(s for s in (16, 32, 64) if s in datasets.IMAGE_SIZES.get(
            dataset, (16, 32, 64))),
        resolution_epochs=(1, 25) if digits else (1,))
