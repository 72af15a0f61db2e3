"""Many hosts, on one machine: two CPU processes joined by jax.distributed (gloo collectives)
make the same run as one process, and only process 0 writes the run's files.
"""

import json
import os
import pathlib
import socket
import subprocess
import sys

import pytest

from gandiag.store import layout, records

pytestmark = pytest.mark.scale

TRAIN = ["--dataset", "digits", "--image-size", "16", "--nz", "16", "--ngf", "8", "--ndf", "8",
         "--batch-size", "32", "--epochs", "1", "--quiet"]
PROBE = ["--iters", "100", "--batch-size", "32", "--eval-size", "128", "--quiet"]
# The same tolerances as tests/test_parallel.py: one step, then a 100-iteration probe (its
# increments' statistics, which amplify rounding most, to a looser one).
ONE_STEP, SUMMARY, INCREMENTS = 1e-5, 1e-3, 5e-2
INCREMENT_STATISTICS = ("jitter_growth", "jitter_null", "kurtosis")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def gandiag(arguments: list[str], processes: int) -> None:
    """``gandiag ARGUMENTS`` as one process, or as ``processes`` joined through a coordinator."""
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "JAX_CPU_COLLECTIVES_IMPLEMENTATION": "gloo"}
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    command = [sys.executable, "-c", "from gandiag.cli import main; main()", *arguments]
    if processes == 1:
        commands = [command]
    else:
        port = free_port()
        commands = [[*command, "--coordinator", f"localhost:{port}", "--num-processes",
                     str(processes), "--process-id", str(index)] for index in range(processes)]
    started = [subprocess.Popen(c, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for c in commands]
    outputs = [process.communicate(timeout=600)[0] for process in started]
    for process, output in zip(started, outputs):
        assert process.returncode == 0, output[-3000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("multihost")
    for processes in (1, 2):
        run_dir = str(root / f"processes-{processes}")
        gandiag(["train", *TRAIN, "--run-dir", run_dir], processes)
        gandiag(["probe", "--run-dir", run_dir, *PROBE], processes)
    return root


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def numbers(tree, path=""):
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in numbers(sub, f"{path}/{key}").items()}
    if isinstance(tree, list):
        return {k: v for i, sub in enumerate(tree) for k, v in numbers(sub, f"{path}/{i}").items()}
    return {path: tree} if isinstance(tree, float) else {}


def test_two_processes_train_as_one(runs):
    one = records.read_jsonl(layout.RunDir(runs / "processes-1").metrics)
    two = records.read_jsonl(layout.RunDir(runs / "processes-2").metrics)
    # Process 0 alone wrote the metrics: each step once, not once per process.
    assert [r["step"] for r in two] == [r["step"] for r in one] == list(range(1, 57))
    for name in ("d_loss", "g_loss", "d_grad_norm", "g_grad_norm"):
        assert relative(one[0][name], two[0][name]) <= ONE_STEP, name


def test_two_processes_probe_as_one(runs):
    one = numbers(json.loads((runs / "processes-1" / "probe" / "summary.json").read_text()))
    two = numbers(json.loads((runs / "processes-2" / "probe" / "summary.json").read_text()))
    assert one.keys() == two.keys() and len(one) >= 30
    for name, value in one.items():
        tolerance = INCREMENTS if any(s in name for s in INCREMENT_STATISTICS) else SUMMARY
        assert relative(value, two[name]) <= tolerance, name


def test_checkpoints_of_two_processes_are_whole_and_restore(runs):
    from gandiag.store.checkpoints import Checkpoints

    checkpoints = Checkpoints(pathlib.Path(runs / "processes-2"), read_only=True)
    assert checkpoints.saved_epochs() == [1]
    meta = checkpoints.read_meta(1)
    assert meta["step"] == 56 and set(meta["digests"]) >= {"generator", "discriminator"}
