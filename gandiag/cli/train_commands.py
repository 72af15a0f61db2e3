"""The commands that train Gs: train, paper (the whole paper in one run dir) and sweep."""

import dataclasses
import pathlib
import shutil

import typer

from gandiag.cli.options import (
    Flag,
    Settings,
    choice_argument,
    one_of,
    parse_floats,
    parse_ints,
    parse_names,
    with_flags,
)
from gandiag.cli.run_options import (
    PARALLEL_FLAGS,
    OverwriteOption,
    QuietOption,
    RunDirArgument,
    one_run_dir,
)
from gandiag.config import (
    COSTS,
    DATASETS,
    DBatching,
    DNorm,
    NoiseSchedule,
    PaperConfig,
    ParallelConfig,
    QualityConfig,
    TrainConfig,
    from_dict,
)
from gandiag.errors import GandiagError, Interrupted
from gandiag.experiments.sweep.sweep_config import SWEEPS, LaunchConfig, SweepConfig, SweepKind
from gandiag.store import layout, runs

TRAIN_FLAGS = [
    Flag("data.dataset", ", ".join(DATASETS)),
    Flag("data.data_dir", "Data folder (folder/npz: the images or the .npz). Default "
         "$GANDIAG_DATA_DIR, else a cache folder."),
    Flag("data.split", "train or test (mnist, fashion-mnist, cifar10)"),
    Flag("data.image_size", "16, 32, 64 or 128; 0 = the data set's default: 16 digits, 32 "
         "mnist, fashion-mnist, cifar10, 64 folder and npz"),
    Flag("epochs"), Flag("batch_size"),
    Flag("cost", ", ".join(COSTS)),
    Flag("optimizer.lr"), Flag("optimizer.beta1"),
    Flag("d_steps", "D updates per G update"),
    Flag("d_batching", f"{one_of(DBatching)}: real and fake through D as two batches or one "
         "(running: one that only updates the running statistics D normalises with)"),
    Flag("model.d_norm", f"normalisation in D's inner layers: {one_of(DNorm)}"),
    Flag("model.import_path", "Your own G and D: MODULE:FUNCTION (a dotted module or "
         "path/to/file.py), FUNCTION(example_shape, nz) -> (G, D) Flax modules; default: "
         "gandiag's DCGAN (docs/own-model.md)", name="model"),
    Flag("model.nz", "Latent dimension"),
    Flag("model.ngf", "G's width (the paper's DCGAN: 64; on a CPU try 16)"),
    Flag("model.ndf", "D's width (the paper's DCGAN: 64; on a CPU try 32)"),
    Flag("save_epochs", "Epochs to keep (those <= --epochs, plus the last)", parse=parse_ints),
    Flag("instance_noise", "sigma of N(0, sigma^2 I) added to D's inputs"),
    Flag("noise_schedule", f"{one_of(NoiseSchedule)} (linear and exponential decay to 0)"),
    Flag("seed"),
    Flag("r1", "gamma of the R1 penalty gamma/2 E|grad_x D(x_real)|^2 on D (0: none)"),
    Flag("r2", "gamma of the R2 penalty gamma/2 E|grad_x D(G(z))|^2 on D (0: none)"),
    Flag("monitor_every", "Steps between health checks of the GAN (held-out accuracy, G's "
         "gradient, epsilon, delta; docs/monitor.md); 0 or --no-monitor: none"),
]


@with_flags(flags=(TRAIN_FLAGS, TrainConfig()), parallel=(PARALLEL_FLAGS, ParallelConfig()))
def train(
    flags: Settings,
    parallel: Settings,
    run_dir_argument: pathlib.Path | None = RunDirArgument,
    run_dir: pathlib.Path | None = typer.Option(None, help="Default: runs/<dataset>-<cost>-<time>"),
    resume: bool = typer.Option(False, help="Continue the run in --run-dir from its latest "
                                "checkpoint"),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
    quality_every_save: bool = typer.Option(False, help="Then measure every saved G's sample "
                                            "quality (as `gandiag quality`)"),
    no_monitor: bool = typer.Option(False, "--no-monitor", help="No health checks (as "
                                    "--monitor-every 0)"),
):
    """Train a DCGAN (or an MLP GAN on the 2-D toys), keeping checkpoints at --save-epochs."""
    from gandiag.experiments.train import train as training

    config = flags.apply(TrainConfig())
    run_dir = one_run_dir(run_dir_argument, run_dir)
    if resume and not overwrite:
        if run_dir is None:
            raise GandiagError("--resume needs the --run-dir of the run to continue")
        if not layout.RunDir(run_dir).config.is_file():
            raise GandiagError(f"--resume: {run_dir} holds no run (no config.json); check the "
                               "path, or drop --resume to start a new run there")
        # Resume from the stored config; only the options given on the command line change it.
        stored = from_dict(TrainConfig, runs.read_config(run_dir))
        config = flags.apply(stored, only_given=True)
    if no_monitor:
        config = dataclasses.replace(config, monitor_every=0)
    if "save_epochs" in flags.given:
        late = [e for e in flags.values["save_epochs"] if e > config.epochs]
        if late:
            raise GandiagError(f"--save-epochs {','.join(map(str, late))} is beyond --epochs "
                               f"{config.epochs}; save epochs must be <= --epochs")
    result = training.run(config, run_dir, resume=resume, overwrite=overwrite, quiet=quiet,
                          parallel=parallel.apply(ParallelConfig()), on_ready=runs.mark_latest)
    if result.interrupted:
        raise Interrupted(result.interrupted)
    if quality_every_save:
        from gandiag.experiments.quality import quality

        quality.run(result.run_dir, QualityConfig(), quiet)


