"""`gandiag paper`: the paper end to end in one run dir, from a named preset.

For each G seed: train -> probe (Figures 1-3, with held-out evaluations and premises) ->
add-noise; then one report over every G run. With one G seed the run dir is a plain run;
with several it is a run set (``members.json``) of runs ``g0``, ``g1``, ... A step whose
outputs already exist for the same config is skipped, so an interrupted chain resumes
where it stopped (training itself resumes from its last checkpoint). On a CPU, independent
steps run side by side on single-threaded workers (``workers``): with several G runs, each
run's training, probe and add-noise; with one, its probe's and add-noise's parts (a
checkpoint, a noise level) once its G is trained.
"""

import contextlib
import dataclasses
import pathlib
import time

from gandiag.config import ParallelConfig, TrainConfig, to_dict
from gandiag.core import workers
from gandiag.errors import Interrupted
from gandiag.experiments.noise import add_noise
from gandiag.experiments.paper.presets import PaperPreset
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.train import train
from gandiag.store import layout, locks, runs
from gandiag.store.saved_run import complete, trained
from gandiag.views import console
from gandiag.views.console import say
from gandiag.views.report import report


def _given(config) -> dict:
    """The settings an output's config.json must match for a step to be skipped."""
    return {k: v for k, v in to_dict(config).items() if v not in (None, [])}


def _train(chosen: PaperPreset, run: layout.RunDir, quiet: bool, timed: bool = True) -> None:
    """Train the preset's G, or resume it, unless its checkpoints are all there."""
    if trained(run.path, train.resolve(chosen.train)):
        say(f"train: done in {run.path}, skipped")
        return
    resume = run.config.is_file()
    with _timed(f"{run.path.name}/train") if timed else contextlib.nullcontext():
        result = train.run(chosen.train, run.path, resume=resume, overwrite=not resume,
                           quiet=quiet)
        if result.interrupted:  # inside the timing: an interrupted step did not finish
            raise Interrupted(result.interrupted, "paper: stopped after saving; run the same "
                              "`gandiag paper` command again to continue where it stopped")


def members(chosen: PaperPreset, root: pathlib.Path) -> list[tuple[layout.RunDir, TrainConfig]]:
    """Each G run of the chain and its training config (G seed i trains with seed + i)."""
    if chosen.g_seeds == 1:
        return [(layout.RunDir(root), chosen.train)]
    return [(layout.RunDir(root / f"g{index}"),
             dataclasses.replace(chosen.train, seed=chosen.train.seed + index))
            for index in range(chosen.g_seeds)]


def _experiment_steps(chosen: PaperPreset, run: layout.RunDir) -> list[tuple[str, dict]]:
    """The run's experiments, each with the settings its saved output must match."""
    return [(layout.PROBE, _given(chosen.probe)),
            (layout.ADD_NOISE, {**_given(chosen.noise), **_given(chosen.noise_options)})]


def _experiment(chosen: PaperPreset, run_path: pathlib.Path, name: str, quiet: bool) -> None:
    serial = ParallelConfig(workers=0)  # the chain has placed its work already
    if name == layout.PROBE:
        probing.run(run_path, chosen.probe, layout.PROBE, quiet, serial)
    else:
        add_noise.run(run_path, chosen.noise, chosen.noise_options, quiet, serial)


def _train_quietly(chosen: PaperPreset, run_path: pathlib.Path) -> None:
    _train(chosen, layout.RunDir(run_path), quiet=True, timed=False)


def part_sizes(chosen: PaperPreset) -> list[int]:
    """The D iterations of each part of one G run's experiments (a checkpoint, a noise
    level), the probe's parts first."""
    return [probe.iters * probe.seeds for probe in (chosen.probe, chosen.noise)
            for _ in range(len(probe.epochs or chosen.train.save_epochs) * len(probe.sigmas))]


def choose_workers(requested: int | None, chosen: PaperPreset) -> int:
    """Worker processes for the chain: ``requested`` (0: none, every step in this process);
    by default, on a CPU, one per core for the steps of several G runs side by side, and
    for one G run where its experiments' parts are worth it (``workers.choose``)."""
    if chosen.g_seeds > 1:
        return workers.choose(requested, [1] * 3 * chosen.g_seeds, minimum=0)
    return workers.choose(requested, part_sizes(chosen))


