"""The run dir's locks: training alone, a run's frozen-G experiments side by side."""

import subprocess
import sys

import pytest

from gandiag.errors import GandiagError
from gandiag.store import locks


def _holder(run_dir, experiment=None):
    held = subprocess.Popen(
        [sys.executable, "-c", "import time; from gandiag.store import locks\n"
         f"with locks.hold({str(run_dir)!r}, experiment={experiment!r}):\n"
         "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert held.stdout.readline().strip() == "held"
    return held


@pytest.fixture
def holders():
    started = []
    yield lambda *args: started.append(_holder(*args)) or started[-1]
    for held in started:
        held.kill()
        held.wait()


def test_two_experiments_of_one_run_may_run_at_once_but_not_beside_training(tmp_path, holders):
    run_dir = tmp_path / "run"
    probe = holders(run_dir, "probe")
    with locks.hold(run_dir, experiment="add_noise"):  # another experiment: allowed
        pass
    with (pytest.raises(GandiagError, match=f"{run_dir}/probe is in use .*pid {probe.pid}"),
          locks.hold(run_dir, experiment="probe")):
        pass
    with (pytest.raises(GandiagError, match="in use by another gandiag process"),
          locks.hold(run_dir)):  # training needs the run to itself
        pass


def test_an_experiment_waits_for_no_one_but_is_refused_while_training_runs(tmp_path, holders):
    run_dir = tmp_path / "run"
    trainer = holders(run_dir)
    with pytest.raises(GandiagError, match=f"pid {trainer.pid}"), locks.hold(
            run_dir, experiment="probe"):
        pass
