"""The studies of `gandiag ablate`, one entry each: what a study varies, how it is shown and
how it is judged.

Each study varies one factor of the frozen-G probe and keeps the rest at its baseline (its
first variant): D with BatchNorm on separate real and fake batches, the DCGAN and paper
default, on every real image, raw pixels. Adding a study is one entry of ``STUDIES``: the
names a user may choose, the order studies run in, their variants, the report's columns
and the verdicts all derive from it.
"""

import dataclasses
from collections.abc import Callable
from typing import Literal

from gandiag.analysis.ablate import concentration, length_rule, study_verdicts
from gandiag.analysis.spec import ABLATION_LENGTH_SGD_LR
from gandiag.config import AblateConfig, OptimizerConfig, ProbeConfig
from gandiag.errors import GandiagError

BASELINE = "separate"
# factor: its verdict says whether the factor moves D (and enters the report's answer);
# measure: the baseline's own numbers are judged; the others vary the length or the G.
Role = Literal["factor", "measure", "length", "resolution"]
Judge = Callable[[str, str, list[study_verdicts.Cell]], study_verdicts.Verdict]


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


@dataclasses.dataclass(frozen=True)
class Context:
    """What a study's variants depend on besides the config: the number of real images D can
    train on, whether the images were upsampled (and can be projected), the run's image side,
    its data set and the image sides that data set comes in."""

    train_examples: int
    upsampled: bool = False
    image_size: int = 0
    dataset: str = ""
    image_sizes: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class Study:
    """One study.

    Attributes:
        name: the name users choose it by (``--study``) and its folder under ``ablate/``.
        role: how its verdict is used (see ``Role``).
        variants: its variants, baseline first.
        columns: the table's columns besides the common ones: (header, metric).
        judge: its verdict from its cells.
        reads_evaluations: whether its cells need the held-out evaluations' curves (the
            length study's slope).
    """

    name: str
    role: Role
    variants: Callable[[AblateConfig, Context], list[Variant]]
    columns: tuple[tuple[str, str], ...] = ()
    judge: Judge = study_verdicts.judge
    reads_evaluations: bool = False

    @property
    def shares_baseline(self) -> bool:
        """Whether its baseline is the probe's own (the run's Gs at the probe's length)."""
        return self.role in ("factor", "measure")


def _variant(name: str, config: AblateConfig, **changes) -> Variant:
    subset = changes.pop("train_subset", 0)
    changes = {"d_batching": "separate", "d_norm": "batch", **changes}
    return Variant(name, dataclasses.replace(config.probe, **changes), subset)


def _normalisation(config: AblateConfig, context: Context) -> list[Variant]:
    return [_variant(BASELINE, config),
            _variant("joint", config, d_batching="joint"),
            _variant("eval-mode", config, d_batching="running"),
            _variant("none", config, d_norm="none"),
            _variant("spectral", config, d_norm="spectral"),
            _variant(f"r1-{config.r1:g}", config, r1=config.r1)]


def _memorisation(config: AblateConfig, context: Context) -> list[Variant]:
    return [_variant(BASELINE, config),
            *(_variant(f"n-{count}", config, train_subset=count)
              for count in sorted(config.train_subsets, reverse=True)
              if count < context.train_examples)]


def _artefacts(config: AblateConfig, context: Context) -> list[Variant]:
    return [_variant(BASELINE, config), _variant("clean", config, inputs="clean"),
            *([_variant("project", config, inputs="project")] if context.upsampled else [])]


def _concentration(config: AblateConfig, context: Context) -> list[Variant]:
    # Its own sub-run of the baseline, never copied from another study's: only it records
    # per-sample logits and nearest neighbours.
    return [dataclasses.replace(_variant(BASELINE, config), per_sample=True)]


def _length(config: AblateConfig, context: Context) -> list[Variant]:
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


def _resolution(config: AblateConfig, context: Context) -> list[Variant]:
    """The run's own image side first (its saved Gs, the baseline probe), then each other
    side of ``config.resolution_sizes`` (a G trained at that side)."""
    allowed = context.image_sizes
    for size in config.resolution_sizes:
        if size not in allowed:
            raise GandiagError(
                f"resolution size {size} is not available for {context.dataset}; choose sizes "
                f"from: {', '.join(map(str, allowed)) or 'none (an image data set is needed)'}")
    probe = dataclasses.replace(config.probe,
                                epochs=config.resolution_epochs or config.probe.epochs,
                                d_batching="separate", d_norm="batch")
    others = sorted(set(config.resolution_sizes) - {context.image_size})
    return [Variant(f"{context.image_size}px", probe),
            *(Variant(f"{size}px", probe, image_size=size) for size in others)]


def _judge_concentration(study: str, baseline: str,
                         cells: list[study_verdicts.Cell]) -> study_verdicts.Verdict:
    """The concentration study has no factor: its baseline's per-sample losses are judged."""
    verdict, sentence = concentration.judge(study, [c for c in cells if c.variant == baseline])
    return study_verdicts.Verdict(verdict, [], sentence)


# In the order they run (the first two answer the main question).
STUDIES: tuple[Study, ...] = (
    Study("normalisation", "factor", _normalisation),
    Study("memorisation", "factor", _memorisation,
          columns=(("train CE end", "train_error"), ("train acc end", "train_accuracy"))),
    Study("artefacts", "factor", _artefacts,
          columns=(("held-out acc, cleaned inputs", "clean_accuracy"),
                   ("held-out acc, projected fakes", "project_accuracy"))),
    Study("concentration", "measure", _concentration,
          columns=(("worst 1% fakes' share of CE", "fake_share"),
                   ("worst 1% reals' share of CE", "real_share"),
                   ("even share", "fake_even_share"),
                   ("worst fakes' NN dist", "fake_worst_nn"),
                   ("all fakes' median NN dist", "fake_median_nn"),
                   ("worst reals' NN dist", "real_worst_nn"),
                   ("all reals' median NN dist", "real_median_nn")),
          judge=_judge_concentration),
    Study("length-optimiser", "length", _length,
          columns=(("held-out CE slope, last half (orders/1k updates)", length_rule.SLOPE),),
          judge=length_rule.judge, reads_evaluations=True),
    Study("resolution", "resolution", _resolution),
)
STUDY_NAMES: tuple[str, ...] = tuple(study.name for study in STUDIES)


def study(name: str) -> Study:
    """The study called ``name``, or a one-line error listing the names."""
    for entry in STUDIES:
        if entry.name == name:
            return entry
    raise GandiagError(f"study {name!r} is not allowed; choose one of: {', '.join(STUDY_NAMES)}")


def variants(name: str, config: AblateConfig, context: Context) -> list[Variant]:
    """The variants of the study ``name``, baseline first."""
    return study(name).variants(config, context)
