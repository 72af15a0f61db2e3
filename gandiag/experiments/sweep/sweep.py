"""`gandiag sweep costs|noise|seeds`: one run dir per setting, trained then probed, then compared.

The one definition of a sweep: `make sweep-costs` (and -noise, -seeds) call this. Layout
under ``<sweep dir>/<kind>/``: a run dir per setting (``costs/<cost>``,
``noise/sigma_<level>``, ``seeds/seed_<seed>``) and ``compare/``. A setting is finished
when its ``probe/summary.json`` exists: a rerun skips it (delete its run dir to redo it).

Launchers: ``local`` runs settings as parallel processes on this machine; ``slurm``
submits one job array through submitit, one setting per task, and waits for it.
"""

import concurrent.futures
import dataclasses
import pathlib
import shlex
import subprocess
import sys
from typing import Literal, get_args

from gandiag.config import COSTS
from gandiag.errors import GandiagError
from gandiag.store import layout, runs
from gandiag.store.saved_run import complete
from gandiag.views import console
from gandiag.views.compare import compare

SweepKind = Literal["costs", "noise", "seeds"]
Launcher = Literal["local", "slurm"]
SWEEP_KINDS: tuple[str, ...] = get_args(SweepKind)
LAUNCHERS: tuple[str, ...] = get_args(Launcher)
# What every setting trains and probes with, unless the sweep is told otherwise.
TRAIN_ARGS = "--dataset digits --epochs 25"
PROBE_ARGS = "--iters 4000"
COMPARE_FOLDER = "compare"
SLURM_LOGS = "slurm"
# The command line, as a child process runs it (each setting in a fresh process).
GANDIAG = (sys.executable, "-c", "from gandiag.cli import main; main()")


@dataclasses.dataclass(frozen=True)
class SweepKindSpec:
    """A kind of sweep: the train option it varies, its default values, a folder per value."""

    option: str
    values: tuple[str, ...]
    folder: str

    def check(self, kind: str, value: str) -> None:
        """A one-line error unless ``value`` is one of this sweep's allowed values."""
        if self.option == "--cost":
            ok, allowed = value in COSTS, ", ".join(COSTS)
        elif self.option == "--seed":
            ok, allowed = value.isdigit(), "integers >= 0"
        else:
            ok, allowed = _is_level(value), "numbers >= 0"
        if not ok:
            raise GandiagError(f"sweep {kind}: value {value!r} is not allowed; {kind} values "
                               f"are {allowed}")


def _is_level(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


SWEEPS: dict[str, SweepKindSpec] = {
    "costs": SweepKindSpec("--cost", ("original", "minus-log-d", "wasserstein-gp", "hinge"),
                           "{}"),
    "noise": SweepKindSpec("--instance-noise", ("0", "0.1", "0.3", "1.0"), "sigma_{}"),
    "seeds": SweepKindSpec("--seed", ("0", "1", "2"), "seed_{}"),
}


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting of a sweep: its run dir and the two commands that make it."""

    name: str
    run_dir: pathlib.Path
    train: tuple[str, ...]
    probe: tuple[str, ...]

    @property
    def finished(self) -> bool:
        return complete(layout.RunDir(self.run_dir).experiment(layout.PROBE))


@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """A sweep: its kind, values (None: the kind's defaults), where, and with what options."""

    kind: SweepKind
    values: tuple[str, ...] | None = None
    sweep_dir: pathlib.Path | None = None
    train_args: str = TRAIN_ARGS
    probe_args: str = PROBE_ARGS

    def __post_init__(self):
        if self.kind not in SWEEPS:
            raise GandiagError(f"sweep {self.kind!r} is not allowed; choose one of: "
                               f"{', '.join(SWEEP_KINDS)}")
        for value in self.values or ():
            SWEEPS[self.kind].check(self.kind, value)

    @property
    def folder(self) -> pathlib.Path:
        return pathlib.Path(self.sweep_dir or runs.runs_root() / "sweeps") / self.kind

    def settings(self) -> list[Setting]:
        spec = SWEEPS[self.kind]
        train, probe = _split(self.train_args, "--train-args"), _split(self.probe_args,
                                                                       "--probe-args")
        found = []
        for value in self.values or spec.values:
            name = spec.folder.format(value)
            run_dir = self.folder / name
            found.append(Setting(name, run_dir, (
                *GANDIAG, "train", *train, spec.option, value, "--run-dir", str(run_dir),
                "--overwrite", "--quiet"), (
                *GANDIAG, "probe", "--run-dir", str(run_dir), *probe, "--quiet")))
        return found


def _split(text: str, option: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text))
    except ValueError as error:
        raise GandiagError(f"{option} {text!r} cannot be split into options ({error})") from None


def run_setting(setting: Setting) -> str:
    """Train one setting, then probe it, each as its own process; skip it if finished.

    Returns its name. Runs in the sweep's process pool or in a Slurm task, so a task
    that Slurm restarts skips a setting that finished meanwhile.
    """
    if setting.finished:
        return setting.name
    for command in (setting.train, setting.probe):
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True)
        if result.returncode:
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise GandiagError(f"setting {setting.name} failed in `gandiag {command[3]}`: "
                               f"{last}")
    return setting.name


