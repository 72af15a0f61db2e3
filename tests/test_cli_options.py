"""Every command is a shim over its config: each option sets a config field (or is one of the
few plain options), takes its default from the config, lists its choices in --help and the
shell's completion, and the command hands the library the config it describes."""

import dataclasses
import json
import pathlib
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.cli.options import Flag, Settings, parse_floats, with_flags
from gandiag.cli.run_options import PLAIN_OPTIONS
from gandiag.config import (
    AblateConfig,
    PaperConfig,
    PaperPresetName,
    TheoryConfig,
    TrainConfig,
    ValidateConfig,
    choices,
    field_type,
    field_value,
    to_dict,
)
from gandiag.experiments.noise.toy_noise_config import ToyNoiseConfig
from gandiag.experiments.sweep.sweep_config import LaunchConfig, SweepConfig


def registered(application: typer.Typer) -> dict[str, tuple]:
    """Command name -> (its click command, its flags: option -> (Flag, config or class))."""
    group = typer.main.get_command(application)
    names = [info.name or typer.main.get_command_name(info.callback.__name__)
             for info in application.registered_commands]
    return {name: (group.commands[name], getattr(info.callback, "flags", {}))
            for name, info in zip(names, application.registered_commands)}


def unexplained(application: typer.Typer) -> list[str]:
    """The options that neither set a config field nor are plain options."""
    return [f"{name} {param.opts[0]}" for name, (command, flags) in registered(application).items()
            for param in command.params if param.param_type_name == "option"
            and param.opts[0] not in flags and param.opts[0] not in PLAIN_OPTIONS]


def config_class(defaults) -> type:
    return defaults if isinstance(defaults, type) else type(defaults)


def every_flag():
    for name, (command, flags) in registered(app).items():
        params = {param.opts[0]: param for param in command.params}
        for option, (flag, defaults) in flags.items():
            yield name, params[option], flag, defaults


def test_every_option_sets_a_config_field_or_is_a_plain_option():
    assert unexplained(app) == []
    for _, _, flag, defaults in every_flag():
        field_type(config_class(defaults), flag.path)  # the field exists


def test_the_check_catches_a_hand_written_option():
    toy = typer.Typer()

    @toy.command()
    def command(lr: float = typer.Option(2e-4), quiet: bool = typer.Option(False)):
        """A command whose --lr repeats a config's default by hand."""

    @toy.command()
    def other():
        """A second command, so that the first keeps its name."""

    assert unexplained(toy) == ["command --lr"]


def test_every_option_takes_its_default_from_its_config():
    for name, param, flag, defaults in every_flag():
        if isinstance(defaults, type):  # a preset chosen at run time gives the values
            assert param.default is None, (name, flag.option)
        elif flag.default is None:  # not a list option with a text default of its own
            value = None if param.default is None else flag.convert(param.default)
            assert value in (None, field_value(defaults, flag.path)), (name, flag.option)


def test_help_and_the_shell_list_every_choice():
    runner = CliRunner()
    checked = 0
    for name, param, flag, defaults in every_flag():
        allowed = flag.allowed(config_class(defaults))
        if not allowed or flag.hidden:
            continue
        shown = runner.invoke(app, [name, "--help"], env={"COLUMNS": "400"}).output
        assert all(value in shown for value in allowed), (name, flag.option)
        command = typer.main.get_command(app).commands[name]
        context = command.context_class(command)
        completed = [item.value for item in param.shell_complete(context, "")]
        assert completed == list(allowed), (name, flag.option)
        checked += 1
    assert checked > 20
    sweep = runner.invoke(app, ["sweep", "--help"], env={"COLUMNS": "200"}).output
    assert "costs|noise|seeds" in sweep


def test_the_command_line_loads_no_jax():
    code = "import sys, gandiag.cli; print('jax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_the_paper_presets_are_the_names_users_choose_from():
    from gandiag.experiments.paper import presets

    assert choices(PaperPresetName) == tuple(presets.PRESETS)


