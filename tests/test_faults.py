"""Faults that strike a run from outside: a second writer, a full disk, a cut-off record.

Quick cases, part of `make test`. The kill -9 trials are in test_kills.py (`make faults`).
"""

import errno
import os
import shutil
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import DataConfig, ModelConfig, TrainConfig
from gandiag.core.state import create_state
from gandiag.errors import GandiagError
from gandiag.experiments.monitor.live import MONITOR_BATCH
from gandiag.experiments.train import train
from gandiag.store import locks, records
from gandiag.store.checkpoints import Checkpoints

TINY = TrainConfig(data=DataConfig("digits"), model=ModelConfig(nz=16, ngf=8, ndf=8),
                   epochs=2, batch_size=64, save_epochs=(1,))
TINY_FLAGS = ["--epochs", "2", "--ngf", "8", "--ndf", "8", "--nz", "16", "--save-epochs", "1",
              "--quiet"]
# The monitor (on by default) keeps the digits' last MONITOR_BATCH examples from training.
STEPS_PER_EPOCH = (1797 - MONITOR_BATCH) // 64


def one_line_error(result, *names):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


def test_a_second_writer_is_refused_until_the_first_dies(tmp_path):
    run_dir = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from gandiag.store import locks\n"
         f"with locks.hold({str(run_dir)!r}):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(app, ["train", *TINY_FLAGS, "--run-dir", str(run_dir)])
        one_line_error(result, str(run_dir), f"pid {holder.pid}", "in use")
        assert not (run_dir / "config.json").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel released it with the killed process, and it is re-entrant in one process.
    with locks.hold(run_dir), locks.hold(run_dir):
        assert (run_dir / ".lock").read_text() == str(os.getpid())


def test_a_read_only_run_dir_is_one_line(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "run")):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    result = CliRunner().invoke(app, ["train", *TINY_FLAGS, "--run-dir", str(tmp_path / "run")])
    one_line_error(result, "Read-only file system", str(tmp_path / "run"))


class FullDisk:
    """A file whose writes fail with ENOSPC once ``room`` characters are written."""

    def __init__(self, file, room: int):
        self.file, self.room = file, room

    def write(self, text: str) -> int:
        if len(text) > self.room:
            self.file.write(text[: self.room])  # a partial line, as a real full disk leaves
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(text)
        return self.file.write(text)

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()


@pytest.mark.slow
def test_a_full_disk_mid_run_loses_nothing_saved(tmp_path, monkeypatch):
    """ENOSPC while appending metrics in epoch 2: one line; epoch 1's checkpoint and
    records are intact, and once there is room --resume finishes bitwise as if never cut."""
    whole = train.run(TINY, tmp_path / "whole", quiet=True).run_dir
    run_dir = tmp_path / "full"
    real_init = records.JsonlWriter.__init__
    # Room for epoch 1 and a few lines more, in lines of the usual length (the monitor's
    # rows, after step 1 and the last step, are longer).
    lengths = sorted(map(len, (whole / "metrics.jsonl").read_text().splitlines()))
    room = lengths[len(lengths) // 2] * (STEPS_PER_EPOCH + 5)

    def tiny_disk(self, path, keep_until_step=None):
        real_init(self, path, keep_until_step)
        self._file = FullDisk(self._file, room)

    monkeypatch.setattr(records.JsonlWriter, "__init__", tiny_disk)
    with pytest.raises(GandiagError, match=r"No space left on device.*intact.*--resume"):
        train.run(TINY, run_dir, quiet=True)
    monkeypatch.setattr(records.JsonlWriter, "__init__", real_init)
    assert Checkpoints(run_dir, read_only=True).saved_epochs() == [1]
    steps = [r["step"] for r in records.read_jsonl(run_dir / "metrics.jsonl")]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= STEPS_PER_EPOCH
    train.run(TINY, run_dir, resume=True, quiet=True)
    assert (records.read_jsonl(run_dir / "metrics.jsonl")
            == records.read_jsonl(whole / "metrics.jsonl"))
    template = create_state(train.resolve(TINY), (16, 16, 1))
    final = [Checkpoints(path, read_only=True).restore_latest(template)[0].g.params
             for path in (whole, run_dir)]
    for a, b in zip(*map(jax.tree_util.tree_leaves, final), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_record_cut_short_is_dropped_with_a_warning(tmp_path, capsys):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1}\n{"step": 2}\n{"step": 3, "d_lo')
    assert records.read_jsonl(path) == [{"step": 1}, {"step": 2}]
    assert "cut short" in capsys.readouterr().err
    path.write_text('{"step": 1}\n{"ste\n{"step": 3}\n')  # damage inside: an error
    with pytest.raises(GandiagError, match="line 2"):
        records.read_jsonl(path)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="needs root to mount")
def test_a_really_full_disk_is_one_line(tmp_path):
    """A tmpfs sized so that epoch 1 fits and epoch 2's checkpoint does not.

    Its size is measured, not guessed: a 1-epoch run on a roomy tmpfs gives the bytes
    epoch 1 takes; the tmpfs is then shrunk to that plus ROOM, less than one more
    checkpoint (a fixed 1 MB let epoch 2 fit now and then, when Orbax freed the previous
    "latest" checkpoint before writing the next).
    """
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        one_epoch = [flag if flag != "2" else "1" for flag in TINY_FLAGS]
        subprocess.run([sys.executable, "-m", "gandiag", "train", *one_epoch, "--run-dir",
                        str(mount / "probe-size")], check=True, capture_output=True)
        stats = os.statvfs(mount)
        used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
        checkpoint = sum(f.stat().st_size for f in (mount / "probe-size" / "checkpoints" /
                                                    "epoch").rglob("*") if f.is_file())
        shutil.rmtree(mount / "probe-size")
        room = 2 * checkpoint // 3  # over Orbax's transient write space, under a checkpoint
        subprocess.run(["mount", "-o", f"remount,size={used + room}", str(mount)], check=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "gandiag", "train", *TINY_FLAGS,
                                 "--run-dir", str(mount / "run")], capture_output=True, text=True)
        assert result.returncode == 2, result.stderr[-2000:]
        lines = [line for line in result.stderr.splitlines() if not line.startswith("warning")]
        assert len(lines) == 1 and "intact" in lines[0], result.stderr[-2000:]
        assert Checkpoints(mount / "run", read_only=True).saved_epochs() == [1]
        assert time.perf_counter() - started < 120
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_run_written_before_a_new_config_field_resumes_and_compares_as_equal(tmp_path):
    # config.json of an older gandiag lacks fields added since (here D's optimiser name);
    # read with their defaults it is the same config, so --resume and compare accept it.
    from gandiag.config import TrainConfig, to_dict
    from gandiag.store import layout, records, runs

    config = to_dict(TrainConfig())
    older = {**config, "optimizer": {k: v for k, v in config["optimizer"].items()
                                     if k != "name"}}
    run_dir = tmp_path / "old"
    run_dir.mkdir()
    records.write_json(layout.RunDir(run_dir).config, older)
    assert runs.read_train_config(run_dir) == config
    assert runs.prepare(run_dir, config, resume=True, overwrite=False)
    records.write_json(layout.RunDir(run_dir).config, {**older, "seed": 7})
    with pytest.raises(GandiagError, match="differs in seed"):
        runs.prepare(run_dir, config, resume=True, overwrite=False)
