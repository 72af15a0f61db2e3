"""The mode-dropping claim and the seed intervals: calibrated on a simulated null."""

import numpy as np

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.quality import quality_claims
from gandiag.analysis.spec import MODE_DROPPING
from gandiag.store import layout, records
from gandiag.store.quality_schema import QualityRow, QualitySummary
from gandiag.store.schema import Estimate, write_summary

NULL_TRIALS = 400


def covered(rng, probabilities, seeds=3):
    """Classes covered by each of ``seeds`` runs: 10, 9 or 8 with the given probabilities."""
    return list(rng.choice([10, 9, 8], size=seeds, p=probabilities).astype(float))


def test_mode_dropping_is_rarely_supported_on_a_simulated_null():
    # Both costs draw their seeds' coverage from one distribution: a false SUPPORTED
    # should be about as rare as the interval's one-sided 5%.
    rng = np.random.default_rng(0)
    for probabilities in ([0.5, 0.5, 0.0], [0.4, 0.4, 0.2], [0.8, 0.2, 0.0]):
        verdicts = [quality_claims.mode_dropping(covered(rng, probabilities),
                                                 covered(rng, probabilities)).verdict
                    for _ in range(NULL_TRIALS)]
        assert verdicts.count(Verdict.SUPPORTED) / NULL_TRIALS < 0.08


def test_mode_dropping_is_supported_when_minus_log_d_loses_classes():
    result = quality_claims.mode_dropping([10, 10, 9, 10], [8, 7, 8, 7])
    assert result.verdict is Verdict.SUPPORTED
    assert result.effects[0].interval.low > MODE_DROPPING.threshold


def test_mode_dropping_is_contradicted_when_both_keep_every_class_alike():
    # Exact test: six seeds against eight, one class off on each side.
    result = quality_claims.mode_dropping([10, 10, 10, 10, 10, 9], [10, 9, 10, 10, 10, 10, 10, 10])
    assert result.verdict is Verdict.CONTRADICTED


def test_too_few_seeds_is_inconclusive_not_a_verdict():
    result = quality_claims.mode_dropping([10, 10], [5, 6])
    assert result.verdict is Verdict.INCONCLUSIVE and "too few seeds" in result.note
    assert quality_claims.mode_dropping([], [5]).verdict is Verdict.NOT_RUN


def _fake_run(root, cost, seed, covered_classes):
    run = layout.RunDir(root / f"{cost}-{seed}")
    run.path.mkdir(parents=True)
    config = {"cost": cost, "seed": seed, "epochs": 2}
    records.write_json(run.config, config)
    run.quality.path.mkdir()
    one = Estimate(1.0, 0.5, 1.5)
    rows = [QualityRow(epoch, 100, one, one, fcd=Estimate(10.0 * seed + epoch, 0, 50),
                       classes_covered=Estimate(covered_classes, covered_classes,
                                                covered_classes),
                       realism=Estimate(1.0, 0.9, 1.1), diversity=Estimate(1.0, 0.9, 1.1))
            for epoch in (1, 2)]
    write_summary(run.quality.summary, QualitySummary("classifier", "note", {}, rows, 1.0))
    return run.path, config


def test_settings_pool_seeds_and_feed_the_claim(tmp_path):
    made = [_fake_run(tmp_path, cost, seed, value) for cost, values in
            (("original", (10, 10, 10)), ("minus-log-d", (7, 8, 7)))
            for seed, value in enumerate(values)]
    entries = quality_claims.settings([path for path, _ in made], [config for _, config in made])
    assert [entry["cost"] for entry in entries] == ["original", "minus-log-d"]
    fcd = entries[0]["epochs"][2]["fcd"]
    assert fcd.estimate == np.mean([2, 12, 22]) and fcd.low < fcd.estimate < fcd.high
    assert quality_claims.mode_dropping_from(entries).verdict is Verdict.SUPPORTED


