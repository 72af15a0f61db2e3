"""Tests of the CLI's user errors: each bad input gives one "error:" line and exit code 2.

Every case fails before any training starts, so each takes well under a second once
gandiag is imported. Nothing is written to the repository: GANDIAG_RUNS_DIR points at
a temporary folder and downloads are turned off.
"""

import pathlib
import urllib.request

import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import DataConfig, ModelConfig, TrainConfig, to_dict
from gandiag.experiments.train import train
from gandiag.store import runs

TINY = ["--epochs", "1", "--batch-size", "64", "--ngf", "8", "--ndf", "8"]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Runs land in a temporary folder; any download attempt fails the test at once."""
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("GANDIAG_NO_DOWNLOAD", "1")
    monkeypatch.delenv("GANDIAG_DATA_DIR", raising=False)

    def refuse(url, *args, **kwargs):
        raise AssertionError(f"test tried to download {url}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def user_error(args: list[str], *names: str) -> str:
    """Invokes ``gandiag train ARGS`` and checks it fails as a user error naming ``names``.

    Returns:
        The single error line.
    """
    result = CliRunner().invoke(app, ["train", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == "", result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for name in names:
        assert name in line, line
    return line


def test_unknown_dataset():
    line = user_error(["--dataset", "mnsit", *TINY], "'mnsit'")
    assert "mnist" in line and "digits" in line  # the allowed values


def test_unknown_cost():
    line = user_error(["--cost", "minus-log-D", *TINY], "'minus-log-D'")
    assert "minus-log-d" in line and "wasserstein-gp" in line


def test_image_size_not_allowed():
    line = user_error(["--image-size", "48", *TINY], "48")
    assert "16, 32, 64, 128" in line


def test_image_size_not_available_for_the_dataset():
    user_error(["--image-size", "128", *TINY], "128", "digits", "16, 32")


def test_unknown_split():
    line = user_error(["--split", "validation", *TINY], "'validation'")
    assert "train" in line and "test" in line


def test_split_the_dataset_does_not_have():
    user_error(["--split", "test", *TINY], "digits", "'test'")


@pytest.mark.parametrize("text", ["1,ten", "1;10", "x"])
def test_save_epochs_not_a_list_of_integers(text):
    user_error(["--save-epochs", text, *TINY], "--save-epochs", repr(text))


def test_save_epoch_zero():
    user_error(["--save-epochs", "0,1", *TINY], "save epoch 0")


@pytest.mark.parametrize("option, value, name", [
    ("--epochs", "-1", "epochs"),
    ("--epochs", "0", "epochs"),
    ("--batch-size", "0", "batch size"),
    ("--lr", "-0.001", "lr"),
    ("--beta1", "1.0", "beta1"),
    ("--d-steps", "0", "d-steps"),
    ("--ngf", "0", "ngf"),
    ("--instance-noise", "-0.1", "instance noise"),
])
def test_out_of_range_numbers(option, value, name):
    args = list(TINY)
    if option in args:
        del args[args.index(option):args.index(option) + 2]
    user_error([option, value, *args], name, value)


@pytest.mark.parametrize("option, value", [
    ("--d-batching", "together"),
    ("--d-norm", "layer"),
    ("--noise-schedule", "cosine"),
])
def test_unknown_choices(option, value):
    user_error([option, value, *TINY], repr(value))


def test_batch_size_larger_than_the_dataset(tmp_path):
    line = user_error(["--epochs", "1", "--batch-size", "5000", "--run-dir",
                       str(tmp_path / "run")], "5000", "1797", "--batch-size")
    assert "larger than the data set" in line
    assert not (tmp_path / "run").exists()


def test_run_dir_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    run_dir = blocker / "run"
    user_error([*TINY, "--run-dir", str(run_dir)], str(run_dir), "--run-dir")


def test_run_dir_holding_a_different_config(tmp_path):
    run_dir = tmp_path / "run"
    stored = TrainConfig(data=DataConfig(), model=ModelConfig(ngf=8, ndf=8), epochs=1,
                         batch_size=64, seed=1)
    runs.prepare(run_dir, to_dict(train.resolve(stored)), resume=False, overwrite=False)
    before = (run_dir / "config.json").read_text()
    line = user_error([*TINY, "--seed", "0", "--run-dir", str(run_dir)], str(run_dir),
                      "different config (seed)", "--resume", "--overwrite")
    assert "image_size" not in line  # the stored config is resolved, so only seed differs
    assert (run_dir / "config.json").read_text() == before
    # The same config again is "a run", still refused without --resume or --overwrite.
    user_error([*TINY, "--seed", "1", "--run-dir", str(run_dir)], "already holds a run")
    # And --resume with the changed option is refused too, naming the difference.
    user_error([*TINY, "--seed", "0", "--resume", "--run-dir", str(run_dir)],
               "cannot resume", "seed")


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_missing_mnist_files_without_download(tmp_path, dataset):
    empty = tmp_path / "empty"
    empty.mkdir()
    user_error(["--dataset", dataset, "--data-dir", str(empty), *TINY],
               "missing file train-images-idx3-ubyte.gz", dataset, str(empty))


def test_missing_cifar10_files_without_download(tmp_path):
    user_error(["--dataset", "cifar10", "--data-dir", str(tmp_path), *TINY],
               "missing file", "cifar10", str(tmp_path))


@pytest.mark.parametrize("dataset", ["folder", "npz"])
def test_path_datasets_need_a_data_dir(dataset):
    user_error(["--dataset", dataset, *TINY], f"'{dataset}'", "--data-dir")


def test_nothing_lands_in_the_runs_folder(tmp_path):
    user_error(["--dataset", "mnsit", *TINY])
    assert not pathlib.Path(tmp_path / "runs").exists()


def test_runs_root_that_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GANDIAG_RUNS_DIR", str(blocker / "runs"))
    user_error([*TINY, "--run-dir", str(tmp_path / "run")], "GANDIAG_RUNS_DIR")


@pytest.mark.parametrize("resume", [False, True])
def test_run_dir_with_a_corrupt_config(tmp_path, resume):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text("{not json")
    user_error([*TINY, "--run-dir", str(run_dir), *(["--resume"] if resume else [])],
               str(run_dir / "config.json"))


def test_resume_of_a_missing_run_names_the_path(tmp_path):
    missing = tmp_path / "typo"
    user_error([*TINY, "--resume", "--run-dir", str(missing)], str(missing), "--resume")
    assert not missing.exists()  # nothing was started in its place


def test_save_epochs_beyond_the_run(tmp_path):
    user_error(["--epochs", "2", "--save-epochs", "1,5", "--batch-size", "64",
                "--run-dir", str(tmp_path / "run")], "--save-epochs 5", "--epochs 2")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", [["report"], ["report", "--grid"], ["compare"]])
def test_later_commands_refuse_a_missing_run(tmp_path, command):
    missing = tmp_path / "does" / "not" / "exist"
    result = CliRunner().invoke(app, [*command, str(missing)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and str(missing) in result.stderr
    assert not missing.exists()
