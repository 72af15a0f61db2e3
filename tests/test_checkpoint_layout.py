"""A run saved by an earlier gandiag still opens, restores and resumes.

``fixtures/killed_run.tar.gz`` is a run written by gandiag 0.1.0, whose training state
held G and D as eight loose fields (``g_params``, ``d_opt_state``, ...): the embedded
digits at 16x16, nz 2, ngf = ndf = 1, no monitor, two epochs planned and killed in the
second, so that it holds epoch 1's checkpoint and the latest (the same state) and the
metrics of epoch 1. Its numbers were computed on another CPU, so they are compared with a
fresh run's to float rounding; the layout (every item, every leaf) must match exactly.
"""

import pathlib
import tarfile

import jax
import numpy as np
import pytest

from gandiag.config import DataConfig, ModelConfig, TrainConfig
from gandiag.core.state import create_state
from gandiag.experiments.train import train
from gandiag.store import records
from gandiag.store.checkpoints import Checkpoints
from gandiag.store.saved_run import SavedRun

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "killed_run.tar.gz"
CONFIG = TrainConfig(data=DataConfig("digits", image_size=16),
                     model=ModelConfig(nz=2, ngf=1, ndf=1), epochs=2, save_epochs=(1, 2),
                     monitor_every=0)
SHAPE = (16, 16, 1)
STEPS_PER_EPOCH = 1797 // 64


def _assert_close_trees(old, new):
    old_leaves, old_tree = jax.tree_util.tree_flatten(old)
    new_leaves, new_tree = jax.tree_util.tree_flatten(new)
    assert old_tree == new_tree
    for old_leaf, new_leaf in zip(old_leaves, new_leaves, strict=True):
        if jax.dtypes.issubdtype(old_leaf.dtype, jax.dtypes.prng_key):
            old_leaf, new_leaf = jax.random.key_data(old_leaf), jax.random.key_data(new_leaf)
        assert old_leaf.shape == new_leaf.shape and old_leaf.dtype == new_leaf.dtype
        np.testing.assert_allclose(np.asarray(old_leaf), np.asarray(new_leaf),
                                   rtol=1e-3, atol=1e-5)


@pytest.fixture
def old_run(tmp_path) -> pathlib.Path:
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path / "old", filter="data")
    return tmp_path / "old"


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory) -> pathlib.Path:
    """The same run trained to its end by this version."""
    run_dir = tmp_path_factory.mktemp("fresh") / "run"
    train.run(CONFIG, run_dir, quiet=True)
    return run_dir


def _restore(run_dir: pathlib.Path, epoch: int | None = None):
    template = create_state(train.resolve(CONFIG), SHAPE)
    checkpoints = Checkpoints(run_dir, read_only=True)
    if epoch is None:
        return checkpoints.restore_latest(template)[0]
    return checkpoints.restore_epoch(epoch, template)[0]


def test_an_old_checkpoint_restores_into_the_state_field_by_field(old_run, fresh_run):
    old, new = _restore(old_run, 1), _restore(fresh_run, 1)
    assert int(old.step) == int(new.step) == STEPS_PER_EPOCH
    for name in ("g", "d"):
        _assert_close_trees(getattr(old, name), getattr(new, name))
    _assert_close_trees(old.key, new.key)
    generator = SavedRun(old_run).generator(1, SHAPE)
    _assert_close_trees(generator, old.g.variables)


def test_an_old_run_resumes_to_the_end_of_its_training(old_run, fresh_run):
    resumed = train.run(CONFIG, old_run, resume=True, quiet=True)
    assert resumed.steps == STEPS_PER_EPOCH and resumed.interrupted is None
    assert Checkpoints(old_run, read_only=True).saved_epochs() == [1, 2]
    _assert_close_trees(_restore(old_run), _restore(fresh_run))
    steps = [record["step"] for record in records.read_jsonl(old_run / "metrics.jsonl")]
    assert steps == list(range(1, 2 * STEPS_PER_EPOCH + 1))
