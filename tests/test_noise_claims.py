"""Section 3's rows on hand-made add-noise summaries: premises gate both ways, the sweep is
corrected for its many sigmas, and the Wasserstein test never contradicts the theorem."""

import dataclasses
import math

import numpy as np

from gandiag.analysis import spec
from gandiag.analysis.evidence import Verdict
from gandiag.analysis.noise import noise_claims
from gandiag.store.schema import Estimate, NoiseRow, NoiseSeed, NoiseSummary


def estimate(value: float, spread: float = 0.1) -> Estimate:
    return Estimate(value, value - spread, value + spread)


def noise_summary(decays: dict[float, float], delta=4.0, w=(10.0, 5.0), jsd=0.6,
                  distribution="gaussian", dimensions=1024, spread=0.1) -> NoiseSummary:
    rows = [NoiseRow(25, sigma, [NoiseSeed(0, 0.99, 0.1, jsd,
                                           {"original": estimate(decay, spread)})],
                     w[0], w[1], delta) for sigma, decay in decays.items()]
    return NoiseSummary(distribution, dimensions, 500, rows)


def test_every_verdict_of_the_noise_row_is_reachable():
    rescued = noise_claims.noise([noise_summary({0.0: 4.0, 0.5: 1.5, 2.0: 0.2})])
    assert rescued.verdict is Verdict.SUPPORTED and "sigma* 2 (0.5 delta)" in rescued.note
    never = noise_claims.noise([noise_summary({0.0: 4.0, 2.0: 2.0})])
    assert never.verdict is Verdict.CONTRADICTED
    too_little_noise = noise_claims.noise([noise_summary({0.0: 4.0, 0.5: 2.0}, delta=10.0)])
    assert too_little_noise.verdict is Verdict.PREMISE_NOT_MET
    nothing_to_rescue = noise_claims.noise([noise_summary({0.0: 0.5, 2.0: 0.1})])
    assert nothing_to_rescue.verdict is Verdict.INCONCLUSIVE
    assert noise_claims.noise([None]).verdict is Verdict.NOT_RUN


def test_a_rescue_below_the_premise_sigma_is_premise_not_met_not_supported():
    # The largest sigma is 0.175 delta, below the spec's 0.25: whatever the decay does, the
    # row may not say SUPPORTED beside a premise column that says "not met".
    result = noise_claims.noise([noise_summary({0.0: 4.0, 0.7: 0.2}, delta=4.0)])
    assert result.premise.holds is False
    assert result.verdict is Verdict.PREMISE_NOT_MET


def test_no_rescue_of_a_vanishing_figure2_does_not_find():
    # 1.6 orders without noise is under Figure 2's 3 orders: there is no vanishing to rescue.
    result = noise_claims.noise([noise_summary({0.0: 1.6, 2.0: 0.2})])
    assert result.verdict is Verdict.INCONCLUSIVE
    assert f"{spec.FIGURE2.threshold:g} orders" in result.note


def _seeds(values, jsd=0.6):
    return [NoiseSeed(index, 0.99, 0.1, jsd, {"original": estimate(value)})
            for index, value in enumerate(values)]


def test_many_sigmas_are_corrected_for_one_lucky_rescue():
    # Twenty sigmas, one of them with a decay of 0.8 over three D seeds whose t interval
    # clears 1 one-sided at 5%: uncorrected, one of them rescues; Bonferroni over twenty does not.
    sigmas = [0.5 + 0.1 * i for i in range(20)]
    rows = [NoiseRow(25, 0.0, _seeds([4.0, 4.1, 3.9]), 10.0, 5.0, 2.0)]
    rows += [NoiseRow(25, sigma, _seeds([0.7, 0.8, 0.9] if i == 0 else [1.3, 1.4, 1.5]),
                      10.0, 5.0, 2.0) for i, sigma in enumerate(sigmas)]
    result = noise_claims.noise([NoiseSummary("gaussian", 1024, 500, rows)])
    lucky = [NoiseRow(25, 0.0, _seeds([4.0, 4.1, 3.9]), 10.0, 5.0, 2.0),
             NoiseRow(25, 0.5, _seeds([0.7, 0.8, 0.9]), 10.0, 5.0, 2.0)]
    alone = noise_claims.noise([NoiseSummary("gaussian", 1024, 500, lucky)])
    assert alone.verdict is Verdict.SUPPORTED
    assert result.verdict is not Verdict.SUPPORTED
    assert "Bonferroni over 20 sigmas" in result.note


