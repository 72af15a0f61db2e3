"""`gandiag train` end to end at tiny size: outputs, checkpoints, resume, failures."""

import dataclasses
import json
import shutil
import signal

import jax
import numpy as np
import pytest

from gandiag.config import DataConfig, ModelConfig, TrainConfig
from gandiag.core.state import create_state
from gandiag.core.steps import make_train_step
from gandiag.errors import GandiagError
from gandiag.experiments.monitor.live import MONITOR_BATCH
from gandiag.experiments.train import train
from gandiag.store import fetch
from gandiag.store import records as metrics
from gandiag.store.checkpoints import Checkpoints

TINY = TrainConfig(data=DataConfig("digits"), model=ModelConfig(nz=16, ngf=8, ndf=8),
                   epochs=3, batch_size=64, save_epochs=(1, 2))
# The monitor (on by default) keeps the digits' last MONITOR_BATCH examples from training.
TRAINED = 1797 - MONITOR_BATCH
STEPS_PER_EPOCH = TRAINED // 64


@pytest.fixture(autouse=True)
def _runs_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(tmp_path / "runs"))


def _final_state(run_dir, config=TINY):
    state = create_state(train.resolve(config), (16, 16, 1))
    return Checkpoints(run_dir, read_only=True).restore_latest(state)[0]


def _assert_same_tree(a, b):
    for leaf_a, leaf_b in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b),
                              strict=True):
        np.testing.assert_array_equal(np.asarray(leaf_a), np.asarray(leaf_b))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "whole"
    result = train.run(TINY, run_dir, quiet=True)
    return run_dir, result


def test_run_writes_config_metrics_checkpoints_and_samples(uninterrupted):
    run_dir, result = uninterrupted
    assert result.steps == 3 * STEPS_PER_EPOCH and result.interrupted is None
    config = json.loads((run_dir / "config.json").read_text())
    assert config["save_epochs"] == [1, 2, 3] and config["data"]["image_size"] == 16
    records = metrics.read_jsonl(run_dir / "metrics.jsonl")
    assert [r["step"] for r in records] == list(range(1, 3 * STEPS_PER_EPOCH + 1))
    expected = {"step", "epoch", "d_loss", "g_loss", "d_real", "d_fake", "d_accuracy",
                "g_grad_norm", "d_grad_norm", "instance_noise"}
    assert expected <= set(records[0])
    assert records[-1]["epoch"] == 3 and records[STEPS_PER_EPOCH]["epoch"] == 2
    assert all(np.isfinite(r["d_loss"]) and 0 <= r["d_accuracy"] <= 1 for r in records)
    assert Checkpoints(run_dir, read_only=True).saved_epochs() == [1, 2, 3]
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == [
        "epoch_0001.png", "epoch_0002.png", "epoch_0003.png"]


def test_generator_restores_alone_by_epoch_and_training_changed_it(uninterrupted):
    run_dir, _ = uninterrupted
    template = create_state(train.resolve(TINY), (16, 16, 1))
    checkpoints = Checkpoints(run_dir, read_only=True)
    generator = template.g.variables
    epoch1, meta1 = checkpoints.restore_generator(1, generator)
    epoch3, meta3 = checkpoints.restore_generator(3, generator)
    assert (meta1["epoch"], meta1["step"]) == (1, STEPS_PER_EPOCH)
    assert meta3["step"] == 3 * STEPS_PER_EPOCH and meta3["config"]["cost"] == "minus-log-d"
    difference = jax.tree_util.tree_map(lambda a, b: float(np.abs(a - b).max()),
                                        epoch1["params"], epoch3["params"])
    assert max(jax.tree_util.tree_leaves(difference)) > 1e-3
    with pytest.raises(GandiagError, match="epoch 5 has no checkpoint; saved epochs: 1, 2, 3"):
        checkpoints.restore_generator(5, generator)


def test_ctrl_c_then_resume_is_bitwise_an_uninterrupted_run(uninterrupted, tmp_path, monkeypatch):
    run_dir, _ = uninterrupted
    interrupted_dir = tmp_path / "interrupted"
    real_fetch = fetch.fetch

    def fetch_then_ctrl_c(pending):
        records = real_fetch(pending)
        if records[-1]["step"] >= STEPS_PER_EPOCH + 10:
            signal.raise_signal(signal.SIGINT)
        return records

    monkeypatch.setattr(fetch, "fetch", fetch_then_ctrl_c)
    first = train.run(TINY, interrupted_dir, quiet=True)
    assert first.interrupted == "SIGINT" and first.steps < 3 * STEPS_PER_EPOCH
    monkeypatch.setattr(fetch, "fetch", real_fetch)
    second = train.run(TINY, interrupted_dir, resume=True, quiet=True)
    assert first.steps + second.steps == 3 * STEPS_PER_EPOCH
    _assert_same_tree(_final_state(run_dir), _final_state(interrupted_dir))
    assert (metrics.read_jsonl(run_dir / "metrics.jsonl")
            == metrics.read_jsonl(interrupted_dir / "metrics.jsonl"))


