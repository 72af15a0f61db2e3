"""`gandiag ablate`'s length-optimiser and resolution studies: the slope rule, its null
calibration, the variants, and both studies' mechanics on a tiny model."""

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from gandiag.analysis.ablate import length_rule, registry, study_verdicts
from gandiag.analysis.ablate.registry import Context, Variant
from gandiag.analysis.spec import (
    ABLATION_LENGTH_SGD_LR,
    ABLATION_LENGTH_SLOPE,
    ABLATION_MIN_SEEDS,
    ABLATION_NULL_RATE,
)
from gandiag.config import AblateConfig, ProbeConfig
from gandiag.core.state import optimizer_of
from gandiag.errors import GandiagError
from gandiag.experiments.ablate import ablate
from gandiag.experiments.probe.probe import evaluation_points
from gandiag.store import layout, records
from gandiag.views.ablate import ablate_section as ablation_views


def _ar1(rng, trials: int, points: int, sd: float, coefficient: float) -> np.ndarray:
    """Stationary AR(1) noise of marginal standard deviation ``sd``: (trials, seeds, points)."""
    shocks = rng.normal(size=(trials, ABLATION_MIN_SEEDS, points)) * sd
    noise = np.empty_like(shocks)
    noise[..., 0] = shocks[..., 0]
    for i in range(1, points):
        noise[..., i] = (coefficient * noise[..., i - 1]
                         + np.sqrt(1 - coefficient**2) * shocks[..., i])
    return noise


def _verdicts(d_updates, log10_errors, iters: int, family: int = 1) -> list[str]:
    """The rule's label for each trial of (trials, seeds, points) log10 cross-entropies."""
    labels = []
    for trial in log10_errors:
        fits = [length_rule.error_slope(d_updates, 10.0 ** curve, iters) for curve in trial]
        labels.append(length_rule.classify(study_verdicts.Spread.of([f[0] for f in fits]),
                                           family))
    return labels


@pytest.mark.parametrize("iters", [2000, 20_000])
def test_slope_rule_rarely_calls_a_flat_curve_falling_and_finds_a_real_fall(iters):
    # A study of 4 cells (the preset's 4 variants at one epoch): each cell at 5% / 4, so
    # one of them reads KEEPS FALLING by chance at most 5% of the time, also for a slope
    # exactly at the threshold (the old every-seed rule: 8.5-11.7% a cell there).
    family, rng = 4, np.random.default_rng(0)
    d_updates = np.array(sorted(evaluation_points(iters)), float)
    trials = 1000 if iters == 2000 else 200
    allowed = ABLATION_NULL_RATE / family
    # Monte-Carlo allowance: 3 standard errors, for the 12 rates checked here (3,000 draws
    # a setting put each cell's rate at 1.0-1.6% for the nominal 1.25%).
    allowed += 3 * np.sqrt(allowed * (1 - allowed) / trials)
    for sd, coefficient in ((0.1, 0.5), (0.3, 0.5), (0.3, 0.8), (0.1, 0.95)):
        flat = -3 + _ar1(rng, trials, d_updates.size, sd, coefficient)
        labels = _verdicts(d_updates, flat, iters, family)
        assert labels.count(length_rule.FALLING) / trials <= allowed
        boundary = flat + ABLATION_LENGTH_SLOPE * d_updates / 1000
        for label in (length_rule.FALLING, length_rule.PLATEAU):
            assert _verdicts(d_updates, boundary, iters, family).count(label) / trials <= allowed
        if iters == 20_000 and coefficient == 0.5:
            # A flat curve this long is called a plateau, and a fall of twice the threshold
            # is found (the statistic can fail either way).
            assert labels.count(length_rule.PLATEAU) / trials > 0.9
            falling = flat + 2 * ABLATION_LENGTH_SLOPE * d_updates / 1000
            assert (_verdicts(d_updates, falling, iters, family).count(length_rule.FALLING)
                    / trials > 0.9)


def test_slope_is_in_orders_per_thousand_updates_over_the_last_half():
    d_updates = np.arange(0, 4001, 100)
    # Flat for the first half, then a fall of 0.5 orders per 1,000 updates.
    log10 = np.where(d_updates < 2000, -2.0, -2.0 - 0.5 * (d_updates - 2000) / 1000)
    slope, slope_se = length_rule.error_slope(d_updates, 10.0**log10, 4000)
    assert slope == pytest.approx(-0.5) and slope_se == pytest.approx(0, abs=1e-9)
    # A cross-entropy that underflows to 0 sits at the floor: a plateau, not -inf.
    slope, _ = length_rule.error_slope(d_updates, np.zeros(d_updates.size), 4000)
    assert slope == 0


