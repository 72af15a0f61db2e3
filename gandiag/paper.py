"""`gandiag paper`: the paper end to end in one run dir, from a named preset.

train -> freeze-g-train-d -> probe-gradients -> add-noise -> report. A step whose
outputs already exist for the same config is skipped, so an interrupted chain resumes
where it stopped (training itself resumes from its last checkpoint).
"""

import contextlib
import dataclasses
import json
import pathlib
import time

from gandiag import noise, probes, progress, runs, train
from gandiag.checkpoint import Checkpoints
from gandiag.config import (TOY_DATASETS, DataConfig, ModelConfig, ProbeConfig, TrainConfig,
                            to_dict, train_config_from_dict)
from gandiag.errors import GandiagError
from gandiag.progress import say


@dataclasses.dataclass(frozen=True)
class PaperPreset:
    """Everything one chain runs: the training and each experiment's settings."""

    name: str
    train: TrainConfig
    freeze: ProbeConfig
    probe: ProbeConfig
    noise: ProbeConfig
    noise_options: noise.NoiseOptions = noise.NoiseOptions()


def quick() -> PaperPreset:
    """The embedded digits at 32x32: every figure and claim in under 10 minutes on 2 CPU cores.

    For: a first look, the demo, checking an installation. 32x32 rather than 16x16
      because at 16x16 D's cross-entropy stalls against good Gs and Figure 2's gradient
      stops vanishing (README, "Why 32x32"); ngf = 16, ndf = 32 to fit the time. The
      probe runs the paper's 4000 D iterations per checkpoint, Figure 1 the first 500,
      add-noise 1000 at epoch 25.
    Command: gandiag paper --preset quick   (also: make demo)
    Expected time: about 8 minutes on a 2-core CPU (measured 8 min 15 s; make demo from
      a fresh clone, setup included, 8 min 56 s).
    """
    return PaperPreset(
        name="quick",
        train=TrainConfig(data=DataConfig("digits", image_size=32),
                          model=ModelConfig(ngf=16, ndf=32)),
        freeze=ProbeConfig(iters=500, costs=()),
        probe=ProbeConfig(iters=4000),
        noise=ProbeConfig(epochs=(25,), iters=1000, sigmas=(0.0, 0.5, 1.0, 2.0)),
        noise_options=noise.NoiseOptions(held_out=300, transport_samples=300))


def cpu() -> PaperPreset:
    """MNIST at 32x32 with the full 4000 iterations, sized for well under an hour on a CPU.

    For: the paper's protocol at a size a laptop runs (ngf = ndf = 32 instead of 64).
    Command: gandiag paper --preset cpu --data-dir DIR   (the idx files; the train split
      is used if present, else the test split)
    Expected time: about 18 minutes on a 2-core CPU (train 2, Figure 1 4, probe 6.7,
      add-noise 5.4, measured on the MNIST test split).
    """
    return PaperPreset(
        name="cpu",
        train=TrainConfig(data=DataConfig("mnist", image_size=32),
                          model=ModelConfig(ngf=32, ndf=32)),
        freeze=ProbeConfig(iters=4000, costs=()),
        probe=ProbeConfig(iters=4000),
        noise=ProbeConfig(epochs=(25,), iters=2000, sigmas=(0.0, 0.1, 0.5, 1.0, 2.0)),
        noise_options=noise.NoiseOptions(held_out=1000, transport_samples=1000))


def gpu() -> PaperPreset:
    """The paper's scale: 64x64, ngf = ndf = 64, 25 epochs, 4000 iterations per checkpoint.

    For: reproducing the paper on a GPU; LSUN bedrooms as in the paper with
      --dataset folder --data-dir DIR (any image data set works).
    Command: gandiag paper --preset gpu --dataset folder --data-dir /data/lsun_bedrooms
    Expected time: dominated by training, 25 epochs of the data set at about 60 steps/s
      on one H100-class GPU; the experiments add about 15 minutes.
    """
    return PaperPreset(
        name="gpu",
        train=TrainConfig(data=DataConfig("mnist", image_size=64)),
        freeze=ProbeConfig(iters=4000, costs=()),
        probe=ProbeConfig(iters=4000),
        noise=ProbeConfig(iters=4000, sigmas=noise.DEFAULT_SIGMAS))


PRESETS = {"quick": quick, "cpu": cpu, "gpu": gpu}


