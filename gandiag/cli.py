"""The command line: each command parses options, builds a config and calls a library `run`."""

import functools
import pathlib
import shutil
import sys
from typing import Optional

import typer

from gandiag import runs
from gandiag.config import (OptimizerConfig, ProbeConfig, TrainConfig, to_dict,
                            train_config_from_dict)
from gandiag.errors import GandiagError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="A laboratory for the training dynamics of GANs (Arjovsky & Bottou 2017).")


@app.callback()
def _commands() -> None:
    """A laboratory for the training dynamics of GANs (Arjovsky & Bottou 2017)."""


def user_errors(command):
    """Report a GandiagError as one line on stderr and exit 2, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GandiagError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def parse_ints(text: str, option: str) -> tuple[int, ...]:
    """'1,10,25' -> (1, 10, 25), or a one-line error naming the option."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise GandiagError(f"{option} {text!r} is not a comma-separated list of integers, "
                           "e.g. 1,10,25") from None


def parse_floats(text: str, option: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise GandiagError(f"{option} {text!r} is not a comma-separated list of numbers, "
                           "e.g. 0,0.1,0.5") from None


# Which config field each `train` option sets, so that --resume can start from the
# stored config and apply only the options given on the command line.
_TRAIN_FIELDS = {
    "dataset": ("data", "dataset"), "data_dir": ("data", "data_dir"), "split": ("data", "split"),
    "image_size": ("data", "image_size"), "nz": ("model", "nz"), "ngf": ("model", "ngf"),
    "ndf": ("model", "ndf"), "d_norm": ("model", "d_norm"), "lr": ("optimizer", "lr"),
    "beta1": ("optimizer", "beta1"), "epochs": (None, "epochs"),
    "batch_size": (None, "batch_size"), "cost": (None, "cost"), "d_steps": (None, "d_steps"),
    "d_batching": (None, "d_batching"), "save_epochs": (None, "save_epochs"),
    "instance_noise": (None, "instance_noise"), "noise_schedule": (None, "noise_schedule"),
    "seed": (None, "seed"),
}


def _set(config_dict: dict, name: str, value) -> None:
    group, field = _TRAIN_FIELDS[name]
    (config_dict[group] if group else config_dict)[field] = value


@app.command()
@user_errors
def train(
    ctx: typer.Context,
    dataset: str = typer.Option("digits", help="digits, mnist, fashion-mnist, cifar10, folder, npz, ring, grid"),
    data_dir: Optional[str] = typer.Option(None, help="Data folder (folder/npz: the images or the .npz). Default $GANDIAG_DATA_DIR, else a cache folder."),
    split: str = typer.Option("train", help="train or test (mnist, fashion-mnist, cifar10)"),
    image_size: int = typer.Option(0, help="16, 32, 64 or 128; 0 = the data set's default"),
    epochs: int = typer.Option(25),
    batch_size: int = typer.Option(64),
    cost: str = typer.Option("minus-log-d", help="original, minus-log-d, wasserstein, wasserstein-gp, hinge, least-squares"),
    lr: float = typer.Option(2e-4),
    beta1: float = typer.Option(0.5),
    d_steps: int = typer.Option(1, help="D updates per G update"),
    d_batching: str = typer.Option("separate", help="real and fake through D as two batches (separate) or one (joint)"),
    d_norm: str = typer.Option("batch", help="BatchNorm in D's inner layers: batch or none"),
    nz: int = typer.Option(100), ngf: int = typer.Option(64), ndf: int = typer.Option(64),
    save_epochs: str = typer.Option("1,10,25", help="Epochs to keep (those <= --epochs, plus the last)"),
    instance_noise: float = typer.Option(0.0, help="sigma of N(0, sigma^2 I) added to D's inputs"),
    noise_schedule: str = typer.Option("constant", help="constant, linear or exponential (decay to 0)"),
    seed: int = typer.Option(0),
    run_dir: Optional[pathlib.Path] = typer.Option(None, help="Default: runs/<dataset>-<cost>-<time>"),
    resume: bool = typer.Option(False, help="Continue the run in --run-dir from its latest checkpoint"),
    overwrite: bool = typer.Option(False, help="Delete --run-dir first"),
    quiet: bool = typer.Option(False),
):
    """Train a DCGAN (or an MLP GAN on the 2-D toys), keeping checkpoints at --save-epochs."""
    from gandiag import train as training

    options = dict(ctx.params)
    options["save_epochs"] = parse_ints(save_epochs, "--save-epochs")
    config_dict = to_dict(TrainConfig())
    if resume and run_dir is not None and (run_dir / "config.json").is_file():
        config_dict = runs.read_config(run_dir)
    for name in _TRAIN_FIELDS:
        given = ctx.get_parameter_source(name).name != "DEFAULT"
        if given or not resume:
            _set(config_dict, name, options[name])
    config = train_config_from_dict(config_dict)
    training.run(config, run_dir, resume=resume, overwrite=overwrite, quiet=quiet)


# Options shared by the frozen-G experiments.
RunDirOption = typer.Option(None, help="A `gandiag train` run; default: the latest (runs/latest)")
EpochsOption = typer.Option("", help="Saved epochs to use, e.g. 1,10,25; default: all")
ItersOption = typer.Option(4000, help="D iterations per checkpoint")
SeedsOption = typer.Option(1, help="Repeat with this many fresh D initialisations")
GModeOption = typer.Option("train", help="G's BatchNorm: train (batch statistics, as in training) or eval")
DBatchingOption = typer.Option(None, help="separate or joint; default: as in training")


def _probe_config(epochs, iters, batch_size, lr, beta1, seed, seeds, g_mode, d_batching,
                  costs, sigmas=(0.0,)) -> ProbeConfig:
    return ProbeConfig(epochs=parse_ints(epochs, "--epochs"), iters=iters, batch_size=batch_size,
                       optimizer=OptimizerConfig(lr=lr, beta1=beta1), seed=seed, seeds=seeds,
                       g_mode=g_mode, d_batching=d_batching, costs=costs, sigmas=sigmas)


def parse_costs(cost: str) -> tuple[str, ...]:
    """'both' -> the paper's two costs; otherwise a comma-separated list of registry names."""
    if cost == "both":
        return ("original", "minus-log-d")
    return tuple(part.strip() for part in cost.split(",") if part.strip())


def freeze_g_train_d(
    run_dir: Optional[pathlib.Path] = RunDirOption, epochs: str = EpochsOption,
    iters: int = ItersOption, batch_size: int = typer.Option(64), lr: float = typer.Option(2e-4),
    beta1: float = typer.Option(0.5), seed: int = typer.Option(0), seeds: int = SeedsOption,
    g_mode: str = GModeOption, d_batching: Optional[str] = DBatchingOption,
    quiet: bool = typer.Option(False),
):
    """Figure 1: train a fresh D against each frozen G; D's error and accuracy."""
    from gandiag import probes

    config = _probe_config(epochs, iters, batch_size, lr, beta1, seed, seeds, g_mode,
                           d_batching, costs=())
    probes.run(run_dir, config, "freeze_g_train_d", quiet)


def probe_gradients(
    run_dir: Optional[pathlib.Path] = RunDirOption, epochs: str = EpochsOption,
    cost: str = typer.Option("both", help="original, minus-log-d, both, or any generator cost (comma-separated)"),
    iters: int = ItersOption, batch_size: int = typer.Option(64), lr: float = typer.Option(2e-4),
    beta1: float = typer.Option(0.5), seed: int = typer.Option(0), seeds: int = SeedsOption,
    g_mode: str = GModeOption, d_batching: Optional[str] = DBatchingOption,
    quiet: bool = typer.Option(False),
):
    """Figures 2-3: G's gradient norm under each cost while a fresh D trains against it."""
    from gandiag import probes

    config = _probe_config(epochs, iters, batch_size, lr, beta1, seed, seeds, g_mode,
                           d_batching, costs=parse_costs(cost))
    probes.run(run_dir, config, "probe", quiet)


def add_noise(
    run_dir: Optional[pathlib.Path] = RunDirOption, epochs: str = EpochsOption,
    sigma: str = typer.Option("0,0.05,0.1,0.2,0.5,1.0", help="Instance-noise levels to sweep"),
    cost: str = typer.Option("both", help="Generator costs to probe (as for probe-gradients)"),
    iters: int = ItersOption, batch_size: int = typer.Option(64), lr: float = typer.Option(2e-4),
    beta1: float = typer.Option(0.5), seed: int = typer.Option(0), seeds: int = SeedsOption,
    g_mode: str = GModeOption, d_batching: Optional[str] = DBatchingOption,
    held_out: int = typer.Option(1000, help="Real examples kept from D for the final numbers"),
    transport_samples: int = typer.Option(1000, help="n for the empirical W (exact OT, n vs n)"),
    figure_epoch: Optional[int] = typer.Option(None, help="Checkpoint of noise_gradients.png; default: the last"),
    quiet: bool = typer.Option(False),
):
    """Section 3: the probe under instance noise; JSD estimates and the Wasserstein bound."""
    from gandiag import noise

    config = _probe_config(epochs, iters, batch_size, lr, beta1, seed, seeds, g_mode,
                           d_batching, costs=parse_costs(cost),
                           sigmas=parse_floats(sigma, "--sigma"))
    noise.run(run_dir, config, noise.NoiseOptions(held_out, transport_samples, figure_epoch),
              quiet)


def toy_noise(
    dataset: str = typer.Option("ring", help="ring or grid"),
    sigma: str = typer.Option("0,0.5", help="Instance-noise levels to compare"),
    epochs: int = typer.Option(20), d_steps: int = typer.Option(5, help="D updates per G update (keeps D near-optimal)"),
    seed: int = typer.Option(0),
    out_dir: Optional[pathlib.Path] = typer.Option(None, help="Default: runs/toy-noise-<dataset>"),
    quiet: bool = typer.Option(False),
):
    """Section 3 on a 2-D toy: original cost, near-optimal D; does noise get G to the modes?"""
    from gandiag import toy

    if dataset not in ("ring", "grid"):
        raise GandiagError(f"toy-noise dataset {dataset!r} is not allowed; choose ring or grid")
    config = toy.ToyNoiseConfig(dataset=dataset, sigmas=parse_floats(sigma, "--sigma"),
                                epochs=epochs, d_steps=d_steps, seed=seed)
    toy.run(config, out_dir, quiet)


def paper(
    preset: str = typer.Option("quick", help="quick (digits, minutes), cpu (MNIST 32x32, < 1 h), gpu (64x64, the paper's scale)"),
    dataset: Optional[str] = typer.Option(None, help="Override the preset's data set"),
    data_dir: Optional[str] = typer.Option(None), split: Optional[str] = typer.Option(None, help="Default: train if present, else test"),
    image_size: Optional[int] = typer.Option(None), ngf: Optional[int] = typer.Option(None),
    ndf: Optional[int] = typer.Option(None), nz: Optional[int] = typer.Option(None),
    epochs: Optional[int] = typer.Option(None, help="Training epochs"),
    iters: Optional[int] = typer.Option(None, help="D iterations of every experiment"),
    sigma: Optional[str] = typer.Option(None, help="add-noise levels, e.g. 0,0.5,1"),
    seed: Optional[int] = typer.Option(None),
    run_dir: Optional[pathlib.Path] = typer.Option(None, help="Default: runs/paper-<preset>"),
    overwrite: bool = typer.Option(False, help="Delete --run-dir first"),
    quiet: bool = typer.Option(False),
):
    """The whole paper in one run dir: train, Figures 1-3, noise, report (skips what is done)."""
    from gandiag import paper as chain

    data = {k: v for k, v in dict(dataset=dataset, data_dir=data_dir, split=split,
                                  image_size=image_size).items() if v is not None}
    model = {k: v for k, v in dict(ngf=ngf, ndf=ndf, nz=nz).items() if v is not None}
    chosen = chain.configure(preset, data=data, model=model, epochs=epochs, iters=iters,
                             sigmas=parse_floats(sigma, "--sigma") if sigma else None, seed=seed)
    run_dir = run_dir or runs.runs_root() / f"paper-{preset}"
    if overwrite and run_dir.exists():
        shutil.rmtree(run_dir)
    chain.run(chosen, run_dir, quiet)


def report(
    run_dir: Optional[pathlib.Path] = typer.Argument(None, help="A run; default: the latest"),
    quiet: bool = typer.Option(False),
):
    """REPORT.md and a self-contained report.html with every figure and the claims table."""
    from gandiag import report as reporting

    path = reporting.run(run_dir, quiet)
    typer.echo(f"report: {path}")


def compare(
    run_dirs: list[pathlib.Path] = typer.Argument(..., help="Runs to compare"),
    output: Optional[pathlib.Path] = typer.Option(None, help="Default: runs/compare-<time>"),
    quiet: bool = typer.Option(False),
):
    """Several runs side by side: a table and a figure of their summaries."""
    from gandiag import compare as comparing

    comparing.run(list(run_dirs), output, quiet)


for name, command, options in [
    ("freeze-g-train-d", freeze_g_train_d, {}),
    ("freeze-G-train-D", freeze_g_train_d, {"hidden": True}),
    ("probe-gradients", probe_gradients, {}),
    ("probe", probe_gradients, {"help": "Alias of probe-gradients."}),
    ("add-noise", add_noise, {}),
    ("toy-noise", toy_noise, {}),
    ("paper", paper, {}),
    ("report", report, {}),
    ("compare", compare, {}),
]:
    app.command(name, **options)(user_errors(command))


def main() -> None:
    app(prog_name="gandiag")


if __name__ == "__main__":
    sys.exit(main())