def _evaluations(seed_slopes, iters=4000, noise=0.02):
    rng = np.random.default_rng(1)
    return [{"epoch": 25, "seed": seed, "sigma": 0.0, "d_updates": int(step),
             "error": float(10 ** (-2 + slope * step / 1000 + noise * rng.normal()))}
            for seed, slope in enumerate(seed_slopes) for step in sorted(evaluation_points(iters))]


def _cell(variant, seed_slopes, held_out_error):
    values = {"held_out_error": held_out_error, "decay_original": [1.0, 1.1, 1.2],
              "iters_to_099": [None] * 3,
              **length_rule.seed_values(_evaluations(seed_slopes), 25, 4000)}
    return study_verdicts.cell(variant, 25, values)


def test_length_verdict_follows_the_curves():
    falling = length_rule.judge("length-optimiser", "separate-4000-iters", [
        _cell("separate-4000-iters", [-0.5, -0.45, -0.6], [1e-3, 1.2e-3, 0.9e-3]),
        _cell("sgd-lr-0.01", [0.0, 0.01, -0.02], [0.3, 0.35, 0.4])])
    assert falling.verdict == "epoch 25 KEEPS FALLING"
    assert "sgd-lr-0.01 at epoch 25: PLATEAU" in falling.sentence
    assert [(e.variant, e.metric) for e in falling.effects] == [("sgd-lr-0.01",
                                                                 "held_out_error")]
    flat = length_rule.judge("length-optimiser", "separate-4000-iters", [
        _cell("separate-4000-iters", [0.01, -0.02, 0.0], [1e-3, 1.2e-3, 0.9e-3])])
    assert flat.verdict == "epoch 25 PLATEAU"
    split = length_rule.judge("length-optimiser", "separate-4000-iters", [
        _cell("separate-4000-iters", [-0.5, 0.0, -0.4], [1e-3, 1.2e-3, 0.9e-3])])
    assert split.verdict == "epoch 25 INCONCLUSIVE"


def test_sgd_variant_takes_plain_gradient_steps():
    sgd = registry.variants("length-optimiser", AblateConfig(), Context(10_000))[-1]
    tx = optimizer_of(sgd.probe.optimizer)
    params = {"w": jnp.array([1.0, -2.0])}
    gradient = {"w": jnp.array([0.5, 4.0])}
    updates, _ = tx.update(gradient, tx.init(params), params)
    np.testing.assert_allclose(updates["w"], -ABLATION_LENGTH_SGD_LR * gradient["w"])
    adam = optimizer_of(registry.variants("length-optimiser", AblateConfig(),
                                          Context(10_000))[0].probe.optimizer)
    adam_updates, _ = adam.update(gradient, adam.init(params), params)
    assert not np.allclose(adam_updates["w"], updates["w"])


def test_length_and_resolution_variants():
    config = AblateConfig(length_iters=2000)
    length = registry.variants("length-optimiser", config, Context(10_000))
    assert [v.name for v in length] == ["separate-2000-iters", "adam-lr-1e-3", "adam-beta1-0.9",
                                        f"sgd-lr-{ABLATION_LENGTH_SGD_LR:g}"]
    baseline = registry.variants("normalisation", config, Context(10_000))[0].probe
    # The baseline is the other studies' baseline at this study's length.
    assert length[0].probe == dataclasses.replace(baseline, iters=2000)
    assert {v.probe.optimizer.name for v in length} == {"adam", "sgd"}
    resolution = registry.variants("resolution", config, Context(
        10_000, image_size=32, dataset="mnist", image_sizes=(16, 32, 64)))
    assert [(v.name, v.image_size) for v in resolution] == [("32px", 0), ("16px", 16),
                                                            ("64px", 64)]
    with pytest.raises(GandiagError, match="resolution size 64 is not available for digits; "
                                           "choose sizes from: 16, 32"):
        registry.variants("resolution", config, Context(1497, image_size=16, dataset="digits",
                                                        image_sizes=(16, 32)))