def preset(name: str) -> PaperPreset:
    if name not in PRESETS:
        raise GandiagError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]()


def configure(name: str, data: dict | None = None, model: dict | None = None,
              epochs: int | None = None, iters: int | None = None,
              sigmas: tuple[float, ...] | None = None, seed: int | None = None) -> PaperPreset:
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
        data_config = dataclasses.replace(data_config, split=available_split(data_config))
    train_config = dataclasses.replace(
        chosen.train, data=data_config, model=dataclasses.replace(chosen.train.model, **(model or {})),
        **({"epochs": epochs} if epochs else {}), **({"seed": seed} if seed is not None else {}))
    changes = {"iters": iters} if iters else {}
    noise_changes = dict(changes, **({"sigmas": sigmas} if sigmas else {}))
    if chosen.noise.epochs:  # the preset names the paper's checkpoints: keep those saved
        noise_changes["epochs"] = tuple(
            e for e in chosen.noise.epochs if e in train_config.save_epochs) or (train_config.epochs,)
    return dataclasses.replace(
        chosen, train=train_config, freeze=dataclasses.replace(chosen.freeze, **changes),
        probe=dataclasses.replace(chosen.probe, **changes),
        noise=dataclasses.replace(chosen.noise, **noise_changes))


def _given(config) -> dict:
    """The settings an output's config.json must match for a step to be skipped."""
    return {k: v for k, v in to_dict(config).items() if v not in (None, [])}


def _done(output_dir: pathlib.Path, expected: dict) -> bool:
    config_path, summary_path = output_dir / "config.json", output_dir / "summary.json"
    if not (config_path.is_file() and summary_path.is_file()):
        return False
    written = json.loads(config_path.read_text())
    return all(written.get(key) == value for key, value in expected.items())


def _trained(run_dir: pathlib.Path, config: TrainConfig) -> bool:
    if not (run_dir / "config.json").is_file():
        return False
    saved = train_config_from_dict(runs.read_config(run_dir))
    return (saved == train.resolve(config)
            and Checkpoints(run_dir, read_only=True).saved_epochs() == list(config.save_epochs))


def run(chosen: PaperPreset, run_dir: pathlib.Path | None = None,
        quiet: bool = False) -> pathlib.Path:
    """Run every step of the chain that is not already done; returns the report's path.

    Each step that runs ends with a line giving its wall time.
    """
    from gandiag import report

    run_dir = pathlib.Path(run_dir or runs.runs_root() / f"paper-{chosen.name}")
    if _trained(run_dir, chosen.train):
        say(f"train: done in {run_dir}, skipped")
        runs.mark_latest(run_dir)
    else:
        resume = (run_dir / "config.json").is_file()
        with _timed("train"):
            train.run(chosen.train, run_dir, resume=resume, overwrite=not resume, quiet=quiet)
    steps = [("freeze_g_train_d", chosen.freeze, probes.run),
             ("probe", chosen.probe, probes.run)]
    for output_name, probe_config, command in steps:
        if _done(run_dir / output_name, _given(probe_config)):
            say(f"{output_name}: done, skipped")
        else:
            with _timed(output_name):
                command(run_dir, probe_config, output_name, quiet)
    noise_expected = {**_given(chosen.noise), **_given(chosen.noise_options)}
    if _done(run_dir / noise.OUTPUT, noise_expected):
        say("add_noise: done, skipped")
    else:
        with _timed("add_noise"):
            noise.run(run_dir, chosen.noise, chosen.noise_options, quiet)
    path = report.run(run_dir, quiet=False)
    say(f"report: {path}")
    return path


@contextlib.contextmanager
def _timed(step: str):
    start = time.perf_counter()
    yield
    say(f"{step}: finished in {progress.duration(time.perf_counter() - start)}")


def available_split(data_config: DataConfig) -> str:
    """MNIST-style sets: the train split if its images are in the data dir, else test."""
    from gandiag import data
    from gandiag.datafiles import IDX_FILE_STEMS

    if data_config.dataset not in ("mnist", "fashion-mnist"):
        return data_config.split
    folder = data.resolve_data_dir(data_config.dataset, data_config.data_dir)
    stem = IDX_FILE_STEMS["train"]
    candidates = [folder / name for name in (stem, stem + ".gz")]
    candidates += [folder / data_config.dataset / c.name for c in candidates]
    return "train" if any(path.is_file() for path in candidates) else "test"
