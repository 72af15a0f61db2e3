"""Orbax checkpoints of the GAN state, laid out so G can be restored alone by epoch.

Layout under ``<run>/checkpoints/``:
- ``epoch/<E>/``: the whole state after epoch E, for every save epoch, kept forever;
- ``latest/<step>/``: the most recent state (end of an epoch or an interruption),
  the one ``--resume`` continues from; only the newest is kept.

Each checkpoint has the items ``generator`` ({params, batch_stats}),
``discriminator`` (likewise), ``optimizers`` ({g, d}), ``progress`` ({step, key})
and ``meta`` (JSON: epoch, step, the run's config, and a SHA-256 digest of each item's
arrays), so a later command restores ``generator`` and ``meta`` without reading the rest.
Every restore recomputes the digests of what it read: a checkpoint whose bytes were
overwritten or truncated is reported in one line instead of being used.
"""

import hashlib
import pathlib

import jax
import numpy as np
import orbax.checkpoint as ocp

from gandiag.core.state import GANState, NetworkState
from gandiag.errors import GandiagError
from gandiag.store import layout


# The items keep the layout of the module docstring, whatever the state's own: runs saved
# by any earlier version read back (tests/test_checkpoint_layout.py).
def _items(state: GANState) -> dict:
    return {
        "generator": state.g.variables,
        "discriminator": state.d.variables,
        "optimizers": {"g": state.g.opt_state, "d": state.d.opt_state},
        "progress": {"step": state.step, "key": state.key},
    }


def _network(variables: dict, opt_state) -> NetworkState:
    return NetworkState(variables["params"], variables["batch_stats"], opt_state)


def _state(items: dict) -> GANState:
    return GANState(step=items["progress"]["step"],
                    g=_network(items["generator"], items["optimizers"]["g"]),
                    d=_network(items["discriminator"], items["optimizers"]["d"]),
                    key=items["progress"]["key"])


def _abstract(tree):
    """The restore target of ``tree``: shapes, dtypes and shardings (global arrays on a
    mesh are restored as the same global arrays, on every process)."""
    return jax.tree_util.tree_map(
        lambda leaf: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype,
                                          sharding=getattr(leaf, "sharding", None)), tree)


def digest(tree) -> str:
    """SHA-256 of a pytree's arrays (dtype, shape and bytes of every leaf, in tree order)."""
    hasher = hashlib.sha256()
    for leaf in jax.tree_util.tree_leaves(tree):
        array = np.asarray(jax.device_get(leaf))
        if jax.dtypes.issubdtype(array.dtype, jax.dtypes.prng_key):
            array = np.asarray(jax.random.key_data(leaf))
        hasher.update(f"{array.dtype}{array.shape}".encode())
        hasher.update(np.ascontiguousarray(array).tobytes())
    return hasher.hexdigest()


# What Orbax raises on unreadable checkpoint files (bytes overwritten, truncated,
# missing) varies: TensorStore's ValueError (OUT_OF_RANGE, DATA_LOSS, FAILED_PRECONDITION)
# re-raised by Orbax as a bare Exception, OSError, or KeyError / TypeError when the
# metadata itself is garbled. A restore is a boundary, so any Exception means "damaged".


def _reason(error: BaseException) -> str:
    """The first line of the innermost error (TensorStore's own words), shortened."""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _manager(directory: pathlib.Path, max_to_keep: int | None, read_only=False):
    # Synchronous saves: a checkpoint is complete on disk when save() returns, so an
    # interruption right after it loses nothing. They take well under a second here.
    # A save cut off by kill -9 leaves an uncommitted "*.orbax-checkpoint-tmp*" folder:
    # a writer (the run dir's lock holder) removes them; readers never see them.
    options = ocp.CheckpointManagerOptions(
        max_to_keep=max_to_keep, create=not read_only,
        enable_async_checkpointing=False, cleanup_tmp_directories=not read_only)
    return ocp.CheckpointManager(directory, options=options)


