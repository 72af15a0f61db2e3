"""What a new user meets first: a run dir as argument, the data summary, every
unreadable image in one error, a resume with nothing to resume, an empty run's probe, a
clamped --held-out, and Ctrl-C's exit code."""

import pathlib

import pytest
from PIL import Image
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import DataConfig, ModelConfig, ProbeConfig, TrainConfig, to_dict
from gandiag.data import files
from gandiag.errors import GandiagError
from gandiag.store import layout, records

runner = CliRunner()
TINY = ["--dataset", "digits", "--epochs", "1", "--ngf", "8", "--ndf", "8", "--nz", "16",
        "--save-epochs", "1", "--quiet"]


@pytest.fixture(autouse=True)
def _runs_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(tmp_path / "runs"))


@pytest.mark.parametrize("command", ["train", "probe", "freeze-g-train-d", "add-noise", "theory",
                                     "paper"])
def test_run_dir_as_argument_or_option_but_one(command, tmp_path):
    result = runner.invoke(app, [command, str(tmp_path / "a"), "--run-dir", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert f"two run dirs given, {tmp_path / 'a'} and --run-dir {tmp_path / 'b'}" in result.stderr


def test_probe_takes_the_run_dir_as_argument(tmp_path):
    result = runner.invoke(app, ["probe", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and f"{tmp_path / 'nowhere'} is not a gandiag run" in result.stderr


def _image(path: pathlib.Path, mode: str, size: tuple[int, int]) -> None:
    Image.new(mode, size).save(path)


def test_folder_lists_every_unreadable_image_at_once(tmp_path):
    _image(tmp_path / "good.png", "L", (8, 8))
    (tmp_path / "bad1.png").write_bytes(b"not a png")
    (tmp_path / "bad2.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(GandiagError) as caught:
        files.read_image_folder(tmp_path, 16)
    message = str(caught.value)
    assert message.startswith("2 of 3 images cannot be read")
    assert "bad1.png" in message and "bad2.jpg" in message and "\n" not in message


def test_folder_says_what_it_converted_and_cropped(tmp_path):
    for name, mode, size in [("grey", "L", (8, 8)), ("rgb", "RGB", (8, 8)),
                             ("rgba", "RGBA", (8, 8)), ("palette", "P", (12, 8))]:
        _image(tmp_path / f"{name}.png", mode, size)
    folder = files.read_image_folder(tmp_path, 16)
    assert folder.array.shape == (4, 16, 16, 3)
    # The grey image becomes RGB too, since the others are colour.
    assert folder.converted == {"L": 1, "RGBA": 1, "P": 1} and folder.cropped == 1
    assert folder.note == "converted 3 (L 1, P 1, RGBA 1), 1 not square (centre-cropped)"


def _config_only_run(tmp_path) -> pathlib.Path:
    """A run dir as `gandiag train` leaves it before its first checkpoint."""
    from gandiag.experiments.train import train

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    config = TrainConfig(data=DataConfig("digits"), model=ModelConfig(nz=16, ngf=8, ndf=8),
                         epochs=1, save_epochs=(1,))
    records.write_json(layout.RunDir(run_dir).config, to_dict(train.resolve(config)))
    layout.RunDir(run_dir).checkpoints.mkdir()
    return run_dir


def test_probe_of_a_run_in_its_first_epoch(tmp_path):
    run_dir = _config_only_run(tmp_path)
    empty = runner.invoke(app, ["probe", str(run_dir)])
    assert empty.exit_code == 2
    assert f"{run_dir} has no saved G yet: the run is still in its first epoch" in empty.stderr


@pytest.mark.slow
def test_resume_without_checkpoint_starts_fresh_and_says_so(tmp_path):
    run_dir = _config_only_run(tmp_path)
    resumed = runner.invoke(app, ["train", str(run_dir), "--resume", "--epochs", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert "has no checkpoint yet; starting fresh from step 0" in resumed.stderr
    assert "data: digits: 1797 images, 1 channel, 16x16" in resumed.stderr


def test_held_out_cap_is_announced(tmp_path, capsys, monkeypatch):
    from gandiag.data import datasets
    from gandiag.experiments.probe import probe as probing
    from gandiag.store.checkpoints import Checkpoints

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    config = TrainConfig(data=DataConfig("digits"), model=ModelConfig(nz=16, ngf=8, ndf=8))
    records.write_json(layout.RunDir(run_dir).config, to_dict(config))
    layout.RunDir(run_dir).checkpoints.mkdir()
    monkeypatch.setattr(Checkpoints, "saved_epochs", lambda self: [1])
    experiment = probing.prepare(run_dir, ProbeConfig(held_out=5000), layout.PROBE)
    assert len(experiment.held_out) == len(datasets.load_data(config.data)) // 5
    assert (f"warning: --held-out 5000 is more than a fifth of the 1797 examples; holding out "
            f"{1797 // 5}") in capsys.readouterr().err


def test_interrupted_training_exits_130_after_saving(monkeypatch):
    from gandiag.experiments.train import train

    def stopped(config, run_dir, **kwargs):
        return train.TrainResult(pathlib.Path("runs/x"), 3, 0.1, "SIGINT")

    monkeypatch.setattr(train, "run", stopped)
    result = runner.invoke(app, ["train", *TINY])
    assert result.exit_code == 130
    monkeypatch.setattr(train, "run", lambda *a, **k: train.TrainResult(
        pathlib.Path("runs/x"), 3, 0.1, "SIGTERM"))
    assert runner.invoke(app, ["train", *TINY]).exit_code == 143