def test_killed_run_resumes_from_its_last_epoch_checkpoint(uninterrupted, tmp_path, monkeypatch):
    run_dir, _ = uninterrupted
    killed_dir = tmp_path / "killed"
    real_fetch = fetch.fetch

    def fetch_then_die(pending):
        records = real_fetch(pending)
        if records[-1]["step"] > 2 * STEPS_PER_EPOCH:
            raise SystemExit("killed")  # nothing is saved on the way out, as with SIGKILL
        return records

    monkeypatch.setattr(fetch, "fetch", fetch_then_die)
    with pytest.raises(SystemExit):
        train.run(TINY, killed_dir, quiet=True)
    monkeypatch.setattr(fetch, "fetch", real_fetch)
    resumed = train.run(TINY, killed_dir, resume=True, quiet=True)
    assert resumed.steps == STEPS_PER_EPOCH  # the last epoch again, from its start
    _assert_same_tree(_final_state(run_dir), _final_state(killed_dir))


def test_existing_run_is_refused_without_resume_or_overwrite(uninterrupted, tmp_path):
    run_dir, _ = uninterrupted
    with pytest.raises(GandiagError, match="already holds a run; pass --resume"):
        train.run(TINY, run_dir, quiet=True)
    other = dataclasses.replace(TINY, cost="original")
    with pytest.raises(GandiagError, match=r"a different config \(cost\)"):
        train.run(other, run_dir, quiet=True)
    with pytest.raises(GandiagError, match="its config differs in cost"):
        train.run(other, run_dir, resume=True, quiet=True)


def test_nan_loss_stops_with_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    exploding = dataclasses.replace(TINY, optimizer=dataclasses.replace(TINY.optimizer, lr=1e30),
                                    epochs=2)
    with pytest.raises(GandiagError, match=r"non-finite at step \d+") as error:
        train.run(exploding, tmp_path / "nan", quiet=True)
    assert "\n" not in str(error.value)
    records = metrics.read_jsonl(tmp_path / "nan" / "metrics.jsonl")
    assert all(np.isfinite(r["d_loss"]) and np.isfinite(r["g_loss"]) for r in records)


def test_toy_data_trains_with_mlps(tmp_path):
    config = TrainConfig(data=DataConfig("ring"), model=ModelConfig(nz=2, ngf=16, ndf=16),
                         epochs=1, batch_size=256)
    result = train.run(config, tmp_path / "ring", quiet=True)
    assert result.steps == (10_000 - MONITOR_BATCH) // 256
    assert (tmp_path / "ring" / "samples" / "epoch_0001.png").stat().st_size > 1000


def test_the_step_compiles_once_for_the_whole_run(tmp_path, monkeypatch):
    """Same shapes every step (the ragged last batch is dropped): one compilation."""
    compiled = []

    def capture(*args, **kwargs):
        compiled.append(make_train_step(*args, **kwargs))
        return compiled[-1]

    monkeypatch.setattr(train, "make_train_step", capture)
    config = dataclasses.replace(TINY, epochs=2, batch_size=100)  # 1669 = 16 * 100 + 69
    result = train.run(config, tmp_path / "run", quiet=True)
    assert result.steps == 2 * (TRAINED // 100)
    assert compiled[0]._cache_size() == 1


def _damage(folder, how="overwrite"):
    """Overwrite 64 bytes in the middle of (or truncate) the largest file under ``folder``."""
    target = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    data = bytearray(target.read_bytes())
    if how == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
    target.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["overwrite", "truncate"])
def test_resume_skips_damaged_checkpoints_to_the_last_good_epoch(uninterrupted, tmp_path, how,
                                                                 capsys):
    """Latest and epoch-3 checkpoints damaged: resume redoes epoch 3 from epoch 2, bitwise.

    Overwritten bytes are not noticed by Orbax (OCDBT keeps no checksum of array data):
    only the digests written with each checkpoint catch them.
    """
    run_dir, _ = uninterrupted
    damaged = tmp_path / "damaged"
    shutil.copytree(run_dir, damaged)
    _damage(next((damaged / "checkpoints" / "latest").iterdir()) / "discriminator", how)
    _damage(damaged / "checkpoints" / "epoch" / "3" / "generator", how)
    resumed = train.run(TINY, damaged, resume=True, quiet=True)
    assert resumed.steps == STEPS_PER_EPOCH
    warnings = [line for line in capsys.readouterr().err.splitlines() if "damaged" in line]
    assert len(warnings) == 2 and "latest" in warnings[0] and "epoch 3" in warnings[1]
    _assert_same_tree(_final_state(run_dir), _final_state(damaged))
    assert (metrics.read_jsonl(run_dir / "metrics.jsonl")
            == metrics.read_jsonl(damaged / "metrics.jsonl"))


def test_a_damaged_generator_is_named_not_used(uninterrupted, tmp_path):
    run_dir, _ = uninterrupted
    damaged = tmp_path / "damaged"
    shutil.copytree(run_dir, damaged)
    _damage(damaged / "checkpoints" / "epoch" / "2" / "generator")
    template = create_state(train.resolve(TINY), (16, 16, 1))
    generator = template.g.variables
    checkpoints = Checkpoints(damaged, read_only=True)
    with pytest.raises(GandiagError, match=r"epoch 2 checkpoint of .* is damaged"):
        checkpoints.restore_generator(2, generator)
    checkpoints.restore_generator(1, generator)  # the others still read
