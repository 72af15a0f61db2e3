"""`gandiag ablate`'s concentration study: the rule on a simulated null, exact nearest
neighbours, and the sub-run on a tiny model."""

import numpy as np
import pytest

from gandiag.analysis.ablate import concentration, registry, study_verdicts
from gandiag.analysis.spec import ABLATION_MIN_SEEDS, CONCENTRATION_NULL_RATE, CONCENTRATION_SHARE
from gandiag.config import AblateConfig, ProbeConfig
from gandiag.experiments.ablate import ablate
from gandiag.store import layout, records
from gandiag.views.ablate import ablate_section as ablation_views
from gandiag.views.ablate import concentration_plots


def _shares(losses: np.ndarray) -> np.ndarray:
    return np.array([concentration.worst_share(row) for row in losses])


@pytest.mark.parametrize("samples", [128, 256])
def test_rule_rarely_fires_on_evenly_spread_losses_and_fires_on_a_few_bad_samples(samples):
    rng = np.random.default_rng(0)
    # The null: no sample special, per-sample losses iid exponential (a memoryless tail).
    null = _shares(rng.exponential(size=(20000, samples)))
    assert np.mean(null > CONCENTRATION_SHARE) <= CONCENTRATION_NULL_RATE
    seeds = null[:3 * 2000].reshape(2000, 3)
    verdicts = [concentration.side_verdict(study_verdicts.Spread.of(s)) for s in seeds]
    assert verdicts.count(concentration.CONCENTRATED) == 0
    assert verdicts.count(concentration.SPREAD) == len(verdicts)
    # The same losses but 1% of the samples at 30 times the mean loss: found in every draw.
    bad = rng.exponential(size=(1500, samples))
    bad[:, :concentration.worst_count(samples)] = 30.0
    flagged = [concentration.side_verdict(study_verdicts.Spread.of(s))
               for s in _shares(bad).reshape(-1, 3)]
    assert flagged.count(concentration.CONCENTRATED) == len(flagged)


def test_equal_losses_give_the_even_share():
    logits = np.full(256, -3.0)
    numbers = concentration.measure(-logits, logits, np.arange(256.0), np.ones(256))
    assert numbers["fake_share"] == pytest.approx(3 / 256)
    assert numbers["fake_even_share"] == pytest.approx(3 / 256)
    assert numbers["real_median_nn"] == pytest.approx(127.5)
    # Tiny losses of a confident D do not underflow to an undefined share.
    confident = concentration.measure(np.full(100, 60.0), np.full(100, -60.0), np.ones(100),
                                      np.ones(100))
    assert confident["real_share"] == pytest.approx(0.01)


def test_nearest_neighbours_are_exact_across_blocks():
    rng = np.random.default_rng(1)
    references = rng.normal(size=(50, 4, 4, 1)).astype(np.float32)
    queries = np.concatenate([references[[7, 31]], rng.normal(size=(5, 4, 4, 1))])
    distances, index = concentration.nearest_neighbours(queries, references, block=8)
    brute = np.linalg.norm(queries.reshape(7, 1, -1) - references.reshape(1, 50, -1), axis=2)
    np.testing.assert_array_equal(index, brute.argmin(axis=1))
    np.testing.assert_allclose(distances, brute.min(axis=1), atol=1e-5)
    assert list(index[:2]) == [7, 31] and np.all(distances[:2] < 1e-5)


def _cells(fake_shares, real_shares, epoch=1):
    values = {"iters_to_099": [None] * len(fake_shares), "fake_share": fake_shares,
              "real_share": real_shares}
    values |= {f"{side}_{name}": [1.0] * len(fake_shares) for side in concentration.SIDES
               for name in ("even_share", "worst_nn", "median_nn")}
    return [study_verdicts.cell("separate", epoch, values)]


def test_verdict_follows_the_numbers():
    def judged(fakes, reals):
        return registry.study("concentration").judge("concentration", "separate",
                                                      _cells(fakes, reals))

    found = judged([0.5, 0.4, 0.6], [0.02, 0.03, 0.05])
    assert found.verdict == concentration.CONCENTRATED
    assert "fakes CONCENTRATED: the worst 1% carry 0.5 [0.4, 0.6]" in found.sentence
    assert "reals SPREAD: the worst 1% carry 0.0333 [0.02, 0.05]" in found.sentence
    assert judged([0.05, 0.1, 0.15], [0.02, 0.03, 0.05]).verdict == concentration.SPREAD
    mixed = judged([0.1, 0.3, 0.5], [0.02, 0.03, 0.05])
    assert mixed.verdict == concentration.INCONCLUSIVE
    few = judged([0.5, 0.6], [0.5, 0.6])
    assert few.verdict == concentration.INCONCLUSIVE and "2 seed(s) ran" in few.sentence
    assert ABLATION_MIN_SEEDS == 3


@pytest.fixture(scope="module")
def concentrated(tiny_run):
    config = AblateConfig(studies=("concentration",),
                          probe=ProbeConfig(epochs=(1,), iters=60, seeds=1, eval_size=128,
                                            held_out=300))
    return ablate.run(tiny_run, config, quiet=True), layout.RunDir(tiny_run)


@pytest.mark.slow
def test_concentration_sub_run_records_per_sample_numbers_that_add_up(concentrated):
    verdicts, run = concentrated
    output = run.ablation("concentration", "separate")
    endpoints = records.read_jsonl(output.path / layout.ENDPOINTS)
    held_out = next(e for e in endpoints if e["split"] == "held-out")
    per_sample = next(e for e in endpoints if e["split"] == concentration.SPLIT)
    saved = np.load(output.path / ablate.SAMPLES)
    real, fake = concentration.per_sample_losses(saved["epoch1_seed0_real_logits"],
                                                 saved["epoch1_seed0_fake_logits"])
    # The same D, fakes and key as the held-out evaluation: the losses average to its error.
    assert real.mean() + fake.mean() == pytest.approx(held_out["error"], rel=1e-4)
    assert per_sample["fake_share"] == pytest.approx(concentration.worst_share(fake))
    assert per_sample["fake_even_share"] == pytest.approx(2 / 128)
    # The worst fakes are no nearer the training reals than the nearest possible, and the
    # held-out reals (not in D's training set) lie at a positive distance from it.
    assert per_sample["real_median_nn"] > 0
    assert per_sample["fake_worst_nn"] >= saved["epoch1_seed0_fake_nn_distances"].min()
    assert (output.path / concentration_plots.FIGURE.format(epoch=1)).is_file()
    _, (columns, rows), verdict = ablation_views.study_table(run, "concentration")
    assert rows[0][columns.index("worst 1% fakes' share of CE")].startswith(
        f"{per_sample['fake_share']:.3g}")
    assert verdicts["concentration"].verdict == verdict.verdict == concentration.INCONCLUSIVE
    assert "1 seed(s) ran" in verdict.sentence
    figures = [b for b in ablation_views.section(run) if type(b).__name__ == "Figure"]
    assert [f.path for f in figures] == [output.path / concentration_plots.FIGURE.format(epoch=1)]
