"""Figures 1-3 at tiny size: the science must show, G must stay frozen."""

import hashlib
import json
import math
import shutil

import flax.linen as nn
import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.analysis import statistics, summaries
from gandiag.analysis.probe import probe_claims
from gandiag.cli import app
from gandiag.config import DataConfig, ModelConfig, ProbeConfig, TrainConfig
from gandiag.core.networks import Networks
from gandiag.core.probe_step import make_evaluation, make_probe_step, probe_networks
from gandiag.experiments.probe import probe as probes
from gandiag.store import records as metrics
from gandiag.store import schema

SEED_KEYS = {"seed", "iters_to_acc_0.99_train", "final_train_error", "d_fake_start",
             "d_fake_end", "held_out", "costs", "premises"}
COST_KEYS = {"grad_norm_start", "grad_norm_end", "decay_orders", "jitter_growth",
             "jitter_null_low", "jitter_null_high", "tail_index", "kurtosis",
             "growth_after_accurate", "variance_growth", "hill_index"}


@pytest.fixture(scope="module")
def probed(tiny_run):
    """1000 D iterations against the epoch-2 G, both costs: the paper's effects, weakened."""
    summary = probes.run(tiny_run, ProbeConfig(epochs=(2,), iters=1000), "probe", quiet=True)
    return tiny_run, summary


def test_d_becomes_perfect_against_a_frozen_g_on_held_out_data(probed):
    _, summary = probed
    (seed,) = summary.checkpoints[2].seeds
    assert seed.held_out.iters_to_acc_099 is not None and seed.held_out.iters_to_acc_099 <= 500
    assert seed.held_out.correct_at / seed.held_out.count_at >= 0.95
    assert seed.held_out.final_accuracy >= 0.95
    assert summary.held_out == 359  # a fifth of the 1,797 digits, never seen by D


def test_original_cost_gradient_vanishes_while_minus_log_d_does_not(probed):
    _, summary = probed
    (seed,) = summary.checkpoints[2].seeds
    costs = seed.costs
    assert costs["original"].decay_orders.low >= 1.5
    assert costs["minus-log-d"].grad_norm_end >= costs["minus-log-d"].grad_norm_start


def test_theorem_24_bound_holds_wherever_it_applies(probed):
    _, summary = probed
    (seed,) = summary.checkpoints[2].seeds
    premises = seed.premises
    assert premises.bound_checks >= 5 and premises.bound_holds == premises.bound_checks
    assert 0 < premises.epsilon_end < 1 and premises.jacobian_norm_end > 0
    # D(G(z)) falls as D learns: the odds whose fall carries the original cost's decay.
    assert seed.d_fake_end < 0.1 * seed.d_fake_start


def test_probe_outputs_have_the_documented_layout(probed):
    run_dir, summary = probed
    output = run_dir / "probe"
    written = json.loads((output / "summary.json").read_text())
    assert written == {"schema_version": schema.SCHEMA_VERSION, **schema.encode(summary)}
    assert set(written) == {"schema_version", "iters", "held_out", "eval_size", "checkpoints"}
    (block,) = written["checkpoints"]["2"]["seeds"]
    assert set(block) == SEED_KEYS
    assert set(block["costs"]) == {"original", "minus-log-d"}
    assert all(set(numbers) == COST_KEYS for numbers in block["costs"].values())
    curves = metrics.read_jsonl(output / "curves.jsonl")
    assert [r["iter"] for r in curves] == list(range(1, 1001))
    # Iteration i is measured with D after i - 1 updates.
    assert [r["d_updates"] for r in curves[:3]] == [0, 1, 2]
    assert len(curves[0]["projections"]["original"]) == ProbeConfig().directions
    evaluations = metrics.read_jsonl(output / "heldout.jsonl")
    assert {e["d_updates"] for e in evaluations} == probes.evaluation_points(1000)
    assert all(e["count"] == 2 * summary.eval_size for e in evaluations)
    premises = metrics.read_jsonl(output / "premises.jsonl")
    assert [p["d_updates"] for p in premises] == sorted(probes.premise_points(1000))
    for name in ("figure1.png", "figure2.png", "figure3.png"):
        assert (output / name).stat().st_size > 10_000


