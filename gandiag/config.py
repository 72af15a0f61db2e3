"""Typed, frozen configuration trees, the names they choose from, and their validation.

Every choice a user makes by name (a data set, a cost, a schedule) is a ``Literal``
type defined here once; config validation and the CLI's help both read its values with
``typing.get_args``. Overrides go through ``dataclasses.replace``, or, for the CLI,
through ``to_dict``/``from_dict`` so that a config is validated once on its final values;
every check lives in ``__post_init__`` and raises ``GandiagError`` with a one-line message
naming the bad value.
"""

import dataclasses
import json
import math
import typing
from typing import Any, Literal

from gandiag.errors import GandiagError

DatasetName = Literal["digits", "mnist", "fashion-mnist", "cifar10", "folder", "npz", "ring",
                      "grid"]
ToyDatasetName = Literal["ring", "grid"]
# Costs a GAN trains with: a generator cost paired with its discriminator cost.
CostName = Literal["original", "minus-log-d", "wasserstein", "wasserstein-gp", "hinge",
                   "least-squares", "relativistic"]
# Costs whose generator gradient a probe measures (the training costs' generator halves).
GeneratorCostName = Literal["original", "minus-log-d", "wasserstein", "hinge", "least-squares",
                            "relativistic"]
# The cost a frozen-G probe trains its fresh D with: the paper's cross-entropy, or the
# relativistic pairing (a relativistic G's own D).
ProbeDCost = Literal["cross-entropy", "relativistic"]
NoiseSchedule = Literal["constant", "linear", "exponential"]
NoiseDistribution = Literal["gaussian", "ball"]
# "running": BatchNorm in D normalises with its running statistics, which a joint batch updates.
DBatching = Literal["separate", "joint", "running"]
# "spectral": every D layer spectrally normalised (Miyato et al. 2018), no BatchNorm.
DNorm = Literal["batch", "none", "spectral"]
Split = Literal["train", "test"]
# What D sees: the images as they are, or "clean": fakes with pixels below -0.98 snapped to
# -1 and quantised to 8 bits, reals dequantised by uniform noise of +-1/255 (`ablate`);
# "project": fakes projected onto the span of the 8x8 images upsampled (cubic) to the run's
# size, where the upsampled digits lie; reals unchanged (`ablate`, the digits only).
InputTransform = Literal["raw", "clean", "project"]
# Data sets stored smaller than they are trained at: their stored image size.
UPSAMPLED_FROM: dict[str, int] = {"digits": 8}
GMode = Literal["train", "eval"]
# D's (or G's) optimiser: Adam, or plain SGD without momentum (`ablate length-optimiser`).
OptimizerName = Literal["adam", "sgd"]
# `gandiag paper`'s presets (experiments/paper/presets.py), by name.
PaperPresetName = Literal["quick", "cpu", "gpu"]
# `gandiag theory`'s checks, in the order they run (and `--only` chooses from).
TheoryCheck = Literal["vanishing", "minus-log-d", "cauchy", "wasserstein", "noise", "dirac"]

DATASETS: tuple[str, ...] = typing.get_args(DatasetName)
TOY_DATASETS: tuple[str, ...] = typing.get_args(ToyDatasetName)
COSTS: tuple[str, ...] = typing.get_args(CostName)
GENERATOR_COSTS: tuple[str, ...] = typing.get_args(GeneratorCostName)
# The paper's two generator costs, what `--cost both` means.
PAPER_COSTS: tuple[str, ...] = ("original", "minus-log-d")


def generator_cost_of(cost: str) -> str:
    """The generator half of a training cost: its own name, but WGAN-GP's G is WGAN's."""
    return "wasserstein" if cost == "wasserstein-gp" else cost


THEORY_CHECKS: tuple[str, ...] = typing.get_args(TheoryCheck)
IMAGE_SIZES = (16, 32, 64, 128)
# The noise levels `gandiag add-noise` sweeps by default.
ADD_NOISE_SIGMAS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)


def choices(literal) -> tuple[str, ...]:
    """The allowed values of a ``Literal`` type (or of ``X | None``), for help texts."""
    return tuple(value for value in typing.get_args(literal) if isinstance(value, str))


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise GandiagError(message)


