"""One writer per run directory: an advisory lock held while a command writes there.

Two `gandiag` processes writing the same run dir (two `make -j` targets, a second
terminal) would interleave metrics and race on checkpoints. Each writing command holds
an exclusive ``flock`` on ``<run>/.lock`` while it runs; a second one is refused in one
line naming the holder. A frozen-G experiment (probe, add-noise) holds the run's lock
shared and its own (``<run>/.lock-<experiment>``) exclusively: it only reads the run's
checkpoints, so a run's experiments can run side by side, but not beside its training or
beside a second copy of themselves. The kernel drops a lock when its process dies, even by
``kill -9``, so a killed run never leaves a stale lock behind. Locks are re-entrant
within a process (the paper chain trains, then probes, in one run dir).
"""

import contextlib
import errno
import fcntl
import os
import pathlib

from gandiag.errors import GandiagError
from gandiag.store import layout

_held: dict[pathlib.Path, int] = {}


@contextlib.contextmanager
def hold(run_dir: str | os.PathLike, writer: bool = True, experiment: str | None = None):
    """Hold ``run_dir``'s lock for the ``with`` block (creating the folder if needed).

    ``writer`` False (a process other than 0 of a multi-process run) takes no lock. With
    ``experiment`` (a frozen-G experiment, which reads the run's checkpoints and writes only
    its own folder) the run's lock is shared, so the run's experiments can run side by side
    while training cannot, and the experiment's own lock is exclusive.
    """
    run_dir = pathlib.Path(run_dir).absolute()
    if not writer:
        yield
        return
    if experiment is None:
        with _locked(run_dir, run_dir / layout.LOCK, exclusive=True):
            yield
        return
    with _locked(run_dir, run_dir / layout.LOCK, exclusive=False), _locked(
            run_dir / experiment, run_dir / f"{layout.LOCK}-{experiment}", exclusive=True):
        yield


@contextlib.contextmanager
def _locked(what: pathlib.Path, path: pathlib.Path, exclusive: bool):
    """``flock`` on ``path`` (re-entrant within a process); ``what`` names it in errors."""
    if path in _held:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise GandiagError(f"cannot write in {path.parent}: {error.strerror}; choose a "
                           "writable --run-dir") from None
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError as error:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise GandiagError(f"cannot lock {path}: {error.strerror}") from None
        raise GandiagError(f"{what} is in use by another gandiag process (pid {holder}); "
                           "wait for it to finish or choose another run dir") from None
    if exclusive:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(os.getpid()).encode(), 0)
    _held[path] = descriptor
    try:
        yield
    finally:
        del _held[path]
        os.close(descriptor)  # closing the descriptor releases the lock