PAPER_FLAGS = [
    Flag("preset", "quick (digits, minutes), cpu (MNIST 32x32, about 1 h), gpu (64x64, the "
         "paper's scale)"),
    Flag("dataset", "Override the preset's data set"),
    Flag("data_dir"),
    Flag("split", "Default: train if present, else test"),
    Flag("image_size"), Flag("ngf"), Flag("ndf"), Flag("nz"),
    Flag("epochs", "Training epochs"),
    Flag("iters", "D iterations of every experiment"),
    Flag("sigmas", "add-noise levels, e.g. 0,0.5,1", name="sigma", parse=parse_floats),
    Flag("seed"),
    Flag("g_seeds", "Independent G runs (training seeds seed, seed + 1, ...); default: the "
         "preset's"),
    Flag("workers", "Single-threaded worker processes running independent steps side by side "
         "(0: none); default: one per CPU core, for several G runs' steps or one G run's "
         "experiment parts (a checkpoint, a noise level) where they finish sooner"),
]


@with_flags(options=(PAPER_FLAGS, PaperConfig()))
def paper(options: Settings,
          run_dir_argument: pathlib.Path | None = RunDirArgument,
          run_dir: pathlib.Path | None = typer.Option(None, help="Default: runs/paper-<preset>"),
          overwrite: bool = OverwriteOption, quiet: bool = QuietOption):
    """The whole paper in one run dir: train, Figures 1-3, noise, report (skips what is done)."""
    from gandiag.experiments.paper import paper as chain
    from gandiag.experiments.paper import presets

    config = options.apply(PaperConfig())
    chosen = presets.configure(
        config.preset, data=config.overrides("dataset", "data_dir", "split", "image_size"),
        model=config.overrides("ngf", "ndf", "nz"), epochs=config.epochs, iters=config.iters,
        sigmas=config.sigmas or None, seed=config.seed, g_seeds=config.g_seeds)
    run_dir = one_run_dir(run_dir_argument, run_dir) or runs.runs_root() / f"paper-{config.preset}"
    if overwrite and run_dir.exists():
        shutil.rmtree(run_dir)
    chain.run(chosen, run_dir, quiet, config.workers)
    runs.mark_latest(run_dir)


SWEEP_FLAGS = [
    Flag("values", "Settings, comma- or space-separated; default: " + "; ".join(
        f"{kind} {','.join(spec.values)}" for kind, spec in SWEEPS.items()), parse=parse_names),
    Flag("train_args", "Options of every setting's `gandiag train`"),
    Flag("probe_args", "Options of every setting's `gandiag probe`"),
]
LAUNCH_FLAGS = [
    Flag("launcher", "local: settings as parallel processes here; slurm: one submitit job "
         "array, a task per setting"),
    Flag("jobs", "Settings at a time (local processes, or array tasks)"),
    Flag("partition", "slurm: the partition"),
    Flag("time_min", "slurm: each task's time limit, minutes"),
    Flag("gpus", "slurm: GPUs per task"),
    Flag("cpus", "slurm: CPUs per task"),
    Flag("cluster", "submitit's executor: slurm, or local (the array's tasks on this machine; "
         "for tests)", hidden=True),
]


# The sweep's kind is its argument; the other fields' defaults do not depend on it.
@with_flags(options=(SWEEP_FLAGS, SweepConfig("costs")), launch=(LAUNCH_FLAGS, LaunchConfig()))
def sweep(options: Settings, launch: Settings,
          kind: str = choice_argument(SweepKind, "What the sweep varies"),
          sweep_dir: pathlib.Path | None = typer.Option(
              None, help="Default: runs/sweeps; each setting trains in "
              "<sweep-dir>/<kind>/<setting>"),
          quiet: bool = QuietOption):
    """A sweep: train and probe each setting in its own run dir (finished ones are skipped),
    then `gandiag compare` them."""
    from gandiag.experiments.sweep import sweep as sweeps

    config = dataclasses.replace(options.apply(SweepConfig(kind)), sweep_dir=sweep_dir)
    sweeps.run(config, launch.apply(LaunchConfig()), quiet)
