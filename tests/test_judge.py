"""`gandiag judge`: logs of any framework judged by the report's own claims."""

import csv
import json
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.analysis import summaries
from gandiag.analysis.evidence import Verdict
from gandiag.analysis.judge import judge_log, judge_units
from gandiag.analysis.probe import probe_claims
from gandiag.cli.commands import app
from gandiag.config import ProbeConfig
from gandiag.store import layout, records
from gandiag.views.judge.judge_view import json_number

EXAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "numpy_log.py"
JSON_KEYS = {"claim", "verdict", "estimate", "interval", "units", "premise", "reason",
             "measured", "parts"}


def judge_cli(*arguments) -> "object":
    return CliRunner().invoke(app, ["judge", *map(str, arguments)])


def judged_json(*paths) -> dict[str, dict]:
    result = judge_cli(*paths, "--json")
    assert result.exit_code == 0, result.output
    return {row["claim"]: row for row in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def probed(tiny_run, tmp_path_factory):
    """A tiny gandiag probe on a copy of the tiny run: 2 checkpoints x 2 D seeds x 40 updates
    of both costs (the fast tier's probe in test_probes has one of each)."""
    from gandiag.experiments.probe import probe as frozen

    run_dir = tmp_path_factory.mktemp("judged") / "run"
    shutil.copytree(tiny_run, run_dir)
    frozen.run(run_dir, ProbeConfig(iters=40, seeds=2, directions=2), layout.PROBE, quiet=True)
    return run_dir


def write_world(path: pathlib.Path, iters: int, seeds: int = 3) -> pathlib.Path:
    subprocess.run([sys.executable, str(EXAMPLE), str(path), "--iters", str(iters),
                    "--seeds", str(seeds)], check=True)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> pathlib.Path:
    """The example's simulated world (3 D seeds, 400 updates) as CSV."""
    return write_world(tmp_path_factory.mktemp("world") / "world.csv", 400)


@pytest.fixture(scope="module")
def world_claims(world) -> dict[str, dict]:
    return judged_json(world)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> pathlib.Path:
    """A smaller world (2 D seeds, 120 updates) for the tests of columns and bad cells."""
    return write_world(tmp_path_factory.mktemp("small") / "small.csv", 120, 2)


def rewrite(source: pathlib.Path, target: pathlib.Path, drop=(), change=None) -> pathlib.Path:
    """A copy of a CSV log without the columns ``drop``; ``change(rows)`` edits the rows."""
    with open(source, newline="") as file:
        rows = list(csv.DictReader(file))
    rows = [{k: v for k, v in row.items() if k not in drop and not k.startswith(tuple(drop))}
            for row in rows]
    if change:
        change(rows)
    with open(target, "w", newline="") as file:
        writer = csv.DictWriter(file, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.mark.slow
def test_judge_on_a_gandiag_probe_gives_the_reports_rows(probed):
    report = {result.spec.key: result for result in probe_claims.evaluate([probed])}
    judged = judged_json(layout.RunDir(probed).experiment(layout.PROBE).path / "log.csv")
    assert set(judged) == {"figure1", "figure2", "figure3-growth", "figure3-jitter", "theorem26"}
    for key, row in judged.items():
        expected = report[key]
        assert row["verdict"] == str(expected.verdict), key
        assert row["measured"] == expected.measured, key
        assert row["units"] == "1 G run x 2 D seeds (at 2 checkpoints)"
        assert [[part["estimate"], *part["interval"]] for part in row["parts"]] == [
            [json_number(effect.interval.estimate), json_number(effect.interval.low),
             json_number(effect.interval.high)] for effect in expected.effects]


@pytest.mark.slow
def test_the_probes_log_keeps_every_number_its_summary_reads(probed):
    """Summaries from the raw records equal those read back from log.csv."""
    probe = layout.RunDir(probed).experiment(layout.PROBE)
    curves, evaluations = (summaries.group(records.read_jsonl(path))
                           for path in (probe.curves, probe.heldout))
    premises = summaries.group(records.read_jsonl(probe.premises))
    units = judge_units.group([judge_log.read(probe.path / judge_log.LOG_NAME)])
    from_log = judge_units.checkpoint_summaries(next(iter(units.values())))
    for epoch, seeds in curves.items():
        direct = [summaries.seed_summary(seeds[s], evaluations[epoch][s], premises[epoch][s], s)
                  for s in sorted(seeds)]
        assert from_log[epoch].seeds == direct


def test_a_numpy_world_where_d_becomes_perfect_is_judged_as_simulated(world_claims):
    judged = world_claims
    assert {key: row["verdict"] for key, row in judged.items() if key != "theorem26"} == {
        "figure1": "SUPPORTED", "figure2": "SUPPORTED", "figure3-growth": "SUPPORTED",
        "figure3-jitter": "SUPPORTED"}
    # Gaussian projections: no heavy tails.
    assert judged["theorem26"]["verdict"] != "SUPPORTED"
    # The noise-free decay from iterations 1-10 to the last eighth, as the spec measures it.
    progress = np.arange(400) / 400
    norm = 1 / (1 + np.exp(12 * progress)) * 10 ** (1.5 * progress)
    truth = np.log10(np.median(norm[:10]) / np.median(norm[-50:]))
    low, high = judged["figure2"]["interval"]
    assert low - 0.05 < truth < high + 0.05
    assert judged["figure1"]["units"] == "1 G run x 3 D seeds (at 1 checkpoint)"


def test_csv_and_jsonl_give_the_same_claims(world_claims, tmp_path):
    assert judged_json(write_world(tmp_path / "world.jsonl", 400)) == world_claims


def test_json_rows_follow_the_documented_schema(world_claims):
    for row in world_claims.values():
        assert set(row) == JSON_KEYS
        assert row["verdict"] in {str(verdict) for verdict in Verdict}
        assert len(row["interval"]) == 2 and row["interval"][0] <= row["interval"][1]
        assert row["interval"][0] <= row["estimate"] or row["claim"] == "figure1"
        assert isinstance(row["reason"], str) and row["reason"]


@pytest.mark.parametrize("drop, not_run", [
    (("grad_original",), {"figure2"}),
    (("proj_minus_log_d",), {"theorem26"}),
    (("grad_minus_log_d", "proj_"), {"figure3-growth", "figure3-jitter", "theorem26"}),
    (("heldout_accuracy", "heldout_n"), {"figure1"}),
])
def test_missing_columns_give_not_run_for_the_claims_needing_them(small_world, tmp_path, drop,
                                                                 not_run):
    judged = judged_json(rewrite(small_world, tmp_path / "log.csv", drop))
    assert {key for key, row in judged.items() if row["verdict"] == "NOT RUN"} == not_run
    for key in not_run:
        assert drop[0] in judged[key]["reason"] and judged[key]["interval"] is None


def _set(row: int, column: str, value: str):
    def change(rows):
        rows[row][column] = value
    return change


@pytest.mark.parametrize("change, drop, expected", [
    (_set(3, "grad_original", "fast"), (), "line 5, column grad_original: 'fast'"),
    (_set(9, "heldout_accuracy", "1.5"), (), "line 11, column heldout_accuracy: '1.5'"),
    (_set(9, "heldout_n", "0"), (), "line 11, column heldout_n: '0'"),
    (_set(9, "heldout_n", ""), (), "line 11, column heldout_n: blank beside heldout_accuracy"),
    (_set(4, "iter", "4"), (), "line 6, column iter: 4 where 5 was expected"),
    (_set(2, "grad_original", ""), (), "line 4, column grad_original: blank on a D update"),
    (_set(2, "iter", ""), (), "line 4, column iter: blank"),
    (None, ("iter",), "no 'iter' column"),
])
def test_a_bad_log_is_one_line_naming_line_and_column(small_world, tmp_path, change, drop,
                                                      expected):
    result = judge_cli(rewrite(small_world, tmp_path / "bad.csv", drop, change))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.csv" in lines[0] and expected in lines[0], result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name, text, expected", [
    ("ragged.csv", "iter,grad_original\n1,0.5\n2,0.4,9\n", "line 3: 3 cells under a header of 2"),
    ("broken.jsonl", '{"iter": 1}\n{"iter": 2,\n', "line 2: not JSON"),
    ("list.jsonl", "[1, 2]\n", "line 1: a JSON list, not an object"),
    ("empty.csv", "iter,grad_original\n", "no rows"),
    ("only0.csv", "iter,epsilon\n0,0.5\n", "a D with no update"),
])
def test_a_malformed_file_is_one_line(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    result = judge_cli(path)
    assert result.exit_code == 2 and expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_file_is_one_line(tmp_path):
    result = judge_cli(tmp_path / "absent.csv")
    assert result.exit_code == 2 and "absent.csv: cannot read the log" in result.stderr


def test_probe_records_become_rows_by_d_updates():
    """Curve i was measured before update i; an evaluation after k updates is row k."""
    labels = {"epoch": 1, "seed": 0, "sigma": 0.0}
    curves = [{**labels, "iter": i, "d_updates": i - 1, "accuracy": 0.5, "error": 1.0,
               "d_fake": 0.4, "grad_norm": {"original": 1.0 / i},
               "projections": {"original": [0.1, -0.2]}} for i in (1, 2)]
    evaluations = [{**labels, "d_updates": k, "count": 10, "correct": 5 + k,
                    "mixed_correct": 4, "error": 0.7} for k in (0, 2)]
    premises = [{**labels, "d_updates": 0, "epsilon": 0.9, "d_fake_max": 0.6,
                 "grad_x_d_max": 0.3, "jacobian_norm": 2.0, "grad_norm_fixed_d": 0.5}]
    noisy = [{**curves[0], "sigma": 1.0}]
    rows = judge_units.log_rows(curves + noisy, evaluations, premises)
    assert [row["iter"] for row in rows] == [0, 1, 2]
    assert "grad_original" not in rows[0] and rows[0]["epsilon"] == 0.9
    assert rows[1]["grad_original"] == 1.0 and "heldout_accuracy" not in rows[1]
    assert rows[2]["grad_original"] == 0.5 and rows[2]["heldout_accuracy"] == 0.7
    assert rows[2]["proj_original_2"] == -0.2 and rows[2]["heldout_n"] == 10


def test_two_g_runs_are_judged_together_over_runs_and_seeds(small_world, tmp_path):
    def relabel(name):
        def change(rows):
            for row in rows:
                row["run"] = name
        return change

    logs = [rewrite(small_world, tmp_path / f"{name}.csv", change=relabel(name))
            for name in ("g0", "g1")]
    judged = judged_json(*logs)
    assert judged["figure2"]["units"] == "2 G runs x 2 D seeds (at 1 checkpoint)"
    # The same world twice: the mean over runs is the one run's mean.
    alone = judged_json(logs[0])
    assert judged["figure2"]["estimate"] == pytest.approx(alone["figure2"]["estimate"])
    assert alone["figure2"]["units"] == "1 G run x 2 D seeds (at 1 checkpoint)"
