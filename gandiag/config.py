"""Typed, frozen configuration trees with their defaults and validation.

Overrides go through ``dataclasses.replace``; every check lives in ``__post_init__``
and raises ``GandiagError`` with a one-line message naming the bad value.
"""

import dataclasses
import json
from typing import Any, Literal

from gandiag.errors import GandiagError

DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10", "folder", "npz", "ring", "grid")
TOY_DATASETS = ("ring", "grid")
TRAIN_COSTS = ("original", "minus-log-d", "wasserstein", "wasserstein-gp", "hinge", "least-squares")
NOISE_SCHEDULES = ("constant", "linear", "exponential")
D_BATCHINGS = ("separate", "joint")
D_NORMS = ("batch", "none")
SPLITS = ("train", "test")
IMAGE_SIZES = (16, 32, 64, 128)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise GandiagError(message)


def _choice(name: str, value: Any, allowed: tuple) -> None:
    _require(value in allowed,
             f"{name} {value!r} is not allowed; choose one of: {', '.join(map(str, allowed))}")


def _positive(name: str, value: float) -> None:
    _require(value > 0, f"{name} must be positive, got {value}")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Which images (or points) to train on. ``image_size`` 0 means the data set's default."""

    dataset: str = "digits"
    data_dir: str | None = None
    split: Literal["train", "test"] = "train"
    image_size: int = 0
    grayscale: bool | None = None

    def __post_init__(self):
        _choice("dataset", self.dataset, DATASETS)
        _choice("split", self.split, SPLITS)
        if self.image_size:
            _choice("image size", self.image_size, IMAGE_SIZES)

    @property
    def is_toy(self) -> bool:
        return self.dataset in TOY_DATASETS


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """DCGAN widths (``ngf``, ``ndf``; MLP widths are twice these) and the latent size."""

    nz: int = 100
    ngf: int = 64
    ndf: int = 64
    d_norm: Literal["batch", "none"] = "batch"

    def __post_init__(self):
        for name in ("nz", "ngf", "ndf"):
            _positive(name, getattr(self, name))
        _choice("d-norm", self.d_norm, D_NORMS)


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """Adam with the DCGAN defaults."""

    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999

    def __post_init__(self):
        _positive("lr", self.lr)
        _require(0 <= self.beta1 < 1, f"beta1 must be in [0, 1), got {self.beta1}")
        _require(0 <= self.beta2 < 1, f"beta2 must be in [0, 1), got {self.beta2}")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything ``gandiag train`` needs; ``config.json`` is this, resolved."""

    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    epochs: int = 25
    batch_size: int = 64
    cost: str = "minus-log-d"
    d_steps: int = 1
    d_batching: Literal["separate", "joint"] = "separate"
    save_epochs: tuple[int, ...] = (1, 10, 25)
    instance_noise: float = 0.0
    noise_schedule: Literal["constant", "linear", "exponential"] = "constant"
    seed: int = 0

    def __post_init__(self):
        _positive("epochs", self.epochs)
        _positive("batch size", self.batch_size)
        _positive("d-steps", self.d_steps)
        _choice("cost", self.cost, TRAIN_COSTS)
        _choice("d-batching", self.d_batching, D_BATCHINGS)
        _choice("noise schedule", self.noise_schedule, NOISE_SCHEDULES)
        _require(self.instance_noise >= 0, f"instance noise must be >= 0, got {self.instance_noise}")
        for epoch in self.save_epochs:
            _require(epoch >= 1, f"save epoch {epoch} is not allowed; epochs count from 1")
        # Save epochs beyond the run are dropped, and the last epoch is always saved.
        kept = sorted({e for e in self.save_epochs if e <= self.epochs} | {self.epochs})
        object.__setattr__(self, "save_epochs", tuple(kept))


def to_dict(config) -> dict:
    """A JSON-ready dict of a config tree."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def _from_dict(cls, values: dict):
    kwargs = {}
    for field in dataclasses.fields(cls):
        if field.name not in values:
            continue
        value = values[field.name]
        if dataclasses.is_dataclass(field.default):
            value = _from_dict(type(field.default), value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[field.name] = value
    return cls(**kwargs)


def train_config_from_dict(values: dict) -> TrainConfig:
    """Inverse of ``to_dict`` for a ``TrainConfig``."""
    return _from_dict(TrainConfig, values)


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Dotted names of the fields whose values differ between two config dicts."""
    names = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            names += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            names.append(f"{prefix}{key}")
    return names


G_MODES = ("train", "eval")
PROBE_DIRECTIONS = 8


@dataclasses.dataclass(frozen=True)
class ProbeConfig:
    """The frozen-G experiments: train a fresh D against each saved G.

    ``g_mode`` and ``d_batching`` of None mean "as in the run's training". ``costs``
    are the generator costs whose gradient norms are probed (none for Figure 1 alone).
    ``sigmas`` are the instance-noise levels (Section 3); 0 is the paper's Figures 1-3.
    """

    epochs: tuple[int, ...] = ()
    iters: int = 4000
    batch_size: int = 64
    optimizer: OptimizerConfig = OptimizerConfig()
    seed: int = 0
    seeds: int = 1
    g_mode: Literal["train", "eval"] = "train"
    d_batching: Literal["separate", "joint"] | None = None
    costs: tuple[str, ...] = ("original", "minus-log-d")
    sigmas: tuple[float, ...] = (0.0,)
    directions: int = PROBE_DIRECTIONS

    def __post_init__(self):
        _positive("iters", self.iters)
        _positive("batch size", self.batch_size)
        _positive("seeds", self.seeds)
        _choice("g-mode", self.g_mode, G_MODES)
        if self.d_batching is not None:
            _choice("d-batching", self.d_batching, D_BATCHINGS)
        for sigma in self.sigmas:
            _require(sigma >= 0, f"sigma must be >= 0, got {sigma}")
        _require(len(set(self.costs)) == len(self.costs), f"costs repeat: {self.costs}")
