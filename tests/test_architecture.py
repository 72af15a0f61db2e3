"""The layout's rules hold and can fail: the import contract, one home for shared names,
and summary records that round-trip through their JSON."""

import dataclasses
import math
import pathlib
import shutil
import subprocess
import sys
import types
import typing

import pytest

from gandiag import config
from gandiag.core import losses
from gandiag.store import layout, schema

ROOT = pathlib.Path(__file__).resolve().parents[1]
LINT_IMPORTS = pathlib.Path(sys.executable).with_name("lint-imports")


def lint_copy(tmp_path, edit: tuple[str, str]) -> subprocess.CompletedProcess:
    """Run lint-imports on a copy of the package with one line appended to one module."""
    shutil.copytree(ROOT / "gandiag", tmp_path / "gandiag",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module, line = edit
    with (tmp_path / "gandiag" / module).open("a") as file:
        file.write(f"\n{line}\n")
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
def test_the_import_contract_holds():
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout
    contracts = (ROOT / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert f"{contracts} kept, 0 broken" in result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
@pytest.mark.parametrize("edit, broken", [
    (("analysis/format.py", "import jax  # noqa"), "analysis and views run without a device"),
    (("views/report/tables.py", "from gandiag.experiments import train  # noqa"), "Layers"),
    (("store/layout.py", "from gandiag.store import runs  # noqa"), "No import cycles"),
    (("experiments/quality/quality.py", "from gandiag.experiments.theory import theory  # noqa"),
     "experiments: paper and sweep"),
    (("analysis/spec.py", "from gandiag.analysis.probe import probe_claims  # noqa"),
     "analysis: each topic's claims"),
    (("views/theory/theory_plots.py", "from gandiag.views.ablate import ablate_section  # noqa"),
     "views: the report and compare"),
])
def test_the_import_contract_catches_a_violation(tmp_path, edit, broken):
    result = lint_copy(tmp_path, edit)
    assert result.returncode != 0, result.stdout
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout


def test_only_the_command_line_moves_the_latest_run_pointer():
    callers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "gandiag").rglob("*.py")
                     if "mark_latest(" in path.read_text() and path.name != "runs.py")
    assert callers == ["gandiag/cli/train_commands.py"]


def test_checkpoints_are_opened_in_one_place():
    openers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "gandiag").rglob("*.py")
                     if "Checkpoints(" in path.read_text())
    assert openers == ["gandiag/store/saved_run.py"]


def test_every_module_name_is_used_once():
    names = [path.name for path in (ROOT / "gandiag").rglob("*.py") if path.name != "__init__.py"]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


def test_the_names_users_choose_from_are_the_registries():
    assert set(config.COSTS) == set(losses.GAN_COSTS)
    assert set(config.GENERATOR_COSTS) == set(losses.GENERATOR_COSTS)
    assert set(config.PAPER_COSTS) <= set(config.GENERATOR_COSTS)
    assert set(config.TOY_DATASETS) <= set(config.DATASETS)
    assert set(layout.EXPERIMENTS) == set(typing.get_args(layout.ExperimentName))


def sample(kind, depth: int = 0):
    """A value of the type ``kind`` with every field filled, for round trips."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in arguments if a is not type(None)), depth)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: sample(hints[f.name], depth + 1) for f in dataclasses.fields(kind)})
    if origin is dict:
        key = 3 if arguments[0] is int else "original"
        return {key: sample(arguments[1], depth + 1)}
    if origin is list:
        return [sample(arguments[0], depth + 1), sample(arguments[0], depth + 1)]
    return {int: 7, float: 0.25, str: "text", bool: True, typing.Any: {"a": [1, 2]}}[kind]


@pytest.mark.parametrize("kind", [schema.FrozenSummary, schema.NoiseSummary, schema.ToySummary,
                                  schema.TheorySummary])
def test_every_summary_round_trips_through_its_json(tmp_path, kind):
    record = sample(kind)
    written = schema.write_summary(tmp_path / "summary.json", record)
    assert written["schema_version"] == schema.SCHEMA_VERSION
    assert schema.read_summary(tmp_path / "summary.json", kind) == record


def test_non_finite_numbers_and_absent_optional_blocks_survive_the_round_trip(tmp_path):
    held_out = schema.HeldOutSummary(None, 500, 590, 600, 0.98, math.inf, 0.97)
    figure1_only = schema.SeedSummary(0, None, math.inf, 0.5, 0.1, held_out)
    record = schema.FrozenSummary(500, 300, 300, {1: schema.CheckpointSummary([figure1_only])})
    assert "costs" not in schema.encode(figure1_only)
    assert "premises" not in schema.encode(figure1_only)
    schema.write_summary(tmp_path / "summary.json", record)
    assert schema.read_summary(tmp_path / "summary.json", schema.FrozenSummary) == record


def test_a_wrong_type_names_its_key():
    value = schema.encode(sample(schema.NoiseSummary))
    value["rows"][1]["sigma"] = "big"
    with pytest.raises(schema.SchemaError, match=r"summary\.rows\[1\]\.sigma should be a number"):
        schema.decode(schema.NoiseSummary, value)
