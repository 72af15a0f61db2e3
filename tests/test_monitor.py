"""The training monitor: its measurement against direct computations, its warnings on
hand-made checks, and its records in a tiny run (with TensorBoard's events read back)."""

import dataclasses
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from typer.testing import CliRunner

from gandiag.analysis import spec
from gandiag.analysis.monitor.health import HealthWatch, checks, warnings_of
from gandiag.cli.commands import app
from gandiag.config import COSTS, DataConfig, ModelConfig, TrainConfig, generator_cost_of
from gandiag.core import losses
from gandiag.core.monitor_step import make_monitor_step, median_nearest_distance, other_cost
from gandiag.core.networks import build_networks
from gandiag.core.state import create_state
from gandiag.experiments.monitor.live import MONITOR_BATCH
from gandiag.experiments.train import train
from gandiag.store import layout, records
from gandiag.store.tensorboard import write_probe_events
from gandiag.views.monitor import monitor_section
from gandiag.views.render import Text

TINY = TrainConfig(data=DataConfig("digits", image_size=16), model=ModelConfig(nz=8, ngf=8, ndf=8),
                   epochs=1, batch_size=64, monitor_every=10)


def test_median_nearest_distance_on_points():
    real = jnp.array([[0.0, 0.0], [10.0, 0.0]])
    fake = jnp.array([[3.0, 4.0], [10.0, 1.0], [0.0, 2.0]])  # nearest: 5, 1, 2
    np.testing.assert_allclose(float(median_nearest_distance(fake, real)), 2.0, rtol=1e-5)


@pytest.mark.parametrize("cost", ["original", "relativistic"])
def test_monitor_gradient_norms_are_those_of_the_costs_at_fixed_d(cost):
    """Each measured norm equals jax.grad of that cost through G and D as training applies
    it, computed here without the monitor's shared pullbacks."""
    config = dataclasses.replace(TINY, cost=cost)
    shape = (16, 16, 1)
    state = create_state(config, shape)
    held_out = jax.random.uniform(jax.random.key(5), (8, *shape), minval=-1, maxval=1)
    data = jax.random.uniform(jax.random.key(6), (20, *shape), minval=-1, maxval=1)
    key = jax.random.key(7)
    numbers = make_monitor_step(config, shape)(state, held_out, data, key)
    networks = build_networks(config, shape)
    z_key, index_key = jax.random.split(key)
    z = jax.random.normal(z_key, (8, config.model.nz))
    training_real = data[jax.random.randint(index_key, (8,), 0, 20)]

    def logits(images):
        return networks.discriminate(state.d.params, state.d.stats, images)[0]

    for name in (losses.gan_cost(cost).generator.name, other_cost(cost)):
        generator_cost = losses.generator_cost(name)
        grads = jax.grad(lambda params, c=generator_cost: c(
            logits(networks.generate(params, state.g.stats, z)[0]),
            logits(training_real)))(state.g.params)
        np.testing.assert_allclose(float(numbers[f"monitor/grad_norm/{name}"]),
                                   float(optax_norm(grads)), rtol=1e-4)
    assert 0.0 <= float(numbers["monitor/held_out_accuracy"]) <= 1.0
    assert -1.0 <= float(numbers["monitor/r_t"]) <= 1.0
    assert float(numbers["monitor/delta"]) > 0


def optax_norm(tree) -> float:
    return np.sqrt(sum(float(jnp.sum(leaf**2)) for leaf in jax.tree_util.tree_leaves(tree)))


def _check(step, gradient, accuracy=1.0, training_real=0.9, held_out_real=0.9):
    return {"step": step, "grad_norm/original": gradient, "grad_norm/minus-log-d": 0.5,
            "held_out_accuracy": accuracy, "training_real_accuracy": training_real,
            "held_out_real_accuracy": held_out_real, "r_t": 0.8, "d_fake": 1e-4,
            "epsilon": 0.02, "delta": 6.0}


