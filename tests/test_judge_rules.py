"""The judge's rules on inputs whose truth is known: premises gate both directions, rows
agree with their premise column, Figure 3 is read after D is accurate, the tail test is
two-sided, intervals hold their coverage with few units, and rows say what is out of reach.
"""

import dataclasses

import numpy as np
import pytest
from scipy import stats

from gandiag.analysis import evidence, hill, spec, statistics, summaries
from gandiag.analysis.evidence import Interval, Part, Premise, Verdict
from gandiag.analysis.probe import probe_claims as claims
from gandiag.analysis.probe.probe_claims import RunSummaries
from gandiag.analysis.theory import theory_claims
from gandiag.store import schema


def estimate(value: float, spread: float = 0.1) -> schema.Estimate:
    return schema.Estimate(value, value - spread, value + spread)


def cost(decay=4.0, growth=2.0, variance=1.0, hill=1.0) -> schema.CostSummary:
    return schema.CostSummary(
        grad_norm_start=1.0, grad_norm_end=10.0**-decay, decay_orders=estimate(decay),
        jitter_growth=estimate(1.0), jitter_null_low=0.8, jitter_null_high=1.2,
        tail_index=estimate(1.9), kurtosis=0.1, growth_after_accurate=estimate(growth),
        variance_growth=estimate(variance), hill_index=estimate(hill, 0.05))


def premise_summary(d_max: float) -> schema.PremiseSummary:
    return schema.PremiseSummary(epsilon_end=7.0, d_fake_max_end=d_max, grad_x_d_max_end=7.0,
                          jacobian_norm_end=5.0, bound_checks=0, bound_holds=0,
                          bound_ratio_max=None)


def seed(original=None, minus_log_d=None, d_max=0.01, correct=600, count=600) -> schema.SeedSummary:
    costs = {name: value for name, value in (("original", original),
                                            ("minus-log-d", minus_log_d)) if value}
    return schema.SeedSummary(
        seed=0, iters_to_acc_099_train=20, final_train_error=1e-4, d_fake_start=0.5,
        d_fake_end=1e-4,
        held_out=schema.HeldOutSummary(iters_to_acc_099=30, updates_at=50, correct_at=correct,
                                count_at=count, final_accuracy=1.0, final_error=0.01,
                                final_mixed_accuracy=0.99),
        costs=costs or None, premises=premise_summary(d_max))


def runs(*seeds: schema.SeedSummary) -> list[RunSummaries]:
    return [RunSummaries(None, schema.FrozenSummary(
        4000, 300, 300, {1: schema.CheckpointSummary([s])}), None, None) for s in seeds]


# Finding: premises gated only one direction.
@pytest.mark.parametrize("decay", [4.0, -0.5, 1.5])
def test_an_unmet_premise_gates_figure2_in_both_directions(decay):
    result = claims.figure2(runs(seed(original=cost(decay=decay), d_max=0.9)))
    assert result.verdict is Verdict.PREMISE_NOT_MET
    assert "alone reads" in result.note


def test_figure2_with_its_premise_met_reaches_both_verdicts():
    assert claims.figure2(runs(seed(original=cost(decay=4.0)))).verdict is Verdict.SUPPORTED
    assert claims.figure2(runs(seed(original=cost(decay=1.0)))).verdict is Verdict.CONTRADICTED


# Finding: rows contradicting their premise column.
def test_no_row_contradicts_its_premise_column():
    rng = np.random.default_rng(0)
    for claim in (*spec.CLAIMS, *spec.THEORY):
        for _ in range(50):
            centre, width = rng.normal(claim.threshold, 2), rng.exponential(0.5)
            premise = Premise(claim.premise, False, "measured")
            result = evidence.decide(claim, [Part("a", Interval(centre, centre - width,
                                                                centre + width))], premise)
            assert result.verdict is Verdict.PREMISE_NOT_MET, claim.key


def vanishing(label: str, decay_orders: float, epsilon_end: float) -> schema.VanishingRun:
    grads = list(10 ** np.linspace(0, -decay_orders, 100))
    return schema.VanishingRun(label, 2, "adam", "full", 1.0, 0.0, 500, 0.9, list(range(100)),
                        [epsilon_end] * 100, grads, grads, [0.9] * 100)


def tail_row(case: str, alpha: float, near_zero: float) -> schema.TailRow:
    return schema.TailRow(case, estimate(alpha), near_zero, 0.0, 0, 100_000, estimate(alpha, 0.05))