def _choice(name: str, value: Any, allowed: tuple) -> None:
    _require(value in allowed,
             f"{name} {value!r} is not allowed; choose one of: {', '.join(map(str, allowed))}")


def _positive(name: str, value: float) -> None:
    _require(value > 0, f"{name} must be positive, got {value}")


def _non_negative(name: str, value: float) -> None:
    _require(math.isfinite(value) and value >= 0,
             f"{name} {value} is not allowed; it is a finite number >= 0")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Which images (or points) to train on. ``image_size`` 0 means the data set's default."""

    dataset: DatasetName = "digits"
    data_dir: str | None = None
    split: Split = "train"
    image_size: int = 0
    grayscale: bool | None = None

    def __post_init__(self):
        _choice("dataset", self.dataset, DATASETS)
        _choice("split", self.split, typing.get_args(Split))
        if self.image_size:
            _choice("image size", self.image_size, IMAGE_SIZES)

    @property
    def is_toy(self) -> bool:
        return self.dataset in TOY_DATASETS


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """DCGAN widths (``ngf``, ``ndf``; MLP widths are twice these) and the latent size.

    ``import_path``: a user's own G and D instead, ``MODULE:FUNCTION`` (a dotted module or
    ``path/to/file.py``; core/user_model.py), built by ``FUNCTION(example_shape, nz)``;
    ``ngf``, ``ndf`` and ``d_norm`` then do not apply. ``source_hash``: the SHA-256 of
    that module's source when the run was trained, checked whenever it is rebuilt.
    """

    nz: int = 100
    ngf: int = 64
    ndf: int = 64
    d_norm: DNorm = "batch"
    import_path: str = ""
    source_hash: str = ""

    def __post_init__(self):
        for name in ("nz", "ngf", "ndf"):
            _positive(name, getattr(self, name))
        _choice("d-norm", self.d_norm, typing.get_args(DNorm))
        if self.import_path:
            module, _, function = self.import_path.rpartition(":")
            _require(bool(module) and function.isidentifier(),
                     f"--model {self.import_path!r} is not MODULE:FUNCTION; give a dotted "
                     "module or a path/to/file.py, a colon and the function that returns "
                     "(G, D), e.g. examples/resnet_sn.py:build")
            _require(self.d_norm == "batch",
                     f"d-norm {self.d_norm!r} applies to gandiag's DCGAN only; a --model "
                     "network brings its own normalisation (drop --d-norm)")

    def moved_to(self, import_path: str | None) -> "ModelConfig":
        """This model loaded from ``import_path`` (its source must still hash as recorded);
        None: from where it was trained."""
        if not import_path:
            return self
        _require(bool(self.import_path),
                 f"--model {import_path} is given, but the run was trained with gandiag's "
                 "built-in networks; drop --model")
        return dataclasses.replace(self, import_path=import_path)


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """Adam with the DCGAN defaults; ``name`` "sgd": plain SGD at ``lr`` (betas unused)."""

    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    name: OptimizerName = "adam"

    def __post_init__(self):
        _choice("optimizer", self.name, typing.get_args(OptimizerName))
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
    cost: CostName = "minus-log-d"
    d_steps: int = 1
    d_batching: DBatching = "separate"
    save_epochs: tuple[int, ...] = (1, 10, 25)
    instance_noise: float = 0.0
    noise_schedule: NoiseSchedule = "constant"
    seed: int = 0
    # gamma of the R1 penalty gamma/2 E|grad_x D(x_real)|^2 on D (Mescheder et al. 2018).
    r1: float = 0.0
    # gamma of the R2 penalty, the same on G's samples (R3GAN pairs it with R1).
    r2: float = 0.0
    # The health monitor's period in steps (experiments/monitor/); 0: off.
    monitor_every: int = 100

    def __post_init__(self):
        _positive("epochs", self.epochs)
        _non_negative("r1", self.r1)
        _non_negative("r2", self.r2)
        _non_negative("monitor every", self.monitor_every)
        _positive("batch size", self.batch_size)
        _positive("d-steps", self.d_steps)
        _choice("cost", self.cost, COSTS)
        _choice("d-batching", self.d_batching, typing.get_args(DBatching))
        _choice("noise schedule", self.noise_schedule, typing.get_args(NoiseSchedule))
        _require(math.isfinite(self.instance_noise) and self.instance_noise >= 0,
                 f"instance noise {self.instance_noise} is not allowed; it is a finite "
                 "number >= 0")
        for epoch in self.save_epochs:
            _require(epoch >= 1, f"save epoch {epoch} is not allowed; epochs count from 1")
        # Save epochs beyond the run are dropped, and the last epoch is always saved.
        kept = sorted({e for e in self.save_epochs if e <= self.epochs} | {self.epochs})
        object.__setattr__(self, "save_epochs", tuple(kept))


