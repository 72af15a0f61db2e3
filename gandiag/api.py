"""gandiag from Python: train, probe, add noise, judge and report, returning typed results.

Each function runs what the command of the same name runs and returns the record that
command writes (``summary.json`` read back as its dataclass), so a notebook and the
command line see the same numbers. Configs are the frozen dataclasses the commands build
from their flags, re-exported here; docs/api.md walks through a session::

    from gandiag import api

    trained = api.train(api.TrainConfig(
        data=api.DataConfig("digits"), epochs=2,
        model=api.ModelConfig(nz=16, import_path="examples/resnet_sn.py:tiny")))
    probed = api.probe(trained.run_dir, api.ProbeConfig(iters=200))
    claims = api.judge(trained.run_dir)
    html = api.report(trained.run_dir).html
"""

import dataclasses
import inspect
import pathlib
from collections.abc import Callable, Sequence

from gandiag.analysis.evidence import ClaimResult, Verdict
from gandiag.analysis.judge import judge_claims
from gandiag.analysis.judge.judge_claims import Judged
from gandiag.analysis.probe import probe_claims as claims_evaluation
from gandiag.config import (
    ADD_NOISE_SIGMAS,
    DataConfig,
    ModelConfig,
    NoiseOptions,
    OptimizerConfig,
    ParallelConfig,
    ProbeConfig,
    QualityConfig,
    TrainConfig,
)
from gandiag.errors import GandiagError
from gandiag.experiments.noise import add_noise as noise
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.quality import quality as measuring
from gandiag.experiments.train import train as training
from gandiag.experiments.train.train import TrainResult
from gandiag.store import layout, runs
from gandiag.store.quality_schema import QualitySummary
from gandiag.store.schema import FrozenSummary, NoiseSummary
from gandiag.views.report import report as reporting

__all__ = [
    "ClaimResult", "DataConfig", "FrozenSummary", "GandiagError", "Judged", "ModelConfig",
    "NoiseOptions", "NoiseSummary", "OptimizerConfig", "ParallelConfig", "ProbeConfig",
    "QualityConfig", "QualitySummary", "Report", "TrainConfig", "TrainResult", "Verdict",
    "add_noise", "freeze_g_train_d", "import_path_of", "judge", "judge_logs", "probe", "quality",
    "report", "train",
]

PathLike = str | pathlib.Path


@dataclasses.dataclass(frozen=True)
class Report:
    """What ``report`` wrote, and the claims table it holds."""

    html: pathlib.Path
    markdown: pathlib.Path
    claims: list[ClaimResult]


def import_path_of(function: Callable) -> str:
    """``path/to/file.py:name`` of a module-level function returning (G, D), for --model.

    The function must live in a file (not a notebook cell), since the run records that
    file's hash and every later command rebuilds the model from it.
    """
    source = inspect.getsourcefile(function)
    if source is None or not pathlib.Path(source).is_file():
        raise GandiagError(f"{function.__name__} is defined in no file (a notebook cell?); move "
                           "it into a .py file and pass that")
    if function.__qualname__ != function.__name__:
        raise GandiagError(f"{function.__qualname__} is not a module-level function; define it "
                           "at the top level of its file")
    return f"{pathlib.Path(source).resolve()}:{function.__name__}"


def train(config: TrainConfig = TrainConfig(), run_dir: PathLike | None = None, *,
          model: str | Callable | None = None, resume: bool = False, overwrite: bool = False,
          quiet: bool = False) -> TrainResult:
    """``gandiag train``: train ``config`` in ``run_dir`` (default runs/<dataset>-<cost>-<time>).

    Args:
        config: the run; ``config.model.import_path`` names a user's own G and D.
        run_dir: where to write it.
        model: the user's ``MODULE:FUNCTION``, or the function itself (see
            ``import_path_of``); overrides ``config.model.import_path``.
        resume: continue the run in ``run_dir`` from its latest checkpoint.
        overwrite: delete ``run_dir`` first.
        quiet: no progress bar or table.

    Returns:
        Where the run is, how many steps were taken and how long they took.
    """
    if model is not None:
        path = model if isinstance(model, str) else import_path_of(model)
        config = dataclasses.replace(config, model=dataclasses.replace(config.model,
                                                                      import_path=path))
    return training.run(config, _path(run_dir), resume=resume, overwrite=overwrite, quiet=quiet)


def freeze_g_train_d(run_dir: PathLike | None = None, config: ProbeConfig = ProbeConfig(costs=()),
                     *, quiet: bool = False) -> list[FrozenSummary]:
    """``gandiag freeze-g-train-d`` (Figure 1): one summary per G run of ``run_dir``."""
    return [probing.run(member, config, layout.FREEZE_G_TRAIN_D, quiet)
            for member in runs.run_set(_path(run_dir))[1]]


def probe(run_dir: PathLike | None = None, config: ProbeConfig = ProbeConfig(), *,
          quiet: bool = False) -> list[FrozenSummary]:
    """``gandiag probe`` (Figures 2-3): one summary per G run of ``run_dir``."""
    return [probing.run(member, config, layout.PROBE, quiet)
            for member in runs.run_set(_path(run_dir))[1]]


def add_noise(run_dir: PathLike | None = None,
              config: ProbeConfig = ProbeConfig(sigmas=ADD_NOISE_SIGMAS),
              options: NoiseOptions = NoiseOptions(), *, quiet: bool = False
              ) -> list[NoiseSummary]:
    """``gandiag add-noise`` (Section 3): one summary per G run of ``run_dir``."""
    return [noise.run(member, config, options, quiet)
            for member in runs.run_set(_path(run_dir))[1]]


def quality(run_dir: PathLike | None = None, config: QualityConfig = QualityConfig(), *,
            quiet: bool = False) -> list[QualitySummary]:
    """``gandiag quality``: one summary per G run of ``run_dir``."""
    return [measuring.run(member, config, quiet) for member in runs.run_set(_path(run_dir))[1]]


def judge(run_dirs: PathLike | Sequence[PathLike] | None = None) -> list[ClaimResult]:
    """The claims table's rows over the G runs of ``run_dirs`` (a run, a run set, or several
    runs; None: the latest), each with its effects, intervals, premise and verdict: the
    report's claims evaluation over the summaries the probes wrote."""
    given = [run_dirs] if run_dirs is None or isinstance(run_dirs, str | pathlib.Path) \
        else list(run_dirs)
    members = [member for path in given for member in runs.run_set(_path(path))[1]]
    return claims_evaluation.evaluate(members)


def judge_logs(logs: PathLike | Sequence[PathLike]) -> Judged:
    """``gandiag judge``: the claims judged on probe logs (CSV or JSONL, one row per D
    update; a gandiag probe writes ``<run>/probe/log.csv``), from any framework."""
    paths = [logs] if isinstance(logs, str | pathlib.Path) else list(logs)
    return judge_claims.judge([pathlib.Path(path) for path in paths])[0]


def report(run_dir: PathLike | None = None, *, quiet: bool = False) -> Report:
    """``gandiag report``: REPORT.md and report.html of a run or run set, and its claims."""
    html = reporting.run(_path(run_dir), quiet)
    return Report(html, html.with_name(layout.REPORT_MARKDOWN), judge(run_dir))


def _path(path: PathLike | None) -> pathlib.Path | None:
    return None if path is None else pathlib.Path(path)