def test_wasserstein_with_d_at_chance_never_contradicts_the_theorem():
    # D at chance: its JSD lower bound is 0, a bound built from it is no bound; W = 14.
    at_chance = noise_claims.wasserstein([noise_summary({0.5: 1.0}, w=(14.0, 1.0), jsd=0.0,
                                                        distribution="ball", dimensions=1024)])
    assert at_chance.verdict is not Verdict.CONTRADICTED
    interval = at_chance.effects[0].interval
    assert interval.low < 1.0 < interval.high


def test_wasserstein_cannot_contradict_anywhere_its_numbers_can_lie():
    rng = np.random.default_rng(0)
    for _ in range(300):
        dimensions = int(rng.choice([4, 64, 1024]))
        diameter = 2 * math.sqrt(dimensions)
        w = rng.uniform(0, diameter)
        summary = noise_summary({float(rng.uniform(0.01, 1.0)): 1.0},
                                w=(w, rng.uniform(0, w)), jsd=rng.uniform(0, math.log(2)),
                                distribution="ball", dimensions=dimensions)
        assert noise_claims.wasserstein([summary]).verdict is not Verdict.CONTRADICTED


def test_wasserstein_row_verdicts():
    gaussian = noise_claims.wasserstein([noise_summary({0.5: 1.0}, jsd=0.01)])
    assert gaussian.verdict is Verdict.PREMISE_NOT_MET
    holds = noise_claims.wasserstein([noise_summary({0.1: 1.0}, w=(0.1, 0.05), jsd=1e-2,
                                                    distribution="ball", dimensions=4)])
    assert holds.verdict is Verdict.SUPPORTED
    unknown = noise_claims.wasserstein([noise_summary({0.1: 1.0}, w=(3.0, 0.1), jsd=1e-4,
                                                      distribution="ball", dimensions=4)])
    assert unknown.verdict is Verdict.INCONCLUSIVE
    trivial = noise_claims.wasserstein([noise_summary({0.1: 1.0}, jsd=0.5, distribution="ball",
                                                      dimensions=4)])
    assert trivial.verdict is Verdict.INCONCLUSIVE and ">= C" in trivial.effects[0].label
    assert noise_claims.wasserstein([None]).verdict is Verdict.NOT_RUN


def test_theory_wasserstein_row_never_judges_a_bound_from_a_d_at_chance():
    # The exact (quadrature) bound is judged; the one from a trained D's JSD lower bound is
    # shown beside it only, so a D at chance (bound 2 sqrt(V) < W) changes nothing.
    from gandiag.analysis.theory import segments, theory_claims
    from gandiag.store.schema import TheorySummary

    cells = [segments.bound_cell(0.5, sigma) for sigma in (0.1, 0.3)]
    at_chance = [dataclasses.replace(cell, jsd_estimated=0.0, bound_estimated=segments.bound(
        0.0, cell.delta, cell.sigma, "ball")) for cell in cells]
    assert all(cell.bound_estimated < cell.wasserstein for cell in at_chance)

    def row(bounds):
        return next(r for r in theory_claims.evaluate(TheorySummary({}, {}, bounds=bounds))
                    if r.spec.key == "theory-wasserstein")

    assert row(at_chance).verdict is row(cells).verdict is not Verdict.CONTRADICTED
    assert "JSD lower bound (not a bound of W)" in row(at_chance).note