def run(chosen: PaperPreset, run_dir: pathlib.Path | None = None,
        quiet: bool = False, workers_wanted: int | None = 0) -> pathlib.Path:
    """Run every step of the chain that is not already done; returns the report's path.

    Each step that runs ends with a line giving its wall time. ``workers_wanted``: worker
    processes that run independent steps side by side (``choose_workers``; 0: none).
    """
    root = pathlib.Path(run_dir or runs.runs_root() / f"paper-{chosen.name}")
    chain = [(run, dataclasses.replace(chosen, train=config))
             for run, config in members(chosen, root)]
    if chosen.g_seeds > 1:
        runs.write_members(root, [run.path.name for run, _ in chain])
    count = choose_workers(workers_wanted, chosen)
    if count and len(chain) == 1:
        run, member = chain[0]
        _train(member, run, quiet)  # alone, on every thread
        _parts_on_workers(member, run, count, quiet)
    elif count == 0:
        for run, member in chain:
            _train(member, run, quiet)
            for name, expected in _experiment_steps(member, run):
                if complete(run.experiment(name), expected):
                    say(f"{run.path.name}/{name}: done, skipped")
                else:
                    with _timed(f"{run.path.name}/{name}"):
                        _experiment(member, run.path, name, quiet)
    else:
        _run_on_workers(chain, count)
    path = report.run(root, quiet=False)
    say(f"report: {path}")
    return path


def _run_on_workers(chain: list[tuple[layout.RunDir, PaperPreset]], count: int) -> None:
    """Every G run's training first, then the probes, then add-noise, each step as soon as
    its G is trained, on ``count`` single-threaded workers (``workers``)."""
    trains, probes, noises = [], [], []
    for run, member in chain:
        prefix = run.path.name
        trained_name = f"{prefix}/train"
        if trained(run.path, train.resolve(member.train)):
            say(f"{trained_name}: done, skipped")
            after = ()
        else:
            trains.append(workers.Step(trained_name, _train_quietly, (member, run.path)))
            after = (trained_name,)
        for name, expected in _experiment_steps(member, run):
            if complete(run.experiment(name), expected):
                say(f"{prefix}/{name}: done, skipped")
                continue
            (probes if name == layout.PROBE else noises).append(workers.Step(
                f"{prefix}/{name}", _experiment, (member, run.path, name, True), after))
    say(f"paper: {len(trains) + len(probes) + len(noises)} steps on {count} single-threaded "
        f"worker{'s' * (count != 1)}")
    workers.run_steps([*trains, *probes, *noises], count, lambda name, seconds: say(
        f"{name}: finished in {console.duration(seconds)}"))


def _parts_on_workers(chosen: PaperPreset, run: layout.RunDir, count: int, quiet: bool) -> None:
    """One G run's experiments still to run, split into parts (a checkpoint, a noise
    level) on ``count`` single-threaded workers, each experiment written once its parts are
    done. The longest parts start first."""
    pending = []
    for name, expected in _experiment_steps(chosen, run):
        if complete(run.experiment(name), expected):
            say(f"{run.path.name}/{name}: done, skipped")
        else:
            pending.append(name)
    if not pending:
        return
    with contextlib.ExitStack() as held:
        started = {}
        for name in pending:
            experiment = probing.prepare(run.path, chosen.probe if name == layout.PROBE
                                         else chosen.noise, name)
            held.enter_context(locks.hold(run.path, experiment=name))
            if name == layout.PROBE:
                probing.begin(experiment, probing.settings(experiment), quiet)
                observer = None
            else:
                observer = add_noise.start(experiment, chosen.noise_options, quiet)
            started[name] = (experiment, observer, probing.part_steps(experiment, name, observer))
        # An experiment's parts are alike: the experiment with the longer parts goes first.
        steps = [step for experiment, _, parts in sorted(
            started.values(), key=lambda item: -item[0].probe.iters * item[0].probe.seeds)
            for step in parts]
        say(f"paper: {' and '.join(pending)} in {len(steps)} parts on {count} single-threaded "
            f"worker{'s' * (count != 1)}")
        begun = time.perf_counter()
        results = workers.run_steps(steps, count, lambda name, seconds: say(
            f"{name}: finished in {console.duration(seconds)}"))
        for name, (experiment, observer, parts) in started.items():
            found = probing.merge_parts([results[step.name] for step in parts], observer)
            if name == layout.PROBE:
                probing.finish(experiment, name, found)
            else:
                add_noise.finish(experiment, chosen.noise_options, observer, found)
        say(f"experiments: finished in {console.duration(time.perf_counter() - begun)}")


@contextlib.contextmanager
def _timed(step: str):
    start = time.perf_counter()
    yield
    say(f"{step}: finished in {console.duration(time.perf_counter() - start)}")
