"""Section 3 at tiny size: instance noise keeps G's gradient alive; the W bound holds."""

import itertools
import json
import math

import numpy as np
import pytest

from gandiag.analysis.noise import bounds
from gandiag.analysis.quality.modes import mode_statistics
from gandiag.config import DataConfig, ModelConfig, NoiseOptions, ProbeConfig, TrainConfig
from gandiag.core.instance_noise import noise_level
from gandiag.experiments.noise import add_noise, toy_noise
from gandiag.experiments.train import train
from gandiag.store import records as metrics
from gandiag.store import schema

ROW_KEYS = {"epoch", "sigma", "seeds", "w_empirical", "w_bias", "delta"}


@pytest.mark.parametrize("schedule", ["linear", "exponential"])
def test_decaying_schedules_start_at_sigma_and_reach_zero(schedule):
    levels = [noise_level(0.4, schedule, step, 100) for step in range(100)]
    assert levels[0] == pytest.approx(0.4) and levels[-1] == pytest.approx(0.0, abs=1e-12)
    assert all(a >= b for a, b in itertools.pairwise(levels))
    assert noise_level(0.4, "constant", 99, 100) == 0.4


def test_jsd_and_bound_formulas():
    assert bounds.jsd_lower_bound(2 * math.log(2)) == 0.0  # D at chance: no information
    assert bounds.jsd_lower_bound(0.0) == pytest.approx(math.log(2))  # perfect D
    # Gaussian noise: unbounded supports, an infinite C; without noise V = 0, C = 2 sqrt(d).
    assert math.isinf(bounds.wasserstein_upper_bound(0.5, 16, 0.25))
    assert bounds.wasserstein_upper_bound(0.0, 16, 0.25) == pytest.approx(2 * 8 * 0.5)
    # Ball noise of radius r: V = r^2 d / (d + 2), C = 2 sqrt(d) + 2 r.
    ball = 2 * math.sqrt(0.25 * 16 / 18) + 2 * (8 + 1) * 0.5
    assert bounds.wasserstein_upper_bound(0.5, 16, 0.25, "ball") == pytest.approx(ball)


def test_empirical_wasserstein_is_exact_on_known_cases():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 5))
    shift = np.array([3.0, 4.0, 0, 0, 0])
    assert bounds.empirical_wasserstein(points, points + shift) == pytest.approx(5.0)
    line_a, line_b = rng.normal(size=(300, 1)), rng.normal(2.0, 1.0, size=(300, 1))
    sorted_matching = np.mean(np.abs(np.sort(line_a[:, 0]) - np.sort(line_b[:, 0])))
    assert bounds.empirical_wasserstein(line_a, line_b) == pytest.approx(sorted_matching)


@pytest.mark.slow
def test_noise_keeps_the_original_cost_gradient_alive(tiny_run):
    probe = ProbeConfig(epochs=(2,), iters=1000, costs=("original",), sigmas=(0.0, 2.0),
                        held_out=256, eval_size=128)
    summary = add_noise.run(tiny_run, probe, NoiseOptions(transport_samples=128), quiet=True)
    rows = {row.sigma: row for row in summary.rows}
    written = json.loads((tiny_run / "add_noise" / "summary.json").read_text())
    assert all(set(row) == ROW_KEYS for row in written["rows"])
    (clean,), (noisy,) = rows[0.0].seeds, rows[2.0].seeds
    assert clean.decay_orders["original"].low - noisy.decay_orders["original"].high >= 1.0
    assert noisy.final_error > clean.final_error and noisy.jsd_lower_bound < clean.jsd_lower_bound
    # Exact OT between real samples is the finite-sample floor of the empirical W.
    assert 0 < rows[0.0].w_bias < rows[0.0].w_empirical and rows[0.0].delta > 0
    assert summary.noise_dist == "gaussian" and summary.transport_samples == 128
    output = tiny_run / "add_noise"
    assert written == {"schema_version": schema.SCHEMA_VERSION, **schema.encode(summary)}
    assert (output / "noise_gradients.png").exists() and (output / "noise_accuracy.png").exists()
    assert {r["sigma"] for r in metrics.read_jsonl(output / "curves.jsonl")} == {0.0, 2.0}
    # The premises are measured without noise only (Theorem 2.4 is about the clean D).
    assert {r["sigma"] for r in metrics.read_jsonl(output / "premises.jsonl")} == {0.0}


