"""The options several commands share: the run dir they read or write, --quiet, --model,
where they compute; and the list of options that set no config field."""

import pathlib

import typer

from gandiag.cli.options import Flag
from gandiag.errors import GandiagError

# The options that set no config field: where a command reads and writes, how it shows
# what it did, what happens to a run dir already there, and what it runs after itself
# (--no-monitor: --monitor-every 0). Every other option of every command is a Flag.
PLAIN_OPTIONS = frozenset({
    "--run-dir", "--output", "--out-dir", "--sweep-dir",
    "--quiet", "--json", "--grid",
    "--resume", "--overwrite",
    "--quality-every-save", "--after-probe", "--no-monitor",
    "--help",
})

QuietOption = typer.Option(False, help="No progress bars or tables")
OverwriteOption = typer.Option(False, help="Delete --run-dir first")
RunDirOption = typer.Option(None, help="A `gandiag train` run, or a run set (every G run in "
                            "it); default: the latest (runs/latest)")
# Every command that takes a run dir takes it as its argument too: `gandiag probe runs/x`.
RunDirArgument = typer.Argument(None, metavar="RUN_DIR", show_default=False,
                                help="The run dir, as --run-dir")


def one_run_dir(argument: pathlib.Path | None,
                option: pathlib.Path | None) -> pathlib.Path | None:
    """The run dir given as the argument or as --run-dir; both only if they agree."""
    if argument is not None and option is not None and argument != option:
        raise GandiagError(f"two run dirs given, {argument} and --run-dir {option}; pass one")
    return argument if argument is not None else option


MODEL_MOVED_HELP = ("A run trained with --model: MODULE:FUNCTION where that model is now "
                    "(its source must be unchanged); default: where it was trained from")

# Where a command computes (train and the frozen-G commands): core/parallel.py.
PARALLEL_FLAGS = [
    Flag("devices", "Local devices to split each batch over (data parallel); default: all. "
         "BatchNorm's statistics are over the global batch, so results do not depend on it"),
    Flag("coordinator", "HOST:PORT of process 0, to run as one of --num-processes processes "
         "(jax.distributed); only process 0 writes files"),
    Flag("num_processes", "With --coordinator: how many processes take part"),
    Flag("process_id", "With --coordinator: this process's number, 0 to --num-processes - 1"),
    Flag("distributed", "Join the other processes as the environment says (SLURM, Open MPI, "
         "cloud TPU)"),
]
# The frozen-G commands also run their parts side by side on workers (core/workers.py).
EXPERIMENT_PARALLEL_FLAGS = [
    *PARALLEL_FLAGS,
    Flag("workers", "Single-threaded worker processes running the experiment's parts (a "
         "checkpoint, a noise level) side by side, with the same numbers (0: none); default: "
         "one per CPU core where the parts finish sooner that way"),
]
