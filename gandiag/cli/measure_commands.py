"""The commands that measure: quality (of every saved G's samples) and theory (each theorem
where its premise provably holds)."""

import pathlib

import typer

from gandiag.cli.options import Flag, Settings, parse_ints, parse_names, with_flags
from gandiag.cli.run_options import (
    MODEL_MOVED_HELP,
    QuietOption,
    RunDirArgument,
    one_run_dir,
)
from gandiag.config import AfterProbeConfig, QualityConfig, TheoryConfig
from gandiag.store import runs

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
            quiet: bool = QuietOption):
    """Sample quality of every saved G: FCD, KCD, precision/recall, class coverage (or SWD)."""
    from gandiag.experiments.quality import quality as measuring

    config = options.apply(QualityConfig())
    for member in runs.run_set(run_dir)[1]:
        measuring.run(member, config, quiet)
        if after_probe:
            from gandiag.experiments.quality import caption

            caption.run(member, after.apply(AfterProbeConfig()), config, quiet)


THEORY_FLAGS = [
    Flag("only", "Run only this check (or these, comma-separated); default: all",
         parse=parse_names),
    Flag("seed"),
]


@with_flags(options=(THEORY_FLAGS, TheoryConfig()))
def theory(options: Settings,
           run_dir_argument: pathlib.Path | None = RunDirArgument,
           run_dir: pathlib.Path | None = typer.Option(
               None, help="Write <run-dir>/theory/ (the run's report then gains a Theory "
               "section); default: runs/theory/"),
           quiet: bool = QuietOption):
    """Each theorem where its premise provably holds, against an exact optimal D (CPU, < 3 min)."""
    from gandiag.experiments.theory import theory as checks

    checks.run(options.apply(TheoryConfig()), one_run_dir(run_dir_argument, run_dir), quiet)