def test_saturation_warns_once_with_its_numbers():
    watch = HealthWatch("original", "minus-log-d")
    assert watch.read(_check(100, 2.0)) == []
    # Two orders down, but D is not yet perfect on held-out data: no warning.
    assert watch.read(_check(200, 0.01, accuracy=0.95)) == []
    (warning,) = watch.read(_check(300, 0.005))
    assert "step 300" in warning and "fell 2.6 orders since step 100" in warning
    assert "0.25 delta = 1.5" in warning and "\n" not in warning
    assert watch.read(_check(400, 0.0001)) == []


def test_overfitting_needs_two_checks_in_a_row():
    watch = HealthWatch("minus-log-d", "original")
    gap = spec.MONITOR_OVERFIT_GAP
    assert watch.read(_check(100, 1.0, accuracy=0.6, training_real=0.9,
                             held_out_real=0.9 - gap)) == []
    assert watch.read(_check(200, 1.0, accuracy=0.6, held_out_real=0.85)) == []
    assert watch.read(_check(300, 1.0, accuracy=0.6, held_out_real=0.5)) == []
    (warning,) = watch.read(_check(400, 1.0, accuracy=0.6, held_out_real=0.4))
    assert "overfits" in warning and "0.90 of them real but 0.40 of held-out" in warning


def test_a_healthy_run_is_silent():
    records_ = [{"step": 100 * i, **{f"monitor/{name}": value for name, value
                                     in _check(100 * i, 1.0 + 0.1 * i, accuracy=0.7).items()
                                     if name != "step"}} for i in range(1, 20)]
    found = checks(records_)
    assert len(found) == 19 and found[3]["grad_norm/original"] == pytest.approx(1.4)
    assert warnings_of(found, "minus-log-d", "original") == []


@pytest.fixture(scope="module")
def monitored_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("monitor") / "run"
    result = train.run(TINY, run_dir, quiet=True)
    return run_dir, result


def test_checks_join_the_records_every_n_steps_and_at_the_end(monitored_run):
    run_dir, result = monitored_run
    steps_per_epoch = (1797 - MONITOR_BATCH) // 64  # the held-out reals are not trained on
    assert result.steps == steps_per_epoch
    rows = records.read_jsonl(run_dir / "metrics.jsonl")
    checked = [row["step"] for row in rows if "monitor/epsilon" in row]
    assert checked == [1, *range(10, steps_per_epoch + 1, 10), steps_per_epoch]
    assert all(np.isfinite(row["monitor/delta"]) for row in rows if "monitor/delta" in row)


def test_tensorboard_holds_the_jsonl_numbers(monitored_run):
    run_dir, _ = monitored_run
    rows = records.read_jsonl(run_dir / "metrics.jsonl")
    events = EventAccumulator(str(run_dir / "tensorboard"))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert {"train/d_loss", "train/g_grad_norm", "monitor/epsilon",
            "monitor/grad_norm/minus-log-d"} <= set(tags)
    d_loss = {event.step: event.value for event in events.Scalars("train/d_loss")}
    assert d_loss == pytest.approx({row["step"]: row["d_loss"] for row in rows}, rel=1e-6)
    epsilon = [event.step for event in events.Scalars("monitor/epsilon")]
    assert epsilon == [row["step"] for row in rows if "monitor/epsilon" in row]


def test_no_monitor_trains_on_every_example(tmp_path):
    config = dataclasses.replace(TINY, monitor_every=0, data=DataConfig("ring"), batch_size=500)
    result = train.run(config, tmp_path / "run", quiet=True)
    rows = records.read_jsonl(tmp_path / "run" / "metrics.jsonl")
    assert not any("monitor/epsilon" in row for row in rows)
    assert result.steps == len(rows)


