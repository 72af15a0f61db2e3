"""The software behind a number: `gandiag --version`, config.json's record, the pinned lock."""

import importlib.metadata
import pathlib
import re
import tomllib

from packaging.requirements import Requirement
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import train_config_from_dict
from gandiag.store import records, runs
from gandiag.versions import PACKAGES, software_versions

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_version_names_gandiag_jax_jaxlib_flax_and_python():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    for package in ("gandiag", "jax", "jaxlib", "flax"):
        assert f"{package} {importlib.metadata.version(package)}" in result.output
    assert re.search(r"python 3\.\d+\.\d+", result.output)


def test_every_run_records_its_software_and_reading_the_config_ignores_it(tiny_run):
    written = records.read_json(tiny_run / "config.json")
    assert written[records.VERSIONS_KEY] == software_versions()
    assert set(written[records.VERSIONS_KEY]) == {*PACKAGES, "python"}
    config = train_config_from_dict(runs.read_config(tiny_run))
    assert records.VERSIONS_KEY not in runs.read_train_config(tiny_run)
    assert config.epochs == 2


def test_the_lock_pins_every_dependency_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(text) for text in
              [*project["dependencies"], *project["optional-dependencies"]["dev"]]]
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[re.sub(r"[-_.]+", "-", name).lower()] = version
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pinned, f"{name} is not pinned in requirements.lock"
        assert requirement.specifier.contains(pinned[name]), (name, pinned[name])
