"""The second mode-dropping row: -log D against the costs whose Gs learn, corrected as a
family, gated by its premise per comparison, and out of reach with too few seeds."""

import pytest

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.quality import mode_learners, quality_claims
from gandiag.analysis.quality.mode_learners import Seeds
from gandiag.analysis.validate import quality_worlds
from gandiag.analysis.validate.world import calibrate
from gandiag.store import layout, records
from gandiag.store.quality_schema import QualityRow, QualitySummary
from gandiag.store.schema import Estimate, write_summary

DROPPED = Seeds([8, 9, 8, 9, 8], [True] * 5)
KEPT = Seeds([17, 18, 16, 17, 18], [True] * 5)
LEARNERS = ("hinge", "wasserstein-gp", "minus-log-d + instance noise")


def test_supported_only_when_every_cost_that_learns_covers_more_modes():
    result = mode_learners.judge(DROPPED, dict.fromkeys(LEARNERS, KEPT))
    assert result.verdict is Verdict.SUPPORTED and result.premise.holds is True
    assert [effect.verdict for effect in result.effects] == [Verdict.SUPPORTED] * 3
    alike = mode_learners.judge(DROPPED, {**dict.fromkeys(LEARNERS[:2], KEPT),
                                          LEARNERS[2]: Seeds([8, 9, 8, 9, 9], [True] * 5)})
    assert alike.verdict is not Verdict.SUPPORTED


def test_each_interval_is_at_the_bonferroni_level_of_the_comparisons_judged():
    three = mode_learners.judge(DROPPED, dict.fromkeys(LEARNERS, KEPT))
    one = mode_learners.judge(DROPPED, {"hinge": KEPT})
    assert three.effects[0].interval.level == pytest.approx(1 - 0.1 / 3)
    assert one.effects[0].interval.level == pytest.approx(0.9)
    assert three.effects[0].interval.low < one.effects[0].interval.low
    assert "Bonferroni over 3" in three.note


def test_a_cost_whose_gs_never_learnt_is_left_out_of_both_directions():
    stuck = Seeds([2, 1, 2, 3, 2], [False] * 5)
    result = mode_learners.judge(DROPPED, {"hinge": KEPT, "wasserstein-gp": stuck})
    verdicts = {effect.label: effect.verdict for effect in result.effects}
    assert verdicts["wasserstein-gp - (-log D)"] is Verdict.PREMISE_NOT_MET
    # The stuck WGAN-GP would contradict the claim; it is not counted, so hinge decides.
    assert result.verdict is Verdict.SUPPORTED and result.premise.holds is None
    assert "Bonferroni over 1" in result.note
    none = mode_learners.judge(DROPPED, {"wasserstein-gp": stuck})
    assert none.verdict is Verdict.PREMISE_NOT_MET and none.premise.holds is False


def test_three_seeds_a_side_cannot_reach_a_verdict_and_the_row_says_so():
    three = Seeds([8, 8, 8], [True] * 3)
    result = mode_learners.judge(three, {"hinge": Seeds([20, 20, 20], [True] * 3)})
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "needs >= 4 seeds a side, has 3" in result.premise.measured


def test_contradicted_when_a_cost_that_learns_covers_no_more_modes():
    everything = Seeds([25] * 5, [True] * 5)
    result = mode_learners.judge(everything, dict.fromkeys(LEARNERS, everything))
    assert result.verdict is Verdict.CONTRADICTED


def test_not_run_without_minus_log_d_or_without_a_cost_that_learns():
    assert mode_learners.judge(None, {"hinge": KEPT}).verdict is Verdict.NOT_RUN
    assert mode_learners.judge(DROPPED, {}).verdict is Verdict.NOT_RUN


@pytest.mark.parametrize(("name", "verdict"), [
    ("learners-drop", Verdict.SUPPORTED), ("learners-zero-spread", Verdict.CONTRADICTED),
    ("learners-3-seeds", Verdict.INCONCLUSIVE), ("learners-not-learnt", Verdict.PREMISE_NOT_MET)])
def test_every_verdict_is_reached_in_some_world(name, verdict):
    world = next(w for w in quality_worlds.WORLDS if w.name == name)
    assert calibrate(world, repeats=20).rates[verdict] > 0.5


def _toy_run(root, cost, seed, modes, noise=0.0):
    run = layout.RunDir(root / f"{cost}-{noise:g}-{seed}")
    run.path.mkdir(parents=True)
    config = {"cost": cost, "seed": seed, "instance_noise": noise}
    records.write_json(run.config, config)
    run.quality.path.mkdir()
    one = Estimate(1.0, 0.5, 1.5)
    row = QualityRow(770, 2000, one, one, modes_covered=Estimate(modes, modes, modes),
                     high_quality=Estimate(0.9, 0.85, 0.95))
    write_summary(run.quality.summary, QualitySummary("toy", "note", {}, [row], 1.0))
    return run.path, config


def test_minus_log_d_with_instance_noise_is_its_own_setting_not_minus_log_d(tmp_path):
    made = [_toy_run(tmp_path, cost, seed, modes, noise)
            for cost, noise, modes in (("minus-log-d", 0.0, 8), ("minus-log-d", 0.25, 18),
                                       ("hinge", 0.0, 17))
            for seed in range(5)]
    entries = quality_claims.settings([p for p, _ in made], [c for _, c in made])
    chosen = quality_claims.by_setting(entries)
    assert sorted(chosen) == ["hinge", "minus-log-d", "minus-log-d + instance noise"]
    assert chosen["minus-log-d"][0] == [8.0] * 5
    result = mode_learners.from_settings(chosen)
    assert result.verdict is Verdict.SUPPORTED and len(result.effects) == 2
    # The paper's row compares noise-free -log D only (and has no original-cost runs here).
    assert quality_claims.mode_dropping_from(entries).verdict is Verdict.NOT_RUN
