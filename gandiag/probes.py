"""Frozen-G experiments: Figures 1-3 of Arjovsky & Bottou (2017), and Section 3's noise.

For each saved G, a fresh D is trained from scratch against it while G stays frozen,
recording D's cross-entropy and accuracy at every iteration and, for each probed
generator cost, the norm of G's gradient under the current D and its projections on
a few fixed random unit directions. G is frozen by never being updated: the same
``DiscriminatorUpdate`` as in training runs, and G's gradients are only measured.
"""

import dataclasses
import functools
import pathlib
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from gandiag import losses, metrics, plots, progress, runs, summaries
from gandiag.checkpoint import Checkpoints
from gandiag.config import ProbeConfig, TrainConfig, to_dict, train_config_from_dict
from gandiag.data import Dataset
from gandiag.errors import GandiagError
from gandiag.state import adam, init_discriminator, init_variables
from gandiag.steps import DiscriminatorUpdate, build_networks, global_norm

# Metrics are fetched from the device this many iterations at a time.
FETCH_EVERY = 100


class DiscriminatorState(NamedTuple):
    params: dict
    stats: dict
    opt_state: optax.OptState


def random_directions(template: dict, count: int, key: jax.Array) -> dict:
    """``count`` random unit vectors in the space of ``template``'s parameters.

    Returned as one pytree shaped like ``template`` with a leading axis of ``count``.
    """
    leaves, treedef = jax.tree_util.tree_flatten(template)
    keys = jax.random.split(key, len(leaves))
    raw = [jax.random.normal(k, (count, *leaf.shape)) for k, leaf in zip(keys, leaves)]
    norms = jnp.sqrt(sum(jnp.sum(jnp.square(r).reshape(count, -1), axis=1) for r in raw))
    unit = [r / norms.reshape((count,) + (1,) * (r.ndim - 1)) for r in raw]
    return jax.tree_util.tree_unflatten(treedef, unit)


def project(tree: dict, directions: dict) -> jax.Array:
    """The (count,) inner products of ``tree`` with each direction."""
    products = jax.tree_util.tree_map(
        lambda d, t: jnp.tensordot(d, t, axes=t.ndim), directions, tree)
    return sum(jax.tree_util.tree_leaves(products))


def make_probe_step(train_config: TrainConfig, probe: ProbeConfig, example_shape) -> Callable:
    """The jitted iteration ``(d_state, g_variables, data, key, sigma, directions)``.

    One forward pass of G and of D serves D's update and every probed cost: the
    costs differ only in the cotangent at D's fake logits, each pulled back once.
    Probes that differ only in what the loop runs (epochs, iterations, seeds, noise
    levels) share one step, so that e.g. `gandiag paper`'s probe and add-noise compile it
    once.
    """
    step_fields = dataclasses.replace(probe, epochs=(), iters=1, seed=0, seeds=1, sigmas=(0.0,))
    return _probe_step(train_config, step_fields, tuple(example_shape))


@functools.lru_cache(maxsize=8)
def _probe_step(train_config: TrainConfig, probe: ProbeConfig, example_shape) -> Callable:
    config = dataclasses.replace(train_config,
                                 d_batching=probe.d_batching or train_config.d_batching)
    networks = build_networks(config, example_shape)
    # D is trained with the cross-entropy whatever G was trained with: the paper's protocol.
    update_discriminator = DiscriminatorUpdate(networks, losses.cross_entropy,
                                               adam(probe.optimizer))
    generator_costs = [losses.generator_cost(name) for name in probe.costs]
    train_generator = probe.g_mode == "train"
    batch_size, nz = probe.batch_size, config.model.nz

    def probe_step(d_state: DiscriminatorState, g_variables, data, key, sigma, directions):
        real_key, z_key, d_key = jax.random.split(key, 3)
        real = jnp.take(data, jax.random.randint(real_key, (batch_size,), 0, data.shape[0]), 0)
        z = jax.random.normal(z_key, (batch_size, nz))
        # G's BatchNorm statistics are computed but never stored: G stays frozen.
        fake, generator_pullback = jax.vjp(
            lambda g_params: networks.generate(g_params, g_variables["batch_stats"], z,
                                               train_generator)[0], g_variables["params"])
        params, stats, opt_state, d_metrics, fake_logits, fake_pullback = update_discriminator(
            *d_state, real, fake, d_key, sigma)
        record = {"error": d_metrics["d_loss"], "accuracy": d_metrics["d_accuracy"],
                  "d_real": d_metrics["d_real"], "d_fake": d_metrics["d_fake"]}
        for cost in generator_costs:
            (grads,) = generator_pullback(fake_pullback(cost.logit_cotangent(fake_logits)))
            record[f"grad_norm/{cost.name}"] = global_norm(grads)
            record[f"projections/{cost.name}"] = project(grads, directions)
        return DiscriminatorState(params, stats, opt_state), record

    return jax.jit(probe_step, donate_argnums=(0,))


