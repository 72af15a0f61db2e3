"""The Python API: the session in docs/api.md runs as written, and returns what the
commands write."""

import json
import os
import pathlib
import re

import pytest

from gandiag import api
from gandiag.experiments.monitor.live import MONITOR_BATCH

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_import_path_of_names_the_file_and_refuses_what_has_none():
    from gandiag.core import user_model
    from gandiag.store import layout

    path = api.import_path_of(user_model.source_hash)
    assert path == f"{pathlib.Path(user_model.__file__).resolve()}:source_hash"
    with pytest.raises(api.GandiagError, match="not a module-level function"):
        api.import_path_of(layout.RunDir.experiment)
    namespace = {}
    exec("def build(shape, nz):\n    return None", namespace)  # as a notebook cell defines it
    with pytest.raises(api.GandiagError, match="defined in no file"):
        api.import_path_of(namespace["build"])


@pytest.mark.slow
def test_the_documented_session_runs_and_matches_the_files(tmp_path, monkeypatch, capsys):
    """docs/api.md's code, executed from the repository root (about a minute)."""
    code = "\n".join(re.findall(r"```python\n(.*?)```", (ROOT / "docs/api.md").read_text(),
                                re.S))
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(tmp_path))
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)
    output = capsys.readouterr().out
    trained, report = namespace["trained"], namespace["report"]
    # The monitor (on by default) keeps MONITOR_BATCH of the ring's points from training.
    assert trained.steps == 2 * ((10_000 - MONITOR_BATCH) // 500)
    assert report.html.is_file() and report.markdown.is_file()
    written = json.loads((trained.run_dir / "probe" / "summary.json").read_text())
    for line in output.splitlines():
        if "held-out accuracy" in line:
            epoch = line.split(":")[0].split()[1]
            accuracy = written["checkpoints"][epoch]["seeds"][0]["held_out"]["final_accuracy"]
            assert line.endswith(f"{accuracy:.3f}")
    verdicts = {claim.verdict for claim in report.claims}
    # Compared row by row as the report prints them (a NaN estimate is unequal to itself).
    judged = api.judge(trained.run_dir)
    assert verdicts <= set(api.Verdict)
    assert [(c.verdict, c.measured) for c in report.claims] == [
        (c.verdict, c.measured) for c in judged]
    assert os.path.isabs(json.loads((trained.run_dir / "config.json").read_text())
                         ["model"]["import_path"].rpartition(":")[0])