# Finding: the theory controls could only read PREMISE NOT MET.
def test_theory_controls_can_fail():
    plateau = theory_claims._plateau([vanishing("full", 2.7, 0.5)])
    assert plateau.verdict is Verdict.CONTRADICTED
    assert theory_claims._plateau([vanishing("full", 0.2, 0.5)]).verdict is Verdict.SUPPORTED
    summary = schema.TheorySummary({}, {}, tails=[tail_row("white", 1.0, 0.005),
                                           tail_row("sigmoid", 1.0, 0.0),
                                           tail_row("clipped", 1.0, 0.0)])
    white, sigmoid, _ = theory_claims._tails(summary)
    assert white.verdict is Verdict.SUPPORTED and sigmoid.verdict is Verdict.CONTRADICTED
    light = dataclasses.replace(summary, tails=[tail_row("sigmoid", 4.0, 0.0)])
    assert theory_claims._tails(light)[1].verdict is Verdict.SUPPORTED


# Finding: Theorem 2.6's premise was hard-coded, so alpha 1 and alpha 2 read the same.
def test_theorem26_tells_alpha_one_from_two_and_from_point_six():
    verdicts = {alpha: claims.theorem26(runs(seed(minus_log_d=cost(hill=alpha)))).verdict
                for alpha in (1.0, 2.0, 0.6)}
    assert verdicts == {1.0: Verdict.SUPPORTED, 2.0: Verdict.CONTRADICTED,
                        0.6: Verdict.CONTRADICTED}


# Finding: the tail index was not a tail index.
@pytest.mark.parametrize(("name", "inside"), [("cauchy", True), ("student-t 3", False),
                                              ("lognormal-scale gaussian", False),
                                              ("stable 0.6", False)])
def test_the_hill_test_separates_stable_laws_from_finite_variance_mixtures(name, inside):
    rng = np.random.default_rng(5)
    shape = (2000, 8)
    draws = {
        "cauchy": lambda: rng.standard_cauchy(shape),
        "student-t 3": lambda: rng.standard_t(3, shape),
        "lognormal-scale gaussian": lambda: rng.normal(size=shape) * rng.lognormal(
            0, 1, (shape[0], 1)),
        "stable 0.6": lambda: stats.levy_stable.rvs(0.6, 0, size=shape, random_state=rng),
    }
    interval = hill.hill_interval(draws[name]())
    low, high = spec.CAUCHY_BAND
    assert bool(low < interval.low and interval.high < high) is inside, interval
    if not inside:
        assert interval.high < low or interval.low > high, interval


def curve(rng, iterations=4000, accurate_at=20, rise=0.0, relative_noise=0.05,
          early_rise=1.0) -> np.ndarray:
    """A -log D norm: ``early_rise`` orders before D is accurate, then ``rise`` orders."""
    steps = np.arange(iterations)
    level = np.where(steps < accurate_at, early_rise * steps / accurate_at,
                     early_rise + rise * (steps - accurate_at) / (iterations - accurate_at))
    return 10**level * (1 + relative_noise * rng.normal(size=iterations))


# Finding: Figure 3 measured the fresh D leaving its initialisation.
def test_figure3_is_judged_from_the_moment_d_is_accurate():
    rng = np.random.default_rng(1)
    flat = curve(rng)
    end = summaries.windows(flat)[1]
    growth = statistics.growth_interval(summaries.after_accurate(flat, 20), end)
    assert growth.high < spec.FIGURE3_GROWTH_ORDERS
    old_window = statistics.decay_interval(*summaries.windows(flat))
    assert old_window.estimate < -0.5  # iterations 1-10 saw the fresh D's early rise
    drastic = curve(rng, rise=2.0)
    after, end = summaries.after_accurate(drastic, 20), summaries.windows(drastic)[1]
    assert statistics.growth_interval(after, end).low > spec.FIGURE3_GROWTH_ORDERS
    # x100 with constant 5% relative noise: the variance of the gradients grows.
    assert statistics.variance_growth(after, end).low > 0
    assert summaries.after_accurate(flat, None) is None
    wired = summaries.cost_summary(drastic[:800], rng.normal(size=(800, 8)), accurate_at=20)
    assert wired.growth_after_accurate.low > 0 and wired.variance_growth.low > 0


def test_figure3_growth_needs_drastic_growth_and_d_accurate():
    small = claims.figure3(runs(seed(minus_log_d=cost(growth=0.3, variance=0.5))))
    assert [r.verdict for r in small] == [Verdict.CONTRADICTED, Verdict.SUPPORTED]
    never = dataclasses.replace(cost(), growth_after_accurate=None, variance_growth=None)
    unaccurate = dataclasses.replace(seed(minus_log_d=never), iters_to_acc_099_train=None,
                                     held_out=dataclasses.replace(seed().held_out,
                                                                  iters_to_acc_099=None))
    assert [r.verdict for r in claims.figure3(runs(unaccurate))] == [Verdict.PREMISE_NOT_MET] * 2