@dataclasses.dataclass(frozen=True)
class Experiment:
    """Where a frozen-G experiment reads its run and writes its outputs."""

    run_dir: pathlib.Path
    output_dir: pathlib.Path
    train_config: TrainConfig
    probe: ProbeConfig
    dataset: Dataset
    epochs: tuple[int, ...]

    @property
    def resolved_probe(self) -> ProbeConfig:
        """The probe config with its defaults filled in from the run, as written to disk."""
        return dataclasses.replace(
            self.probe, epochs=self.epochs,
            d_batching=self.probe.d_batching or self.train_config.d_batching)


def prepare(run_dir, probe: ProbeConfig, output_name: str) -> Experiment:
    """Resolve the run and the epochs to probe, and load the run's data set."""
    from gandiag.train import load_data

    run_dir = runs.resolve_run_dir(run_dir)
    train_config = train_config_from_dict(runs.read_config(run_dir))
    for name in probe.costs:
        losses.generator_cost(name)
    saved = Checkpoints(run_dir, read_only=True).saved_epochs()
    epochs = probe.epochs or tuple(saved)
    missing = [e for e in epochs if e not in saved]
    if missing or not epochs:
        raise GandiagError(f"epoch(s) {', '.join(map(str, missing)) or 'none'} have no checkpoint "
                           f"in {run_dir}; saved epochs: {', '.join(map(str, saved)) or 'none'}")
    dataset = load_data(train_config.data)
    if probe.batch_size > len(dataset):
        raise GandiagError(f"batch size {probe.batch_size} is larger than the data set "
                           f"({len(dataset)} examples); pass a smaller --batch-size")
    return Experiment(run_dir, run_dir / output_name, train_config, probe, dataset, tuple(epochs))


def restore_generator(experiment: Experiment, epoch: int) -> dict:
    """G's {params, batch_stats} after ``epoch``."""
    generator = build_networks(experiment.train_config, experiment.dataset.shape).generator
    z = jnp.zeros((1, experiment.train_config.model.nz))
    params, stats = init_variables(generator, jax.random.key(0), z)
    template = {"params": params, "batch_stats": stats}
    restored, _ = Checkpoints(experiment.run_dir, read_only=True).restore_generator(epoch, template)
    return restored


def run_curves(experiment: Experiment, quiet: bool = False,
               on_trained: Callable | None = None) -> list[dict]:
    """Train a fresh D against each (epoch, seed, sigma) and return every iteration's record.

    ``on_trained(epoch, sigma, seed, g_variables, d_state)``, if given, is called with
    each D at the end of its training (add-noise evaluates it on held-out data).
    """
    probe, shape = experiment.probe, experiment.dataset.shape
    probe_step = make_probe_step(experiment.train_config, probe, shape)
    discriminator = build_networks(experiment.train_config, shape).discriminator
    tx = adam(probe.optimizer)
    data = jax.device_put(experiment.dataset.array)
    base_key = jax.random.key(probe.seed)
    records = []
    total = len(experiment.epochs) * probe.seeds * len(probe.sigmas) * probe.iters
    with progress.progress_bar("probe", total, quiet) as bar:
        for epoch in experiment.epochs:
            g_variables = restore_generator(experiment, epoch)
            directions = random_directions(g_variables["params"], probe.directions,
                                           jax.random.fold_in(base_key, 0))
            for sigma in probe.sigmas:
                for seed in range(probe.seeds):
                    seed_key = jax.random.fold_in(base_key, seed + 1)
                    params, stats = init_discriminator(discriminator, seed_key, shape,
                                                       probe.batch_size)
                    d_state = DiscriminatorState(params, stats, tx.init(params))
                    pending = []
                    for iteration in range(1, probe.iters + 1):
                        key = jax.random.fold_in(jax.random.fold_in(seed_key, epoch), iteration)
                        d_state, record = probe_step(d_state, g_variables, data, key,
                                                     jnp.float32(sigma), directions)
                        pending.append(({"epoch": epoch, "seed": seed, "sigma": sigma,
                                         "iter": iteration}, record))
                        if metrics.is_time(iteration, FETCH_EVERY, probe.iters):
                            fetched = metrics.fetch(pending)
                            records += fetched
                            pending = []
                            bar.update(completed=len(records), status=_status(fetched[-1]))
                    if on_trained is not None:
                        on_trained(epoch, sigma, seed, g_variables, d_state)
    return [_nest(record) for record in records]


def _status(record: dict) -> str:
    norms = "  ".join(f"|grad {name.split('/')[1]}| {value:.2e}"
                      for name, value in record.items() if name.startswith("grad_norm/"))
    return (f"epoch {record['epoch']} sigma {record['sigma']:g}  err {record['error']:.2e}  "
            f"acc {record['accuracy']:.3f}  {norms}")


