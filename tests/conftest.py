"""Every test writes runs (and the runs/latest pointer) under a temporary folder."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_runs_root(tmp_path_factory):
    names = ("GANDIAG_RUNS_DIR", "GANDIAG_NO_DOWNLOAD", "GANDIAG_COMPILE_CACHE")
    previous = {name: os.environ.get(name) for name in names}
    os.environ["GANDIAG_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs-root"))
    # The session's commands share one compilation cache, fresh on every run of the tests.
    os.environ["GANDIAG_COMPILE_CACHE"] = str(tmp_path_factory.mktemp("compile-cache"))
    os.environ["GANDIAG_NO_DOWNLOAD"] = "1"
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, _isolated_runs_root):
    """A 2-epoch DCGAN on the embedded digits (ngf = ndf = 8), saved at epochs 1 and 2.

    Unmonitored, so that it trains on every example and compiles no monitor
    (tests/test_monitor.py runs the monitor)."""
    from gandiag.config import DataConfig, ModelConfig, TrainConfig
    from gandiag.experiments.train import train

    config = TrainConfig(data=DataConfig("digits"), model=ModelConfig(nz=16, ngf=8, ndf=8),
                         epochs=2, save_epochs=(1, 2), monitor_every=0)
    run_dir = tmp_path_factory.mktemp("tiny") / "run"
    train.run(config, run_dir, quiet=True)
    return run_dir