def test_ball_noise_stays_in_its_ball():
    import jax

    from gandiag.core.instance_noise import add_noise

    inputs = jax.numpy.zeros((500, 8, 8, 1))
    noisy = np.asarray(add_noise(inputs, 0.5, jax.random.key(0), "ball"))
    radii = np.linalg.norm(noisy.reshape(500, -1), axis=1)
    assert radii.max() <= 0.5 + 1e-6 and radii.min() > 0.45  # in 64 dimensions, near the rim
    # Directions are uniform: the mean of the unit vectors is near 0.
    assert np.linalg.norm((noisy.reshape(500, -1) / radii[:, None]).mean(axis=0)) < 0.2


def test_training_records_the_instance_noise_schedule(tmp_path):
    config = TrainConfig(data=DataConfig("ring"), model=ModelConfig(nz=2, ngf=8, ndf=8),
                         epochs=2, batch_size=500, instance_noise=0.3, noise_schedule="linear",
                         monitor_every=0)
    train.run(config, tmp_path / "run", quiet=True)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (saved["instance_noise"], saved["noise_schedule"]) == (0.3, "linear")
    levels = [r["instance_noise"] for r in metrics.read_jsonl(tmp_path / "run" / "metrics.jsonl")]
    assert levels[0] == pytest.approx(0.3) and levels[-1] == 0.0 and len(levels) == 40


@pytest.mark.slow
def test_on_the_ring_noise_moves_a_stalled_generator_to_the_modes(tmp_path):
    """Original cost, D kept near-optimal (5 D steps per G step): clean inputs stall G
    away from the modes; sigma = 0.5 brings its samples onto all eight."""
    config = toy_noise.ToyNoiseConfig(sigmas=(0.0, 0.5), g_updates=16 * 39)
    summary = toy_noise.run(config, tmp_path, quiet=True)
    clean, noisy = summary.curves["0"][-1], summary.curves["0.5"][-1]
    assert noisy.mean_distance < 0.6 * clean.mean_distance
    assert noisy.modes_covered == 8 and clean.modes_covered < 8
    assert (tmp_path / "toy_noise.png").exists()


def test_mode_statistics_on_hand_made_points():
    modes = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.1, 0.0], [0.0, 0.1], [5.0, 0.0], [9.9, 0.0]])
    covered, distance = mode_statistics(samples, modes, radius=0.25, share=0.25, least=1)
    assert covered == 2 and distance == pytest.approx((0.1 + 0.1 + 5.0 + 0.1) / 4)


@pytest.mark.slow
def test_parts_on_workers_give_the_whole_experiment(tiny_run, tmp_path):
    # Each (checkpoint, noise level) on a single-threaded worker: byte for byte the same
    # files on one worker or two, and the numbers of the experiment run in this process
    # up to the order in which XLA sums on another number of threads.
    import shutil

    from gandiag.config import ParallelConfig

    probe = ProbeConfig(iters=150, sigmas=(0.0, 1.0), held_out=256, eval_size=128)
    made = {}
    for count in (0, 1, 2):
        run_dir = tmp_path / f"workers-{count}"
        shutil.copytree(tiny_run, run_dir, ignore=shutil.ignore_patterns("add_noise", "probe"))
        made[count] = add_noise.run(run_dir, probe, NoiseOptions(transport_samples=64),
                                    quiet=True, parallel=ParallelConfig(workers=count))
    files = ["curves.jsonl", "heldout.jsonl", "premises.jsonl", "log.csv", "summary.json",
             "config.json"]
    for name in files:
        one, two = (tmp_path / f"workers-{n}" / "add_noise" / name for n in (1, 2))
        assert one.read_bytes() == two.read_bytes(), name
    assert [(row.epoch, row.sigma) for row in made[2].rows] == [
        (1, 0.0), (1, 1.0), (2, 0.0), (2, 1.0)]
    for serial, parted in zip(made[0].rows, made[2].rows, strict=True):
        assert (serial.epoch, serial.sigma) == (parted.epoch, parted.sigma)
        assert parted.w_empirical == pytest.approx(serial.w_empirical, rel=1e-4)
        (one,), (other,) = serial.seeds, parted.seeds
        assert other.final_accuracy == pytest.approx(one.final_accuracy, abs=0.01)
        assert other.final_error == pytest.approx(one.final_error, rel=0.05, abs=1e-3)
