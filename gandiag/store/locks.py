"""One writer per run directory: an advisory lock held while a command writes there.

Two `gandiag` processes writing the same run dir (two `make -j` targets, a second
terminal) would interleave metrics and race on checkpoints. Each writing command holds
an exclusive ``flock`` on ``<run>/.lock`` while it runs; a second one is refused in one
line naming the holder. The kernel drops the lock when its process dies, even by
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
def hold(run_dir: str | os.PathLike, writer: bool = True):
    """Hold ``run_dir``'s lock for the ``with`` block (creating the folder if needed).

    ``writer`` False (a process other than 0 of a multi-process run) takes no lock.
    """
    run_dir = pathlib.Path(run_dir).absolute()
    if run_dir in _held or not writer:
        yield
        return
    path = run_dir / layout.LOCK
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise GandiagError(f"cannot write in {run_dir}: {error.strerror}; choose a writable "
                           "--run-dir") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise GandiagError(f"cannot lock {path}: {error.strerror}") from None
        raise GandiagError(f"{run_dir} is in use by another gandiag process (pid {holder}); "
                           "wait for it to finish or choose another run dir") from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, str(os.getpid()).encode(), 0)
    _held[run_dir] = descriptor
    try:
        yield
    finally:
        del _held[run_dir]
        os.close(descriptor)  # closing the descriptor releases the lock
