"""`gandiag train`: train a GAN, keeping checkpoints and samples at chosen epochs."""

import dataclasses
import pathlib
import signal
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis.summaries import epoch_means
from gandiag.config import ParallelConfig, TrainConfig, to_dict
from gandiag.core import parallel as placement
from gandiag.core import user_model
from gandiag.core.instance_noise import noise_level
from gandiag.core.networks import build_networks, generate
from gandiag.core.state import GANState, create_state
from gandiag.core.steps import epoch_permutation, make_train_step
from gandiag.data import datasets
from gandiag.errors import GandiagError
from gandiag.experiments.monitor.live import LiveMonitor, held_out_count
from gandiag.store import layout, locks, records, runs
from gandiag.store.checkpoints import Checkpoints
from gandiag.store.fetch import MetricBuffer, first_nonfinite
from gandiag.store.saved_run import SavedRun
from gandiag.store.tensorboard import EventWriter
from gandiag.views import console, plots

# Metrics are fetched from the device this many steps at a time (and at epoch ends).
FETCH_EVERY = 50
LOSS_NAMES = ("d_loss", "g_loss")
SAMPLE_COUNT = 64
# How many real examples are drawn behind a 2-D toy's samples.
SAMPLE_REFERENCE = 2000


def resolve(config: TrainConfig) -> TrainConfig:
    """Fill in what depends on the data set (its default image size) and, for the user's
    own model, the hash of its source."""
    config = dataclasses.replace(config, model=user_model.recorded(config.model))
    if config.data.is_toy or config.data.image_size:
        return config
    size = datasets.default_image_size(config.data.dataset)
    return dataclasses.replace(config, data=dataclasses.replace(config.data, image_size=size))