def test_judge_on_the_probes_log_gives_the_reports_rows(probed):
    """One path: `gandiag judge` on probe/log.csv reads as the report's claims."""
    run_dir, _ = probed
    report = {result.spec.key: result for result in probe_claims.evaluate([run_dir])}
    result = CliRunner().invoke(app, ["judge", str(run_dir / "probe" / "log.csv"), "--json"])
    assert result.exit_code == 0, result.output
    judged = {row["claim"]: row for row in json.loads(result.stdout)}
    if (run_dir / "freeze_g_train_d").exists():  # the report's Figure 1 reads that instead
        del judged["figure1"]
    assert set(judged) >= {"figure2", "figure3-growth", "figure3-jitter", "theorem26"}
    for key, row in judged.items():
        expected = report[key]
        assert (row["verdict"], row["measured"]) == (str(expected.verdict), expected.measured)
        assert [[part["estimate"], *part["interval"]] for part in row["parts"]] == [
            [effect.interval.estimate, effect.interval.low, effect.interval.high]
            for effect in expected.effects]


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
    assert calls == [1, 2] and len(records.curves) == 2 * 2 * 30
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
    assert set(summary["checkpoints"]) == {"1"}
    seeds = summary["checkpoints"]["1"]["seeds"]
    assert len(seeds) == 2 and set(seeds[0]) == SEED_KEYS - {"costs", "premises"} | {"premises"}
    assert (output / "figure1.png").exists() and not (output / "figure2.png").exists()
    config = json.loads((output / "config.json").read_text())
    assert config["d_batching"] == "separate" and config["g_mode"] == "train"


def test_probe_alias_and_bad_epoch(tiny_run):
    runner = CliRunner()
    result = runner.invoke(app, ["probe", "--run-dir", str(tiny_run), "--iters", "20",
                                 "--epochs", "1", "--cost", "wasserstein", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tiny_run / "probe" / "summary.json").read_text())
    assert set(summary["checkpoints"]["1"]["seeds"][0]["costs"]) == {"wasserstein"}
    bad = runner.invoke(app, ["probe", "--run-dir", str(tiny_run), "--epochs", "7"])
    assert bad.exit_code == 2 and "saved epochs: 1, 2" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_running_accuracy_thresholds():
    accuracy = np.r_[np.full(30, 0.5), np.full(100, 1.0)]
    assert summaries.iters_to_reach(accuracy, 0.99) == 30 + summaries.ACCURACY_WINDOW
    assert summaries.iters_to_reach(np.full(100, 0.98), 0.99) is None
    np.testing.assert_allclose(summaries.running_mean([1, 0, 1, 0], window=2), [1, 0.5, 0.5, 0.5])


def test_windows_and_decay_follow_the_spec():
    norms = np.r_[np.full(10, 10.0), np.full(3490, 1.0), np.full(500, 1e-3)]
    start, end = summaries.windows(norms)
    assert (np.median(start), np.median(end)) == (10.0, 1e-3)
    assert statistics.decay_orders(float(np.median(start)), float(np.median(end))) == \
        pytest.approx(4.0)
    assert summaries.end_length(800) == 100


def test_jitter_growth_sees_relative_noise_through_a_trend():
    rng = np.random.default_rng(0)
    level = np.linspace(1.0, 300.0, 4000) ** 0.5 * 20
    rising = level * np.exp(0.05 * rng.normal(size=4000))
    assert statistics.jitter_growth(rising) == pytest.approx(1.0, abs=0.15)
    louder = level * np.exp(0.05 * rng.normal(size=4000) * np.r_[np.ones(3000), np.full(1000, 3.0)])
    assert statistics.jitter_growth(louder) == pytest.approx(9.0, rel=0.2)
    assert math.isnan(statistics.jitter_growth(np.ones(1)))


def test_probes_that_differ_only_in_their_loop_share_one_compiled_step():
    train_config = TrainConfig(data=DataConfig("digits"), model=ModelConfig(ngf=8, ndf=8, nz=16))

    def step_of(probe):
        """As each probe builds it: from its own networks."""
        return make_probe_step(probe_networks(train_config, probe, (16, 16, 1)), probe)

    step = step_of(ProbeConfig(iters=4000))
    assert step_of(ProbeConfig(epochs=(25,), iters=1000, seeds=3, sigmas=(0.0, 2.0))) is step
    assert step_of(ProbeConfig(costs=("original",))) is not step


def test_networks_with_unhashable_attributes_still_key_the_step_caches():
    """A user's module may hold a list (Flax cannot hash it): compared by identity instead."""

    class Listed(nn.Module):
        widths: tuple = ()

        def __call__(self, inputs, train: bool = True):
            return inputs

    generator, discriminator = Listed(widths=[4, 2]), Listed(widths=[2, 4])
    networks = Networks(generator, discriminator, nz=2)
    assert networks == Networks(generator, discriminator, nz=2)
    assert networks != Networks(Listed(widths=[4, 2]), discriminator, nz=2)
    assert make_evaluation(networks, ProbeConfig()) is make_evaluation(
        Networks(generator, discriminator, nz=2), ProbeConfig())


def test_probe_names_a_damaged_checkpoint_in_one_line(tiny_run, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_run, damaged, ignore=shutil.ignore_patterns("probe", "freeze*", "noise*"))
    folder = damaged / "checkpoints" / "epoch" / "2" / "generator"
    target = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    result = CliRunner().invoke(app, ["probe", "--run-dir", str(damaged), "--iters", "20",
                                      "--quiet"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "epoch 2 checkpoint" in lines[0] and "damaged" in lines[0]