@pytest.fixture(scope="module")
def ablated(tiny_run):
    # The probe of tests/test_ablate.py's fixture: the length baseline's compiled probe step
    # is then reused from its cache when both files run in one session (make test).
    config = AblateConfig(
        studies=("length-optimiser", "resolution"), length_iters=120, resolution_sizes=(16, 32),
        variants=("separate-120-iters", "16px", "32px"),
        probe=ProbeConfig(epochs=(1,), iters=120, seeds=1, eval_size=128, held_out=300),
        workers=0)
    return ablate.run(tiny_run, config, quiet=True), layout.RunDir(tiny_run), config


@pytest.mark.slow
def test_length_and_resolution_run_a_sub_run_per_variant(ablated):
    verdicts, run, _ = ablated
    assert set(verdicts) == {"length-optimiser", "resolution"}
    for study, variants in (("length-optimiser", ("separate-120-iters",)),
                            ("resolution", ("16px", "32px"))):
        _, (columns, rows), verdict = ablation_views.study_table(run, study)
        assert [row[:2] for row in rows] == [[v, 1] for v in variants]
        assert all(len(row) == len(columns) for row in rows)
        assert verdict.verdict.endswith(study_verdicts.INCONCLUSIVE)  # one D seed
    # The length table's slope is that of the variant's own held-out evaluations.
    header, rows = ablation_views.study_table(run, "length-optimiser")[1]
    baseline = run.ablation("length-optimiser", "separate-120-iters")
    evaluations = records.read_jsonl(baseline.heldout)
    slope, _ = length_rule.error_slope([e["d_updates"] for e in evaluations],
                                           [e["error"] for e in evaluations], 120)
    assert rows[0][header.index("held-out CE slope, last half (orders/1k updates)")] == (
        study_verdicts.Spread.of([slope]).text())
    # The run's own side reuses the identical length baseline, copied.
    assert (records.read_jsonl(run.ablation("resolution", "16px").curves)
            == records.read_jsonl(baseline.curves))


@pytest.mark.slow
def test_resolution_trains_a_g_at_the_other_side_once(ablated, tiny_run):
    _, run, config = ablated
    trained = layout.RunDir(run.ablation_study("resolution") / "train-32")
    settings = records.read_json(trained.config)
    assert settings["data"]["image_size"] == 32 and settings["epochs"] == 1
    assert records.read_json(run.config)["data"]["image_size"] == 16
    # A second ablate reuses the trained G (its metrics untouched) and the probes.
    stamp = trained.metrics.stat().st_mtime_ns
    ablate.run(tiny_run, config, quiet=True)
    assert trained.metrics.stat().st_mtime_ns == stamp
    # The 32px variant probed the G trained at 32 pixels, not the run's own.
    assert (records.read_jsonl(run.ablation("resolution", "32px").curves)
            != records.read_jsonl(run.ablation("resolution", "16px").curves))


@pytest.mark.parametrize("options, message", [
    (["--study", "resolution", "--epochs", "1", "--resolution-sizes", "16,64"],
     "resolution size 64 is not available for digits; choose sizes from: 16, 32"),
    (["--study", "length-optimiser", "--length-iters", "0"], "length iters must be positive")])
def test_bad_sizes_and_lengths_are_one_line_errors(tiny_run, options, message):
    from typer.testing import CliRunner

    from gandiag.cli.commands import app

    result = CliRunner().invoke(app, ["ablate", str(tiny_run), *options])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (layout.RunDir(tiny_run).ablation_study("resolution") / "train-64").exists()


def test_a_study_with_its_own_epochs_probes_only_those(tiny_run):
    # The length-optimiser preset probes epoch 25 only while the other studies probe 1 and
    # 25: the variant's epochs, not the run's probe's, choose the Gs.
    from gandiag.experiments.ablate import resolution
    from gandiag.experiments.probe import probe as probing

    base = probing.prepare(tiny_run, ProbeConfig(epochs=(1, 2), iters=2), layout.PROBE)
    own = Variant("own", dataclasses.replace(base.probe, epochs=(2,)))
    assert resolution.source(base, "length-optimiser", own, quiet=True).epochs == (2,)
    same = Variant("same", base.probe)
    assert resolution.source(base, "length-optimiser", same, quiet=True) is base
