"""The command line: the app, its commands' registration, and how errors reach the user.

Each command lives with its topic (train_commands.py, probe_commands.py, measure_commands.py,
report_commands.py): it parses its options into a config and calls the library's ``run``.
"""

import errno
import functools
import logging
import os
import signal
import sys
import threading

import typer

from gandiag.cli import measure_commands, probe_commands, report_commands, train_commands
from gandiag.errors import GandiagError, Interrupted
from gandiag.versions import describe, software_versions

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="A laboratory for the training dynamics of GANs (Arjovsky & Bottou 2017).")


def _print_versions(value: bool) -> None:
    if value:
        typer.echo(describe(software_versions()))
        raise typer.Exit()


@app.callback()
def _commands(
    version: bool = typer.Option(False, "--version", callback=_print_versions, is_eager=True,
                                 help="Print gandiag's, JAX's, Flax's and Python's versions "
                                 "and exit."),
    compile_cache: str | None = typer.Option(
        None, help="Folder where compiled steps are kept for the next command on the same "
        "shapes ('off': none); default $GANDIAG_COMPILE_CACHE, else ~/.cache/gandiag/jax"),
) -> None:
    """A laboratory for the training dynamics of GANs (Arjovsky & Bottou 2017)."""
    from gandiag.core import compile_cache as cache

    cache.enable(cache.choose_dir(compile_cache))


# Errors of the machine rather than of gandiag: answered in one line wherever they strike.
DISK_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied"}


def user_errors(command):
    """Report a GandiagError (or a full, read-only or forbidden disk) as one line on stderr
    and exit 2, without a traceback. Results saved before stay as they were: every file
    is written atomically and checkpoints are committed by rename."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GandiagError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except Interrupted as stop:
            if str(stop):
                typer.echo(str(stop), err=True)
            raise typer.Exit(128 + signal.Signals[stop.signal_name].value) from None
        except OSError as error:
            if error.errno not in DISK_ERRORS:
                raise
            typer.echo(f"error: {DISK_ERRORS[error.errno]} writing {error.filename or 'a file'}"
                       "; what was saved before is intact", err=True)
            raise typer.Exit(2) from None

    return wrapper


# In the order of `gandiag --help`.
COMMANDS = [
    ("train", train_commands.train, {}),
    ("freeze-g-train-d", probe_commands.freeze_g_train_d, {}),
    ("freeze-G-train-D", probe_commands.freeze_g_train_d, {"hidden": True}),
    ("probe-gradients", probe_commands.probe_gradients, {}),
    ("probe", probe_commands.probe_gradients, {"help": "Alias of probe-gradients."}),
    ("add-noise", probe_commands.add_noise, {}),
    ("toy-noise", probe_commands.toy_noise, {}),
    ("paper", train_commands.paper, {}),
    ("theory", measure_commands.theory, {}),
    ("report", report_commands.report, {}),
    ("judge", report_commands.judge, {}),
    ("compare", report_commands.compare, {}),
    ("quality", measure_commands.quality, {}),
    ("sweep", train_commands.sweep, {}),
    ("ablate", probe_commands.ablate, {}),
    ("validate", report_commands.validate, {}),
]
for name, command, options in COMMANDS:
    app.command(name, **options)(user_errors(command))


def _closed_loop(value) -> bool:
    return isinstance(value, RuntimeError) and str(value) == "Event loop is closed"


def _closed_loop_noise_dropped(excepthook, unraisablehook):
    """sys.excepthook and sys.unraisablehook, silent on "Event loop is closed": Orbax's
    writer callbacks raise it from C threads, printed without a header, when a checkpoint
    write fails and its event loop is gone (seen in CI on a full disk, before the one-line
    error that says what happened)."""

    def on_exception(kind, value, traceback):
        if not (_closed_loop(value) and threading.current_thread() is not threading.main_thread()):
            excepthook(kind, value, traceback)

    def on_unraisable(unraisable):
        if not _closed_loop(unraisable.exc_value):
            unraisablehook(unraisable)

    return on_exception, on_unraisable


def main() -> None:
    sys.excepthook, sys.unraisablehook = _closed_loop_noise_dropped(sys.excepthook,
                                                                    sys.unraisablehook)
    # Orbax reports a failed write (a full disk) from its worker threads through absl and
    # asyncio logging, hundreds of lines; gandiag answers it in one line (user_errors).
    for name in ("absl", "asyncio", "concurrent.futures"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        app(prog_name="gandiag")
    except SystemExit as leaving:
        if leaving.code != 2:
            raise
        # The one-line error is out. Orbax's writer threads can still fail against a closed
        # event loop while the interpreter shuts down and print their tracebacks after it
        # (seen in CI on a full disk); every file is written atomically and checkpoints are
        # committed by rename, so leaving at once loses nothing that was saved.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(2)
