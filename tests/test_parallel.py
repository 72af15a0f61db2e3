"""Data parallel over devices: the numbers must not depend on how many devices share a batch.

The 4-device runs are in a subprocess (tests/parallel_worker.py), since XLA's forced
host device count must be set before JAX starts. BatchNorm's statistics are over the
global batch: with per-device statistics, 4 devices would give other losses outright.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import ParallelConfig
from gandiag.core import parallel
from gandiag.errors import GandiagError

WORKER = pathlib.Path(__file__).with_name("parallel_worker.py")
PROBE_ITERS = 200
# One step: only the order of floating-point reductions differs between device counts.
ONE_STEP = 1e-5
# A 200-iteration probe: GAN dynamics amplify rounding; first-order numbers to this ...
SUMMARY = 1e-3
# ... and the statistics of iteration-to-iteration increments (jitter growth and its
# null band, the variance growth of the increments, kurtosis) and the Hill index (its order
# statistics can swap the sample at the cut), which amplify it most, to this (measured: at
# most 2e-2).
INCREMENT_STATISTICS = ("jitter_growth", "jitter_null", "variance_growth", "kurtosis",
                        "hill_index")
INCREMENTS = 5e-2


def run_worker(tmp_path: pathlib.Path, devices: int) -> dict:
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
           "JAX_PLATFORMS": "cpu"}
    output = tmp_path / "found.json"
    result = subprocess.run([sys.executable, str(WORKER), str(output), str(tmp_path),
                             str(PROBE_ITERS)], env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(output.read_text())


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    return run_worker(tmp_path_factory.mktemp("parallel"), 4)


def relative(a: float, b: float, floor: float = 1e-12) -> float:
    return abs(a - b) / max(abs(a), abs(b), floor)


def numbers(tree, path=""):
    """{path: value} of every float in a nested summary."""
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in numbers(sub, f"{path}/{key}").items()}
    if isinstance(tree, list):
        return {k: v for i, sub in enumerate(tree) for k, v in numbers(sub, f"{path}/{i}").items()}
    return {path: tree} if isinstance(tree, float) else {}


@pytest.mark.slow
def test_the_runs_used_the_devices_asked_for(found):
    assert found["devices"] == {"1": 1, "4": 4}


@pytest.mark.slow
def test_one_train_step_agrees_on_1_and_4_devices(found):
    one, four = found["train"]["1"][0], found["train"]["4"][0]
    assert one["step"] == four["step"] == 1
    for name in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
        assert relative(one[name], four[name]) <= ONE_STEP, name


@pytest.mark.slow
def test_one_probe_step_agrees_on_1_and_4_devices(found):
    one, four = found["probe"]["1"]["curves"][0], found["probe"]["4"]["curves"][0]
    assert one["iter"] == four["iter"] == 1
    values = {"error": (one["error"], four["error"])}
    values |= {cost: (one["grad_norm"][cost], four["grad_norm"][cost])
               for cost in one["grad_norm"]}
    for name, (a, b) in values.items():
        assert relative(a, b) <= ONE_STEP, name
    np.testing.assert_allclose(one["projections"]["original"], four["projections"]["original"],
                               rtol=1e-4, atol=1e-9)


@pytest.mark.slow
def test_a_200_iteration_probe_summary_agrees_on_1_and_4_devices(found):
    one = numbers(found["probe"]["1"]["summary"])
    four = numbers(found["probe"]["4"]["summary"])
    assert one.keys() == four.keys() and len(one) >= 30
    assert one != four  # the 4-device run computed on its own (rounding differs) ...
    for name, value in one.items():  # ... and agrees
        increments = any(s in name for s in INCREMENT_STATISTICS)
        # Those are dimensionless (orders, excess kurtosis) and may sit near 0, where a
        # relative error means nothing: their scale is at least 1.
        assert relative(value, four[name], 1.0 if increments else 1e-12) <= (
            INCREMENTS if increments else SUMMARY), name
    curves = [(a["grad_norm"]["original"], b["grad_norm"]["original"])
              for a, b in zip(found["probe"]["1"]["curves"], found["probe"]["4"]["curves"])]
    assert len(curves) == PROBE_ITERS
    assert max(relative(a, b) for a, b in curves) <= SUMMARY


def test_more_devices_than_there_are_is_a_one_line_error():
    with pytest.raises(GandiagError, match="--devices 64 is more than the 1 local cpu"):
        parallel.setup(ParallelConfig(devices=64))
    result = CliRunner().invoke(app, ["train", "--devices", "64", "--quiet"])
    assert result.exit_code == 2 and "--devices 64 is more than" in result.output
    assert "Traceback" not in result.output


def test_a_batch_that_does_not_split_over_the_devices_is_a_one_line_error():
    class FourDevices(parallel.Parallel):
        devices = 4

    FourDevices().check_batch(32)
    with pytest.raises(GandiagError, match="batch size 30 does not split over 4 devices"):
        FourDevices().check_batch(30)


def test_bad_coordinator_settings_are_one_line_errors():
    with pytest.raises(GandiagError, match="coordinator 'localhost' is not allowed"):
        ParallelConfig(coordinator="localhost", num_processes=2, process_id=0)
    with pytest.raises(GandiagError, match="process-id 2 is not allowed; it is 0 to 1"):
        ParallelConfig(coordinator="localhost:1234", num_processes=2, process_id=2)
    with pytest.raises(GandiagError, match="need --coordinator"):
        ParallelConfig(num_processes=2)
