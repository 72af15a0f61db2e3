"""The frozen-G experiments: freeze-g-train-d, probe, add-noise; toy-noise, Section 3 on a
2-D toy; and ablate, the probe's variants one factor at a time."""

import dataclasses
import pathlib

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
from gandiag.cli.run_options import (
    EXPERIMENT_PARALLEL_FLAGS,
    MODEL_MOVED_HELP,
    QuietOption,
    RunDirArgument,
    RunDirOption,
    one_run_dir,
)
from gandiag.config import (
    ADD_NOISE_SIGMAS,
    GENERATOR_COSTS,
    AblateConfig,
    DBatching,
    DNorm,
    GMode,
    NoiseDistribution,
    NoiseOptions,
    ParallelConfig,
    ProbeConfig,
    ProbeDCost,
)
from gandiag.experiments.noise.toy_noise_config import ToyNoiseConfig
from gandiag.store import layout, runs

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


@with_flags(probe=(PROBE_FLAGS, ProbeConfig()),
            parallel=(EXPERIMENT_PARALLEL_FLAGS, ParallelConfig()))
def freeze_g_train_d(probe: Settings, parallel: Settings,
                     run_dir_argument: pathlib.Path | None = RunDirArgument,
                     run_dir: pathlib.Path | None = RunDirOption,
                     quiet: bool = QuietOption):
    """Figure 1: train a fresh D against each frozen G; D's error and accuracy."""
    from gandiag.experiments.probe import probe as probing

    config, placement = probe.apply(ProbeConfig(costs=())), parallel.apply(ParallelConfig())
    for member in runs.run_set(one_run_dir(run_dir_argument, run_dir))[1]:
        probing.run(member, config, layout.FREEZE_G_TRAIN_D, quiet, placement)


@with_flags(probe=([*PROBE_FLAGS, COST_FLAG], ProbeConfig()),
            parallel=(EXPERIMENT_PARALLEL_FLAGS, ParallelConfig()))
def probe_gradients(probe: Settings, parallel: Settings,
                    run_dir_argument: pathlib.Path | None = RunDirArgument,
                    run_dir: pathlib.Path | None = RunDirOption,
                    quiet: bool = QuietOption):
    """Figures 2-3: G's gradient norm under each cost while a fresh D trains against it."""
    from gandiag.experiments.probe import probe as probing

    config, placement = probe.apply(ProbeConfig()), parallel.apply(ParallelConfig())
    for member in runs.run_set(one_run_dir(run_dir_argument, run_dir))[1]:
        probing.run(member, config, layout.PROBE, quiet, placement)


@with_flags(probe=([*PROBE_FLAGS, COST_FLAG, SIGMA_FLAG, NOISE_DIST_FLAG], ProbeConfig()),
            options=(NOISE_FLAGS, NoiseOptions()),
            parallel=(EXPERIMENT_PARALLEL_FLAGS, ParallelConfig()))
def add_noise(probe: Settings, options: Settings, parallel: Settings,
              run_dir_argument: pathlib.Path | None = RunDirArgument,
              run_dir: pathlib.Path | None = RunDirOption, quiet: bool = QuietOption):
    """Section 3: the probe under instance noise; JSD estimates and the Wasserstein bound."""
    from gandiag.experiments.noise import add_noise

    config, noise_options = probe.apply(ProbeConfig()), options.apply(NoiseOptions())
    placement = parallel.apply(ParallelConfig())
    for member in runs.run_set(one_run_dir(run_dir_argument, run_dir))[1]:
        add_noise.run(member, config, noise_options, quiet, placement)


TOY_NOISE_FLAGS = [
    Flag("dataset", "The 2-D toy data set"),
    Flag("sigmas", "Instance-noise levels to compare", name="sigma", parse=parse_floats),
    Flag("g_updates", f"G's training budget in updates (batch {ToyNoiseConfig.batch_size})"),
    Flag("d_steps", "D updates per G update (keeps D near-optimal)"),
    Flag("seed"),
]


@with_flags(options=(TOY_NOISE_FLAGS, ToyNoiseConfig()))
def toy_noise(options: Settings,
              out_dir: pathlib.Path | None = typer.Option(
                  None, help="Default: runs/toy-noise-<dataset>"),
              quiet: bool = QuietOption):
    """Section 3 on a 2-D toy: original cost, near-optimal D; does noise get G to the modes?"""
    from gandiag.experiments.noise import toy_noise

    toy_noise.run(options.apply(ToyNoiseConfig()), out_dir, quiet)


# Every default is the preset of the run's data set (experiments/ablate/ablate_preset.py).
ABLATE_FLAGS = [
    Flag("studies", f"Run only this study (repeatable): {', '.join(registry.STUDY_NAMES)}; "
         "default: all, in that order", name="study", choices=registry.STUDY_NAMES),
    Flag("probe.iters", "D iterations per variant; default: the data set's ablate preset"),
    Flag("probe.seeds", "D seeds per variant; default: the preset's"),
    Flag("probe.epochs", "Saved epochs, e.g. 1,25; default: the preset's", parse=parse_ints),
    Flag("variants", "Run only this variant of the study (repeatable), e.g. joint; default: "
         "all", name="variant"),
    Flag("length_iters", "D iterations of the length-optimiser study's variants (the paper's "
         "length is 4000 per checkpoint); default: the preset's"),
    Flag("resolution_sizes", "Image sides of the resolution study, e.g. 16,32,64; default: "
         "the preset's", parse=parse_ints),
    Flag("probe.model", MODEL_MOVED_HELP),
    Flag("workers", "Single-threaded worker processes running variants side by side (0: "
         "none); default: one per CPU core when at least two variants are to run"),
]


@with_flags(changes=(ABLATE_FLAGS, AblateConfig))
def ablate(changes: Settings,
           run_dir: pathlib.Path | None = typer.Argument(
               None, help="A `gandiag train` run with checkpoints at the preset's epochs "
               "(default: the latest)"),
           quiet: bool = QuietOption):
    """Why D becomes perfect: each study's variants of the probe, as sub-runs, with verdicts."""
    from gandiag.experiments.ablate import ablate as ablating
    from gandiag.experiments.ablate import ablate_preset
    from gandiag.views.report import report as reporting

    resolved = runs.resolve_run_dir(run_dir)
    config = changes.apply(ablate_preset.preset(runs.read_config(resolved)["data"]["dataset"]))
    for name in config.studies:
        registry.study(name)  # an unknown name: one line listing the studies
    if "probe.epochs" in changes.given:  # every study's epochs, the length and resolution ones'
        config = dataclasses.replace(config, length_epochs=(), resolution_epochs=())
    ablating.run(resolved, config, quiet)
    typer.echo(f"report: {reporting.run(resolved, quiet=True)}")