def relocated(train: TrainConfig, import_path: str | None) -> TrainConfig:
    """A run's training config with its own model loaded from ``import_path`` (a later
    command's --model), if given."""
    return dataclasses.replace(train, model=train.model.moved_to(import_path))


PROBE_DIRECTIONS = 8


@dataclasses.dataclass(frozen=True)
class ProbeConfig:
    """The frozen-G experiments: train a fresh D against each saved G.

    ``g_mode`` and ``d_batching`` of None mean "as in the run's training". ``costs``
    are the generator costs whose gradient norms are probed (none for Figure 1 alone).
    ``sigmas`` are the instance-noise levels (Section 3); 0 is the paper's Figures 1-3;
    ``noise_dist`` their distribution (``ball``: uniform in a ball of radius sigma).
    The last ``held_out`` examples (at most a fifth of the data set) are never used for
    D's updates: D is evaluated on ``eval_size`` of them and as many fresh fakes.
    """

    epochs: tuple[int, ...] = ()
    iters: int = 4000
    batch_size: int = 64
    optimizer: OptimizerConfig = OptimizerConfig()
    seed: int = 0
    seeds: int = 1
    g_mode: GMode = "train"
    d_batching: DBatching | None = None
    costs: tuple[GeneratorCostName, ...] = PAPER_COSTS
    sigmas: tuple[float, ...] = (0.0,)
    noise_dist: NoiseDistribution = "gaussian"
    directions: int = PROBE_DIRECTIONS
    held_out: int = 1000
    eval_size: int = 512
    # D's normalisation (None: as in the run's training) and R1 penalty gamma.
    d_norm: DNorm | None = None
    r1: float = 0.0
    r2: float = 0.0
    d_cost: ProbeDCost = "cross-entropy"
    inputs: InputTransform = "raw"
    # Where the run's own model (--model) lives now; None: where it was trained from (None
    # also keeps the field out of what `paper` matches against outputs written before it).
    model: str | None = None

    def __post_init__(self):
        _positive("iters", self.iters)
        _non_negative("r1", self.r1)
        _non_negative("r2", self.r2)
        _choice("d-cost", self.d_cost, typing.get_args(ProbeDCost))
        _choice("inputs", self.inputs, typing.get_args(InputTransform))
        if self.d_norm is not None:
            _choice("d-norm", self.d_norm, typing.get_args(DNorm))
        _positive("held-out", self.held_out)
        _positive("eval size", self.eval_size)
        _choice("noise distribution", self.noise_dist, typing.get_args(NoiseDistribution))
        _positive("batch size", self.batch_size)
        _positive("seeds", self.seeds)
        _choice("g-mode", self.g_mode, typing.get_args(GMode))
        if self.d_batching is not None:
            _choice("d-batching", self.d_batching, typing.get_args(DBatching))
        for cost in self.costs:
            _choice("generator cost", cost, GENERATOR_COSTS)
        for sigma in self.sigmas:
            _require(math.isfinite(sigma) and sigma >= 0,
                     f"sigma {sigma} is not allowed; sigmas are finite numbers >= 0")
        _require(len(set(self.costs)) == len(self.costs), f"costs repeat: {self.costs}")

    def for_run(self, train: TrainConfig) -> TrainConfig:
        """The run's training config with this probe's D batching, normalisation and R1
        (None keeps the run's batching and normalisation)."""
        model = dataclasses.replace(train.model, d_norm=self.d_norm or train.model.d_norm)
        return dataclasses.replace(train, d_batching=self.d_batching or train.d_batching,
                                   model=model, r1=self.r1, r2=self.r2)

    def resolved(self, train: TrainConfig, epochs: tuple[int, ...]) -> "ProbeConfig":
        """This probe with its defaults filled in from the run, as written to disk."""
        return dataclasses.replace(self, epochs=epochs,
                                   d_batching=self.d_batching or train.d_batching,
                                   d_norm=self.d_norm or train.model.d_norm)

    def held_out_count(self, examples: int) -> int:
        """How many of ``examples`` are held out: ``held_out``, at most a fifth of them."""
        return min(self.held_out, examples // 5)


@dataclasses.dataclass(frozen=True)
class NoiseOptions:
    """What `add-noise` adds to the probe: the OT sample size and the figure's epoch."""

    transport_samples: int = 1000
    figure_epoch: int | None = None

    def __post_init__(self):
        _positive("transport samples", self.transport_samples)


@dataclasses.dataclass(frozen=True)
class TheoryConfig:
    """`gandiag theory`: each theorem where P_r, P_g and D* are known exactly (CPU, < 3 min).

    ``only``: the checks to run (empty: all). Vanishing gradients (Theorems 2.1-2.4): D
    trained for ``d_updates`` against a frozen G in each of ``dimensions``, logged every
    ``log_every`` updates on a latent grid of ``latent_grid`` points. Theorem 2.5 on the
    grid ``identity_means`` x ``identity_scales``; Theorem 2.6 on ``tail_samples`` z;
    Theorem 3.4 on ``bound_deltas`` x ``bound_sigmas``, its JSD also estimated by a trained
    D at ``estimate_sigmas`` (delta ``noise_delta``); instance noise (Theorems 3.1-3.3) at
    ``noise_sigmas`` with segments ``noise_delta`` apart; the Dirac GAN's fields at
    ``dirac_sigmas``.
    """

    only: tuple[TheoryCheck, ...] = ()
    seed: int = 0
    dimensions: tuple[int, ...] = (2, 8, 32)
    d_updates: int = 2000
    log_every: int = 20
    batch_size: int = 256
    eval_size: int = 2048
    latent_grid: int = 2048
    adam_lr: float = 1e-3
    sgd_lr: float = 0.1
    identity_means: tuple[float, ...] = (-2.0, -1.0, 0.0, 0.5, 2.0)
    identity_scales: tuple[float, ...] = (0.5, 1.0, 2.0)
    tail_samples: int = 100_000
    bound_deltas: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.5)
    bound_sigmas: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
    estimate_sigmas: tuple[float, ...] = (0.05, 0.2, 0.5)
    noise_delta: float = 0.1
    noise_sigmas: tuple[float, ...] = (0.025, 0.0333, 0.05, 0.1, 0.2)
    noise_updates: int = 1500
    dirac_sigmas: tuple[float, ...] = (0.0, 0.5, 1.0)

    def __post_init__(self):
        for check in self.only:
            _choice("theory check", check, THEORY_CHECKS)
        for name in ("d_updates", "log_every", "batch_size", "eval_size", "latent_grid",
                     "adam_lr", "sgd_lr", "tail_samples", "noise_delta", "noise_updates"):
            _positive(name.replace("_", " "), getattr(self, name))
        for name in ("identity_scales", "bound_deltas", "bound_sigmas", "estimate_sigmas",
                     "noise_sigmas", "dimensions"):
            for value in getattr(self, name):
                _require(math.isfinite(value) and value > 0,
                         f"{name.replace('_', ' ')} {value} is not allowed; they are positive")
        for sigma in self.dirac_sigmas:
            _require(math.isfinite(sigma) and sigma >= 0,
                     f"dirac sigma {sigma} is not allowed; it is a finite number >= 0")
        _require(self.d_updates % self.log_every == 0,
                 f"d updates {self.d_updates} must be a multiple of log every {self.log_every}")

    def runs(self, check: str) -> bool:
        return not self.only or check in self.only


