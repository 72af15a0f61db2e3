"""Frozen-G experiments: Figures 1-3 of Arjovsky & Bottou (2017), and Section 3's noise.

For each saved G, a fresh D is trained from scratch against it while G stays frozen,
recording D's cross-entropy and accuracy at every iteration and, for each probed
generator cost, the norm of G's gradient under the current D and its projections on
a few fixed random unit directions (``gandiag.core.probe_step``).
"""

import dataclasses
import functools
import typing
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis import summaries
from gandiag.analysis.spec import PREMISE_EVERY
from gandiag.analysis.summaries import evaluation_points
from gandiag.config import (
    ParallelConfig,
    ProbeConfig,
    TrainConfig,
    to_dict,
)
from gandiag.core import parallel as placement
from gandiag.core import workers
from gandiag.core.networks import Networks
from gandiag.core.probe_step import (
    make_evaluation,
    make_premise_step,
    make_probe_step,
    probe_networks,
    random_directions,
)
from gandiag.core.state import NetworkState, init_discriminator, optimizer_of
from gandiag.data import datasets
from gandiag.errors import GandiagError
from gandiag.experiments.probe.probe_records import Records, checkpoint_summaries, write_records
from gandiag.store import layout, locks, records, runs
from gandiag.store.fetch import MetricBuffer
from gandiag.store.saved_run import SavedRun
from gandiag.store.schema import FrozenSummary, write_summary
from gandiag.views import console, plots
from gandiag.views.report import tables

# Metrics are fetched from the device this many iterations at a time.
FETCH_EVERY = 100
# Offsets the evaluations' random stream from the probe's (same seed, disjoint keys).
_EVALUATION_KEY_OFFSET = 7919


@dataclasses.dataclass(frozen=True)
class Experiment:
    """Where a frozen-G experiment reads its run and writes its outputs.

    ``dataset`` is what D trains on; ``held_out`` the last examples of the run's data
    set, never used for D's updates. ``mesh``: the devices D's batches are split over.
    """

    saved: SavedRun
    output: layout.ExperimentDir
    probe: ProbeConfig
    dataset: datasets.Dataset
    held_out: np.ndarray
    epochs: tuple[int, ...]
    mesh: placement.Parallel = dataclasses.field(default_factory=placement.Parallel)

    @property
    def run(self) -> layout.RunDir:
        return self.saved.dir

    @property
    def train_config(self) -> TrainConfig:
        return self.saved.config

    @property
    def resolved_probe(self) -> ProbeConfig:
        """The probe config with its defaults filled in from the run, as written to disk."""
        return self.probe.resolved(self.train_config, self.epochs)

    @property
    def eval_size(self) -> int:
        """Held-out reals per evaluation (with as many fresh fakes)."""
        return min(self.probe.eval_size, len(self.held_out))

    @functools.cached_property
    def networks(self) -> Networks:
        """The run's G and the probe's D, built once for every step this experiment runs."""
        return probe_networks(self.train_config, self.probe, self.dataset.shape)


def prepare(run_dir, probe: ProbeConfig, output_name: layout.ExperimentName,
            parallel: ParallelConfig = ParallelConfig()) -> Experiment:
    """Resolve the run and the epochs to probe, load the data set and hold part of it out."""
    mesh = placement.setup(parallel)
    mesh.check_batch(probe.batch_size)
    saved = SavedRun(run_dir, model=probe.model)
    data = saved.config.data  # first: a user's changed model is refused before any work
    epochs = saved.epochs(probe.epochs)
    dataset = datasets.load_data(data)
    count = probe.held_out_count(len(dataset))
    if count < probe.held_out != ProbeConfig().held_out:  # the default's cap is in the header
        console.warn(f"--held-out {probe.held_out} is more than a fifth of the {len(dataset)} "
                     f"examples; holding out {count}")
    datasets.require_batches(probe.batch_size, len(dataset) - count, "the data set less its "
                             f"{count} held-out examples")
    if count < 2:
        raise GandiagError(f"the data set ({len(dataset)} examples) is too small to hold out "
                           "examples for D's evaluation; use a larger data set")
    training = dataclasses.replace(dataset, array=dataset.array[:-count])
    return Experiment(saved, saved.dir.experiment(output_name), probe, training,
                      dataset.array[-count:], epochs, mesh)