def settings_of(flags: list[Flag], defaults, args: list[str]) -> Settings:
    """The Settings a command with ``flags`` over ``defaults`` receives from ``args``."""
    toy, received = typer.Typer(), []

    @toy.command()
    @with_flags(options=(flags, defaults))
    def command(options: Settings):
        received.append(options)

    @toy.command()
    def other():
        """A second command, so that the first keeps its name."""

    result = CliRunner().invoke(toy, ["command", *args])
    assert result.exit_code == 0, result.output
    return received[0]


def test_options_of_a_preset_hold_only_what_was_given():
    flags = [Flag("probe.iters"), Flag("studies", name="study")]
    changes = settings_of(flags, AblateConfig, ["--iters", "7"])
    assert changes.values == {"probe.iters": 7} and changes.given == {"probe.iters"}
    preset = AblateConfig(length_iters=5)
    assert changes.apply(preset) == dataclasses.replace(
        preset, probe=dataclasses.replace(preset.probe, iters=7))
    studies = settings_of(flags, AblateConfig, ["--study", "memorisation", "--study",
                                                "artefacts"])
    assert studies.apply(preset).studies == ("memorisation", "artefacts")


def test_repeatable_and_optional_list_options_keep_the_configs_defaults():
    claims = [Flag("claims", name="claim")]
    assert settings_of(claims, ValidateConfig(), []).apply(ValidateConfig()) == ValidateConfig()
    given = settings_of(claims, ValidateConfig(), ["--claim", "a", "--claim", "b"])
    assert given.apply(ValidateConfig()).claims == ("a", "b")
    sigmas = [Flag("sigmas", name="sigma", parse=parse_floats)]
    assert settings_of(sigmas, PaperConfig(), []).apply(PaperConfig()).sigmas is None
    given = settings_of(sigmas, PaperConfig(), ["--sigma", "0,1"])
    assert given.apply(PaperConfig()).sigmas == (0.0, 1.0)


@pytest.fixture(autouse=True)
def own_runs_root(monkeypatch, tmp_path):
    """The runs root (and its latest-run pointer) of this test alone."""
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(tmp_path / "runs"))
    return tmp_path / "runs"


@pytest.fixture
def handed(monkeypatch):
    """Replaces a module's ``run`` by one that records what the command handed it."""

    def replace(module) -> list[tuple]:
        calls = []
        monkeypatch.setattr(module, "run", lambda *args, **_: calls.append(args) or
                            pathlib.Path("written"))
        return calls

    return replace


def invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def test_toy_noise_hands_over_its_config(handed, tmp_path):
    from gandiag.experiments.noise import toy_noise

    calls = handed(toy_noise)
    invoke("toy-noise", "--out-dir", str(tmp_path))
    invoke("toy-noise", "--dataset", "grid", "--sigma", "0,1", "--g-updates", "9", "--d-steps",
           "2", "--seed", "3", "--quiet")
    assert calls[0] == (ToyNoiseConfig(), tmp_path, False)
    assert calls[1] == (ToyNoiseConfig("grid", (0.0, 1.0), 9, 2, seed=3), None, True)


def test_paper_hands_over_its_preset_with_the_options_given(handed, tmp_path):
    from gandiag.experiments.paper import paper, presets

    calls = handed(paper)
    invoke("paper", "--run-dir", str(tmp_path / "a"))
    invoke("paper", "--preset", "cpu", "--split", "test", "--ngf", "8", "--epochs", "2",
           "--iters", "5", "--sigma", "0,1", "--seed", "4", "--g-seeds", "2", "--workers", "0",
           str(tmp_path / "b"))
    assert calls[0] == (presets.configure("quick"), tmp_path / "a", False, None)
    assert calls[1] == (presets.configure("cpu", data={"split": "test"}, model={"ngf": 8},
                                          epochs=2, iters=5, sigmas=(0.0, 1.0), seed=4,
                                          g_seeds=2), tmp_path / "b", False, 0)


