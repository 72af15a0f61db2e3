"""`gandiag paper`: the paper end to end in one run dir, from a named preset.

For each G seed: train -> probe (Figures 1-3, with held-out evaluations and premises) ->
add-noise; then one report over every G run. With one G seed the run dir is a plain run;
with several it is a run set (``members.json``) of runs ``g0``, ``g1``, ... A step whose
outputs already exist for the same config is skipped, so an interrupted chain resumes
where it stopped (training itself resumes from its last checkpoint).
"""

import contextlib
import dataclasses
import pathlib
import time

from gandiag.config import TrainConfig, to_dict
from gandiag.errors import Interrupted
from gandiag.experiments.noise import add_noise
from gandiag.experiments.paper.presets import PaperPreset
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.train import train
from gandiag.store import layout, runs
from gandiag.store.saved_run import complete, trained
from gandiag.views import console
from gandiag.views.console import say
from gandiag.views.report import report


def _given(config) -> dict:
    """The settings an output's config.json must match for a step to be skipped."""
    return {k: v for k, v in to_dict(config).items() if v not in (None, [])}


def _train(chosen: PaperPreset, run: layout.RunDir, quiet: bool) -> None:
    """Train the preset's G, or resume it, unless its checkpoints are all there."""
    if trained(run.path, train.resolve(chosen.train)):
        say(f"train: done in {run.path}, skipped")
        return
    resume = run.config.is_file()
    with _timed(f"{run.path.name}/train"):
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


def _experiments(chosen: PaperPreset, run: layout.RunDir, quiet: bool) -> None:
    steps = [(layout.PROBE, _given(chosen.probe),
              lambda: probing.run(run.path, chosen.probe, layout.PROBE, quiet)),
             (layout.ADD_NOISE, {**_given(chosen.noise), **_given(chosen.noise_options)},
              lambda: add_noise.run(run.path, chosen.noise, chosen.noise_options, quiet))]
    for name, expected, step in steps:
        if complete(run.experiment(name), expected):
            say(f"{run.path.name}/{name}: done, skipped")
        else:
            with _timed(f"{run.path.name}/{name}"):
                step()


def run(chosen: PaperPreset, run_dir: pathlib.Path | None = None,
        quiet: bool = False) -> pathlib.Path:
    """Run every step of the chain that is not already done; returns the report's path.

    Each step that runs ends with a line giving its wall time.
    """
    root = pathlib.Path(run_dir or runs.runs_root() / f"paper-{chosen.name}")
    chain = members(chosen, root)
    if chosen.g_seeds > 1:
        runs.write_members(root, [run.path.name for run, _ in chain])
    for run, train_config in chain:
        _train(dataclasses.replace(chosen, train=train_config), run, quiet)
        _experiments(chosen, run, quiet)
    path = report.run(root, quiet=False)
    say(f"report: {path}")
    return path


@contextlib.contextmanager
def _timed(step: str):
    start = time.perf_counter()
    yield
    say(f"{step}: finished in {console.duration(time.perf_counter() - start)}")
