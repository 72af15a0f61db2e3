"""Simulated worlds for `gandiag theory`'s rows: the theorems where their premise holds, the
controls where it fails, at the sizes `gandiag theory` uses.

Theorem 2.6 and its controls draw the per-sample updates of the three fixed
discriminators (``heavy_tails.updates``, 100,000 samples) plus two whose control claim is
false (heavy-tailed noise where the control expects a light tail). The tail row is built
as ``heavy_tails.run_case`` builds it, without the stable fit's bootstrap (a second
reading in the note, never the verdict), for time. The vanishing rows (discrimination,
plateau controls) draw the numbers a run would log.
"""

import dataclasses

import numpy as np

from gandiag.analysis import hill, spec
from gandiag.analysis.evidence import ClaimResult
from gandiag.analysis.theory import heavy_tails, theory_claims
from gandiag.analysis.validate.world import World
from gandiag.store.schema import Estimate, TailRow, TheorySummary, VanishingRun

SETTING = heavy_tails.TailSetting()
# Held-out evaluations of the discrimination check and logged iterations of a run.
EVAL_COUNT, LOGGED = 2000, 100


def _row(key: str) -> "callable":
    def judge(summary: TheorySummary) -> ClaimResult:
        return next(r for r in theory_claims.evaluate(summary) if r.spec.key == key)
    return judge


def _heavy_noise_updates(case: str, rng: np.random.Generator):
    """A sigmoid or clipped D whose gradient noise is Cauchy: the controls' claim fails."""
    updates, d_values = heavy_tails.updates(case, SETTING, rng)
    # Cauchy noise at the updates' own typical size, so it owns the far tail.
    heavy = rng.standard_cauchy(size=updates.shape) * np.median(np.abs(updates))
    scale = np.abs(d_values)[:, None] if case == "clipped" else 1.0
    return updates + heavy / scale, d_values


def _other_tail_updates(case: str, alpha: float, rng: np.random.Generator):
    """D's values of ``case`` (so its premise reads as it does there), with updates whose
    tail index is ``alpha`` instead: a symmetric Pareto tail, the claim false."""
    updates, d_values = heavy_tails.updates(case, SETTING, rng)
    signs = rng.choice([-1.0, 1.0], size=updates.shape)
    return signs * rng.uniform(size=updates.shape) ** (-1.0 / alpha), d_values


def _tail_summary(case: str, heavy: bool, alpha: float | None = None):
    def simulate(rng: np.random.Generator) -> TheorySummary:
        if alpha is not None:
            samples, d_values = _other_tail_updates(case, alpha, rng)
        else:
            samples, d_values = (_heavy_noise_updates(case, rng) if heavy
                                 else heavy_tails.updates(case, SETTING, rng))
        share = heavy_tails.beyond_cut_share(samples, SETTING)
        tail = hill.hill_interval(samples, local=False)
        estimate = Estimate(tail.estimate, tail.low, tail.high)
        row = TailRow(case, estimate, heavy_tails.near_zero_share(d_values), share,
                      round(share * samples.size), samples.size, estimate)
        return TheorySummary({}, {}, tails=[dataclasses.replace(row, case=name)
                                            for name in heavy_tails.TAIL_CASES])
    return simulate


def _tail_world(claim: str, name: str, truth, case: str, heavy: bool, description: str,
                true_value: float | None = None, alpha: float | None = None) -> World:
    return World(claim, name, truth, description, _tail_summary(case, heavy, alpha),
                 _row(claim), true_value)


def _vanishing(decay: float, epsilon_end: float, gap: float, accuracy: float,
               generator: str):
    def simulate(rng: np.random.Generator) -> TheorySummary:
        grads = list(10 ** np.linspace(0, -(decay + 0.1 * rng.normal()), LOGGED))
        correct = rng.binomial(EVAL_COUNT, accuracy)
        run = VanishingRun("run", 2, "adam", generator, 1.0, gap, EVAL_COUNT, 1.0,
                           list(range(LOGGED)), list(np.linspace(0.9, epsilon_end, LOGGED)),
                           grads, grads,
                           [correct / EVAL_COUNT] * LOGGED)
        return TheorySummary({}, {}, vanishing=[run])
    return simulate


def _worlds() -> list[World]:
    cauchy, sigmoid, clipped = "theory-cauchy", "theory-sigmoid", "theory-clipped"
    plateau, discrimination = "theory-plateau", "theory-discrimination"
    return [
        _tail_world(cauchy, "white", "true", "white", False, "D = D* + white noise", 1.0),
        # The premise met and the tail not Cauchy, so CONTRADICTED is reachable. No coverage:
        # a symmetric Pareto has no mass near 0, so the standardisation's median shift biases
        # the Hill estimate of these three-column norms (2.24 at alpha 2); the interval's
        # coverage is measured in the white world.
        _tail_world(cauchy, "white-alpha-2", "false", "white", False, "D = D* + white noise "
                    "(premise met) with updates of tail index 2 instead", alpha=2.0),
        _tail_world(cauchy, "white-alpha-0.6", "false", "white", False, "D = D* + white noise "
                    "(premise met) with updates of tail index 0.6 instead", alpha=0.6),
        _tail_world(cauchy, "sigmoid", "premise-fails", "sigmoid", False, "a sigmoid D"),
        _tail_world(cauchy, "clipped", "premise-fails", "clipped", False, "a clipped D"),
        _tail_world(sigmoid, "sigmoid", "true", "sigmoid", False, "a sigmoid D"),
        _tail_world(sigmoid, "heavy-logit", "false", "sigmoid", True,
                    "a sigmoid D with Cauchy gradient noise"),
        _tail_world(sigmoid, "white", "premise-fails", "white", False, "D = D* + white noise"),
        _tail_world(clipped, "clipped", "true", "clipped", False, "D clipped at 0.05"),
        _tail_world(clipped, "heavy-gradient", "false", "clipped", True,
                    "D clipped at 0.05 with Cauchy gradient noise"),
        _tail_world(clipped, "white", "premise-fails", "white", False, "D = D* + white noise"),
        World(plateau, "full-dimensional", "true", "decays 0.2 orders, eps stays 0.5",
              _vanishing(0.2, 0.5, 0.0, 0.9, "full"), _row(plateau)),
        World(plateau, "vanishes", "false", "decays 2.7 orders though eps stays 0.5",
              _vanishing(2.7, 0.5, 0.0, 0.9, "full"), _row(plateau)),
        World(plateau, "near-optimal", "premise-fails", "eps reaches 0.01",
              _vanishing(3.0, spec.EPSILON_NEAR_OPTIMAL / 10, 0.0, 0.9, "full"), _row(plateau)),
        World(discrimination, "perfect", "true", f"accuracy 0.999 on {EVAL_COUNT}",
              _vanishing(3.0, 0.01, 0.5, 0.999, "curve"), _row(discrimination), 0.999),
        World(discrimination, "imperfect", "false", "accuracy 0.95",
              _vanishing(3.0, 0.01, 0.5, 0.95, "curve"), _row(discrimination), 0.95),
        World(discrimination, "touching", "premise-fails", "the supports touch (gap 0)",
              _vanishing(3.0, 0.01, 0.0, 0.999, "curve"), _row(discrimination)),
    ]


WORLDS: list[World] = _worlds()
