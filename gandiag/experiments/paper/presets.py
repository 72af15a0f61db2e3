"""The presets of `gandiag paper`: what each runs, for whom, and how long it takes."""

import dataclasses

from gandiag.config import (
    ADD_NOISE_SIGMAS,
    TOY_DATASETS,
    DataConfig,
    ModelConfig,
    NoiseOptions,
    ProbeConfig,
    TrainConfig,
)
from gandiag.data import datasets
from gandiag.errors import GandiagError


@dataclasses.dataclass(frozen=True)
class PaperPreset:
    """Everything one chain runs: the training of ``g_seeds`` Gs and each experiment.

    Figure 1 is read from the probe's own D trajectories (their held-out evaluations), so
    the chain runs no separate freeze-g-train-d. G seed i trains with ``train.seed + i``.
    """

    name: str
    train: TrainConfig
    probe: ProbeConfig
    noise: ProbeConfig
    noise_options: NoiseOptions = dataclasses.field(default_factory=NoiseOptions)
    g_seeds: int = 1


def quick() -> PaperPreset:
    """The embedded digits at 32x32: every figure and claim in 8-13 minutes on 2 CPU cores.

    For: a first look, the demo, checking an installation. One G run and one D seed per
      checkpoint, so each interval is measured within one curve (no spread between runs)
      and verdicts are provisional: INCONCLUSIVE is expected where an effect is small.
      32x32 rather than 16x16 because at 16x16 D's cross-entropy stalls against good Gs
      (README, "Why 32x32"); ngf = 16, ndf = 32 to fit the time. The probe runs the
      paper's 4000 D iterations per checkpoint, add-noise 1000 at epoch 25; 300 of the
      1,797 digits are held out of D's training.
    Command: gandiag paper --preset quick   (also: make demo)
    Expected time: from a fresh clone, setup included, 12 min 7 s on a 2-core CPU whose
      4096^2 matmul ran at 197 GFLOP/s, its probe and add-noise in parts on two
      single-threaded workers (docs/performance.md).
    """
    return PaperPreset(
        name="quick",
        train=TrainConfig(data=DataConfig("digits", image_size=32),
                          model=ModelConfig(ngf=16, ndf=32)),
        probe=ProbeConfig(iters=4000, held_out=300, eval_size=300),
        noise=ProbeConfig(epochs=(25,), iters=1000, sigmas=(0.0, 0.5, 1.0, 2.0), held_out=300,
                          eval_size=300),
        noise_options=NoiseOptions(transport_samples=150))


def cpu() -> PaperPreset:
    """MNIST at 32x32 with the full 4000 iterations and three G runs, about an hour on a CPU.

    For: the paper's protocol at a size a laptop runs (ngf = ndf = 32 instead of 64), with
      intervals from three independently trained Gs (one D seed each).
    Command: gandiag paper --preset cpu --data-dir DIR   (the idx files; the train split
      is used if present, else the test split)
    Expected time: 68 min 30 s on a 2-core CPU at a 185 GFLOP/s matmul, its steps on two
      single-threaded workers; 53 minutes at about 400 GFLOP/s in one process
      (docs/performance.md).
    """
    return PaperPreset(
        name="cpu",
        train=TrainConfig(data=DataConfig("mnist", image_size=32),
                          model=ModelConfig(ngf=32, ndf=32)),
        probe=ProbeConfig(iters=4000),
        noise=ProbeConfig(epochs=(25,), iters=2000, sigmas=(0.0, 0.1, 0.5, 1.0, 2.0)),
        noise_options=NoiseOptions(transport_samples=500),
        g_seeds=3)


def gpu() -> PaperPreset:
    """The paper's scale: 64x64, ngf = ndf = 64, 25 epochs, 4000 iterations per checkpoint,
    five G runs with three D seeds each.

    For: reproducing the paper on a GPU; LSUN bedrooms as in the paper with
      --dataset folder --data-dir DIR (any image data set works).
    Command: gandiag paper --preset gpu --dataset folder --data-dir /data/lsun_bedrooms
    Expected time: dominated by training, 25 epochs of the data set per G run; the probes
      add 5 x 3 x 3 x 4000 D iterations.
    """
    return PaperPreset(
        name="gpu",
        train=TrainConfig(data=DataConfig("mnist", image_size=64)),
        probe=ProbeConfig(iters=4000, seeds=3),
        noise=ProbeConfig(iters=4000, sigmas=ADD_NOISE_SIGMAS, seeds=3),
        g_seeds=5)


PRESETS = {"quick": quick, "cpu": cpu, "gpu": gpu}


def preset(name: str) -> PaperPreset:
    if name not in PRESETS:
        raise GandiagError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]()


def configure(name: str, data: dict | None = None, model: dict | None = None,
              epochs: int | None = None, iters: int | None = None,
              sigmas: tuple[float, ...] | None = None, seed: int | None = None,
              g_seeds: int | None = None) -> PaperPreset:
    """The preset called ``name`` with command-line overrides (e.g. tiny sizes for a test).

    Without an explicit split, MNIST-style data sets use the train split if its files
    are there, else the test split.
    """
    chosen = preset(name)
    data = dict(data or {})
    if data.get("dataset") in TOY_DATASETS:
        data["image_size"] = 0
    data_config = dataclasses.replace(chosen.train.data, **data)
    if "split" not in data:
        data_config = dataclasses.replace(data_config,
                                          split=datasets.available_split(data_config))
    train_config = dataclasses.replace(
        chosen.train, data=data_config,
        model=dataclasses.replace(chosen.train.model, **(model or {})),
        **({"epochs": epochs} if epochs else {}), **({"seed": seed} if seed is not None else {}))
    changes = {"iters": iters} if iters else {}
    noise_changes = dict(changes, **({"sigmas": sigmas} if sigmas else {}))
    if chosen.noise.epochs:  # the preset names the paper's checkpoints: keep those saved
        saved = tuple(e for e in chosen.noise.epochs if e in train_config.save_epochs)
        noise_changes["epochs"] = saved or (train_config.epochs,)
    if g_seeds is not None and g_seeds < 1:
        raise GandiagError(f"--g-seeds must be at least 1, got {g_seeds}")
    return dataclasses.replace(
        chosen, train=train_config, probe=dataclasses.replace(chosen.probe, **changes),
        noise=dataclasses.replace(chosen.noise, **noise_changes),
        g_seeds=g_seeds or chosen.g_seeds)
