"""Figures 1-3 at tiny size: the science must show, G must stay frozen."""

import hashlib
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.analysis import summaries
from gandiag.cli import app
from gandiag.config import DataConfig, ModelConfig, ProbeConfig, TrainConfig
from gandiag.core.probe_step import make_probe_step
from gandiag.experiments import frozen as probes
from gandiag.store import records as metrics
from gandiag.store import schema

SUMMARY_KEYS = {"iters_to_acc_0.99", "iters_to_acc_0.999", "final_error", "final_accuracy"}
COST_KEYS = {"grad_norm_start", "grad_norm_end", "decay_orders", "variance_growth",
             "tail_index", "kurtosis"}


@pytest.fixture(scope="module")
def probed(tiny_run):
    """1000 D iterations against the epoch-2 G, both costs: the paper's effects, weakened."""
    summary = probes.run(tiny_run, ProbeConfig(epochs=(2,), iters=1000), "probe", quiet=True)
    return tiny_run, summary


def test_d_becomes_perfect_against_a_frozen_g(probed):
    _, summary = probed
    block = summary.checkpoints[2]
    assert block.iters_to_acc_099 is not None and block.iters_to_acc_099 <= 500
    assert block.final_accuracy >= 0.95


def test_original_cost_gradient_vanishes_while_minus_log_d_does_not(probed):
    _, summary = probed
    costs = summary.checkpoints[2].costs
    assert costs["original"].decay_orders >= 1.5
    assert costs["minus-log-d"].grad_norm_end >= costs["minus-log-d"].grad_norm_start


def test_probe_outputs_have_the_documented_layout(probed):
    run_dir, summary = probed
    output = run_dir / "probe"
    written = json.loads((output / "summary.json").read_text())
    assert written == {"schema_version": schema.SCHEMA_VERSION, **schema.encode(summary)}
    assert set(written) == {"schema_version", "checkpoints"}
    block = written["checkpoints"]["2"]
    assert set(block) == SUMMARY_KEYS | {"costs"}
    assert set(block["costs"]) == {"original", "minus-log-d"}
    assert all(set(numbers) == COST_KEYS for numbers in block["costs"].values())
    curves = metrics.read_jsonl(output / "curves.jsonl")
    assert [r["iter"] for r in curves] == list(range(1, 1001))
    assert len(curves[0]["projections"]["original"]) == ProbeConfig().directions
    for name in ("figure1.png", "figure2.png", "figure3.png"):
        assert (output / name).stat().st_size > 10_000


def _digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_freeze_g_train_d_leaves_g_bitwise_unchanged(tiny_run, monkeypatch):
    before = _digest(tiny_run / "checkpoints")
    config = ProbeConfig(iters=30, costs=(), seeds=2)
    experiment = probes.prepare(tiny_run, config, "freeze_g_train_d")
    generator = probes.restore_generator(experiment, 1)
    copies = {k: np.asarray(v).copy() for k, v in _flat(generator).items()}
    calls = []
    real_restore = probes.restore_generator
    monkeypatch.setattr(probes, "restore_generator",
                        lambda exp, epoch: calls.append(epoch) or generator)
    records = probes.run_curves(experiment, quiet=True)
    monkeypatch.setattr(probes, "restore_generator", real_restore)
    assert calls == [1, 2] and len(records) == 2 * 2 * 30
    for name, value in _flat(generator).items():
        np.testing.assert_array_equal(np.asarray(value), copies[name])
    for name, value in _flat(probes.restore_generator(experiment, 1)).items():
        np.testing.assert_array_equal(np.asarray(value), copies[name])
    assert _digest(tiny_run / "checkpoints") == before


def _flat(tree, prefix=""):
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _flat(sub, f"{prefix}/{key}").items()}
    return {prefix: tree}


