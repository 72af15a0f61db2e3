"""Run directories: where they go, the pointer to the latest one, and their configs."""

import datetime
import os
import pathlib
import shutil

from gandiag.config import differences, to_dict, train_config_from_dict
from gandiag.errors import GandiagError
from gandiag.store import layout, records


def runs_root() -> pathlib.Path:
    """``$GANDIAG_RUNS_DIR``, else ``./runs``."""
    return pathlib.Path(os.environ.get("GANDIAG_RUNS_DIR", "runs"))


def default_run_dir(dataset: str, cost: str) -> pathlib.Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return runs_root() / f"{dataset}-{cost}-{stamp}"


def mark_latest(run_dir: pathlib.Path) -> None:
    """Point ``<runs root>/latest`` at ``run_dir`` (a symlink; a text file where links fail)."""
    root = runs_root()
    pointer = root / layout.LATEST_RUN
    target = pathlib.Path(run_dir).absolute()
    # A new link under a unique name, renamed over the old one: atomic, so runs started
    # together (make -j) never see a missing or half-written pointer.
    staging = root / f".{layout.LATEST_RUN}-{os.getpid()}"
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


def _latest_target() -> pathlib.Path:
    """Where ``<runs root>/latest`` points: the newest run or run set."""
    pointer = runs_root() / layout.LATEST_RUN
    if pointer.is_file() and not pointer.is_symlink():
        return pathlib.Path(pointer.read_text().strip())
    if pointer.exists():
        return pointer.resolve()
    raise GandiagError(f"no run given and no latest run at {pointer}; "
                       "run `gandiag train` first or pass --run-dir")


def resolve_run_dir(run_dir: str | os.PathLike | None) -> pathlib.Path:
    """The run directory a later command works on: the given one, else the latest."""
    path = pathlib.Path(run_dir) if run_dir is not None else _latest_target()
    if not layout.RunDir(path).config.is_file():
        raise GandiagError(f"{path} is not a gandiag run (no config.json); pass the folder "
                           "that `gandiag train` wrote")
    return path


def read_config(run_dir: pathlib.Path) -> dict:
    """A run's config.json; a one-line error if it is missing or unreadable."""
    path = layout.RunDir(run_dir).config
    config = records.read_json(path)
    if not isinstance(config, dict):
        raise GandiagError(f"cannot read {path} (missing or not a JSON object); pass "
                           "--overwrite to start again or another --run-dir")
    return config


def read_train_config(run_dir: pathlib.Path) -> dict:
    """A run's config.json with every field a newer gandiag added filled in with its
    default (as the run was trained), so that runs written before and after such a field
    compare as equal."""
    return to_dict(train_config_from_dict(read_config(run_dir)))


def make_dir(path: pathlib.Path, option: str) -> None:
    """Create the folder ``path`` (and its parents), or a one-line error naming ``option``."""
    try:
        pathlib.Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GandiagError(f"cannot write {path}: {error.strerror}; choose a writable "
                           f"{option}") from None


def prepare(run_dir: pathlib.Path, config: dict, resume: bool, overwrite: bool) -> bool:
    """Make ``run_dir`` ready to train ``config``; returns whether to resume a run there
    (whether it holds a checkpoint to resume from is the checkpoints' business).

    A run dir that already holds a run is refused unless ``resume`` (same config,
    except the number of epochs and the save epochs) or ``overwrite`` (wiped first).
    """
    run_dir = pathlib.Path(run_dir)
    config_path = layout.RunDir(run_dir).config
    if overwrite and run_dir.exists():
        for child in run_dir.iterdir():  # all but the lock, held by this process
            if child.name == layout.LOCK:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    if config_path.exists():
        changed = [name for name in differences(read_train_config(run_dir), config)
                   if name not in ("epochs", "save_epochs")]
        if not resume:
            what = f"a different config ({', '.join(changed)})" if changed else "a run"
            raise GandiagError(f"run dir {run_dir} already holds {what}; pass --resume to "
                               "continue it, --overwrite to start again, or another --run-dir")
        if changed:
            raise GandiagError(f"cannot resume {run_dir}: its config differs in "
                               f"{', '.join(changed)}; use the same options or --overwrite")
    existed = config_path.exists()
    make_dir(run_dir, "--run-dir")
    records.write_config(config_path, config)
    return resume and existed


def run_set(path: str | os.PathLike | None) -> tuple[pathlib.Path, list[pathlib.Path]]:
    """(the folder, the G runs it covers): a run set and its members, or a run on its own.

    ``path`` None is the latest run (or run set).
    """
    path = pathlib.Path(path) if path is not None else _latest_target()
    if not (path / layout.MEMBERS).is_file():
        return path, [resolve_run_dir(path)]
    listed = records.read_json(path / layout.MEMBERS)
    names = listed.get("runs") if isinstance(listed, dict) else None
    if not names:
        raise GandiagError(f"{path / layout.MEMBERS} lists no runs; rerun `gandiag paper` "
                           "there or pass a run")
    return path, [resolve_run_dir(path / name) for name in names]


def write_members(path: pathlib.Path, names: list[str]) -> None:
    """Make ``path`` a run set of the runs in its sub-folders ``names``."""
    make_dir(path, "--run-dir")
    records.write_json(pathlib.Path(path) / layout.MEMBERS, {"runs": names})
