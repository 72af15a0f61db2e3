"""`make faults`: kill -9 at chosen and random moments; what was saved survives.

Each trial starts a real `gandiag` process and kills it with SIGKILL, then resumes
(train) or reruns (probe, add-noise) the same command and compares with an
uninterrupted run: bitwise equal parameters, metrics.jsonl with every step exactly once,
identical summaries. Train trials cycle through four kinds of moment: a random time in
JAX's start-up and compilation, a random step, an epoch end (the metric flush and the
checkpoint that follow it), and while a checkpoint is being written (Orbax's temporary
folder exists). Probe and add-noise are killed at a random time within their run.
Not part of `make test` (minutes on 2 cores); a fixed seed makes a failure replayable."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from gandiag.config import TrainConfig, from_dict
from gandiag.core.state import create_state
from gandiag.experiments.train import train
from gandiag.store import records, runs
from gandiag.store.checkpoints import Checkpoints

pytestmark = pytest.mark.faults

TRAIN = ["train", "--dataset", "digits", "--epochs", "3", "--save-epochs", "1,2", "--ngf", "8",
         "--ndf", "8", "--nz", "16", "--quiet"]
PROBE = ["probe", "--iters", "300", "--epochs", "1,3", "--quiet"]
NOISE = ["add-noise", "--iters", "150", "--epochs", "3", "--sigma", "0,0.5",
         "--transport-samples", "100", "--held-out", "300", "--eval-size", "200", "--quiet"]
# The trial counts; GANDIAG_KILL_TRIALS=2,1,1 runs fewer while developing.
TRIALS = dict(zip(("train", "probe", "add-noise"), map(int, os.environ.get(
    "GANDIAG_KILL_TRIALS", "20,5,5").split(",")), strict=True))


def gandiag(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "gandiag", *args], capture_output=True,
                            text=True)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def timed(*args) -> float:
    started = time.perf_counter()
    gandiag(*args)
    return time.perf_counter() - started


def kill_when(args, condition, timeout: float = 300) -> bool:
    """Run ``gandiag ARGS``; SIGKILL it once ``condition()`` holds (polled every 10 ms).

    Returns whether it was killed (False: it finished first).
    """
    process = subprocess.Popen([sys.executable, "-m", "gandiag", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.perf_counter() + timeout
    while process.poll() is None and time.perf_counter() < deadline:
        if condition():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.01)
    process.wait()
    return False


def after(seconds: float):
    start = time.perf_counter()
    return lambda: time.perf_counter() - start >= seconds


def lines_at_least(path, count: int):
    def reached():
        try:
            return path.read_bytes().count(b"\n") >= count
        except FileNotFoundError:
            return False
    return reached


def saving(run_dir):
    """A checkpoint is being written: Orbax's uncommitted temporary folder exists."""
    return lambda: any("orbax-checkpoint-tmp" in p.name
                       for p in (run_dir / "checkpoints").glob("*/*"))


def train_moment(trial: int, draw: random.Random, run_dir):
    """Where trial ``trial`` kills: start-up/compilation, a step, an epoch end, a save."""
    kind = ("start-up", "step", "epoch end", "checkpoint write")[trial % 4]
    if kind == "start-up":
        return kind, after(draw.uniform(0.3, 6.0))
    if kind == "step":
        return kind, lines_at_least(run_dir / "metrics.jsonl", draw.randrange(1, 84))
    if kind == "epoch end":
        return kind, lines_at_least(run_dir / "metrics.jsonl", draw.choice([27, 28, 55, 56]))
    return kind, saving(run_dir)


def final_params(run_dir):
    config = train.resolve(from_dict(TrainConfig, runs.read_config(run_dir)))
    template = create_state(config, (16, 16, 1))
    return Checkpoints(run_dir, read_only=True).restore_latest(template)[0]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted train, probe and add-noise, and how long each took.

    The experiments are timed on a second copy, with their steps already compiled, as the
    trials run them: the first run also compiles, so its time would put kills after a
    trial had finished.
    """
    run_dir = tmp_path_factory.mktemp("faults") / "whole"
    seconds = {"train": timed(*TRAIN, "--run-dir", str(run_dir))}
    timed(*PROBE, "--run-dir", str(run_dir))
    timed(*NOISE, "--run-dir", str(run_dir))
    warm = run_dir.parent / "warm"
    shutil.copytree(run_dir, warm, ignore=shutil.ignore_patterns("probe", "add_noise"))
    seconds["probe"] = timed(*PROBE, "--run-dir", str(warm))
    seconds["add-noise"] = timed(*NOISE, "--run-dir", str(warm))
    return run_dir, seconds


def test_train_killed_at_random_resumes_bitwise(reference, tmp_path):
    run_dir, _ = reference
    whole = records.read_jsonl(run_dir / "metrics.jsonl")
    expected = jax.tree_util.tree_leaves(final_params(run_dir))
    draw = random.Random(17)
    outcomes = []
    for trial in range(TRIALS["train"]):
        killed_dir = tmp_path / f"trial{trial}"
        kind, moment = train_moment(trial, draw, killed_dir)
        killed = kill_when([*TRAIN, "--run-dir", str(killed_dir)], moment)
        saved = Checkpoints(killed_dir, read_only=True).saved_epochs() \
            if (killed_dir / "checkpoints").is_dir() else []
        logged = len(records.read_jsonl(killed_dir / "metrics.jsonl"))
        resume = ["--resume"] if (killed_dir / "config.json").is_file() else []
        gandiag(*TRAIN, "--run-dir", str(killed_dir), *resume)
        metrics = records.read_jsonl(killed_dir / "metrics.jsonl")
        assert [r["step"] for r in metrics] == [r["step"] for r in whole], trial
        assert metrics == whole, trial
        for a, b in zip(expected, jax.tree_util.tree_leaves(final_params(killed_dir)),
                        strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        outcomes.append((kind, killed, logged, saved))
        shutil.rmtree(killed_dir)
    print("\ntrain trials (moment, killed, steps logged at the kill, epochs saved):")
    for outcome in outcomes:
        print("  ", *outcome)
    assert sum(killed for _, killed, _, _ in outcomes) >= TRIALS["train"] * 3 // 4


@pytest.mark.parametrize("command", ["probe", "add-noise"])
def test_experiment_killed_at_random_reruns_to_the_same_summary(reference, tmp_path, command):
    run_dir, seconds = reference
    args = PROBE if command == "probe" else NOISE
    folder = "probe" if command == "probe" else "add_noise"
    expected = json.loads((run_dir / folder / "summary.json").read_text())
    draw = random.Random(29)
    killed_count = 0
    for trial in range(TRIALS[command]):
        copy = tmp_path / f"trial{trial}"
        shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("probe", "add_noise"))
        delay = draw.uniform(0.5, 0.8 * seconds[command])
        killed = kill_when([*args, "--run-dir", str(copy)], after(delay))
        killed_count += killed
        gandiag(*args, "--run-dir", str(copy))
        assert json.loads((copy / folder / "summary.json").read_text()) == expected, trial
        print(f"\n{command} trial {trial}: killed {killed} after {delay:.1f} s, rerun identical")
        shutil.rmtree(copy)
    assert killed_count >= TRIALS[command] * 3 // 5
