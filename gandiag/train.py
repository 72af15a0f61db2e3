"""`gandiag train`: train a GAN, keeping checkpoints and samples at chosen epochs."""

import dataclasses
import pathlib
import signal
import time

import jax
import jax.numpy as jnp
import numpy as np

from gandiag import data, metrics, noise, plots, progress, runs
from gandiag.checkpoint import Checkpoints
from gandiag.config import DataConfig, TrainConfig, to_dict
from gandiag.errors import GandiagError
from gandiag.state import GANState, create_state
from gandiag.steps import build_networks, epoch_permutation, make_train_step

# Metrics are fetched from the device this many steps at a time (and at epoch ends).
FETCH_EVERY = 50
LOSS_NAMES = ("d_loss", "g_loss")
SAMPLE_COUNT = 64


def load_data(config: DataConfig) -> data.Dataset:
    """The data set a config names, at its resolved image size."""
    return data.load_dataset(config.dataset, data_dir=config.data_dir, split=config.split,
                             image_size=config.image_size or None, grayscale=config.grayscale)


def resolve(config: TrainConfig) -> TrainConfig:
    """Fill in what depends on the data set (its default image size)."""
    if config.data.is_toy or config.data.image_size:
        return config
    size = data.default_image_size(config.data.dataset)
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
    networks = build_networks(config, example_shape)
    z = jax.random.normal(jax.random.key(config.seed + 1), (SAMPLE_COUNT, config.model.nz))
    return np.asarray(networks.generate(state.g_params, state.g_stats, z)[0])


@dataclasses.dataclass
class TrainResult:
    run_dir: pathlib.Path
    steps: int
    seconds: float
    interrupted: str | None


def run(config: TrainConfig, run_dir: pathlib.Path | None = None, *, resume: bool = False,
        overwrite: bool = False, quiet: bool = False) -> TrainResult:
    """Train ``config`` in ``run_dir`` and return where and how far it got.

    Resume order: read config.json and check it matches; rebuild the fresh state as a
    template; restore the latest checkpoint into it; drop metrics logged after it;
    continue from its step (the batch order and every random draw derive from the
    seed and the step, so the result is bitwise that of an uninterrupted run on CPU).
    """
    config = resolve(config)
    dataset = load_data(config.data)
    steps_per_epoch = len(dataset) // config.batch_size
    if steps_per_epoch == 0:
        raise GandiagError(f"batch size {config.batch_size} is larger than the data set "
                           f"({len(dataset)} examples); pass a smaller --batch-size")
    run_dir = pathlib.Path(run_dir or runs.default_run_dir(config.data.dataset, config.cost))
    config_dict = to_dict(config)
    resuming = runs.prepare(run_dir, config_dict, resume, overwrite)
    runs.mark_latest(run_dir)
    progress.say(f"run dir: {run_dir}", quiet)

    state = create_state(config, dataset.shape)
    checkpoints = Checkpoints(run_dir)
    if resuming:
        state, meta = checkpoints.restore_latest(state)
        progress.say(f"resuming from step {meta['step']} (epoch {meta['epoch']})", quiet)
    start_step = int(state.step)
    writer = metrics.JsonlWriter(run_dir / "metrics.jsonl", keep_until_step=start_step)
    total_steps = config.epochs * steps_per_epoch
    train_step = make_train_step(config, dataset.shape)
    device_data = jax.device_put(dataset.array)
    started = time.perf_counter()
    interrupted = None
    try:
        with _StopRequests() as stop, progress.progress_bar("train", total_steps, quiet) as bar:
            pending = []
            step = start_step
            while step < total_steps and not stop.requested:
                epoch = step // steps_per_epoch + 1
                order = epoch_permutation(state.key, jnp.int32(epoch), len(dataset))
                epoch_end = epoch * steps_per_epoch
                while step < epoch_end and not stop.requested:
                    sigma = noise.noise_level(config.instance_noise, config.noise_schedule,
                                              step, total_steps)
                    state, step_metrics = train_step(state, device_data, order, jnp.float32(sigma))
                    step += 1
                    pending.append(({"step": step, "epoch": epoch, "instance_noise": sigma},
                                    step_metrics))
                    if metrics.is_time(step, FETCH_EVERY, epoch_end) or stop.requested:
                        _flush(pending, writer, bar, run_dir, checkpoints)
                        pending = []
                if step == epoch_end:
                    keep = epoch in config.save_epochs
                    checkpoints.save(state, epoch, config_dict, keep_epoch=keep)
                    if keep:
                        plots.save_samples(sample_images(config, state, dataset.shape),
                                           run_dir / "samples" / f"epoch_{epoch:04d}.png",
                                           f"epoch {epoch}", dataset.array[:2000])
            if stop.requested and step % steps_per_epoch:
                checkpoints.save(state, step // steps_per_epoch + 1, config_dict, keep_epoch=False)
            interrupted = stop.requested
    finally:
        writer.close()
        checkpoints.close()
    seconds = time.perf_counter() - started
    if interrupted:
        progress.say(f"interrupted at step {step}; saved. Continue with: gandiag train "
                     f"--run-dir {run_dir} --resume", quiet)
    elif not quiet:
        progress.show(summary_table(run_dir))
    return TrainResult(run_dir, step - start_step, seconds, interrupted)


def _flush(pending, writer, bar, run_dir, checkpoints) -> None:
    records = metrics.fetch(pending)
    bad = metrics.first_nonfinite(records, LOSS_NAMES)
    if bad is not None:
        good = [r for r in records if r["step"] < bad["step"]]
        writer.write(good)
        last = checkpoints.latest_step()
        raise GandiagError(
            f"a loss became non-finite at step {bad['step']} (epoch {bad['epoch']}: d_loss "
            f"{bad['d_loss']}, g_loss {bad['g_loss']}); stopped. The last good checkpoint is "
            f"step {last} in {run_dir}/checkpoints; try a lower --lr")
    writer.write(records)
    last = records[-1]
    bar.update(completed=last["step"], status=(
        f"epoch {last['epoch']}  d_loss {last['d_loss']:.3f}  g_loss {last['g_loss']:.3f}  "
        f"D(x) {last['d_real']:.2f}  D(G(z)) {last['d_fake']:.2f}"))


SUMMARY_COLUMNS = ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "g_grad_norm")


def summary_table(run_dir: pathlib.Path):
    """Per saved epoch, the means of the logged metrics over that epoch."""
    records = metrics.read_jsonl(pathlib.Path(run_dir) / "metrics.jsonl")
    config = runs.read_config(run_dir)
    rows = []
    for epoch in config["save_epochs"]:
        chosen = [r for r in records if r["epoch"] == epoch]
        if chosen:
            rows.append([epoch] + [float(np.mean([r[n] for r in chosen])) for n in SUMMARY_COLUMNS])
    return progress.table(f"gandiag train: {run_dir}", ["epoch", *SUMMARY_COLUMNS], rows)
