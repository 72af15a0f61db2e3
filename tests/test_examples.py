"""The user models in examples/, each end to end at a tiny size: train -> probe -> judge ->
report, through the commands a user types (slow tier: a compile of each network, about a
minute apiece on a 2-core CPU)."""

import json
import pathlib

import pytest
from typer.testing import CliRunner

from gandiag import api
from gandiag.cli import app

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"

CASES = {
    "resnet_sn": (["--dataset", "digits", "--image-size", "32", "--nz", "16",
                   "--model", f"{EXAMPLES / 'resnet_sn.py'}:tiny", "--epochs", "1"]),
    "toy_mlp": (["--dataset", "ring", "--nz", "2", "--model",
                 f"{EXAMPLES / 'toy_mlp.py'}:build", "--epochs", "2", "--batch-size", "500"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(CASES))
def test_an_example_goes_train_probe_judge_report(tmp_path, example):
    runner = CliRunner()
    run_dir = tmp_path / example
    trained = runner.invoke(app, ["train", *CASES[example], "--run-dir", str(run_dir),
                                  "--quiet"])
    assert trained.exit_code == 0, trained.output
    probed = runner.invoke(app, ["probe", "--run-dir", str(run_dir), "--iters", "60",
                                 "--eval-size", "128", "--quiet"])
    assert probed.exit_code == 0, probed.output
    summary = json.loads((run_dir / "probe" / "summary.json").read_text())
    seeds = [seed for checkpoint in summary["checkpoints"].values() for seed in checkpoint["seeds"]]
    assert seeds and all(0 <= seed["held_out"]["final_accuracy"] <= 1 for seed in seeds)
    log = run_dir / "probe" / "log.csv"
    judged = runner.invoke(app, ["judge", str(log), "--json"])
    assert judged.exit_code == 0, judged.output
    verdicts = {row["claim"]: row["verdict"] for row in json.loads(judged.stdout)}
    from_python = api.judge_logs(log).results
    assert verdicts == {claim.spec.key: str(claim.verdict) for claim in from_python}
    assert {"figure1", "figure2"} <= set(verdicts)
    assert any(claim.verdict is not api.Verdict.NOT_RUN for claim in api.judge(run_dir))
    reported = runner.invoke(app, ["report", str(run_dir), "--quiet"])
    assert reported.exit_code == 0, reported.output
    markdown = (run_dir / "report" / "REPORT.md").read_text()
    assert f"{example}.py" in markdown