def run(config: SweepConfig, launcher: Launcher = "local", jobs: int = 2,
        slurm: dict | None = None, cluster: str = "slurm", quiet: bool = False) -> dict:
    """Run the sweep's unfinished settings, then compare all of them.

    Args:
        config: the sweep.
        launcher: ``local`` (``jobs`` settings at a time, in parallel processes) or
            ``slurm`` (one submitit job array, at most ``jobs`` tasks at a time).
        slurm: submitit parameters for the array (e.g. ``slurm_partition``, ``timeout_min``,
            ``gpus_per_node``).
        cluster: submitit's executor; ``local`` runs the array's tasks on this machine.
        quiet: no table.

    Returns:
        The comparison, as written to ``<sweep dir>/<kind>/compare/comparison.json``.
    """
    if launcher not in LAUNCHERS:
        raise GandiagError(f"launcher {launcher!r} is not allowed; choose one of: "
                           f"{', '.join(LAUNCHERS)}")
    if jobs < 1:
        raise GandiagError(f"--jobs {jobs} is not allowed; it is a number >= 1")
    settings = config.settings()
    todo = [s for s in settings if not s.finished]
    for setting in settings:
        if setting.finished:
            console.say(f"sweep {config.kind}: skip {setting.name} (finished: its probe "
                        "summary exists)", quiet)
    runs.make_dir(config.folder, "--sweep-dir")
    if todo and launcher == "local":
        with (concurrent.futures.ThreadPoolExecutor(jobs) as pool,
              console.progress_bar(f"sweep {config.kind}", len(todo), quiet) as bar):
            for done, name in enumerate(pool.map(run_setting, todo), start=1):
                bar.update(done, status=f"{name} done")
    elif todo:
        _submit(todo, config.folder / SLURM_LOGS, jobs, slurm or {}, cluster, config.kind, quiet)
    return compare.run([s.run_dir for s in settings], config.folder / COMPARE_FOLDER, quiet)


def _submit(todo: list[Setting], logs: pathlib.Path, jobs: int, parameters: dict,
            cluster: str, kind: str, quiet: bool) -> None:
    """One job array, one task per setting; waits for every task and reports failures."""
    import submitit

    executor = submitit.AutoExecutor(folder=logs, cluster=cluster)
    executor.update_parameters(name=f"gandiag-sweep-{kind}", slurm_array_parallelism=jobs,
                               **parameters)
    array = executor.map_array(run_setting, todo)
    console.say(f"sweep {kind}: submitted {len(array)} task(s) as job {array[0].job_id}; "
                f"logs in {logs}", quiet)
    failed = []
    for setting, job in zip(todo, array):
        try:
            console.say(f"sweep {kind}: {job.result()} done", quiet)
        except Exception as error:  # submitit re-raises a task's failure, whatever it was
            failed.append(f"{setting.name} ({str(error).strip().splitlines()[-1]})")
    if failed:
        raise GandiagError(f"sweep {kind}: {len(failed)} setting(s) failed: "
                           f"{'; '.join(failed)}; see {logs}, then rerun (finished settings "
                           "are skipped)")