@dataclasses.dataclass(frozen=True)
class ParallelConfig:
    """Where a run computes: data parallel over devices, and over processes on many hosts.

    ``devices``: local devices per process (None: all). ``coordinator`` ("HOST:PORT"),
    ``num_processes`` and ``process_id`` start ``jax.distributed`` by hand;
    ``distributed`` starts it from the environment (SLURM, Open MPI, cloud TPU).
    ``workers`` (frozen-G experiments on one device): single-threaded worker processes
    that run the experiment's parts (a checkpoint, a noise level) side by side (0: none;
    None: one per CPU core when the parts are worth it, ``core.workers.choose``). Not part
    of a run's config.json: the same run may continue on another number of devices, and
    the numbers do not depend on the workers.
    """

    devices: int | None = None
    coordinator: str | None = None
    num_processes: int | None = None
    process_id: int | None = None
    distributed: bool = False
    workers: int | None = None

    def __post_init__(self):
        if self.workers is not None:
            _require(self.workers >= 0, f"workers {self.workers} is not allowed; pass 0 (none) "
                     "or more")
        if self.devices is not None:
            _require(self.devices >= 1, f"devices {self.devices} is not allowed; pass a "
                     "number >= 1, or leave it out for every local device")
        if self.coordinator is None:
            _require(self.num_processes is None and self.process_id is None,
                     "num-processes and process-id need --coordinator HOST:PORT")
            return
        host, _, port = self.coordinator.rpartition(":")
        _require(bool(host) and port.isdigit(), f"coordinator {self.coordinator!r} is not "
                 "allowed; it is HOST:PORT, e.g. localhost:1234")
        _require(self.num_processes is not None and self.num_processes >= 1,
                 f"num-processes {self.num_processes} is not allowed with --coordinator; pass "
                 "the number of processes, >= 1")
        _require(self.process_id is not None and 0 <= self.process_id < self.num_processes,
                 f"process-id {self.process_id} is not allowed; it is 0 to "
                 f"{self.num_processes - 1}")


