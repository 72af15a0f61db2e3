"""The commands: each parses its options, builds a config and calls a library `run`."""

import dataclasses
import errno
import functools
import logging
import os
import pathlib
import shutil
import signal
import sys
import threading

import typer

from gandiag.analysis.ablate import registry
from gandiag.cli.options import (
    Flag,
    Settings,
    one_of,
    parse_costs,
    parse_floats,
    parse_ints,
    with_flags,
)
from gandiag.config import (
    ADD_NOISE_SIGMAS,
    COSTS,
    DATASETS,
    GENERATOR_COSTS,
    THEORY_CHECKS,
    TOY_DATASETS,
    AfterProbeConfig,
    DBatching,
    DNorm,
    GMode,
    NoiseDistribution,
    NoiseOptions,
    NoiseSchedule,
    ParallelConfig,
    ProbeConfig,
    ProbeDCost,
    QualityConfig,
    TheoryConfig,
    TrainConfig,
    from_dict,
)
from gandiag.errors import GandiagError, Interrupted
from gandiag.store import layout, runs
from gandiag.versions import describe, software_versions

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="A laboratory for the training dynamics of GANs (Arjovsky & Bottou 2017).")


def _print_versions(value: bool) -> None:
    if value:
        typer.echo(describe(software_versions()))
        raise typer.Exit()


@app.callback()
def _commands(
    version: bool = typer.Option(False, "--version", callback=_print_versions, is_eager=True,
                                 help="Print gandiag's, JAX's, Flax's and Python's versions "
                                 "and exit."),
    compile_cache: str | None = typer.Option(
        None, help="Folder where compiled steps are kept for the next command on the same "
        "shapes ('off': none); default $GANDIAG_COMPILE_CACHE, else ~/.cache/gandiag/jax"),
) -> None:
    """A laboratory for the training dynamics of GANs (Arjovsky & Bottou 2017)."""
    from gandiag.core import compile_cache as cache

    cache.enable(cache.choose_dir(compile_cache))


# Errors of the machine rather than of gandiag: answered in one line wherever they strike.
DISK_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied"}