def test_probe_curves_become_one_tensorboard_run_per_d_seed(tmp_path):
    label = {"epoch": 2, "sigma": 0.0}
    found = types.SimpleNamespace(
        curves=[{**label, "seed": seed, "iter": i, "error": 1.0 / i,
                 "grad_norm": {"original": 10.0**-i}, "projections": {"original": [0.1]}}
                for seed in (0, 1) for i in (1, 2, 3)],
        evaluations=[{**label, "seed": 0, "d_updates": 10, "count": 64, "correct": 60,
                      "error": 0.2}],
        premises=[{**label, "seed": 1, "d_updates": 0, "epsilon": 0.5}])
    write_probe_events(tmp_path, found)
    for seed in (0, 1):
        events = EventAccumulator(str(tmp_path / "tensorboard" / f"epoch2-sigma0-seed{seed}"))
        events.Reload()
        norms = events.Scalars("probe/grad_norm/original")
        assert [event.step for event in norms] == [1, 2, 3]
        assert [event.value for event in norms] == pytest.approx([0.1, 0.01, 0.001])
        assert not any("projections" in tag for tag in events.Tags()["scalars"])
    assert events.Scalars("premise/epsilon")[0].value == pytest.approx(0.5)


@pytest.mark.parametrize("flag, value, allowed", [
    ("--monitor-every", "-5", ">= 0"), ("--r2", "-1", ">= 0"), ("--cost", "relativstic",
                                                                "relativistic")])
def test_bad_monitor_and_penalty_values_are_one_line_errors(flag, value, allowed):
    result = CliRunner().invoke(app, ["train", "--epochs", "1", flag, value])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert value in line and allowed in line


def test_the_report_plots_the_checks_and_replays_no_warning(monitored_run, tmp_path):
    run_dir, _ = monitored_run
    blocks = monitor_section.section(layout.RunDir(run_dir), {"cost": TINY.cost}, tmp_path)
    assert (tmp_path / f"{run_dir.name}-monitor.png").stat().st_size > 1000
    texts = [block.text for block in blocks if isinstance(block, Text)]
    assert any(text.startswith("Warnings: ") for text in texts)
    unmonitored = monitor_section.section(layout.RunDir(tmp_path / "none"), {}, tmp_path)
    assert "Off for this run" in unmonitored[1].text


def test_checks_do_not_change_training(tmp_path):
    """The monitor only reads the state: checked every 3 or every 7 steps, the same run."""
    losses_by_period = {}
    for every in (3, 7):
        config = dataclasses.replace(TINY, data=DataConfig("ring"), batch_size=500,
                                     monitor_every=every)
        train.run(config, tmp_path / f"every-{every}", quiet=True)
        rows = records.read_jsonl(tmp_path / f"every-{every}" / "metrics.jsonl")
        losses_by_period[every] = [(row["d_loss"], row["g_loss"]) for row in rows]
    assert len(losses_by_period[3]) == (10_000 - MONITOR_BATCH) // 500
    assert losses_by_period[3] == losses_by_period[7]


def test_every_training_cost_names_the_generator_cost_the_monitor_records():
    for cost in COSTS:
        assert generator_cost_of(cost) == losses.gan_cost(cost).generator.name, cost


def _toy_run_reports_its_monitor(cost: str, tmp_path) -> None:
    config = TrainConfig(data=DataConfig("ring"), model=ModelConfig(nz=2, ngf=8, ndf=8),
                         epochs=1, batch_size=256, cost=cost, monitor_every=10)
    run_dir = tmp_path / cost
    train.run(config, run_dir, quiet=True)
    blocks = monitor_section.section(layout.RunDir(run_dir), {"cost": cost}, tmp_path)
    assert any(isinstance(block, Text) and block.text.startswith("Warnings")
               for block in blocks), cost


def test_a_wgan_gp_run_trains_with_the_monitor_and_reports_it(tmp_path):
    # WGAN-GP's G trains with WGAN's generator cost: the monitor's records name that one.
    _toy_run_reports_its_monitor("wasserstein-gp", tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("cost", [cost for cost in COSTS if cost != "wasserstein-gp"])
def test_a_toy_run_of_every_cost_trains_with_the_monitor_and_reports_it(cost, tmp_path):
    _toy_run_reports_its_monitor(cost, tmp_path)