def test_sweep_hands_over_its_sweep_and_where_it_runs(handed, tmp_path):
    from gandiag.experiments.sweep import sweep

    calls = handed(sweep)
    invoke("sweep", "seeds")
    invoke("sweep", "noise", "--values", "0 0.5", "--sweep-dir", str(tmp_path), "--launcher",
           "slurm", "--jobs", "3", "--partition", "gpu", "--cluster", "local")
    assert calls[0] == (SweepConfig("seeds"), LaunchConfig(), False)
    config, launch, _ = calls[1]
    assert config == SweepConfig("noise", ("0", "0.5"), tmp_path)
    assert launch == LaunchConfig("slurm", 3, "gpu", cluster="local")
    assert launch.slurm["slurm_partition"] == "gpu"


def test_theory_and_validate_hand_over_their_configs(handed, tmp_path):
    from gandiag.experiments.theory import theory
    from gandiag.views.validate import validate_report

    checks = handed(theory)
    invoke("theory")
    invoke("theory", "--only", "cauchy,dirac", "--seed", "2")
    assert [call[0] for call in checks] == [TheoryConfig(),
                                           TheoryConfig(only=("cauchy", "dirac"), seed=2)]
    validations = handed(validate_report)
    invoke("validate", "--output", str(tmp_path))
    invoke("validate", "--claim", "figure1", "--repeats", "10", "--write-spec-rates",
           "--output", str(tmp_path))
    defaults = ValidateConfig()
    assert validations[0] == (tmp_path, defaults.repeats, None, defaults.write_spec_rates,
                              False)
    assert validations[1] == (tmp_path, 10, ("figure1",), True, False)


def test_ablate_changes_the_data_sets_preset_only_where_told(handed, tmp_path):
    from gandiag.experiments.ablate import ablate, ablate_preset
    from gandiag.views.report import report

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(to_dict(TrainConfig())))
    calls = handed(ablate)
    handed(report)
    preset = ablate_preset.preset("digits")
    invoke("ablate", str(run_dir))
    invoke("ablate", str(run_dir), "--iters", "7", "--study", "memorisation", "--variant", "n-64")
    invoke("ablate", str(run_dir), "--epochs", "1")
    assert [call[1] for call in calls] == [
        preset,
        dataclasses.replace(preset, probe=dataclasses.replace(preset.probe, iters=7),
                            studies=("memorisation",), variants=("n-64",)),
        dataclasses.replace(preset, probe=dataclasses.replace(preset.probe, epochs=(1,)),
                            length_epochs=(), resolution_epochs=())]


@pytest.mark.parametrize("args, names", [
    (["toy-noise", "--dataset", "square"], ["'square'", "ring, grid"]),
    (["toy-noise", "--sigma", "0,x"], ["--sigma", "'0,x'"]),
    (["toy-noise", "--g-updates", "0"], ["--g-updates", "0"]),
    (["paper", "--preset", "huge"], ["'huge'", "quick, cpu, gpu"]),
    (["paper", "--split", "validation"], ["'validation'", "train, test"]),
    (["paper", "--workers", "-1"], ["--workers", "-1", "0 or more"]),
    (["probe", "--workers", "-1"], ["workers -1", "0 (none) or more"]),
    (["add-noise", "--workers", "-2"], ["workers -2", "0 (none) or more"]),
    (["theory", "--only", "everything"], ["'everything'", "vanishing, minus-log-d"]),
    (["sweep", "lr"], ["'lr'", "costs, noise, seeds"]),
    (["sweep", "seeds", "--launcher", "pbs"], ["'pbs'", "local, slurm"]),
    (["sweep", "seeds", "--jobs", "0"], ["--jobs 0", ">= 1"]),
    (["validate", "--repeats", "2"], ["--repeats", "2", "10"]),
    (["validate", "--claim", "bogus"], ["bogus", "figure1"]),
])
def test_bad_input_is_one_line_naming_the_value_and_what_is_allowed(args, names,
                                                                    own_runs_root):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(name in lines[0] for name in names), lines[0]
    assert not own_runs_root.exists()