def user_errors(command):
    """Report a GandiagError (or a full, read-only or forbidden disk) as one line on stderr
    and exit 2, without a traceback. Results saved before stay as they were: every file
    is written atomically and checkpoints are committed by rename."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GandiagError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except Interrupted as stop:
            if str(stop):
                typer.echo(str(stop), err=True)
            raise typer.Exit(128 + signal.Signals[stop.signal_name].value) from None
        except OSError as error:
            if error.errno not in DISK_ERRORS:
                raise
            typer.echo(f"error: {DISK_ERRORS[error.errno]} writing {error.filename or 'a file'}"
                       "; what was saved before is intact", err=True)
            raise typer.Exit(2) from None

    return wrapper


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

MODEL_MOVED_HELP = ("A run trained with --model: MODULE:FUNCTION where that model is now "
                    "(its source must be unchanged); default: where it was trained from")

# Options shared by the frozen-G experiments (freeze-g-train-d, probe, add-noise).
PROBE_FLAGS = [
    Flag("epochs", "Saved epochs to use, e.g. 1,10,25; default: all", parse=parse_ints),
    Flag("iters", "D iterations per checkpoint"), Flag("batch_size"),
    Flag("optimizer.lr"), Flag("optimizer.beta1"), Flag("seed"),
    Flag("seeds", "Repeat with this many fresh D initialisations"),
    Flag("g_mode", f"G's BatchNorm: {one_of(GMode)} (batch statistics, as in training, or "
         "running ones)"),
    Flag("d_batching", f"{one_of(DBatching)}; default: as in training"),
    Flag("held_out", "The data set's last examples kept from D (at most a fifth of it)"),
    Flag("eval_size", "Held-out reals (and as many fresh fakes) per evaluation of D"),
    Flag("d_norm", f"D's normalisation: {one_of(DNorm)}; default: as in training"),
    Flag("r1", "gamma of the R1 penalty gamma/2 E|grad_x D(x_real)|^2 on D (0: none)"),
    Flag("r2", "gamma of the R2 penalty gamma/2 E|grad_x D(G(z))|^2 on D (0: none)"),
    Flag("d_cost", f"The cost D trains with: {one_of(ProbeDCost)}"),
    Flag("model", MODEL_MOVED_HELP),
]
COST_FLAG = Flag("costs", f"both, or any of {', '.join(GENERATOR_COSTS)} (comma-separated)",
                 name="cost", parse=parse_costs, default="both")
SIGMA_FLAG = Flag("sigmas", "Instance-noise levels to sweep", name="sigma", parse=parse_floats,
                  default=",".join(f"{sigma:g}" for sigma in ADD_NOISE_SIGMAS))
NOISE_DIST_FLAG = Flag("noise_dist", f"{one_of(NoiseDistribution)}: N(0, sigma^2 I), or uniform "
                       "in a ball of radius sigma (bounded supports: Theorem 3.4's C is finite)")
NOISE_FLAGS = [
    Flag("transport_samples", "n for the empirical W (exact OT, n vs n; at most half the "
         "held-out examples)"),
    Flag("figure_epoch", "Checkpoint of noise_gradients.png; default: the last"),
]

# Where a command computes (train and the frozen-G commands): core/parallel.py.
PARALLEL_FLAGS = [
    Flag("devices", "Local devices to split each batch over (data parallel); default: all. "
         "BatchNorm's statistics are over the global batch, so results do not depend on it"),
    Flag("coordinator", "HOST:PORT of process 0, to run as one of --num-processes processes "
         "(jax.distributed); only process 0 writes files"),
    Flag("num_processes", "With --coordinator: how many processes take part"),
    Flag("process_id", "With --coordinator: this process's number, 0 to --num-processes - 1"),
    Flag("distributed", "Join the other processes as the environment says (SLURM, Open MPI, "
         "cloud TPU)"),
]

RunDirOption = typer.Option(None, help="A `gandiag train` run, or a run set (every G run in "
                            "it); default: the latest (runs/latest)")
# Every command that takes a run dir takes it as its argument too: `gandiag probe runs/x`.
RunDirArgument = typer.Argument(None, metavar="RUN_DIR", show_default=False,
                                help="The run dir, as --run-dir")


def one_run_dir(argument: pathlib.Path | None,
                option: pathlib.Path | None) -> pathlib.Path | None:
    """The run dir given as the argument or as --run-dir; both only if they agree."""
    if argument is not None and option is not None and argument != option:
        raise GandiagError(f"two run dirs given, {argument} and --run-dir {option}; pass one")
    return argument if argument is not None else option


@app.command()
@user_errors
@with_flags(flags=(TRAIN_FLAGS, TrainConfig()), parallel=(PARALLEL_FLAGS, ParallelConfig()))
def train(
    flags: Settings,
    parallel: Settings,
    run_dir_argument: pathlib.Path | None = RunDirArgument,
    run_dir: pathlib.Path | None = typer.Option(None, help="Default: runs/<dataset>-<cost>-<time>"),
    resume: bool = typer.Option(False, help="Continue the run in --run-dir from its latest "
                                "checkpoint"),
    overwrite: bool = typer.Option(False, help="Delete --run-dir first"),
    quiet: bool = typer.Option(False),
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


@with_flags(probe=(PROBE_FLAGS, ProbeConfig()), parallel=(PARALLEL_FLAGS, ParallelConfig()))
def freeze_g_train_d(probe: Settings, parallel: Settings,
                     run_dir_argument: pathlib.Path | None = RunDirArgument,
                     run_dir: pathlib.Path | None = RunDirOption,
                     quiet: bool = typer.Option(False)):
    """Figure 1: train a fresh D against each frozen G; D's error and accuracy."""
    from gandiag.experiments.probe import probe as probing

    config = probe.apply(ProbeConfig(costs=()))
    for member in runs.run_set(one_run_dir(run_dir_argument, run_dir))[1]:
        probing.run(member, config, layout.FREEZE_G_TRAIN_D, quiet,
                   parallel.apply(ParallelConfig()))


@with_flags(probe=([*PROBE_FLAGS, COST_FLAG], ProbeConfig()),
            parallel=(PARALLEL_FLAGS, ParallelConfig()))
def probe_gradients(probe: Settings, parallel: Settings,
                    run_dir_argument: pathlib.Path | None = RunDirArgument,
                    run_dir: pathlib.Path | None = RunDirOption,
                    quiet: bool = typer.Option(False)):
    """Figures 2-3: G's gradient norm under each cost while a fresh D trains against it."""
    from gandiag.experiments.probe import probe as probing

    config = probe.apply(ProbeConfig())
    for member in runs.run_set(one_run_dir(run_dir_argument, run_dir))[1]:
        probing.run(member, config, layout.PROBE, quiet, parallel.apply(ParallelConfig()))


