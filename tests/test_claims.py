"""The claims on hand-made summaries: each verdict reachable, premises and intervals honoured."""

import dataclasses
import math

import pytest

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.probe import probe_claims
from gandiag.analysis.probe.probe_claims import RunSummaries
from gandiag.errors import GandiagError
from gandiag.store import schema
from gandiag.store.schema import (
    CheckpointSummary,
    CostSummary,
    Estimate,
    FrozenSummary,
    HeldOutSummary,
    PremiseSummary,
    SeedSummary,
)


def estimate(value: float, spread: float = 0.1) -> Estimate:
    return Estimate(value, value - spread, value + spread)


def cost(decay=4.0, jitter=2.0, alpha=1.9, spread=0.1) -> CostSummary:
    return CostSummary(grad_norm_start=1.0, grad_norm_end=10.0**-decay,
                       decay_orders=estimate(decay, spread), jitter_growth=estimate(jitter, spread),
                       jitter_null_low=0.8, jitter_null_high=1.2,
                       tail_index=estimate(alpha, 0.02), kurtosis=0.1)


def premises(epsilon=0.01, holds=40) -> PremiseSummary:
    return PremiseSummary(epsilon_end=epsilon, d_fake_max_end=epsilon / 2,
                          grad_x_d_max_end=epsilon / 2, jacobian_norm_end=5.0, bound_checks=40,
                          bound_holds=holds, bound_ratio_max=0.5)


def seed_summary(seed=0, correct=600, count=600, original=None, minus_log_d=None,
                 premise=None) -> SeedSummary:
    costs = {name: value for name, value in (("original", original),
                                            ("minus-log-d", minus_log_d)) if value}
    return SeedSummary(
        seed=seed, iters_to_acc_099_train=20, final_train_error=1e-4, d_fake_start=0.5,
        d_fake_end=1e-4,
        held_out=HeldOutSummary(iters_to_acc_099=30, updates_at=500, correct_at=correct,
                                count_at=count, final_accuracy=correct / count,
                                final_error=0.01, final_mixed_accuracy=0.99),
        costs=costs or None, premises=premise)


def run(**epochs: list[SeedSummary]) -> RunSummaries:
    """run(e1=[seeds...], e25=[...]): a G run whose probe has those checkpoints."""
    summary = FrozenSummary(4000, 300, 300, {int(name[1:]): CheckpointSummary(seeds)
                                             for name, seeds in epochs.items()})
    return RunSummaries(None, summary, None, None)


def test_figure1_needs_the_held_out_interval_above_099():
    perfect = probe_claims.figure1([run(e1=[seed_summary()], e25=[seed_summary()])])
    assert perfect.verdict is Verdict.SUPPORTED
    assert perfect.effects[0].interval.low > 0.99
    # 598 of 600: the estimate is above 0.99 but its interval is not: inconclusive.
    edge = probe_claims.figure1([run(e1=[seed_summary(correct=598)])])
    assert edge.verdict is Verdict.INCONCLUSIVE
    low = probe_claims.figure1([run(e1=[seed_summary(correct=540)])])
    assert low.verdict is Verdict.CONTRADICTED
    assert probe_claims.figure1([RunSummaries(None, None, None, None)]).verdict is Verdict.NOT_RUN


def test_figure2_premise_turns_a_failure_into_premise_not_met():
    near_optimal = probe_claims.figure2([run(e1=[seed_summary(original=cost(decay=1.5),
                                                        premise=premises(0.01))])])
    assert near_optimal.verdict is Verdict.CONTRADICTED
    far = probe_claims.figure2([run(e1=[seed_summary(original=cost(decay=1.5),
                                               premise=premises(0.9))])])
    assert far.verdict is Verdict.PREMISE_NOT_MET
    assert "sup D at the end 0.45 (epsilon 0.9)" in far.premise.measured
    vanishing = probe_claims.figure2([run(e1=[seed_summary(original=cost(decay=4.0),
                                                     premise=premises(0.9))])])
    assert vanishing.verdict is Verdict.PREMISE_NOT_MET  # gated in both directions
    straddling = probe_claims.figure2([run(e1=[seed_summary(original=cost(decay=3.05, spread=0.2),
                                                      premise=premises())])])
    assert straddling.verdict is Verdict.INCONCLUSIVE


