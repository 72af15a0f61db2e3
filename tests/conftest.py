"""Every test writes runs (and the runs/latest pointer) under a temporary folder."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_runs_root(tmp_path_factory):
    previous = {name: os.environ.get(name) for name in ("GANDIAG_RUNS_DIR", "GANDIAG_NO_DOWNLOAD")}
    os.environ["GANDIAG_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs-root"))
    os.environ["GANDIAG_NO_DOWNLOAD"] = "1"
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
