"""`gandiag sweep`'s settings: the kinds of sweep, what each varies, and where it runs.

Apart from the sweep itself so that the command line reads them without loading JAX.
"""

import dataclasses
import pathlib
from typing import Literal, get_args

from gandiag.config import COSTS
from gandiag.errors import GandiagError
from gandiag.store import runs

SweepKind = Literal["costs", "noise", "seeds"]
Launcher = Literal["local", "slurm"]
SWEEP_KINDS: tuple[str, ...] = get_args(SweepKind)
LAUNCHERS: tuple[str, ...] = get_args(Launcher)
# What every setting trains and probes with, unless the sweep is told otherwise.
TRAIN_ARGS = "--dataset digits --epochs 25"
PROBE_ARGS = "--iters 4000"


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


@dataclasses.dataclass(frozen=True)
class LaunchConfig:
    """Where a sweep's settings run: ``local`` processes on this machine, or one ``slurm``
    job array through submitit; ``jobs`` settings at a time either way. Each array task
    gets ``partition`` (None: the cluster's default), ``time_min`` minutes, ``gpus`` and
    ``cpus``; ``cluster`` is submitit's executor (``local``: the array's tasks run on this
    machine, for tests)."""

    launcher: Launcher = "local"
    jobs: int = 2
    partition: str | None = None
    time_min: int = 240
    gpus: int = 0
    cpus: int = 4
    cluster: str = "slurm"

    def __post_init__(self):
        if self.launcher not in LAUNCHERS:
            raise GandiagError(f"launcher {self.launcher!r} is not allowed; choose one of: "
                               f"{', '.join(LAUNCHERS)}")
        if self.jobs < 1:
            raise GandiagError(f"--jobs {self.jobs} is not allowed; it is a number >= 1")

    @property
    def slurm(self) -> dict:
        """submitit's parameters of the job array."""
        parameters = {"timeout_min": self.time_min, "gpus_per_node": self.gpus,
                      "cpus_per_task": self.cpus}
        if self.partition:
            parameters["slurm_partition"] = self.partition
        return parameters
