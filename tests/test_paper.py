"""`gandiag paper` end to end at tiny size, and its skipping of finished steps."""

import json

import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.experiments.paper import presets as paper

# The longer science tier: `make test-all`.
pytestmark = pytest.mark.slow

TINY = ["--preset", "quick", "--epochs", "2", "--iters", "60", "--ngf", "8", "--ndf", "8",
        "--nz", "16", "--sigma", "0,1", "--quiet"]


def test_paper_runs_the_whole_chain_then_skips_what_is_done(tmp_path):
    run_dir = tmp_path / "paper"
    runner = CliRunner()
    first = runner.invoke(app, ["paper", *TINY, "--run-dir", str(run_dir)])
    assert first.exit_code == 0, first.output
    for part in ("probe", "add_noise"):
        assert (run_dir / part / "summary.json").is_file()
    assert not (run_dir / "freeze_g_train_d").exists()  # Figure 1 is the probe's own D
    assert (run_dir / "report" / "report.html").is_file()
    assert "Perfect discrimination" in first.output and "spec version" in (
        run_dir / "report" / "REPORT.md").read_text()
    probe_config = json.loads((run_dir / "probe" / "config.json").read_text())
    assert probe_config["iters"] == 60 and probe_config["epochs"] == [1, 2]
    assert json.loads((run_dir / "add_noise" / "config.json").read_text())["epochs"] == [2]
    summary_time = (run_dir / "probe" / "summary.json").stat().st_mtime_ns
    second = runner.invoke(app, ["paper", *TINY, "--run-dir", str(run_dir)])
    assert second.exit_code == 0, second.output
    assert second.output.count("skipped") == 3
    assert (run_dir / "probe" / "summary.json").stat().st_mtime_ns == summary_time


def test_g_seeds_make_a_run_set_reported_as_one(tmp_path):
    run_dir = tmp_path / "set"
    result = CliRunner().invoke(app, ["paper", *TINY, "--epochs", "1", "--g-seeds", "2",
                                      "--run-dir", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert json.loads((run_dir / "members.json").read_text()) == {"runs": ["g0", "g1"]}
    seeds = [json.loads((run_dir / name / "config.json").read_text())["seed"]
             for name in ("g0", "g1")]
    assert seeds == [0, 1]
    report = (run_dir / "report" / "REPORT.md").read_text()
    assert "2 G run(s)" in report and "t interval over 2 G runs' means" in report
    assert "G run g1" in report


def test_presets_document_purpose_command_and_time():
    for name, factory in paper.PRESETS.items():
        doc = factory.__doc__
        assert "For:" in doc and "Command:" in doc and "Expected time:" in doc
        assert paper.preset(name).name == name


def test_unknown_preset_is_one_line():
    result = CliRunner().invoke(app, ["paper", "--preset", "huge"])
    assert result.exit_code == 2 and "choose one of: quick, cpu, gpu" in result.output


@pytest.mark.parametrize("files, split", [([], "test"), (["train-images-idx3-ubyte.gz"], "train")])
def test_mnist_presets_use_the_train_split_when_present(tmp_path, files, split):
    for name in files:
        (tmp_path / name).write_bytes(b"")
    chosen = paper.configure("cpu", data={"data_dir": str(tmp_path)})
    assert chosen.train.data.split == split


def test_workers_give_the_records_of_one_worker_byte_for_byte(tmp_path):
    # Every step runs single-threaded in a worker whether one or two run, so the numbers
    # cannot depend on the split.
    made = {}
    for count in (1, 2):
        run_dir = tmp_path / f"workers-{count}"
        result = CliRunner().invoke(app, ["paper", *TINY, "--epochs", "1", "--g-seeds", "2",
                                          "--workers", str(count), "--run-dir", str(run_dir)])
        assert result.exit_code == 0, result.output
        assert f"on {count} single-threaded worker" in result.output
        made[count] = run_dir
    names = [f"g{i}/{part}" for i in (0, 1) for part in (
        "metrics.jsonl", "probe/curves.jsonl", "probe/heldout.jsonl", "probe/log.csv",
        "probe/premises.jsonl", "probe/summary.json", "add_noise/summary.json")]
    for name in names:
        assert (made[1] / name).read_bytes() == (made[2] / name).read_bytes(), name


def test_one_g_run_splits_its_experiments_into_parts_identical_on_one_or_two_workers(tmp_path):
    # Each part (a checkpoint, a noise level) runs single-threaded in a worker however
    # many there are, and its keys do not depend on the other parts: the experiments'
    # files are the same byte for byte.
    made = {}
    for count in (1, 2):
        run_dir = tmp_path / f"workers-{count}"
        result = CliRunner().invoke(app, ["paper", *TINY, "--workers", str(count),
                                          "--run-dir", str(run_dir)])
        assert result.exit_code == 0, result.output
        assert f"probe and add_noise in 4 parts on {count} single-threaded worker" in (
            result.output)
        made[count] = run_dir
    names = [f"{experiment}/{name}" for experiment in ("probe", "add_noise") for name in (
        "config.json", "curves.jsonl", "heldout.jsonl", "premises.jsonl", "log.csv",
        "summary.json")]
    for name in names:
        assert (made[1] / name).read_bytes() == (made[2] / name).read_bytes(), name
    rerun = CliRunner().invoke(app, ["paper", *TINY, "--workers", "2", "--run-dir",
                                     str(made[2])])
    assert rerun.exit_code == 0 and rerun.output.count("skipped") == 3, rerun.output