# Finding: intervals from few units under-covered.
@pytest.mark.parametrize("shape", [(1, 2), (1, 3), (3, 1), (5, 1)])
def test_unit_intervals_hold_their_coverage_with_few_units(shape):
    runs_, seeds_ = shape
    rng = np.random.default_rng(2)
    covered = 0
    for _ in range(1000):
        run_means = rng.normal(size=runs_) if runs_ > 1 else np.zeros(1)
        values = [list(mean + rng.normal(size=seeds_)) for mean in run_means]
        interval = evidence.unit_interval(values)
        covered += interval.low <= 0.0 <= interval.high
    assert 0.85 <= covered / 1000 <= 0.95


def test_each_row_says_how_many_units_it_rests_on():
    result = claims.figure2(runs(*[seed(original=cost())] * 3))
    assert str(result.units) == "3 G runs x 3 D seeds"


# Finding: power was never stated.
def test_figure1_says_when_supported_is_out_of_reach():
    small = claims.figure1(runs(seed(correct=120, count=120)))
    assert small.verdict is Verdict.INCONCLUSIVE
    assert "needs >= 268 held-out evaluations" in small.note
    large = claims.figure1(runs(seed(correct=600, count=600)))
    assert large.verdict is Verdict.SUPPORTED and "out of reach" not in large.note


# Finding: thresholds (Figure 1 at ~50 updates; the version identifies the thresholds).
def test_figure1_is_read_at_fifty_updates_with_five_hundred_beside():
    evaluations = [{"d_updates": n, "correct": min(n, 100), "count": 100, "error": 0.1,
                    "mixed_correct": 90} for n in range(10, 600, 10)]
    held_out = summaries.held_out_summary(evaluations)
    assert (held_out.updates_at, held_out.correct_at) == (50, 50)
    assert (held_out.updates_secondary, held_out.correct_secondary) == (500, 100)


def test_the_printed_spec_version_carries_a_hash_of_its_content(monkeypatch):
    assert spec.SPEC_HASH in spec.SPEC_VERSION and len(spec.SPEC_HASH) == 12
    monkeypatch.setattr(spec, "FIGURE3_GROWTH_ORDERS", 2.0)
    assert spec.content_hash() != spec.SPEC_HASH


def test_a_row_with_parts_its_premise_stopped_does_not_say_not_measured():
    """Met at one checkpoint, not at the other: the row's premise says so itself."""
    from gandiag.views.claims_table import premise_text

    checkpoints = {epoch: schema.CheckpointSummary([seed(original=cost(decay=4.0), d_max=d_max)])
                   for epoch, d_max in ((1, 0.01), (10, 0.9))}
    row = claims.figure2([RunSummaries(None, schema.FrozenSummary(4000, 300, 300, checkpoints),
                                       None, None)])
    assert [effect.verdict for effect in row.effects] == [Verdict.SUPPORTED,
                                                          Verdict.PREMISE_NOT_MET]
    assert (row.premise.holds, row.premise.not_met_at) == (None, ("epoch 10",))
    assert premise_text(row).startswith("NOT met at epoch 10, met or not measured elsewhere: "
                                        "epoch 1: sup D at the end 0.01")
    unmeasured = dataclasses.replace(row, premise=Premise(spec.FIGURE2.premise, None, "none"))
    assert premise_text(unmeasured) == "not measured: none"


def test_one_short_curve_states_that_theorem26_is_out_of_reach():
    # One curve's Hill interval has a width set by its length alone: below 822 probe
    # iterations no Cauchy curve can put it inside the band, and the row says so.
    from gandiag.analysis.validate import probe_worlds

    needed = hill.iterations_needed(spec.CAUCHY_BAND)
    assert needed == 822
    world = next(w for w in probe_worlds.WORLDS
                 if w.claim == "theorem26" and w.name == "cauchy (quick)")
    runs = world.simulate(np.random.default_rng(0))
    short = [dataclasses.replace(run, probe=dataclasses.replace(run.probe, iters=400))
             for run in runs]
    assert ("SUPPORTED is out of reach at this n: one curve needs >= 822 probe iterations"
            in claims.theorem26(short).note)
    assert "out of reach" not in claims.theorem26(runs).note
    rng = np.random.default_rng(1)
    low, high = spec.CAUCHY_BAND

    def inside(iters):
        intervals = [hill.hill_interval(rng.standard_cauchy((iters // 2, 8)), local=False)
                     for _ in range(300)]
        return sum(low < i.low and i.high < high for i in intervals)

    assert inside(needed - 2) == 0 and inside(needed) > 0