def test_compare_writes_quality_with_seed_intervals_and_the_claim(tmp_path):
    from gandiag.views.compare import compare

    made = [_fake_run(tmp_path / "runs", cost, seed, value) for cost, values in
            (("original", (10, 10, 10)), ("minus-log-d", (7, 8, 7)))
            for seed, value in enumerate(values)]
    compare.run([path for path, _ in made], tmp_path / "out", quiet=True)
    written = records.read_json(tmp_path / "out" / "quality_comparison.json")
    assert written["mode_dropping"]["verdict"] == "SUPPORTED"
    assert written["settings"][1]["epochs"]["2"]["classes_covered"]["estimate"] == 22 / 3
    assert (tmp_path / "out" / "quality_comparison.png").is_file()
    report = (tmp_path / "out" / "REPORT.md").read_text()
    assert "Mode dropping (Theorem 2.5)" in report and "| SUPPORTED |" in report
    assert (tmp_path / "out" / "report.html").is_file()


def test_a_generator_that_never_learnt_does_not_decide_mode_dropping():
    # The digits' confound: the original-cost G never left noise, so it covers few classes
    # for a reason unrelated to the divergence it minimises.
    stuck = quality_claims.mode_dropping([2, 3, 3], [9, 9, 8], [False] * 3, [True] * 3)
    assert stuck.verdict is Verdict.PREMISE_NOT_MET and stuck.premise.holds is False
    assert "0 of 3 original" in stuck.premise.measured
    learnt = quality_claims.mode_dropping([2, 3, 3], [9, 9, 8], [True] * 3, [True] * 3)
    assert learnt.verdict is Verdict.CONTRADICTED and learnt.premise.holds is True


def test_only_the_seeds_whose_generator_learnt_are_compared():
    # A fourth original-cost seed that never learnt would otherwise pull its mean down.
    result = quality_claims.mode_dropping([10, 10, 10, 1], [7, 8, 7], [True, True, True, False],
                                          [True] * 3)
    assert result.verdict is Verdict.SUPPORTED
    assert result.effects[0].interval.estimate == 10 - np.mean([7, 8, 7])
    assert "3 of 4 original" in result.premise.measured


def test_an_unmeasured_premise_is_inconclusive():
    result = quality_claims.mode_dropping([10, 10, 10], [7, 8, 7], [True, None, True], [True] * 3)
    assert result.verdict is Verdict.INCONCLUSIVE and result.premise.holds is None


def test_learnt_reads_the_intervals_of_realism_and_diversity_or_the_toys_share():
    one = Estimate(1.0, 1.0, 1.0)

    def learnt(**fields):
        return quality_claims.learnt(QualitySummary("f", "", {}, [QualityRow(1, 9, one, one,
                                                                             **fields)], 0.0))

    varied = Estimate(1.0, 0.9, 1.1)
    assert learnt(realism=Estimate(1.1, 1.0, 1.15), diversity=varied) is True
    assert learnt(realism=Estimate(1.3, 1.25, 1.4), diversity=varied) is False
    assert learnt(realism=Estimate(1.1, 1.0, 1.3), diversity=varied) is None  # straddles
    assert learnt(realism=Estimate(0.8, 0.7, 0.9), diversity=Estimate(0, 0, 0)) is False
    assert learnt(realism=Estimate(1.1, 1.0, 1.1)) is None  # measured before spec 6
    assert learnt(fcd=one) is None
    assert learnt(modes_covered=one, high_quality=Estimate(0.4, 0.3, 0.45)) is False
    assert learnt(modes_covered=one, high_quality=Estimate(0.6, 0.55, 0.65)) is True


def test_toy_runs_feed_the_claim_with_modes_covered(tmp_path):
    made = []
    for cost, values in (("original", (25, 24, 25)), ("minus-log-d", (12, 14, 10))):
        for seed, value in enumerate(values):
            run = layout.RunDir(tmp_path / f"{cost}-{seed}")
            run.path.mkdir(parents=True)
            config = {"cost": cost, "seed": seed, "dataset": "grid"}
            records.write_json(run.config, config)
            run.quality.path.mkdir()
            share = Estimate(0.9, 0.85, 0.95)
            rows = [QualityRow(20, 100, share, share, modes_covered=Estimate(value, value, value),
                               high_quality=share)]
            write_summary(run.quality.summary, QualitySummary("points", "", {}, rows, 1.0))
            made.append((run.path, config))
    entries = quality_claims.settings([path for path, _ in made], [config for _, config in made])
    assert entries[1]["epochs"][20]["modes_covered"].estimate == 12
    result = quality_claims.mode_dropping_from(entries)
    assert result.verdict is Verdict.SUPPORTED and "3 of 3" in result.premise.measured
