"""Compile once: XLA's executables kept on disk across commands, and compilations counted.

A command's steps compile in seconds to minutes on a CPU; the same shapes compile to the
same executable, so JAX's persistent compilation cache keeps each one on disk and a second
command (or a second process) loads it instead. The cache lives in the user's cache folder,
``$GANDIAG_COMPILE_CACHE`` when set (``off`` turns it off), else
``$XDG_CACHE_HOME/gandiag/jax`` (``~/.cache`` when ``XDG_CACHE_HOME`` is unset).

Concurrent processes share it safely: a size bound turns on JAX's eviction, under which
every read and write of an entry holds a file lock (the ``filelock`` package), so no process
reads another's half-written entry; an entry that cannot be read is compiled again (JAX
turns a cache error into a warning, never a failure).
"""

import contextlib
import dataclasses
import importlib.util
import os
import pathlib
import tempfile

import jax
from jax._src import compilation_cache as _jax_cache

ENVIRONMENT_VARIABLE = "GANDIAG_COMPILE_CACHE"
OFF = ("off", "0", "none", "false")
# Bound on the cache's size on disk; the least recently used entries go first. A command's
# executables take a few MB each, so this holds those of hundreds of shapes and models.
MAX_BYTES = 2 << 30
# Compilations shorter than this are not written: re-doing them costs less than the file.
MIN_COMPILE_SECONDS = 0.2
# JAX reports every compilation it hands to XLA (a disk-cache hit included) as this event.
_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


def choose_dir(chosen: str | None = None) -> pathlib.Path | None:
    """Where the cache lives: ``chosen`` (a command's --compile-cache), else
    ``$GANDIAG_COMPILE_CACHE``, else the user's cache folder; None when that says ``off``."""
    chosen = (os.environ.get(ENVIRONMENT_VARIABLE, "") if chosen is None else chosen).strip()
    if chosen.lower() in OFF:
        return None
    if chosen:
        return pathlib.Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "gandiag" / "jax"


def enable(folder: pathlib.Path | None) -> pathlib.Path | None:
    """Turn the persistent cache on in ``folder`` (from ``choose_dir``), or off for None.

    Returns the folder in use, or None when the cache is off or the folder cannot be
    written (a read-only home on a cluster): the command then compiles as it would
    without the cache, never failing for it.
    """
    if folder is None or not _writable(folder):
        disable()
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    if importlib.util.find_spec("filelock") is not None:  # JAX locks entries with it
        jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    # JAX decides once per process whether to use the cache; let it decide again with these.
    _jax_cache.reset_cache()
    return folder


def disable() -> None:
    """Turn the persistent cache off for the rest of the process."""
    jax.config.update("jax_compilation_cache_dir", None)
    _jax_cache.reset_cache()


def _writable(folder: pathlib.Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@dataclasses.dataclass
class Compilations:
    """What XLA was asked to compile while counting: how many, and the seconds they took
    (a disk-cache hit counts too, at the cost of loading it)."""

    count: int = 0
    seconds: float = 0.0
    names: list[str] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def counting():
    """Count the compilations in a block: ``with counting() as compiled: ...``."""
    compiled = Compilations()

    def listen(event: str, seconds: float, **fields) -> None:
        if event == _COMPILE_EVENT:
            compiled.count += 1
            compiled.seconds += seconds
            compiled.names.append(str(fields.get("fun_name", "?")))

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield compiled
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)
