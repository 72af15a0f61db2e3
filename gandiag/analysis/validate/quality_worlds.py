"""Simulated worlds of the mode-dropping row, at the size `gandiag compare` judges it.

Each world draws, per cost, the classes (or toy modes) each seed's G covers at its last
epoch, and whether that G learnt (the premise: True, False or undecided), and judges them
with ``quality_claims.mode_dropping``. Sizes: 3 seeds per cost (the spec's minimum, the
mode-dropping comparison's protocol) and 5. Counts are discrete and often tie (zero
spread), the hard null of this row. The true value for coverage is the difference of the
expected counts.
"""

import dataclasses

import numpy as np

from gandiag.analysis.quality import quality_claims
from gandiag.analysis.validate.world import World


@dataclasses.dataclass(frozen=True)
class Costs:
    """Per cost: the counts its seeds cover and their probabilities; seeds; learnt flags."""

    original: dict[int, float]
    minus_log_d: dict[int, float]
    seeds: int = 3
    original_learnt: tuple[bool | None, ...] | None = None

    def difference(self) -> float:
        def mean(law):
            return sum(count * p for count, p in law.items())
        return mean(self.original) - mean(self.minus_log_d)


def simulate(costs: Costs, rng: np.random.Generator) -> tuple:
    def draw(law):
        return list(rng.choice(list(law), size=costs.seeds, p=list(law.values())).astype(float))
    flags = list(costs.original_learnt) if costs.original_learnt else [True] * costs.seeds
    return draw(costs.original), draw(costs.minus_log_d), flags, [True] * costs.seeds


def judge(drawn: tuple):
    return quality_claims.mode_dropping(*drawn)


ALIKE = {10: 0.5, 9: 0.4, 8: 0.1}
CASES = [
    ("null", "false", "3 seeds a side, both costs cover 10/9/8 classes with p .5/.4/.1",
     Costs(ALIKE, ALIKE)),
    ("null-5-seeds", "false", "5 seeds a side, both alike", Costs(ALIKE, ALIKE, seeds=5)),
    ("null-zero-spread", "false", "3 seeds a side, every G covers all 10 classes",
     Costs({10: 1.0}, {10: 1.0})),
    ("null-ties", "false", "3 seeds a side, 10 or 9 classes with p .8/.2 (ties common)",
     Costs({10: 0.8, 9: 0.2}, {10: 0.8, 9: 0.2})),
    ("drops-modes", "true", "3 seeds a side, -log D covers 7-8 classes, the original 9-10",
     Costs({10: 0.7, 9: 0.3}, {8: 0.5, 7: 0.5})),
    ("grid-drops-modes", "true", "2-D grid, 5 seeds a side: 24-25 modes against 15-19",
     Costs({25: 0.6, 24: 0.4}, {19: 0.25, 17: 0.5, 15: 0.25}, seeds=5)),
    ("not-learnt", "premise-fails", "3 seeds a side, the original-cost Gs never learnt "
     "(and cover few classes)", Costs({3: 0.5, 2: 0.5}, ALIKE, original_learnt=(False,) * 3)),
    ("undecided", "premise-fails", "3 seeds a side, one original-cost G's premise undecided",
     Costs({10: 0.7, 9: 0.3}, {8: 0.5, 7: 0.5}, original_learnt=(True, None, True))),
]

WORLDS: list[World] = [
    World("mode-dropping", name, truth, description,
          lambda rng, costs=costs: simulate(costs, rng), judge,
          true_value=None if costs.original_learnt else costs.difference())
    for name, truth, description, costs in CASES]