@with_flags(probe=([*PROBE_FLAGS, COST_FLAG, SIGMA_FLAG, NOISE_DIST_FLAG], ProbeConfig()),
            options=(NOISE_FLAGS, NoiseOptions()), parallel=(PARALLEL_FLAGS, ParallelConfig()))
def add_noise(probe: Settings, options: Settings, parallel: Settings,
              run_dir_argument: pathlib.Path | None = RunDirArgument,
              run_dir: pathlib.Path | None = RunDirOption, quiet: bool = typer.Option(False)):
    """Section 3: the probe under instance noise; JSD estimates and the Wasserstein bound."""
    from gandiag.experiments.noise import add_noise

    config, noise_options = probe.apply(ProbeConfig()), options.apply(NoiseOptions())
    for member in runs.run_set(one_run_dir(run_dir_argument, run_dir))[1]:
        add_noise.run(member, config, noise_options, quiet, parallel.apply(ParallelConfig()))


def toy_noise(
    dataset: str = typer.Option("ring", help="ring or grid"),
    sigma: str = typer.Option("0,0.5", help="Instance-noise levels to compare"),
    g_updates: int = typer.Option(30_000, help="G's training budget in updates (batch 256)"),
    d_steps: int = typer.Option(5, help="D updates per G update (keeps D near-optimal)"),
    seed: int = typer.Option(0),
    out_dir: pathlib.Path | None = typer.Option(None, help="Default: runs/toy-noise-<dataset>"),
    quiet: bool = typer.Option(False),
):
    """Section 3 on a 2-D toy: original cost, near-optimal D; does noise get G to the modes?"""
    from gandiag.experiments.noise import toy_noise

    if dataset not in TOY_DATASETS:
        raise GandiagError(f"toy-noise dataset {dataset!r} is not allowed; choose ring or grid")
    config = toy_noise.ToyNoiseConfig(dataset=dataset, sigmas=parse_floats(sigma, "--sigma"),
                                g_updates=g_updates, d_steps=d_steps, seed=seed)
    toy_noise.run(config, out_dir, quiet)


def paper(
    run_dir_argument: pathlib.Path | None = RunDirArgument,
    preset: str = typer.Option("quick", help="quick (digits, minutes), cpu (MNIST 32x32, < 1 h), "
                               "gpu (64x64, the paper's scale)"),
    dataset: str | None = typer.Option(None, help="Override the preset's data set"),
    data_dir: str | None = typer.Option(None),
    split: str | None = typer.Option(None, help="Default: train if present, else test"),
    image_size: int | None = typer.Option(None), ngf: int | None = typer.Option(None),
    ndf: int | None = typer.Option(None), nz: int | None = typer.Option(None),
    epochs: int | None = typer.Option(None, help="Training epochs"),
    iters: int | None = typer.Option(None, help="D iterations of every experiment"),
    sigma: str | None = typer.Option(None, help="add-noise levels, e.g. 0,0.5,1"),
    seed: int | None = typer.Option(None),
    g_seeds: int | None = typer.Option(None, help="Independent G runs (training seeds seed, "
                                       "seed + 1, ...); default: the preset's"),
    run_dir: pathlib.Path | None = typer.Option(None, help="Default: runs/paper-<preset>"),
    overwrite: bool = typer.Option(False, help="Delete --run-dir first"),
    workers: int | None = typer.Option(
        None, help="Single-threaded worker processes running independent steps side by side "
        "(0: none); default: one per CPU core when there are several G runs"),
    quiet: bool = typer.Option(False),
):
    """The whole paper in one run dir: train, Figures 1-3, noise, report (skips what is done)."""
    from gandiag.experiments.paper import paper as chain
    from gandiag.experiments.paper import presets

    data = {k: v for k, v in {"dataset": dataset, "data_dir": data_dir, "split": split,
                                  "image_size": image_size}.items() if v is not None}
    model = {k: v for k, v in {"ngf": ngf, "ndf": ndf, "nz": nz}.items() if v is not None}
    chosen = presets.configure(preset, data=data, model=model, epochs=epochs, iters=iters,
                               sigmas=parse_floats(sigma, "--sigma") if sigma else None,
                               seed=seed, g_seeds=g_seeds)
    run_dir = one_run_dir(run_dir_argument, run_dir) or runs.runs_root() / f"paper-{preset}"
    if overwrite and run_dir.exists():
        shutil.rmtree(run_dir)
    chain.run(chosen, run_dir, quiet, workers)
    runs.mark_latest(run_dir)