class _StopRequests:
    """Turns Ctrl-C and SIGTERM into a flag the loop checks between steps.

    A signal that interrupted a jitted call could leave the donated state invalid;
    a flag lets the step finish, so the checkpoint written on the way out is whole.
    """

    def __init__(self):
        self.requested = None

    def __enter__(self):
        self._previous = {sig: signal.signal(sig, self._handle)
                          for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def _handle(self, signum, frame):
        self.requested = signal.Signals(signum).name

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def sample_images(config: TrainConfig, state: GANState, example_shape) -> np.ndarray:
    """G's output on a fixed batch of latents (BatchNorm on batch statistics, as in training)."""
    return np.asarray(generate(build_networks(config, example_shape), state.g.variables,
                               jax.random.key(config.seed + 1), SAMPLE_COUNT))


@dataclasses.dataclass
class TrainResult:
    run_dir: pathlib.Path
    steps: int
    seconds: float
    interrupted: str | None


@dataclasses.dataclass
class _Loop:
    """The training loop's state between steps: what it writes to and how far it got."""

    config: TrainConfig
    run: layout.RunDir
    dataset: datasets.Dataset
    state: GANState
    checkpoints: Checkpoints
    writer: records.JsonlWriter
    bar: object
    stop: _StopRequests
    parallel: placement.Parallel
    monitor: LiveMonitor | None = None
    events: EventWriter | None = None

    def __post_init__(self):
        self.steps_per_epoch = len(self.dataset) // self.config.batch_size
        self.total_steps = self.config.epochs * self.steps_per_epoch
        self.train_step = make_train_step(self.config, self.dataset.shape, self.parallel)
        self.device_data = self.parallel.put_data(self.dataset.array)
        self.buffer = MetricBuffer(FETCH_EVERY)
        self.config_dict = to_dict(self.config)

    def run_from(self, step: int) -> int:
        """Train from ``step`` to the end or to a stop request; returns the step reached."""
        while step < self.total_steps and not self.stop.requested:
            step = self.run_epoch(step)
        if self.stop.requested and step % self.steps_per_epoch:
            self.checkpoints.save(self.state, step // self.steps_per_epoch + 1, self.config_dict,
                                  keep_epoch=False)
        return step

    def run_epoch(self, step: int) -> int:
        """The rest of the epoch that ``step`` is in; checkpoint at its end."""
        epoch = step // self.steps_per_epoch + 1
        order = epoch_permutation(self.state.key, jnp.int32(epoch), len(self.dataset))
        epoch_end = epoch * self.steps_per_epoch
        while step < epoch_end and not self.stop.requested:
            sigma = noise_level(self.config.instance_noise, self.config.noise_schedule, step,
                                self.total_steps)
            self.state, step_metrics = self.train_step(self.state, self.device_data, order,
                                                       jnp.float32(sigma))
            step += 1
            if self.monitor and self.monitor.due(step, self.total_steps):
                step_metrics = {**step_metrics,
                                **self.monitor.measure(self.state, self.device_data, step)}
            self.buffer.add({"step": step, "epoch": epoch, "instance_noise": sigma}, step_metrics)
            if self.buffer.due(step, epoch_end) or self.stop.requested:
                self.record(self.buffer.fetch())
        if step == epoch_end:
            self.end_epoch(epoch)
        return step

    def end_epoch(self, epoch: int) -> None:
        keep = epoch in self.config.save_epochs
        self.checkpoints.save(self.state, epoch, self.config_dict, keep_epoch=keep)
        if keep:
            # Every process computes the samples (a computation on the mesh); one saves them.
            samples = sample_images(self.config, self.state, self.dataset.shape)
            if self.parallel.primary:
                plots.save_samples(samples, self.run.sample_grid(epoch), f"epoch {epoch}",
                                   self.dataset.array[:SAMPLE_REFERENCE])

    def record(self, fetched: list[dict]) -> None:
        """Append fetched metrics; stop at the first non-finite loss, keeping those before it."""
        bad = first_nonfinite(fetched, LOSS_NAMES)
        if bad is not None:
            self.writer.write([r for r in fetched if r["step"] < bad["step"]])
            raise GandiagError(
                f"a loss became non-finite at step {bad['step']} (epoch {bad['epoch']}: d_loss "
                f"{bad['d_loss']}, g_loss {bad['g_loss']}); stopped. The last good checkpoint "
                f"is step {self.checkpoints.latest_step()} in {self.run.checkpoints}; try a "
                "lower --lr")
        self.writer.write(fetched)
        if self.events:
            self.events.write(fetched)
        if self.monitor:
            self.monitor.read(fetched)
        last = fetched[-1]
        self.bar.update(completed=last["step"], status=(
            f"epoch {last['epoch']}  d_loss {last['d_loss']:.3f}  g_loss {last['g_loss']:.3f}  "
            f"D(x) {last['d_real']:.2f}  D(G(z)) {last['d_fake']:.2f}"))


def _open_run(config: TrainConfig, run: layout.RunDir, resume: bool, overwrite: bool,
              quiet: bool, on_ready: Callable[[pathlib.Path], None]) -> bool:
    """The run dir made ready (config written, ``on_ready`` called); whether to resume."""
    resuming = runs.prepare(run.path, to_dict(config), resume, overwrite)
    on_ready(run.path)
    console.say(f"run dir: {run.path}", quiet)
    return resuming


def run(config: TrainConfig, run_dir: pathlib.Path | None = None, *, resume: bool = False,
        overwrite: bool = False, quiet: bool = False,
        parallel: ParallelConfig = ParallelConfig(),
        on_ready: Callable[[pathlib.Path], None] = lambda run_dir: None) -> TrainResult:
    """Train ``config`` in ``run_dir`` and return where and how far it got.

    Resume order: read config.json and check it matches; rebuild the fresh state as a
    template; restore the latest checkpoint into it; drop metrics logged after it;
    continue from its step (the batch order and every random draw derive from the
    seed and the step, so the result is bitwise that of an uninterrupted run on CPU).
    The run dir is locked while training (store/locks.py): a second writer is refused.
    ``parallel``: the devices and processes the batch is split over (core/parallel.py);
    with several processes, process 0 alone writes files, all write the checkpoints.
    ``on_ready`` is called with the run dir once it is ready, on process 0 (the command line
    points runs/latest at it there).
    """
    mesh = placement.setup(parallel)
    config = resolve(config)
    dataset = datasets.load_data(config.data)
    datasets.require_batches(config.batch_size, len(dataset))
    mesh.check_batch(config.batch_size)
    if run_dir is None and jax.process_count() > 1:
        raise GandiagError("with several processes, pass the same --run-dir to each")
    run = layout.RunDir(run_dir or runs.default_run_dir(config.data.dataset, config.cost))
    quiet = quiet or not mesh.primary
    with locks.hold(run.path, writer=mesh.primary):
        resuming = (_open_run(config, run, resume, overwrite, quiet, on_ready) if mesh.primary
                    else resume)
        where = f" {config.data.data_dir}" if config.data.data_dir else ""
        console.say(f"data: {config.data.dataset}{where}: {dataset.summary}", quiet)
        mesh.barrier("gandiag train: run dir ready")
        return _train(config, dataset, run, resuming, quiet, mesh)


def _train(config: TrainConfig, dataset, run: layout.RunDir, resuming: bool,
           quiet: bool, mesh: placement.Parallel) -> TrainResult:
    state = mesh.replicate(create_state(config, dataset.shape))
    # The monitor's held-out reals are the data set's last examples, kept from training.
    training = dataclasses.replace(dataset, array=dataset.array[:len(dataset) - held_out_count(
        config, len(dataset))])
    datasets.require_batches(config.batch_size, len(training))
    # Every process measures (a computation on the mesh); process 0 alone warns.
    monitor = (LiveMonitor(config, dataset.array[len(training):], dataset.shape,
                           console.warn if mesh.primary else _ignore, state.key)
               if len(training) < len(dataset) else None)
    checkpoints = SavedRun(run.path, writable=True).checkpoints
    if resuming and (checkpoints.has_latest() or checkpoints.saved_epochs()):
        state, meta, skipped = checkpoints.restore_latest(state, discard_damaged=True)
        for damage in skipped:
            console.warn(f"{damage}; deleted it, resuming from an older one")
        console.say(f"resuming from step {meta['step']} (epoch {meta['epoch']})", quiet)
    elif resuming:
        console.warn(f"--resume: {run.path} has no checkpoint yet; starting fresh from step 0")
    start_step = int(state.step)
    writer = (records.JsonlWriter(run.metrics, keep_until_step=start_step) if mesh.primary
              else _Discard())
    events = EventWriter(run.path) if mesh.primary else None
    started = time.perf_counter()
    try:
        with _StopRequests() as stop, console.progress_bar(
                "train", config.epochs * (len(training) // config.batch_size), quiet) as bar:
            loop = _Loop(config, run, training, state, checkpoints, writer, bar, stop, mesh,
                         monitor, events)
            step = loop.run_from(start_step)
    finally:
        writer.close()
        if events:
            events.close()
        checkpoints.close()
    seconds = time.perf_counter() - started
    if monitor:
        console.say(monitor.overhead(seconds), quiet)
    if stop.requested:
        console.say(f"interrupted at step {step}; saved. Continue with: gandiag train "
                    f"--run-dir {run.path} --resume", quiet)
    elif not quiet:
        console.show(summary_table(run.path))
    return TrainResult(run.path, step - start_step, seconds, stop.requested)


def _ignore(message: str) -> None:
    """A warning from a process other than 0, which process 0 gives too."""


class _Discard:
    """The metrics writer of a process other than 0: every process fetches the same
    (replicated) metrics, so one writes them."""

    def write(self, records: list[dict]) -> None:
        pass

    def close(self) -> None:
        pass


SUMMARY_COLUMNS = ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "g_grad_norm")


def summary_table(run_dir: pathlib.Path):
    """Per saved epoch, the means of the logged metrics over that epoch."""
    run = layout.RunDir(run_dir)
    training = records.read_jsonl(run.metrics)
    means = {name: epoch_means(training, name) for name in SUMMARY_COLUMNS}
    rows = [[epoch, *[means[name][epoch] for name in SUMMARY_COLUMNS]]
            for epoch in runs.read_config(run.path)["save_epochs"] if epoch in means["d_loss"]]
    return console.table(f"gandiag train: {run.path}", ["epoch", *SUMMARY_COLUMNS], rows)
