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

from gandiag.errors import GandiagError
from gandiag.experiments.sweep.sweep_config import SWEEPS, LaunchConfig, SweepConfig
from gandiag.store import layout, runs
from gandiag.store.saved_run import complete
from gandiag.views import console
from gandiag.views.compare import compare

COMPARE_FOLDER = "compare"
SLURM_LOGS = "slurm"
# The command line, as a child process runs it (each setting in a fresh process).
GANDIAG = (sys.executable, "-c", "from gandiag.cli import main; main()")


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


def settings(config: SweepConfig) -> list[Setting]:
    """Each setting of the sweep: its run dir and its train and probe command lines."""
    spec = SWEEPS[config.kind]
    train, probe = _split(config.train_args, "--train-args"), _split(config.probe_args,
                                                                     "--probe-args")
    found = []
    for value in config.values or spec.values:
        name = spec.folder.format(value)
        run_dir = config.folder / name
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


def run(config: SweepConfig, launch: LaunchConfig = LaunchConfig(),
        quiet: bool = False) -> dict:
    """Run the sweep's unfinished settings, then compare all of them.

    Args:
        config: the sweep.
        launch: where its settings run: ``local`` (``jobs`` at a time, in parallel
            processes) or ``slurm`` (one submitit job array, at most ``jobs`` tasks at a
            time).
        quiet: no table.

    Returns:
        The comparison, as written to ``<sweep dir>/<kind>/compare/comparison.json``.
    """
    found = settings(config)
    todo = [s for s in found if not s.finished]
    for setting in found:
        if setting.finished:
            console.say(f"sweep {config.kind}: skip {setting.name} (finished: its probe "
                        "summary exists)", quiet)
    runs.make_dir(config.folder, "--sweep-dir")
    if todo and launch.launcher == "local":
        with (concurrent.futures.ThreadPoolExecutor(launch.jobs) as pool,
              console.progress_bar(f"sweep {config.kind}", len(todo), quiet) as bar):
            for done, name in enumerate(pool.map(run_setting, todo), start=1):
                bar.update(done, status=f"{name} done")
    elif todo:
        _submit(todo, config.folder / SLURM_LOGS, launch, config.kind, quiet)
    return compare.run([s.run_dir for s in found], config.folder / COMPARE_FOLDER, quiet)


def _submit(todo: list[Setting], logs: pathlib.Path, launch: LaunchConfig, kind: str,
            quiet: bool) -> None:
    """One job array, one task per setting; waits for every task and reports failures."""
    import submitit

    executor = submitit.AutoExecutor(folder=logs, cluster=launch.cluster)
    executor.update_parameters(name=f"gandiag-sweep-{kind}",
                               slurm_array_parallelism=launch.jobs, **launch.slurm)
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
