"""Orbax checkpoints of the GAN state, laid out so G can be restored alone by epoch.

Layout under ``<run>/checkpoints/``:
- ``epoch/<E>/``: the whole state after epoch E, for every save epoch, kept forever;
- ``latest/<step>/``: the most recent state (end of an epoch or an interruption),
  the one ``--resume`` continues from; only the newest is kept.

Each checkpoint has the items ``generator`` ({params, batch_stats}),
``discriminator`` (likewise), ``optimizers`` ({g, d}), ``progress`` ({step, key})
and ``meta`` (JSON: epoch, step, the run's config), so a later command restores
``generator`` and ``meta`` without reading the rest.
"""

import pathlib

import jax
import orbax.checkpoint as ocp

from gandiag.core.state import GANState
from gandiag.errors import GandiagError
from gandiag.store import layout


def _items(state: GANState) -> dict:
    return {
        "generator": {"params": state.g_params, "batch_stats": state.g_stats},
        "discriminator": {"params": state.d_params, "batch_stats": state.d_stats},
        "optimizers": {"g": state.g_opt_state, "d": state.d_opt_state},
        "progress": {"step": state.step, "key": state.key},
    }


def _state(items: dict) -> GANState:
    return GANState(
        step=items["progress"]["step"], key=items["progress"]["key"],
        g_params=items["generator"]["params"], g_stats=items["generator"]["batch_stats"],
        d_params=items["discriminator"]["params"], d_stats=items["discriminator"]["batch_stats"],
        g_opt_state=items["optimizers"]["g"], d_opt_state=items["optimizers"]["d"])


def _manager(directory: pathlib.Path, max_to_keep: int | None, read_only=False):
    # Synchronous saves: a checkpoint is complete on disk when save() returns, so an
    # interruption right after it loses nothing. They take well under a second here.
    options = ocp.CheckpointManagerOptions(
        max_to_keep=max_to_keep, create=not read_only,
        enable_async_checkpointing=False)
    return ocp.CheckpointManager(directory, options=options)


class Checkpoints:
    """The checkpoints of one run directory."""

    def __init__(self, run_dir: pathlib.Path, read_only: bool = False):
        root = layout.RunDir(pathlib.Path(run_dir).absolute()).checkpoints
        if read_only and not root.is_dir():
            raise GandiagError(f"no checkpoints in {run_dir}; run `gandiag train` there first")
        self._epochs = _manager(root / layout.EPOCH_CHECKPOINTS, None, read_only)
        self._latest = _manager(root / layout.LATEST_CHECKPOINT, 1, read_only)

    def save(self, state: GANState, epoch: int, config: dict, keep_epoch: bool) -> None:
        """Save as the latest state and, if ``keep_epoch``, as epoch ``epoch``'s."""
        step = int(state.step)
        arrays = {name: ocp.args.StandardSave(tree) for name, tree in _items(state).items()
                  if jax.tree_util.tree_leaves(tree)}
        args = ocp.args.Composite(
            **arrays, meta=ocp.args.JsonSave({"epoch": epoch, "step": step, "config": config}))
        self._latest.save(step, args=args, force=True)
        if keep_epoch:
            self._epochs.save(epoch, args=args, force=True)

    def saved_epochs(self) -> list[int]:
        return sorted(self._epochs.all_steps())

    def has_latest(self) -> bool:
        """Whether there is a state to resume from."""
        return self._latest.latest_step() is not None

    def latest_step(self) -> int | None:
        return self._latest.latest_step()

    def restore_latest(self, template: GANState) -> tuple[GANState, dict]:
        """The whole state of the latest checkpoint, shaped like ``template``, and its meta."""
        return self._restore(self._latest, self._latest.latest_step(), template)

    def restore_epoch(self, epoch: int, template: GANState) -> tuple[GANState, dict]:
        return self._restore(self._epochs, self._check_epoch(epoch), template)

    def restore_generator(self, epoch: int, template: dict) -> tuple[dict, dict]:
        """G's {params, batch_stats} after ``epoch`` and the checkpoint's meta."""
        restored = self._epochs.restore(self._check_epoch(epoch), args=ocp.args.Composite(
            generator=ocp.args.StandardRestore(jax.eval_shape(lambda: template)),
            meta=ocp.args.JsonRestore()))
        return restored["generator"], restored["meta"]

    def read_meta(self, epoch: int) -> dict:
        restored = self._epochs.restore(self._check_epoch(epoch),
                                        args=ocp.args.Composite(meta=ocp.args.JsonRestore()))
        return restored["meta"]

    def _check_epoch(self, epoch: int) -> int:
        if epoch not in self.saved_epochs():
            saved = ", ".join(map(str, self.saved_epochs())) or "none"
            raise GandiagError(f"epoch {epoch} has no checkpoint; saved epochs: {saved}")
        return epoch

    def _restore(self, manager, step, template: GANState):
        abstract = jax.eval_shape(lambda: _items(template))
        restored = manager.restore(step, args=ocp.args.Composite(
            **{name: ocp.args.StandardRestore(tree) for name, tree in abstract.items()
               if jax.tree_util.tree_leaves(tree)},
            meta=ocp.args.JsonRestore()))
        items = {name: restored[name] if jax.tree_util.tree_leaves(abstract[name]) else tree
                 for name, tree in _items(template).items()}
        return _state(items), restored["meta"]

    def close(self) -> None:
        self._epochs.close()
        self._latest.close()
