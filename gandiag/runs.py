"""Run directories: where they go, the pointer to the latest one, and their configs."""

import datetime
import json
import os
import pathlib
import shutil

from gandiag.config import differences
from gandiag.errors import GandiagError

LATEST = "latest"


def runs_root() -> pathlib.Path:
    """``$GANDIAG_RUNS_DIR``, else ``./runs``."""
    return pathlib.Path(os.environ.get("GANDIAG_RUNS_DIR", "runs"))


def default_run_dir(dataset: str, cost: str) -> pathlib.Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return runs_root() / f"{dataset}-{cost}-{stamp}"


def mark_latest(run_dir: pathlib.Path) -> None:
    """Point ``<runs root>/latest`` at ``run_dir`` (a symlink; a text file where links fail)."""
    root = runs_root()
    pointer = root / LATEST
    target = pathlib.Path(run_dir).absolute()
    # A new link under a unique name, renamed over the old one: atomic, so runs started
    # together (make -j) never see a missing or half-written pointer.
    staging = root / f".{LATEST}-{os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if staging.is_symlink() or staging.exists():
            staging.unlink()
        try:
            staging.symlink_to(target, target_is_directory=True)
        except OSError:
            staging.write_text(str(target))
        os.replace(staging, pointer)
    except OSError as error:
        raise GandiagError(f"cannot write the latest-run pointer {pointer}: {error.strerror}; "
                           "set GANDIAG_RUNS_DIR to a writable folder") from None


def resolve_run_dir(run_dir: str | os.PathLike | None) -> pathlib.Path:
    """The run directory a later command works on: the given one, else the latest."""
    if run_dir is None:
        pointer = runs_root() / LATEST
        if pointer.is_file() and not pointer.is_symlink():
            run_dir = pointer.read_text().strip()
        elif pointer.exists():
            run_dir = pointer.resolve()
        else:
            raise GandiagError(f"no run given and no latest run at {pointer}; "
                               "run `gandiag train` first or pass --run-dir")
    path = pathlib.Path(run_dir)
    if not (path / "config.json").is_file():
        raise GandiagError(f"{path} is not a gandiag run (no config.json); pass the folder "
                           "that `gandiag train` wrote")
    return path


def read_config(run_dir: pathlib.Path) -> dict:
    path = pathlib.Path(run_dir) / "config.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise GandiagError(f"cannot read {path} ({error}); pass --overwrite to start again "
                           "or another --run-dir") from None


def prepare(run_dir: pathlib.Path, config: dict, resume: bool, overwrite: bool) -> bool:
    """Make ``run_dir`` ready to train ``config``; returns whether to resume.

    A run dir that already holds a run is refused unless ``resume`` (same config,
    except the number of epochs and the save epochs) or ``overwrite`` (wiped first).
    """
    run_dir = pathlib.Path(run_dir)
    config_path = run_dir / "config.json"
    if overwrite and run_dir.exists():
        shutil.rmtree(run_dir)
    if config_path.exists():
        changed = [name for name in differences(read_config(run_dir), config)
                   if name not in ("epochs", "save_epochs")]
        if not resume:
            what = f"a different config ({', '.join(changed)})" if changed else "a run"
            raise GandiagError(f"run dir {run_dir} already holds {what}; pass --resume to "
                               "continue it, --overwrite to start again, or another --run-dir")
        if changed:
            raise GandiagError(f"cannot resume {run_dir}: its config differs in "
                               f"{', '.join(changed)}; use the same options or --overwrite")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        config_path.write_text(json.dumps(config, indent=2) + "\n")
    except OSError as error:
        raise GandiagError(f"cannot write run dir {run_dir}: {error.strerror}; "
                           "choose a writable --run-dir") from None
    return resume and (run_dir / "checkpoints" / "latest").is_dir()