def report(
    run_dirs: list[pathlib.Path] | None = typer.Argument(
        None, help="A run or run set (default: the latest); with --grid, several"),
    grid: bool = typer.Option(False, help="One table and one figure of every claim's verdict "
                              "across the given runs (data sets x presets)"),
    output: pathlib.Path | None = typer.Option(None, help="--grid's folder; default: "
                                               "runs/grid-<time>"),
    quiet: bool = typer.Option(False),
):
    """REPORT.md and a self-contained report.html with every figure and the claims table."""
    run_dirs = list(run_dirs or [])
    if grid:
        from gandiag.views.report import grid as grids

        typer.echo(f"grid: {grids.run(run_dirs, output, quiet)}")
        return
    if len(run_dirs) > 1:
        raise GandiagError(f"report takes one run, got {len(run_dirs)}; pass --grid to set "
                           "several side by side")
    from gandiag.views.report import report as reporting

    typer.echo(f"report: {reporting.run(run_dirs[0] if run_dirs else None, quiet)}")


def judge(
    logs: list[pathlib.Path] = typer.Argument(
        ..., help="Probe logs (CSV, or JSONL for .jsonl): one row per D update; columns in "
        "docs/judge.md. A gandiag probe writes <run>/probe/log.csv"),
    json_output: bool = typer.Option(False, "--json", help="A JSON list of the claims instead "
                                     "of the table"),
):
    """The paper's Figure 1-3 and Theorem 2.6 claims judged on training logs of any framework."""
    from gandiag.analysis.judge import judge_claims
    from gandiag.views.judge import judge_view

    judged, logs_read = judge_claims.judge(logs)
    ignored = sorted({column for log in logs_read for column in log.ignored})
    if ignored:
        typer.echo(f"note: columns the judge does not read: {', '.join(ignored)}", err=True)
    if json_output:
        typer.echo(judge_view.to_json(judged))
    else:
        judge_view.show(judged, "claims")


def theory(
    run_dir_argument: pathlib.Path | None = RunDirArgument,
    only: str | None = typer.Option(None, help=f"Run one check: {', '.join(THEORY_CHECKS)}"),
    run_dir: pathlib.Path | None = typer.Option(None, help="Write <run-dir>/theory/ (the run's "
                                                "report then gains a Theory section); default: "
                                                "runs/theory/"),
    seed: int = typer.Option(0),
    quiet: bool = typer.Option(False),
):
    """Each theorem where its premise provably holds, against an exact optimal D (CPU, < 3 min)."""
    from gandiag.experiments.theory import theory as checks

    checks.run(TheoryConfig(only=(only,) if only else (), seed=seed),
               one_run_dir(run_dir_argument, run_dir), quiet)


QUALITY_FLAGS = [
    Flag("epochs", "Saved epochs to measure, e.g. 1,10,25; default: all", parse=parse_ints),
    Flag("samples", "Generated images per epoch, and as many real ones (at most the data set)"),
    Flag("bootstrap", "Resamples behind each interval"), Flag("seed"),
    Flag("model", MODEL_MOVED_HELP),
]


AFTER_PROBE_FLAGS = [
    Flag("iters", "--after-probe: D iterations against each frozen G (the probe's)"),
    Flag("g_steps", "--after-probe: G steps against that frozen D"),
    Flag("sigma", "--after-probe: instance noise of the noisy variant", name="after_sigma"),
]


@with_flags(options=(QUALITY_FLAGS, QualityConfig()),
            after=(AFTER_PROBE_FLAGS, AfterProbeConfig()))
def quality(options: Settings, after: Settings,
            run_dir: pathlib.Path | None = typer.Argument(None, help="A run or run set; default: "
                                                          "the latest"),
            after_probe: bool = typer.Option(False, help="Figure 3's caption: quality before "
                                             "and after K G steps against a fresh, "
                                             "near-optimal D (-log D, original, with noise)"),
            quiet: bool = typer.Option(False)):
    """Sample quality of every saved G: FCD, KCD, precision/recall, class coverage (or SWD)."""
    from gandiag.experiments.quality import quality as measuring

    config = options.apply(QualityConfig())
    for member in runs.run_set(run_dir)[1]:
        measuring.run(member, config, quiet)
        if after_probe:
            from gandiag.experiments.quality import caption

            caption.run(member, after.apply(AfterProbeConfig()), config, quiet)