def test_figure2_decomposes_the_decay():
    result = probe_claims.figure2([run(e1=[seed_summary(original=cost(decay=3.7),
                                                  minus_log_d=cost(decay=-0.3),
                                                  premise=premises())])])
    # d_fake 0.5 -> 1e-4: the odds fall 4 orders; the -log D norm grows 0.3.
    assert "decay 3.70 orders = 4.00 (fall of D(G(z))'s odds) - 0.30" in result.note
    assert "+0.00 (remainder:" in result.note  # every term labelled, the remainder too


def test_several_seeds_and_runs_give_a_t_interval_over_runs():
    runs = [run(e1=[seed_summary(s, original=cost(decay=3.5 + 0.1 * s + 0.2 * g))
                    for s in range(3)]) for g in range(3)]
    result = probe_claims.figure2(runs)
    interval = result.effects[0].interval
    assert "t interval over 3 G runs" in interval.method
    assert interval.low < 3.8 < interval.high


def test_a_cost_not_probed_is_not_run():
    only_original = [run(e1=[seed_summary(original=cost())])]
    assert probe_claims.figure2(only_original).verdict is not Verdict.NOT_RUN
    assert all(r.verdict is Verdict.NOT_RUN for r in probe_claims.figure3(only_original))
    assert probe_claims.theorem26(only_original).verdict is Verdict.NOT_RUN


def test_evaluate_reads_every_summary_and_names_a_corrupt_one(tmp_path):
    probe = run(e1=[seed_summary(original=cost(), minus_log_d=cost(decay=-0.5),
                                 premise=premises())]).probe
    (tmp_path / "probe").mkdir()
    schema.write_summary(tmp_path / "probe" / "summary.json", probe)
    table = probe_claims.evaluate([tmp_path])
    assert [r.spec.key for r in table] == ["figure1", "figure2", "figure3-growth",
                                          "figure3-jitter", "theorem26", "noise", "wasserstein",
                                          "relativistic-vanishing"]
    assert table[1].verdict is Verdict.SUPPORTED and table[5].verdict is Verdict.NOT_RUN
    (tmp_path / "add_noise").mkdir()
    (tmp_path / "add_noise" / "summary.json").write_text("{ truncated")
    with pytest.raises(GandiagError, match=r"add_noise/summary\.json"):
        probe_claims.evaluate([tmp_path])
    (tmp_path / "add_noise" / "summary.json").write_text('{"rows": []}')
    with pytest.raises(schema.SchemaError, match="schema version None"):
        probe_claims.evaluate([tmp_path])


def test_relativistic_row_reaches_each_verdict_from_its_own_cost():
    def relativistic_run(decay, spread=0.1):
        seed = seed_summary(original=cost(decay=5.0))
        seed = dataclasses.replace(seed, costs={**seed.costs,
                                                "relativistic": cost(decay=decay, spread=spread)})
        return run(e1=[seed])

    supported = probe_claims.relativistic([relativistic_run(4.0), relativistic_run(4.2)])
    assert supported.verdict is Verdict.SUPPORTED
    assert str(supported.units) == "2 G runs x 2 D seeds"  # the row says what it rests on
    assert probe_claims.relativistic([relativistic_run(0.5)]).verdict is Verdict.CONTRADICTED
    unsure = probe_claims.relativistic([relativistic_run(3.0, spread=1.0)])
    assert unsure.verdict is Verdict.INCONCLUSIVE
    # A probe of the paper's costs alone does not answer it, however the original decays.
    paper_only = run(e1=[seed_summary(original=cost(decay=5.0))])
    assert probe_claims.relativistic([paper_only]).verdict is Verdict.NOT_RUN


def test_a_renamed_key_is_a_schema_error_not_a_silent_not_run():
    value = schema.encode(run(e1=[seed_summary()]).probe)
    block = value["checkpoints"]["1"]["seeds"][0]["held_out"]
    block["iters_to_acc_99"] = block.pop("iters_to_acc_0.99")
    with pytest.raises(schema.SchemaError, match="unknown key"):
        schema.decode(FrozenSummary, value)
    assert math.isfinite(schema.decode(FrozenSummary, schema.encode(
        run(e1=[seed_summary()]).probe)).checkpoints[1].seeds[0].final_train_error)


def test_theorem26_without_a_hill_index_asks_for_a_rerun():
    old = probe_claims.theorem26([run(e1=[seed_summary(minus_log_d=cost(alpha=1.0))])])
    assert old.verdict is Verdict.NOT_RUN and "rerun the probe" in old.note
