"""The typed summary.json of `gandiag quality` (see ``gandiag.store.schema`` for the codec).

FCD and KCD are the Fréchet and kernel distances in the features of gandiag's own
classifier (never Inception): not comparable with published FIDs and KIDs.
"""

import dataclasses
from typing import Any

from gandiag.store.schema import Estimate

FCD_NOTE = ("FCD and KCD are measured in the penultimate features of gandiag's own small "
            "classifier, not Inception's: they are not comparable with published FID or KID "
            "numbers, only with each other on the same data set, size and classifier.")


@dataclasses.dataclass(frozen=True)
class QualityRow:
    """One saved G's samples against the real reference set.

    Labelled data sets have ``fcd``, ``kcd`` and the class coverage (classes holding at
    least half their real share, and KL of the predicted classes from the real frequencies);
    unlabelled ones ``swd`` (x 1000, mean over pyramid levels) and precision/recall on
    random-projection features. The 2-D toys have ``modes_covered`` and ``high_quality``
    (the share of samples within the coverage radius of a mode, as `gandiag toy-noise`
    counts them) and precision/recall on the points themselves.
    """

    epoch: int
    samples: int
    precision: Estimate
    recall: Estimate
    fcd: Estimate | None = None
    kcd: Estimate | None = None
    classes_covered: Estimate | None = None
    class_kl: Estimate | None = None
    class_histogram: list[float] | None = None
    swd: Estimate | None = None
    modes_covered: Estimate | None = None
    high_quality: Estimate | None = None
    # Images: median pixel distance of a sample to its nearest real over the reals' own
    # nearest-neighbour spacing (~1: as close as the data's examples; noise: > 1.4).
    realism: Estimate | None = None
    # Images: median distance of a sample to its nearest other sample over the reals'
    # spacing (0: one repeated image). Both distances are the least over 1-pixel moves.
    diversity: Estimate | None = None


@dataclasses.dataclass(frozen=True)
class QualitySummary:
    """summary.json of `gandiag quality`: a row per saved epoch and the real-vs-real floor.

    ``floor_fcd``/``floor_kcd``: the classifier's held-out reals against as many of its
    training reals, ``floor_samples`` of each: what an indistinguishable G would score.
    """

    features: str
    note: str
    classifier: dict[str, Any]
    rows: list[QualityRow]
    seconds: float
    floor_samples: int = 0
    floor_fcd: Estimate | None = None
    floor_kcd: Estimate | None = None


@dataclasses.dataclass(frozen=True)
class AfterProbeRow:
    """One saved G, one variant: K steps of G (``cost``, noise ``sigma``) against a fresh D
    trained for the probe's iterations.

    ``fcd_change``: FCD after / FCD before - 1, bootstrap over samples; ``null_change``: the
    same with the "after" samples replaced by the unchanged G on fresh latents (what
    sampling alone moves). ``d_accuracy``: D's accuracy on a fresh real and fake batch
    before G moves (the near-optimal premise).
    """

    epoch: int
    cost: str
    sigma: float
    d_accuracy: float
    fcd_before: Estimate
    fcd_after: Estimate
    fcd_change: Estimate
    null_change: Estimate
    covered_before: float
    covered_after: float


@dataclasses.dataclass(frozen=True)
class AfterProbeSummary:
    """after_probe.json of `gandiag quality --after-probe`: the Figure 3 caption experiment."""

    iters: int
    g_steps: int
    samples: int
    note: str
    rows: list[AfterProbeRow]
    seconds: float