@pytest.mark.parametrize("command", ["freeze-G-train-D", "freeze-g-train-d"])
def test_freeze_g_train_d_cli_writes_figure1_and_summary(tiny_run, command):
    result = CliRunner().invoke(app, [command, "--run-dir", str(tiny_run), "--iters", "40",
                                      "--epochs", "1", "--seeds", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    output = tiny_run / "freeze_g_train_d"
    summary = json.loads((output / "summary.json").read_text())
    assert set(summary["checkpoints"]) == {"1"} and set(summary["checkpoints"]["1"]) == SUMMARY_KEYS
    assert (output / "figure1.png").exists() and not (output / "figure2.png").exists()
    config = json.loads((output / "config.json").read_text())
    assert config["d_batching"] == "separate" and config["g_mode"] == "train"


def test_probe_alias_and_bad_epoch(tiny_run):
    runner = CliRunner()
    result = runner.invoke(app, ["probe", "--run-dir", str(tiny_run), "--iters", "20",
                                 "--epochs", "1", "--cost", "wasserstein", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tiny_run / "probe" / "summary.json").read_text())
    assert set(summary["checkpoints"]["1"]["costs"]) == {"wasserstein"}
    bad = runner.invoke(app, ["probe", "--run-dir", str(tiny_run), "--epochs", "7"])
    assert bad.exit_code == 2 and "saved epochs: 1, 2" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_running_accuracy_thresholds():
    accuracy = np.r_[np.full(30, 0.5), np.full(100, 1.0)]
    assert summaries.iters_to_reach(accuracy, 0.99) == 30 + summaries.ACCURACY_WINDOW
    assert summaries.iters_to_reach(np.full(100, 0.98), 0.99) is None
    np.testing.assert_allclose(summaries.running_mean([1, 0, 1, 0], window=2), [1, 0.5, 0.5, 0.5])


def test_start_end_and_decay_follow_the_definitions():
    norms = np.r_[np.full(50, 10.0), np.full(3450, 1.0), np.full(500, 1e-3)]
    start, end = summaries.start_end(norms)
    assert (start, end) == (10.0, 1e-3)
    assert summaries.decay_orders(start, end) == pytest.approx(4.0)
    assert summaries.end_length(800) == 100
    growing = np.r_[np.ones(100) + 0.1 * np.sin(np.arange(100)), 1 + np.sin(np.arange(100))]
    assert summaries.variance_growth(growing) == pytest.approx(100.0, rel=0.05)


def test_jitter_growth_sees_noise_through_a_trend():
    rng = np.random.default_rng(0)
    rising = np.linspace(1.0, 300.0, 4000) ** 0.5 * 20 + rng.normal(0, 1.0, 4000)
    # The steep early rise fills the first quarter's variance; the noise is the same.
    assert summaries.variance_growth(rising) < 0.5
    assert summaries.jitter_growth(rising) == pytest.approx(1.0, abs=0.15)
    louder = rising + rng.normal(0, 1.0, 4000) * np.r_[np.zeros(3000), np.full(1000, 3.0)]
    assert summaries.jitter_growth(louder) == pytest.approx(10.0, rel=0.2)
    assert math.isnan(summaries.jitter_growth(np.ones(1)))


def test_tail_index_and_kurtosis_tell_gaussian_from_cauchy():
    rng = np.random.default_rng(0)
    gaussian, cauchy = rng.normal(size=(2000, 8)), rng.standard_cauchy(size=(2000, 8))
    assert summaries.stable_alpha(gaussian) == pytest.approx(2.0, abs=0.1)
    assert summaries.stable_alpha(cauchy) == pytest.approx(1.0, abs=0.1)
    assert abs(summaries.excess_kurtosis(gaussian)) < 0.3
    assert summaries.excess_kurtosis(cauchy) > 50


def test_probes_that_differ_only_in_their_loop_share_one_compiled_step():
    train_config = TrainConfig(data=DataConfig("digits"), model=ModelConfig(ngf=8, ndf=8, nz=16))
    step = make_probe_step(train_config, ProbeConfig(iters=4000), (16, 16, 1))
    noisy = ProbeConfig(epochs=(25,), iters=1000, seeds=3, sigmas=(0.0, 2.0))
    assert make_probe_step(train_config, noisy, (16, 16, 1)) is step
    other_costs = ProbeConfig(costs=("original",))
    assert make_probe_step(train_config, other_costs, (16, 16, 1)) is not step