def restore_generator(experiment: Experiment, epoch: int) -> dict:
    """G's {params, batch_stats} after ``epoch``."""
    return experiment.saved.generator(epoch, experiment.dataset.shape, experiment.mesh.replicate)


# Called with each D at the end of its training: (epoch, sigma, seed, g_variables, d).
OnTrained = Callable[[int, float, int, dict, NetworkState], None]


def premise_points(iters: int) -> set[int]:
    """The numbers of D updates after which Theorem 2.4's premise is measured."""
    return {*range(0, iters + 1, PREMISE_EVERY), iters}


class _Prober:
    """Trains fresh Ds against frozen Gs with the probe's one compiled step, and evaluates."""

    def __init__(self, experiment: Experiment, bar):
        probe, networks = experiment.probe, experiment.networks
        self.probe, self.bar, self.mesh = probe, bar, experiment.mesh
        self.shape = experiment.dataset.shape
        self.step = make_probe_step(networks, probe, self.mesh)
        self.evaluate, _ = make_evaluation(networks, probe)
        self.premises = make_premise_step(networks, probe)
        self.discriminator = networks.discriminator
        self.tx = optimizer_of(probe.optimizer)
        self.data = self.mesh.put_data(experiment.dataset.array)
        self.eval_batch = self.mesh.replicate(
            jnp.asarray(experiment.held_out[:experiment.eval_size]))
        self.base_key = jax.random.key(probe.seed)
        self.evaluation_key = jax.random.key(probe.seed + _EVALUATION_KEY_OFFSET)
        self.evaluation_points = evaluation_points(probe.iters)
        self.premise_points = premise_points(probe.iters)
        self.records = Records()

    def directions(self, g_variables: dict) -> dict:
        """The fixed random unit directions the gradients are projected on (one set per G)."""
        return random_directions(g_variables["params"], self.probe.directions,
                                 jax.random.fold_in(self.base_key, 0))

    def train(self, g_variables: dict, directions: dict, epoch: int, sigma: float,
              seed: int) -> NetworkState:
        """A fresh D (seed ``seed``) trained against one G at one noise level; records kept."""
        seed_key = jax.random.fold_in(self.base_key, seed + 1)
        params, stats = init_discriminator(self.discriminator, seed_key, self.shape,
                                           self.probe.batch_size)
        d = self.mesh.replicate(NetworkState(params, stats, self.tx.init(params)))
        labels = {"epoch": epoch, "seed": seed, "sigma": sigma}
        curve, checks = MetricBuffer(FETCH_EVERY), MetricBuffer(0)
        check_key = jax.random.fold_in(jax.random.fold_in(self.evaluation_key, epoch), seed)
        self.check(d, g_variables, checks, labels, 0, sigma, check_key)
        for iteration in range(1, self.probe.iters + 1):
            key = jax.random.fold_in(jax.random.fold_in(seed_key, epoch), iteration)
            d, record = self.step(d, g_variables, self.data, key, jnp.float32(sigma),
                                  directions)
            # The record was measured with D before this iteration's update.
            curve.add({**labels, "iter": iteration, "d_updates": iteration - 1}, record)
            self.check(d, g_variables, checks, labels, iteration, sigma, check_key)
            if curve.due(iteration, self.probe.iters):
                fetched = curve.fetch()
                self.records.curves += fetched
                self.bar.update(completed=len(self.records.curves), status=_status(fetched[-1]))
        for record in checks.fetch():
            stream = self.records.premises if "epsilon" in record else self.records.evaluations
            stream.append(record)
        return d

    def check(self, d: NetworkState, g_variables, checks: MetricBuffer, labels: dict,
              d_updates: int, sigma: float, key) -> None:
        """Queue D's held-out evaluation and (without noise) the premises, where due."""
        key = jax.random.fold_in(key, d_updates)
        fields = {**labels, "d_updates": d_updates}
        if d_updates in self.evaluation_points:
            checks.add({**fields, "count": 2 * len(self.eval_batch)},
                       self.evaluate(d, g_variables, self.eval_batch, key,
                                     jnp.float32(sigma)))
        if sigma == 0 and d_updates in self.premise_points:
            checks.add(fields,
                       self.premises(d, g_variables, jax.random.fold_in(key, 1)))


