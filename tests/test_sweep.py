"""`gandiag sweep`: both launchers finish tiny settings, compare them, and skip finished ones."""

import json

import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.errors import GandiagError
from gandiag.experiments.sweep import sweep

TINY = ("--train-args", "--dataset digits --image-size 16 --nz 16 --ngf 8 --ndf 8 "
        "--batch-size 64 --epochs 1", "--probe-args", "--iters 20 --eval-size 64")


def sweep_seeds(sweep_dir, launcher: str, values: str) -> str:
    result = CliRunner().invoke(app, ["sweep", "seeds", "--launcher", launcher, "--values",
                                      values, "--sweep-dir", str(sweep_dir), *TINY, "--jobs",
                                      "2", "--cluster", "local"])
    assert result.exit_code == 0, result.output
    return result.output


def summaries(sweep_dir) -> dict:
    return {path.parent.parent.name: path.stat().st_mtime_ns
            for path in (sweep_dir / "seeds").glob("*/probe/summary.json")}


@pytest.mark.scale
@pytest.mark.parametrize("launcher", ["local", "slurm"])
def test_sweep_finishes_compares_and_skips_finished_settings_on_a_rerun(tmp_path, launcher):
    values = "0,1" if launcher == "local" else "0"
    first = sweep_seeds(tmp_path, launcher, values)
    written = summaries(tmp_path)
    expected = {f"seed_{value}" for value in values.split(",")}
    assert set(written) == expected and "skip" not in first
    comparison = json.loads((tmp_path / "seeds" / "compare" / "comparison.json").read_text())
    assert [run["label"] for run in comparison["runs"]] == sorted(expected)
    if launcher == "slurm":  # submitit's local executor kept each task's logs
        assert list((tmp_path / "seeds" / sweep.SLURM_LOGS).glob("*_log.out"))
    second = sweep_seeds(tmp_path, launcher, values)
    assert all(f"skip {name}" in second for name in expected)
    assert summaries(tmp_path) == written  # nothing was probed again


def test_a_setting_layout_matches_the_makefile_targets(tmp_path):
    config = sweep.SweepConfig("noise", ("0", "0.1"), tmp_path)
    settings = sweep.settings(config)
    assert [s.run_dir for s in settings] == [tmp_path / "noise" / "sigma_0",
                                             tmp_path / "noise" / "sigma_0.1"]
    run_dir = str(tmp_path / "noise" / "sigma_0.1")
    assert settings[1].train[len(sweep.GANDIAG):] == (
        "train", "--dataset", "digits", "--epochs", "25", "--instance-noise", "0.1",
        "--run-dir", run_dir, "--overwrite", "--quiet")
    assert settings[1].probe[len(sweep.GANDIAG):] == (
        "probe", "--run-dir", run_dir, "--iters", "4000", "--quiet")


def test_bad_sweep_values_are_one_line_errors(tmp_path):
    with pytest.raises(GandiagError, match="value 'adam' is not allowed; costs values are"):
        sweep.SweepConfig("costs", ("original", "adam"))
    with pytest.raises(GandiagError, match="sweep 'lr' is not allowed"):
        sweep.SweepConfig("lr")
    result = CliRunner().invoke(app, ["sweep", "seeds", "--launcher", "pbs", "--sweep-dir",
                                      str(tmp_path)])
    assert result.exit_code == 2 and "launcher 'pbs' is not allowed" in result.output