def ablate(
    run_dir: pathlib.Path | None = typer.Argument(
        None, help="A `gandiag train` run with checkpoints at the preset's epochs (default: the "
        "latest)"),
    study: list[str] | None = typer.Option(
        None, help=f"Run only this study (repeatable): {', '.join(registry.STUDY_NAMES)}; "
        "default: all, in that order", autocompletion=lambda: list(registry.STUDY_NAMES)),
    iters: int | None = typer.Option(None, help="D iterations per variant; default: the "
                                     "data set's ablate preset"),
    seeds: int | None = typer.Option(None, help="D seeds per variant; default: the preset's"),
    epochs: str | None = typer.Option(None, help="Saved epochs, e.g. 1,25; default: the "
                                      "preset's"),
    variant: list[str] | None = typer.Option(None, help="Run only this variant of the study "
                                             "(repeatable), e.g. joint; default: all"),
    quiet: bool = typer.Option(False),
    length_iters: int | None = typer.Option(None, help="D iterations of the length-optimiser "
                                            "study's variants (the paper's length is 4000 per "
                                            "checkpoint); default: the preset's"),
    resolution_sizes: str | None = typer.Option(None, help="Image sides of the resolution "
                                                "study, e.g. 16,32,64; default: the preset's"),
    model: str | None = typer.Option(None, help=MODEL_MOVED_HELP),
):
    """Why D becomes perfect: each study's variants of the probe, as sub-runs, with verdicts."""
    from gandiag.experiments.ablate import ablate as ablating
    from gandiag.experiments.ablate import ablate_preset

    resolved = runs.resolve_run_dir(run_dir)
    config = ablate_preset.preset(runs.read_config(resolved)["data"]["dataset"])
    changes = {"iters": iters, "seeds": seeds, "model": model,
               "epochs": parse_ints(epochs, "--epochs") if epochs else None}
    probe = dataclasses.replace(config.probe,
                                **{k: v for k, v in changes.items() if v is not None})
    config = dataclasses.replace(config, probe=probe,
                                 studies=tuple(registry.study(s).name for s in study or ())
                                 or config.studies,
                                 variants=tuple(variant or ()))
    if epochs:  # every study's epochs, the length and resolution studies' too
        config = dataclasses.replace(config, length_epochs=(), resolution_epochs=())
    if length_iters is not None:
        config = dataclasses.replace(config, length_iters=length_iters)
    if resolution_sizes:
        config = dataclasses.replace(
            config, resolution_sizes=parse_ints(resolution_sizes, "--resolution-sizes"))
    ablating.run(resolved, config, quiet)
    from gandiag.views.report import report as reporting

    typer.echo(f"report: {reporting.run(resolved, quiet=True)}")


def compare(
    run_dirs: list[pathlib.Path] = typer.Argument(..., help="Runs to compare"),
    output: pathlib.Path | None = typer.Option(None, help="Default: runs/compare-<time>"),
    quiet: bool = typer.Option(False),
):
    """Several runs side by side: a table and a figure of their summaries."""
    from gandiag.views.compare import compare as comparing

    comparing.run(list(run_dirs), output, quiet)


def sweep(
    kind: str = typer.Argument(..., help="costs, noise or seeds"),
    launcher: str = typer.Option("local", help="local: settings as parallel processes here; "
                                 "slurm: one submitit job array, a task per setting"),
    values: str | None = typer.Option(None, help="Settings, comma- or space-separated; "
                                      "default: costs original,minus-log-d,wasserstein-gp,"
                                      "hinge; noise 0,0.1,0.3,1.0; seeds 0,1,2"),
    sweep_dir: pathlib.Path | None = typer.Option(None, help="Default: runs/sweeps; each "
                                                  "setting trains in <sweep-dir>/<kind>/<setting>"),
    train_args: str | None = typer.Option(None, help="Options of every setting's `gandiag "
                                          "train`; default: --dataset digits --epochs 25"),
    probe_args: str | None = typer.Option(None, help="Options of every setting's `gandiag "
                                          "probe`; default: --iters 4000"),
    jobs: int = typer.Option(2, help="Settings at a time (local processes, or array tasks)"),
    partition: str | None = typer.Option(None, help="slurm: the partition"),
    time_min: int = typer.Option(240, help="slurm: each task's time limit, minutes"),
    gpus: int = typer.Option(0, help="slurm: GPUs per task"),
    cpus: int = typer.Option(4, help="slurm: CPUs per task"),
    cluster: str = typer.Option("slurm", hidden=True, help="submitit's executor: slurm, or "
                                "local (the array's tasks on this machine; for tests)"),
    quiet: bool = typer.Option(False),
):
    """A sweep: train and probe each setting in its own run dir (finished ones are skipped),
    then `gandiag compare` them."""
    from gandiag.experiments.sweep import sweep as sweeps

    given = {"train_args": train_args, "probe_args": probe_args}
    config = sweeps.SweepConfig(
        kind, tuple(values.replace(",", " ").split()) if values else None, sweep_dir,
        **{name: value for name, value in given.items() if value is not None})
    slurm = {"timeout_min": time_min, "gpus_per_node": gpus, "cpus_per_task": cpus}
    if partition:
        slurm["slurm_partition"] = partition
    sweeps.run(config, launcher, jobs, slurm, cluster, quiet)