def run_curves(experiment: Experiment, quiet: bool = False,
               on_trained: OnTrained | None = None) -> Records:
    """Train a fresh D against each (epoch, sigma, seed) and return every record.

    ``on_trained``, if given, is called with each D at the end of its training (add-noise
    evaluates it on all held-out data).
    """
    probe = experiment.probe
    total = len(experiment.epochs) * probe.seeds * len(probe.sigmas) * probe.iters
    with console.progress_bar("probe", total, quiet) as bar:
        prober = _Prober(experiment, bar)
        for epoch in experiment.epochs:
            g_variables = restore_generator(experiment, epoch)
            directions = prober.directions(g_variables)
            for sigma in probe.sigmas:
                for seed in range(probe.seeds):
                    d = prober.train(g_variables, directions, epoch, sigma, seed)
                    if on_trained is not None:
                        on_trained(epoch, sigma, seed, g_variables, d)
    prober.records.curves = [_nest(record) for record in prober.records.curves]
    prober.records.evaluations = [_averaged(record) for record in prober.records.evaluations]
    return prober.records


class Observer(typing.Protocol):
    """An ``OnTrained`` whose experiment can run in parts on workers: ``again`` gives a
    picklable ``(experiment) -> Observer`` that builds the same observer in a worker,
    ``results`` what it gathered (picklable), ``absorb`` adds a part's results."""

    def __call__(self, epoch: int, sigma: float, seed: int, g_variables: dict,
                 d: NetworkState) -> None: ...

    def again(self) -> Callable[[Experiment], "Observer"]: ...

    def results(self) -> object: ...

    def absorb(self, results: object) -> None: ...


def part_steps(experiment: Experiment, name: str,
               on_trained: Observer | None = None) -> list[workers.Step]:
    """The experiment as independent worker steps, one per (checkpoint, noise level).

    Each part trains its Ds exactly as the whole experiment would (every random key is
    folded from the epoch, the noise level's D seeds and the iteration, never from the
    order of the loop), so its records are the whole experiment's for that part; the
    parts' results, in this order, go to ``merge_parts``. ``name`` prefixes each step's.
    """
    observer = None if on_trained is None else on_trained.again()
    output_name = experiment.output.path.name
    return [workers.Step(
        f"{name}/epoch-{epoch}" + (f"-sigma-{sigma:g}" if len(experiment.probe.sigmas) > 1
                                   else ""), _part,
        (experiment.run.path, dataclasses.replace(experiment.probe, epochs=(epoch,),
                                                  sigmas=(sigma,)), output_name, observer))
        for epoch in experiment.epochs for sigma in experiment.probe.sigmas]


def _part(run_path, probe: ProbeConfig, output_name: layout.ExperimentName,
          observer: Callable[[Experiment], Observer] | None) -> tuple[Records, object]:
    """One part in a worker: the experiment rebuilt from the run dir, then its curves."""
    experiment = prepare(run_path, probe, output_name)
    on_trained = None if observer is None else observer(experiment)
    found = run_curves(experiment, quiet=True, on_trained=on_trained)
    return found, None if on_trained is None else on_trained.results()


def merge_parts(parts: list[tuple[Records, object]],
                on_trained: Observer | None = None) -> Records:
    """The parts' records as one experiment's, in the order the serial loop makes them."""
    found = Records()
    for part, results in parts:
        found.curves += part.curves
        found.evaluations += part.evaluations
        found.premises += part.premises
        if on_trained is not None:
            on_trained.absorb(results)
    return found


def _averaged(record: dict) -> dict:
    """An evaluation with its sums turned into means over the evaluated examples."""
    count = record["count"]
    return {**{k: v for k, v in record.items() if not k.endswith("_sum")},
            "correct": int(record["correct"]), "mixed_correct": int(record["mixed_correct"]),
            "error": 2 * record["error_sum"] / count, "d_fake": 2 * record["d_fake_sum"] / count}


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


