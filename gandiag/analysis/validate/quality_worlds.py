"""Simulated worlds of the two mode-dropping rows, at the size `gandiag compare` judges them.

Each world draws, per cost, the classes (or toy modes) each seed's G covers at its last
epoch, and whether that G learnt (the premise: True, False or undecided), and judges them
with ``quality_claims.mode_dropping``. Sizes: 3 seeds per cost (the spec's minimum, the
mode-dropping comparison's protocol) and 5. Counts are discrete and often tie (zero
spread), the hard null of this row. The true value for coverage is the difference of the
expected counts.
"""

import dataclasses

import numpy as np

from gandiag.analysis.quality import mode_learners, quality_claims
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


# The second row: -log D against the costs that learn (``mode_learners``), at the toy
# comparison's size (5 seeds a side), at 4 (a verdict needs full separation) and at 3 (the
# corrected test cannot reach one). Laws of modes covered on the 25-mode grid.
DROPS = {8: 0.3, 9: 0.4, 10: 0.3}
KEEPS = {15: 0.3, 17: 0.4, 19: 0.3}
LEARNERS = ("hinge", "wasserstein-gp", "minus-log-d + instance noise")


@dataclasses.dataclass(frozen=True)
class Learners:
    """-log D's law of modes covered and each learning cost's, seeds a side, and the
    learnt flags of any learning cost whose Gs did not (all) learn."""

    minus_log_d: dict[int, float]
    learners: dict[str, dict[int, float]]
    seeds: int = 5
    learnt: dict[str, tuple[bool | None, ...]] = dataclasses.field(default_factory=dict)


def simulate_learners(world: Learners, rng: np.random.Generator) -> dict:
    def draw(law):
        return list(rng.choice(list(law), size=world.seeds, p=list(law.values())).astype(float))
    chosen = {"minus-log-d": (draw(world.minus_log_d), [True] * world.seeds)}
    for name, law in world.learners.items():
        chosen[name] = (draw(law), list(world.learnt.get(name, (True,) * world.seeds)))
    return chosen


def _difference(world: Learners, name: str) -> float:
    def mean(law):
        return sum(count * p for count, p in law.items())
    return mean(world.learners[name]) - mean(world.minus_log_d)




def every(law: dict[int, float]) -> dict[str, dict[int, float]]:
    """The same law for each learning cost."""
    return dict(zip(LEARNERS, [law] * len(LEARNERS), strict=True))


ALL_KEEP = every(KEEPS)
LEARNER_CASES = [
    ("learners-null", "false", "5 seeds a side, -log D and all three learning costs cover "
     "8/9/10 modes with p .3/.4/.3", Learners(DROPS, every(DROPS))),
    ("learners-null-ties", "false", "5 seeds a side, every cost covers 25 or 24 modes with p "
     ".8/.2 (ties common)", Learners({25: 0.8, 24: 0.2},
                                     every({25: 0.8, 24: 0.2}))),
    ("learners-zero-spread", "false", "5 seeds a side, every G covers all 25 modes",
     Learners({25: 1.0}, every({25: 1.0}))),
    ("learners-half-mode", "false", "5 seeds a side, each learning cost covers half a mode "
     "more than -log D (the threshold: not more than half)",
     Learners({8: 0.5, 9: 0.5}, every({9: 1.0}))),
    ("learners-drop", "true", "5 seeds a side, -log D covers 8-10 modes, each learning cost "
     "15-19", Learners(DROPS, ALL_KEEP)),
    ("learners-one-alike", "false", "5 seeds a side, -log D drops modes against hinge and "
     "WGAN-GP but not against -log D with instance noise",
     Learners(DROPS, {**ALL_KEEP, "minus-log-d + instance noise": DROPS})),
    ("learners-4-seeds", "true", "4 seeds a side, -log D 8-10 modes, the others 15-19",
     Learners(DROPS, ALL_KEEP, seeds=4)),
    ("learners-3-seeds", "true", "3 seeds a side (too few for the corrected test)",
     Learners(DROPS, ALL_KEEP, seeds=3)),
    ("learners-wgan-not-learnt", "true", "5 seeds a side, no WGAN-GP G learnt: judged on the "
     "other two", Learners(DROPS, ALL_KEEP, learnt={"wasserstein-gp": (False,) * 5})),
    ("learners-undecided", "true", "5 seeds a side, two hinge Gs undecided",
     Learners(DROPS, ALL_KEEP, learnt={"hinge": (True, None, True, None, True)})),
    ("learners-not-learnt", "premise-fails", "5 seeds a side, no G of a learning cost learnt",
     Learners(DROPS, every(DROPS),
              learnt=dict.fromkeys(LEARNERS, (False,) * 5))),
    ("learners-hinge-only", "true", "5 seeds a side, hinge only (one comparison: its interval "
     "is the nominal 90%), -log D 8-10 modes, hinge 9-13", Learners(DROPS, {"hinge": {
         9: 0.2, 11: 0.3, 12: 0.3, 13: 0.2}})),
]

WORLDS += [
    World("mode-dropping-learners", name, truth, description,
          lambda rng, world=world: simulate_learners(world, rng), mode_learners.from_settings,
          # Coverage only where one comparison is made: with several, each interval is at
          # the Bonferroni level (96.7% for three), above the nominal 90% the target is for.
          true_value=_difference(world, "hinge") if len(world.learners) == 1 else None)
    for name, truth, description, world in LEARNER_CASES]