class Checkpoints:
    """The checkpoints of one run directory."""

    def __init__(self, run_dir: pathlib.Path, read_only: bool = False):
        root = layout.RunDir(pathlib.Path(run_dir).absolute()).checkpoints
        self._root = root
        if read_only and not root.is_dir():
            raise GandiagError(f"no checkpoints in {run_dir}; run `gandiag train` there first")
        self._epochs = _manager(root / layout.EPOCH_CHECKPOINTS, None, read_only)
        self._latest = _manager(root / layout.LATEST_CHECKPOINT, 1, read_only)

    def save(self, state: GANState, epoch: int, config: dict, keep_epoch: bool) -> None:
        """Save as the latest state and, if ``keep_epoch``, as epoch ``epoch``'s."""
        step = int(state.step)
        items = {name: tree for name, tree in _items(state).items()
                 if jax.tree_util.tree_leaves(tree)}
        meta = {"epoch": epoch, "step": step, "config": config,
                "digests": {name: digest(tree) for name, tree in items.items()}}
        args = ocp.args.Composite(
            **{name: ocp.args.StandardSave(tree) for name, tree in items.items()},
            meta=ocp.args.JsonSave(meta))
        try:
            self._latest.save(step, args=args, force=True)
            if keep_epoch:
                self._epochs.save(epoch, args=args, force=True)
        except Exception as error:  # Orbax wraps ENOSPC and the like in bare Exceptions
            raise GandiagError(f"cannot save the checkpoint of epoch {epoch} in {self._root} "
                               f"({_reason(error)}); the checkpoints saved before are intact: "
                               "free some disk space and rerun with --resume") from None

    def saved_epochs(self) -> list[int]:
        return sorted(self._epochs.all_steps())

    def has_latest(self) -> bool:
        """Whether there is a state to resume from."""
        return self._latest.latest_step() is not None

    def latest_step(self) -> int | None:
        return self._latest.latest_step()

    def restore_latest(self, template: GANState, discard_damaged: bool = False
                       ) -> tuple[GANState, dict, list[str]]:
        """The newest whole state that reads back intact, shaped like ``template``.

        The latest checkpoint first, then the epoch checkpoints from the newest. Returns
        the state, its meta and the checkpoints skipped as damaged (with why); a
        one-line error if none is readable. ``discard_damaged`` deletes the skipped ones,
        so that resuming saves their epochs again.
        """
        candidates = [(self._latest, self._latest.latest_step(), "latest")]
        candidates += [(self._epochs, epoch, f"epoch {epoch}")
                       for epoch in reversed(self.saved_epochs())]
        skipped = []
        for manager, step, name in candidates:
            if step is None:
                continue
            try:
                state, meta = self._restore(manager, step, template, name)
            except GandiagError as error:
                skipped.append(str(error))
                if discard_damaged:
                    manager.delete(step)
                continue
            return state, meta, skipped
        raise GandiagError(f"no checkpoint of {self._root} reads back intact ("
                           f"{'; '.join(skipped) or 'none saved'}); start again with --overwrite")

    def restore_epoch(self, epoch: int, template: GANState) -> tuple[GANState, dict]:
        return self._restore(self._epochs, self._check_epoch(epoch), template, f"epoch {epoch}")

    def restore_generator(self, epoch: int, template: dict) -> tuple[dict, dict]:
        """G's {params, batch_stats} after ``epoch`` and the checkpoint's meta."""
        self._check_epoch(epoch)
        restored = self._read(self._epochs, epoch, f"epoch {epoch}", ocp.args.Composite(
            generator=ocp.args.StandardRestore(_abstract(template)),
            meta=ocp.args.JsonRestore()))
        return restored["generator"], restored["meta"]

    def read_meta(self, epoch: int) -> dict:
        self._check_epoch(epoch)
        restored = self._read(self._epochs, epoch, f"epoch {epoch}",
                              ocp.args.Composite(meta=ocp.args.JsonRestore()))
        return restored["meta"]

    def _check_epoch(self, epoch: int) -> int:
        if epoch not in self.saved_epochs():
            saved = ", ".join(map(str, self.saved_epochs())) or "none"
            raise GandiagError(f"epoch {epoch} has no checkpoint; saved epochs: {saved}")
        return epoch

    def _read(self, manager, step: int, name: str, args) -> dict:
        """Restore ``args`` from checkpoint ``step``, verifying every array item's digest."""
        where = f"{name} checkpoint of {self._root.parent}"
        try:
            restored = manager.restore(step, args=args)
        except Exception as error:
            raise GandiagError(f"the {where} is damaged ({_reason(error)})") from None
        expected = restored["meta"].get("digests", {}) if isinstance(restored["meta"], dict) else {}
        for item, tree in restored.items():
            if item != "meta" and item in expected and digest(tree) != expected[item]:
                raise GandiagError(f"the {where} is damaged (its {item} arrays do not match "
                                   "the digest written with them)")
        return restored

    def _restore(self, manager, step, template: GANState, name: str):
        abstract = _abstract(_items(template))
        restored = self._read(manager, step, name, ocp.args.Composite(
            **{name: ocp.args.StandardRestore(tree) for name, tree in abstract.items()
               if jax.tree_util.tree_leaves(tree)},
            meta=ocp.args.JsonRestore()))
        items = {name: restored[name] if jax.tree_util.tree_leaves(abstract[name]) else tree
                 for name, tree in _items(template).items()}
        return _state(items), restored["meta"]

    def close(self) -> None:
        self._epochs.close()
        self._latest.close()