def settings(experiment: Experiment) -> dict:
    """The experiment's resolved settings, as its config.json holds them."""
    return {**to_dict(experiment.resolved_probe), "held_out_count": len(experiment.held_out)}


def begin(experiment: Experiment, settings: dict, quiet: bool) -> None:
    """Create the experiment's folder and write its resolved settings as config.json."""
    runs.make_dir(experiment.output.path, "--run-dir")
    records.write_config(experiment.output.config, settings)
    probe = experiment.probe
    console.say(f"{experiment.output.path.name}: run {experiment.run.path}, epochs "
                f"{', '.join(map(str, experiment.epochs))}, {probe.iters} iterations, "
                f"{len(experiment.held_out)} examples held out"
                + (f", sigmas {', '.join(f'{s:g}' for s in probe.sigmas)}"
                   if probe.sigmas != (0.0,) else ""), quiet)


def run(run_dir, probe: ProbeConfig, output_name: layout.ExperimentName,
        quiet: bool = False, parallel: ParallelConfig = ParallelConfig()) -> FrozenSummary:
    """Run a frozen-G experiment; write its records, summary.json, figures and a table.

    Args:
        run_dir: a `gandiag train` run (None: the latest).
        probe: the experiment's settings; ``costs`` empty for Figure 1 alone.
        output_name: the folder under the run, ``freeze_g_train_d`` or ``probe``.
        quiet: no progress bar.
        parallel: the devices and processes D's batches are split over.

    Returns:
        The summary, as written to summary.json.
    """
    experiment = prepare(run_dir, probe, output_name, parallel)
    count = choose_workers(experiment, parallel.workers)
    with locks.hold(experiment.run.path, writer=experiment.mesh.primary,
                    experiment=output_name):
        return _run(experiment, output_name, quiet or not experiment.mesh.primary, count)


def _run(experiment: Experiment, output_name: layout.ExperimentName,
         quiet: bool, count: int) -> FrozenSummary:
    if experiment.mesh.primary:  # with several processes, process 0 writes
        begin(experiment, settings(experiment), quiet)
    return finish(experiment, output_name, run_parts(experiment, output_name, count, quiet))


def choose_workers(experiment: Experiment, requested: int | None) -> int:
    """Worker processes for the experiment's parts (``workers.choose``); none where its
    batches are split over several devices or processes."""
    if experiment.mesh.devices > 1 or jax.process_count() > 1:
        if requested:
            raise GandiagError(f"--workers {requested} needs one device in one process; "
                               "pass --workers 0 with --devices or several processes")
        return 0
    probe = experiment.probe
    parts = len(experiment.epochs) * len(probe.sigmas)
    return workers.choose(requested, [probe.iters * probe.seeds] * parts)


def run_parts(experiment: Experiment, name: str, count: int, quiet: bool,
              on_trained: Observer | None = None) -> Records:
    """The experiment's records: in this process (``count`` 0), or in parts on ``count``
    single-threaded workers, each part's wall time said as it finishes."""
    if count == 0:
        return run_curves(experiment, quiet, on_trained)
    steps = part_steps(experiment, name, on_trained)
    console.say(f"{name}: {len(steps)} parts on {count} single-threaded worker"
                f"{'s' * (count != 1)}", quiet)
    results = workers.run_steps(steps, count, lambda step, seconds: console.say(
        f"{step}: finished in {console.duration(seconds)}", quiet))
    return merge_parts([results[step.name] for step in steps], on_trained)


def finish(experiment: Experiment, output_name: layout.ExperimentName,
           found: Records) -> FrozenSummary:
    """The summary of the experiment's records; written with its records, figures and
    table by process 0."""
    summary = FrozenSummary(experiment.probe.iters, len(experiment.held_out),
                            experiment.eval_size, checkpoint_summaries(found))
    if not experiment.mesh.primary:
        return summary
    write_records(experiment.output, found)
    write_summary(experiment.output.summary, summary)
    plots.frozen_figures(summaries.group_curves(found.curves),
                         summaries.group(found.evaluations), experiment.output)
    console.show(console.table(f"{output_name}: {experiment.run.path}",
                               *tables.frozen_rows(summary)))
    return summary