def _nest(record: dict) -> dict:
    """Group the per-cost entries: {"grad_norm": {cost: ...}, "projections": {cost: [...]}}."""
    nested = {"grad_norm": {}, "projections": {}}
    for name, value in record.items():
        group, _, cost = name.partition("/")
        if cost:
            nested[group][cost] = value
        else:
            nested[name] = value
    if not nested["grad_norm"]:
        del nested["grad_norm"], nested["projections"]
    return nested


FIGURE_TITLES = {
    "original": "Figure 2: original cost E[log(1 - D(G(z)))]",
    "minus-log-d": "Figure 3: -log D cost E[-log D(G(z))]",
}
FIGURE_FILES = {"original": "figure2.png", "minus-log-d": "figure3.png"}


def group_curves(records: list[dict], sigma: float = 0.0) -> dict[int, list[list[dict]]]:
    """{epoch: [one list of records per seed]} for one noise level."""
    grouped: dict[int, dict[int, list[dict]]] = {}
    for record in records:
        if record["sigma"] == sigma:
            grouped.setdefault(record["epoch"], {}).setdefault(record["seed"], []).append(record)
    return {epoch: [seeds[s] for s in sorted(seeds)] for epoch, seeds in grouped.items()}


def write_figures(curves: dict[int, list[list[dict]]], output_dir: pathlib.Path) -> None:
    """figure1.png, and figure2.png / figure3.png (or figure_<cost>.png) for each probed cost."""
    label = lambda epoch: f"epoch {epoch}"
    errors = {label(e): [[r["error"] for r in c] for c in seeds] for e, seeds in curves.items()}
    accuracy = {label(e): [summaries.running_mean([r["accuracy"] for r in c]) for c in seeds]
                for e, seeds in curves.items()}
    plots.figure1(errors, accuracy, output_dir / "figure1.png")
    first_curve = next(iter(curves.values()))[0]
    for cost in first_curve[0].get("grad_norm", {}):
        norms = {label(e): [[r["grad_norm"][cost] for r in c] for c in seeds]
                 for e, seeds in curves.items()}
        plots.gradient_norms(norms, output_dir / FIGURE_FILES.get(cost, f"figure_{cost}.png"),
                             FIGURE_TITLES.get(cost, f"cost {cost}"))


def summary_rows(summary: dict) -> tuple[list[str], list[list]]:
    """Columns and rows of the Rich table that repeats summary.json."""
    columns = ["epoch", "iters to acc 0.99", "iters to acc 0.999", "final error", "final acc"]
    rows = []
    for epoch, block in summary["checkpoints"].items():
        base = [epoch, block["iters_to_acc_0.99"], block["iters_to_acc_0.999"],
                block["final_error"], block["final_accuracy"]]
        if "costs" not in block:
            rows.append(base)
            continue
        for cost, numbers in block["costs"].items():
            rows.append(base + [cost] + [numbers[key] for key in COST_KEYS])
            base = [""] * len(base)
    if any("costs" in block for block in summary["checkpoints"].values()):
        columns += ["cost", "|grad| start", "|grad| end", "decay orders", "var growth",
                    "tail alpha", "kurtosis"]
    return columns, rows


COST_KEYS = ("grad_norm_start", "grad_norm_end", "decay_orders", "variance_growth",
             "tail_index", "kurtosis")


def run(run_dir, probe: ProbeConfig, output_name: str, quiet: bool = False) -> dict:
    """Run a frozen-G experiment and write curves.jsonl, summary.json, figures and a table.

    Args:
        run_dir: a `gandiag train` run (None: the latest).
        probe: the experiment's settings; ``costs`` empty for Figure 1 alone.
        output_name: the folder under the run, ``freeze_g_train_d`` or ``probe``.
        quiet: no progress bar.

    Returns:
        The summary, as written to summary.json.
    """
    experiment = prepare(run_dir, probe, output_name)
    output_dir = experiment.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    metrics.write_json(output_dir / "config.json", to_dict(experiment.resolved_probe))
    progress.say(f"{output_name}: run {experiment.run_dir}, epochs "
                 f"{', '.join(map(str, experiment.epochs))}, {probe.iters} iterations", quiet)
    records = run_curves(experiment, quiet)
    metrics.write_jsonl(output_dir / "curves.jsonl", records)
    curves = group_curves(records)
    summary = {"checkpoints": {str(epoch): summaries.checkpoint_summary(seeds)
                               for epoch, seeds in curves.items()}}
    metrics.write_json(output_dir / "summary.json", summary)
    write_figures(curves, output_dir)
    columns, rows = summary_rows(summary)
    progress.show(progress.table(f"{output_name}: {experiment.run_dir}", columns, rows))
    return summary