def validate(
    repeats: int = typer.Option(200, help="Simulated draws per world (at least 10); 200 "
                                "keeps the run under 5 minutes on 2 cores"),
    claim: list[str] | None = typer.Option(None, help="Only these claims (repeatable); "
                                           "default: every claim with worlds"),
    output: pathlib.Path | None = typer.Option(None, help="Default: runs/validate-<time>"),
    write_spec_rates: bool = typer.Option(False, help="Also write each claim's measured "
                                          "false rates, keyed by the spec's hash, to the file "
                                          "every report reads them from"),
    quiet: bool = typer.Option(False),
):
    """The judge's own error rates: every claim judged in simulated worlds whose truth is
    known (VALIDATE.md and validate.png: verdict rates and interval coverage per world)."""
    import datetime

    from gandiag.analysis.validate import topics
    from gandiag.views.validate import validate_report

    if repeats < 10:
        raise GandiagError(f"--repeats must be at least 10, got {repeats}")
    known = topics.claims()
    unknown = [name for name in claim or [] if name not in known]
    if unknown:
        raise GandiagError(f"unknown --claim {', '.join(unknown)}; choose from: "
                           f"{', '.join(known)}")
    output = output or runs.runs_root() / datetime.datetime.now().strftime(
        "validate-%Y%m%d-%H%M%S")
    path = validate_report.run(output, repeats, claim or None, write_spec_rates, quiet)
    typer.echo(f"validate: {path}")


for name, command, options in [
    ("freeze-g-train-d", freeze_g_train_d, {}),
    ("freeze-G-train-D", freeze_g_train_d, {"hidden": True}),
    ("probe-gradients", probe_gradients, {}),
    ("probe", probe_gradients, {"help": "Alias of probe-gradients."}),
    ("add-noise", add_noise, {}),
    ("toy-noise", toy_noise, {}),
    ("paper", paper, {}),
    ("theory", theory, {}),
    ("report", report, {}),
    ("judge", judge, {}),
    ("compare", compare, {}),
    ("quality", quality, {}),
    ("sweep", sweep, {}),
    ("ablate", ablate, {}),
    ("validate", validate, {}),
]:
    app.command(name, **options)(user_errors(command))


def _closed_loop(value) -> bool:
    return isinstance(value, RuntimeError) and str(value) == "Event loop is closed"


def _closed_loop_noise_dropped(excepthook, unraisablehook):
    """sys.excepthook and sys.unraisablehook, silent on "Event loop is closed": Orbax's
    writer callbacks raise it from C threads, printed without a header, when a checkpoint
    write fails and its event loop is gone (seen in CI on a full disk, before the one-line
    error that says what happened)."""

    def on_exception(kind, value, traceback):
        if not (_closed_loop(value) and threading.current_thread() is not threading.main_thread()):
            excepthook(kind, value, traceback)

    def on_unraisable(unraisable):
        if not _closed_loop(unraisable.exc_value):
            unraisablehook(unraisable)

    return on_exception, on_unraisable


def main() -> None:
    sys.excepthook, sys.unraisablehook = _closed_loop_noise_dropped(sys.excepthook,
                                                                    sys.unraisablehook)
    # Orbax reports a failed write (a full disk) from its worker threads through absl and
    # asyncio logging, hundreds of lines; gandiag answers it in one line (user_errors).
    for name in ("absl", "asyncio", "concurrent.futures"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        app(prog_name="gandiag")
    except SystemExit as leaving:
        if leaving.code != 2:
            raise
        # The one-line error is out. Orbax's writer threads can still fail against a closed
        # event loop while the interpreter shuts down and print their tracebacks after it
        # (seen in CI on a full disk); every file is written atomically and checkpoints are
        # committed by rename, so leaving at once loses nothing that was saved.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(2)