def to_dict(config) -> dict:
    """A JSON-ready dict of a config tree."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def from_dict(cls, values: dict):
    """Inverse of ``to_dict`` for a config class ``cls``; absent fields keep their defaults."""
    kwargs = {}
    for field in dataclasses.fields(cls):
        if field.name not in values:
            continue
        value = values[field.name]
        if dataclasses.is_dataclass(field.default):
            value = from_dict(type(field.default), value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[field.name] = value
    return cls(**kwargs)


def train_config_from_dict(values: dict) -> TrainConfig:
    """Inverse of ``to_dict`` for a ``TrainConfig``."""
    return from_dict(TrainConfig, values)


def field_value(config, path: str):
    """The value of a dotted field name, e.g. ``field_value(train, "data.dataset")``."""
    for name in path.split("."):
        config = getattr(config, name)
    return config


def field_type(cls, path: str):
    """The annotated type of a dotted field of the config class ``cls``."""
    *parents, name = path.split(".")
    for parent in parents:
        cls = typing.get_type_hints(cls)[parent]
    return typing.get_type_hints(cls)[name]


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


QUALITY_MIN_SAMPLES = 20


@dataclasses.dataclass(frozen=True)
class QualityConfig:
    """`gandiag quality`: sample-quality metrics of each saved G (FCD, KCD, precision/recall,
    class coverage; SWD for unlabelled images) on ``samples`` generated and as many real
    images (at most the data set's size), with ``bootstrap`` resamples for the intervals."""

    epochs: tuple[int, ...] = ()
    samples: int = 5000
    bootstrap: int = 200
    seed: int = 0
    # Where the run's own model (--model) lives now; None: where it was trained from (None
    # also keeps the field out of what `paper` matches against outputs written before it).
    model: str | None = None

    def __post_init__(self):
        _require(self.samples >= QUALITY_MIN_SAMPLES, f"samples {self.samples} is too few; "
                 f"quality needs at least {QUALITY_MIN_SAMPLES}")
        _require(self.bootstrap >= 10, f"bootstrap {self.bootstrap} is too few; use at least 10")


@dataclasses.dataclass(frozen=True)
class AfterProbeConfig:
    """`gandiag quality --after-probe` (the Figure 3 caption): from each saved G, a fresh D
    trained for ``iters`` (the probe's), then ``g_steps`` G steps against it with -log D,
    with the original cost, and with -log D under instance noise ``sigma`` (D trained with
    the same noise)."""

    iters: int = ProbeConfig().iters
    g_steps: int = 100
    sigma: float = 0.5

    def __post_init__(self):
        _positive("iters", self.iters)
        _positive("g-steps", self.g_steps)
        _require(math.isfinite(self.sigma) and self.sigma > 0,
                 f"after-probe sigma {self.sigma} is not allowed; it is a finite number > 0")


@dataclasses.dataclass(frozen=True)
class AblateConfig:
    """`gandiag ablate`: variants of the frozen-G probe, one factor at a time.

    ``probe`` is every variant's base (its epochs, iterations, D seeds, held-out data);
    ``r1`` the gamma of the normalisation study's R1 variant; ``train_subsets`` the
    memorisation study's numbers of real images D trains on (those below the data set's
    size run, beside all of them). ``length_iters`` and ``length_epochs`` (empty: the
    probe's) are the length-optimiser study's; ``resolution_sizes`` and
    ``resolution_epochs`` (empty: the probe's) the resolution study's image sides.
    ``workers``: processes that run variants side by side (0: none; None: one per CPU core
    when at least two variants are to run).
    """

    # The studies to run (empty: every study of gandiag.analysis.ablate.registry, in order).
    studies: tuple[str, ...] = ()
    probe: ProbeConfig = ProbeConfig(epochs=(1, 25), iters=250, seeds=3, eval_size=256)
    r1: float = 10.0
    train_subsets: tuple[int, ...] = (1000, 3000)
    # Run only these variants of the studies (empty: all), e.g. to run them side by side.
    variants: tuple[str, ...] = ()
    length_iters: int = 20_000
    length_epochs: tuple[int, ...] = ()
    resolution_sizes: tuple[int, ...] = (16, 32, 64)
    resolution_epochs: tuple[int, ...] = ()
    workers: int | None = None

    def __post_init__(self):
        _positive("r1", self.r1)
        for count in self.train_subsets:
            _positive("train subset", count)
        _positive("length iters", self.length_iters)
        for size in self.resolution_sizes:
            _choice("resolution size", size, IMAGE_SIZES)


@dataclasses.dataclass(frozen=True)
class PaperConfig:
    """`gandiag paper`: a preset by name, and what the command line changes in it.

    None keeps the preset's value: ``dataset`` to ``image_size`` change its data, ``nz``,
    ``ngf`` and ``ndf`` its model, ``epochs`` and ``seed`` its training, ``iters`` every
    experiment's D iterations, ``sigmas`` add-noise's levels and ``g_seeds`` how many G
    runs train (seeds ``seed``, ``seed + 1``, ...). ``presets.configure`` resolves it.
    ``workers``: processes that run independent steps side by side (0: none; None: one
    per CPU core, for several G runs' steps or one G run's experiment parts where they
    finish sooner).
    """

    preset: PaperPresetName = "quick"
    dataset: DatasetName | None = None
    data_dir: str | None = None
    split: Split | None = None
    image_size: int | None = None
    nz: int | None = None
    ngf: int | None = None
    ndf: int | None = None
    epochs: int | None = None
    iters: int | None = None
    sigmas: tuple[float, ...] | None = None
    seed: int | None = None
    g_seeds: int | None = None
    workers: int | None = None

    def __post_init__(self):
        _choice("preset", self.preset, typing.get_args(PaperPresetName))

    def overrides(self, *names: str) -> dict:
        """The fields of ``names`` that change the preset (those not None), by name."""
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


VALIDATE_MIN_REPEATS = 10


@dataclasses.dataclass(frozen=True)
class ValidateConfig:
    """`gandiag validate`: each claim with worlds (or only ``claims``) judged in ``repeats``
    simulated draws per world whose truth is known (200 keep it under 5 minutes on 2
    cores); ``write_spec_rates`` also writes each claim's measured false rates, keyed by the
    spec's hash, to the file every report reads them from."""

    repeats: int = 200
    claims: tuple[str, ...] = ()
    write_spec_rates: bool = False

    def __post_init__(self):
        _require(self.repeats >= VALIDATE_MIN_REPEATS, f"--repeats must be at least "
                 f"{VALIDATE_MIN_REPEATS}, got {self.repeats}")
