"""A trained run opened once: its folder, its training config, its saved Gs, and which of
its outputs are complete.

Every command that reads a `gandiag train` run goes through ``SavedRun``: the config is
read and the checkpoints are opened here and nowhere else, and "is this already done?" is
answered by ``complete`` (an output) and ``trained`` (a run).
"""

import functools
import pathlib
from collections.abc import Callable

import jax
import numpy as np

from gandiag.config import TrainConfig, relocated, train_config_from_dict
from gandiag.core import user_model
from gandiag.core.state import build_generator, init_variables
from gandiag.errors import GandiagError
from gandiag.store import layout, records, runs
from gandiag.store.checkpoints import Checkpoints


class SavedRun:
    """A `gandiag train` run: ``dir`` (its layout), ``config`` (its training config) and its
    checkpoints, each read on first use.

    Read-only unless ``writable`` (the trainer's, which may open a run dir whose config.json
    another process writes). ``model``: where a run trained with its user's own G and D
    (``--model``) finds that model now; None: where it was trained from.
    """

    def __init__(self, run_dir: pathlib.Path | str | None, writable: bool = False,
                 model: str | None = None):
        self.dir = layout.RunDir(pathlib.Path(run_dir) if writable
                                 else runs.resolve_run_dir(run_dir))
        self.writable = writable
        self.model = model

    @property
    def path(self) -> pathlib.Path:
        return self.dir.path

    @functools.cached_property
    def config(self) -> TrainConfig:
        """The training config; a user's own model is refused here, before any work, if
        its source no longer hashes as recorded."""
        config = relocated(train_config_from_dict(runs.read_config(self.path)), self.model)
        user_model.require_unchanged(config.model)
        return config

    @functools.cached_property
    def checkpoints(self) -> Checkpoints:
        return Checkpoints(self.path, read_only=not self.writable)

    def saved_epochs(self) -> list[int]:
        """The epochs whose G was kept, in order (none before the first save)."""
        return self.checkpoints.saved_epochs() if self.dir.checkpoints.is_dir() else []

    def epochs(self, wanted: tuple[int, ...] = ()) -> tuple[int, ...]:
        """``wanted`` (every saved epoch when empty), each checked to have a checkpoint."""
        saved = self.saved_epochs()
        if not saved:
            raise GandiagError(f"{self.path} has no saved G yet: the run is still in its first "
                               "epoch (or was stopped before it); wait for it, or resume it with "
                               f"`gandiag train --run-dir {self.path} --resume`")
        epochs = tuple(wanted) or tuple(saved)
        missing = [epoch for epoch in epochs if epoch not in saved]
        if missing:
            raise GandiagError(f"epoch(s) {', '.join(map(str, missing))} have no checkpoint in "
                               f"{self.path}; saved epochs: {', '.join(map(str, saved))}")
        return epochs

    def generator(self, epoch: int, example_shape: tuple[int, ...],
                  place: Callable[[dict], dict] = lambda tree: tree) -> dict:
        """G's {params, batch_stats} after ``epoch``; ``place`` puts the template on devices."""
        generator = build_generator(self.config.model, example_shape)
        params, stats = init_variables(generator, jax.random.key(0),
                                       np.zeros((1, self.config.model.nz), np.float32))
        restored, _ = self.checkpoints.restore_generator(
            epoch, place({"params": params, "batch_stats": stats}))
        return restored


def complete(output: layout.ExperimentDir, expected: dict | None = None,
             files: tuple[str, ...] = ()) -> bool:
    """Whether an experiment's output is done: its summary.json (and ``files``) written, and
    its config.json holding every setting of ``expected``."""
    if not output.summary.is_file() or not all((output.path / f).is_file() for f in files):
        return False
    if expected is None:
        return True
    written = records.read_json(output.config) if output.config.is_file() else None
    return all((written or {}).get(key) == value for key, value in expected.items())


def trained(run_dir: pathlib.Path, config: TrainConfig | None = None,
            epochs: tuple[int, ...] = ()) -> bool:
    """Whether ``run_dir`` holds a run trained with ``config`` (when given) whose saved epochs
    include ``epochs`` (all of ``config.save_epochs`` when ``epochs`` is empty)."""
    run = layout.RunDir(run_dir)
    if not run.config.is_file() or not run.checkpoints.is_dir():
        return False
    saved = SavedRun(run.path)
    if config is not None and saved.config != config:
        return False
    wanted = epochs or (config.save_epochs if config is not None else ())
    return set(wanted) <= set(saved.saved_epochs())
