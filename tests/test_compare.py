"""`gandiag compare` on hand-made run folders: no training, each test well under a second."""

import json

import pytest

from gandiag.config import OptimizerConfig, TrainConfig, to_dict
from gandiag.errors import GandiagError
from gandiag.store import schema
from gandiag.views.compare import compare

STEPS_PER_EPOCH = 4


def make_run(path, config=None, d_loss=1.0, probe=None, epochs=2):
    """A run folder: config.json, a metrics.jsonl of ``epochs`` epochs, and ``probe``.

    Every step of an epoch logs the same numbers, so each epoch's mean is known: d_loss
    and g_loss scale with ``d_loss``, and g_grad_norm is 10 ** -epoch.
    """
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps(to_dict(config or TrainConfig())))
    records = [{"step": (epoch - 1) * STEPS_PER_EPOCH + step, "epoch": epoch,
                "d_loss": d_loss * epoch, "g_loss": 2 * d_loss * epoch, "d_real": 0.9,
                "d_fake": 0.1, "d_accuracy": 0.5 + 0.1 * epoch, "g_grad_norm": 10.0 ** -epoch,
                "d_grad_norm": 1.0, "instance_noise": 0.0}
               for epoch in range(1, epochs + 1) for step in range(1, STEPS_PER_EPOCH + 1)]
    (path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    if probe is not None:
        (path / "probe").mkdir()
        schema.write_summary(path / "probe" / "summary.json", probe)
    return path


def seed_summary(iters: int | None, accuracy: float, decay: float | None) -> schema.SeedSummary:
    """One D seed: updates to 0.99 held-out accuracy, final accuracy, and both costs' decay
    (the -log D norm grows by half the original's decay), or no costs for Figure 1 alone."""
    costs = None
    if decay is not None:
        costs = {cost: schema.CostSummary(
            grad_norm_start=1.0, grad_norm_end=10.0**-decay,
            decay_orders=schema.Estimate(decay * factor, decay * factor, decay * factor),
            jitter_growth=schema.Estimate(1.0, 1.0, 1.0), jitter_null_low=0.8,
            jitter_null_high=1.2, tail_index=schema.Estimate(2.0, 2.0, 2.0), kurtosis=0.0)
            for cost, factor in (("original", 1.0), ("minus-log-d", -0.5))}
    held_out = schema.HeldOutSummary(iters, 500, 600, 600, accuracy, 0.01, accuracy)
    return schema.SeedSummary(0, iters, 0.01, 0.5, 0.01, held_out, costs)


def probe_summary(iters: int | None, accuracy: float, decay: float) -> schema.FrozenSummary:
    """A probe summary with checkpoints 1 and 2 and both of the paper's costs."""
    block = schema.CheckpointSummary([seed_summary(iters, accuracy, decay)])
    return schema.FrozenSummary(1000, 300, 300, {1: block, 2: block})


def test_runs_differing_in_cost(tmp_path):
    original = make_run(tmp_path / "original", TrainConfig(cost="original"),
                        probe=probe_summary(40, 0.999, 3.0))
    hinge = make_run(tmp_path / "hinge", TrainConfig(cost="hinge"), d_loss=2.0)
    output = tmp_path / "out"

    result = compare.run([original, hinge], output, quiet=True)

    assert json.loads((output / "comparison.json").read_text()) == result
    assert (output / "comparison.png").stat().st_size > 0
    assert result["fields"] == ["cost"]
    assert result["seed_aggregates"] == []
    first, second = result["runs"]
    assert (first["label"], first["config"]) == ("original", {"cost": "original"})
    assert first["training"] == pytest.approx({"epoch": 2, "d_loss": 2.0, "g_loss": 4.0,
                                               "d_accuracy": 0.7})
    assert first["g_grad_norm_by_epoch"] == pytest.approx({"1": 0.1, "2": 0.01})
    assert first["source"] == "probe"
    assert first["checkpoints"]["2"] == {"iters_to_acc_0.99": 40, "final_accuracy": 0.999,
                                         "decay_orders": {"original": 3.0, "minus-log-d": -1.5}}
    assert (second["label"], second["config"]) == ("hinge", {"cost": "hinge"})
    assert second["training"]["d_loss"] == 4.0
    assert (second["source"], second["checkpoints"]) == (None, {})


def test_table_has_a_row_per_run_and_checkpoint(tmp_path, capsys):
    original = make_run(tmp_path / "original", TrainConfig(cost="original"),
                        probe=probe_summary(None, 0.95, 3.0))
    hinge = make_run(tmp_path / "hinge", TrainConfig(cost="hinge"))

    compare.run([original, hinge], tmp_path / "out")

    columns, rows = compare.table_rows(json.loads((tmp_path / "out" / "comparison.json")
                                                  .read_text()))
    assert columns[:2] == ["run", "cost"] and columns[-2:] == ["decay minus-log-d",
                                                                 "decay original"]
    assert [row[0] for row in rows] == ["original", "", "hinge"]
    assert rows[0][columns.index("iters to acc 0.99")] == "never"
    assert rows[2][columns.index("checkpoint"):] == ["", "", "", "", ""]
    table = capsys.readouterr().out
    assert "original" in table and "hinge" in table and "never" in table


def test_seeds_get_an_aggregate_row(tmp_path):
    probes = [probe_summary(30, 0.99, 2.0), probe_summary(50, 0.999, 4.0),
              probe_summary(None, 0.97, 3.0)]
    run_dirs = [make_run(tmp_path / f"seed_{seed}", TrainConfig(seed=seed), d_loss=seed + 1.0,
                         probe=probes[seed]) for seed in range(3)]

    result = compare.run(run_dirs, tmp_path / "out", quiet=True)

    assert result["fields"] == ["seed"]
    (group,) = result["seed_aggregates"]
    assert group["runs"] == ["seed_0", "seed_1", "seed_2"]
    assert group["config"] == {"seed": [0, 1, 2]}
    assert group["training"]["d_loss"] == {"median": 4.0, "min": 2.0, "max": 6.0, "count": 3}
    block = group["checkpoints"]["1"]
    assert block["final_accuracy"] == {"median": 0.99, "min": 0.97, "max": 0.999, "count": 3}
    assert block["decay_orders"]["original"] == {"median": 3.0, "min": 2.0, "max": 4.0,
                                                 "count": 3}
    # The seed that never reached 0.99 counts as slower than any that did.
    assert block["iters_to_acc_0.99"] == {"median": 50.0, "min": 30.0, "max": None, "count": 3}
    _, rows = compare.table_rows(result)
    assert rows[-2][0] == "median of 3 seeds" and rows[-2][1] == "0,1,2"
    assert "50 [30, never]" in rows[-2]


def test_only_runs_differing_in_seed_alone_are_aggregated(tmp_path):
    run_dirs = [make_run(tmp_path / f"{cost}_{seed}", TrainConfig(cost=cost, seed=seed))
                for cost in ("original", "hinge") for seed in (0, 1)]
    run_dirs.append(make_run(tmp_path / "hinge_lr", TrainConfig(
        cost="hinge", seed=2, optimizer=OptimizerConfig(lr=1e-3))))

    result = compare.run(run_dirs, tmp_path / "out", quiet=True)

    assert result["fields"] == ["cost", "optimizer.lr", "seed"]
    assert [group["runs"] for group in result["seed_aggregates"]] == [
        ["original_0", "original_1"], ["hinge_0", "hinge_1"]]
    assert result["seed_aggregates"][1]["config"] == {"cost": "hinge", "optimizer.lr": 2e-4,
                                                      "seed": [0, 1]}


def test_runs_without_probe_or_metrics_still_compare(tmp_path):
    run_dir = make_run(tmp_path / "bare")
    (run_dir / "metrics.jsonl").unlink()
    figure1 = make_run(tmp_path / "figure1", TrainConfig(seed=1))
    block = schema.CheckpointSummary([seed_summary(25, 1.0, None)])
    (figure1 / "freeze_g_train_d").mkdir()
    schema.write_summary(figure1 / "freeze_g_train_d" / "summary.json",
                         schema.FrozenSummary(1000, 300, 300, {2: block}))

    result = compare.run([run_dir, figure1], tmp_path / "out", quiet=True)

    bare, figure1_entry = result["runs"]
    assert bare["training"] is None and bare["g_grad_norm_by_epoch"] == {}
    assert figure1_entry["source"] == "freeze_g_train_d"
    assert figure1_entry["checkpoints"] == {"2": {"iters_to_acc_0.99": 25, "final_accuracy": 1.0,
                                                  "decay_orders": {}}}
    assert (tmp_path / "out" / "comparison.png").stat().st_size > 0


def test_default_output_is_under_the_runs_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(tmp_path / "root"))
    compare.run([make_run(tmp_path / "run")], quiet=True)
    (output,) = (tmp_path / "root").glob("compare-*")
    assert (output / "comparison.json").is_file()


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(GandiagError, match="not a gandiag run"):
        compare.run([make_run(tmp_path / "run"), tmp_path / "empty"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_runs_is_refused():
    with pytest.raises(GandiagError, match="at least one run") as error:
        compare.run([])
    assert "\n" not in str(error.value)


def test_cli_compares_and_reports_a_bad_run_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from gandiag.cli import app

    run_dirs = [str(make_run(tmp_path / name, TrainConfig(cost=name)))
                for name in ("original", "hinge")]
    result = CliRunner().invoke(app, ["compare", *run_dirs, "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "hinge" in result.stdout
    assert (tmp_path / "out" / "comparison.json").is_file()

    result = CliRunner().invoke(app, ["compare", run_dirs[0], str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: ") and str(tmp_path) in result.stderr
