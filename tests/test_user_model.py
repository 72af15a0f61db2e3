"""A user's own G and D by import path: the contract check's one-line answers, the source
hash in config.json, and the refusal to rebuild a model whose source changed.

Each broken model is a small file written to a temporary folder and loaded by its path,
as `--model path/to/file.py:build` would load it; the check runs on 4x4 images, so each
case takes about a second.
"""

import dataclasses
import hashlib
import json
import pathlib
import shutil
import textwrap

import jax
import jax.numpy as jnp
import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.config import DataConfig, ModelConfig, TrainConfig, to_dict
from gandiag.core import user_model
from gandiag.core.state import build_discriminator, build_generator, init_variables
from gandiag.errors import GandiagError
from gandiag.experiments.train import train as training

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
SHAPE = (4, 4, 1)

HEADER = """
import flax.linen as nn
import jax.numpy as jnp


class D(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = True):
        return nn.Dense(1)(x.reshape(x.shape[0], -1))
"""

# A sound G: everything the broken ones change is one line of it.
SOUND_G = """
class G(nn.Module):
    @nn.compact
    def __call__(self, z, train: bool = True):
        return jnp.tanh(nn.Dense(16)(z)).reshape(z.shape[0], 4, 4, 1)
"""

BUILD = """
def build(example_shape, nz):
    return G(), D()
"""

BREAKS = {
    "shape": (SOUND_G.replace(".reshape(z.shape[0], 4, 4, 1)", ".reshape(z.shape[0], 16)"),
              ["G's output (train=True) has shape (4, 16)", "it must be (4, 4, 4, 1)"]),
    "range": (SOUND_G.replace("jnp.tanh(nn.Dense(16)(z))", "3 + nn.Dense(16)(z)"),
              ["G's output (train=True) spans", "must lie in [-1, 1]", "tanh"]),
    "dtype": (SOUND_G.replace(".reshape(z.shape[0], 4, 4, 1)",
                              ".reshape(z.shape[0], 4, 4, 1).astype(jnp.bfloat16)"),
              ["G's output (train=True) has dtype bfloat16", "float32"]),
    "train argument": (SOUND_G.replace("def __call__(self, z, train: bool = True)",
                                       "def __call__(self, z)"),
                       ["G (G) has __call__(self, z) with no `train` argument"]),
    "logits shape": (SOUND_G + "\nD_OUT = 2\n", ["D's output (train=True) has shape (4, 2)",
                                                 "one logit per example"]),
    "collection": (SOUND_G.replace("return jnp.tanh", "self.variable('counters', 'calls', "
                                   "jnp.zeros, ())\n        return jnp.tanh"),
                   ["G (G) has the variable collection(s) counters",
                    "params, batch_stats"]),
}


def write_model(folder: pathlib.Path, generator: str, build: str = BUILD) -> pathlib.Path:
    header = HEADER.replace("nn.Dense(1)", "nn.Dense(D_OUT)") + "\nD_OUT = 1\n"
    path = folder / "model.py"
    path.write_text(textwrap.dedent(header + generator + build))
    return path


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_contract_break_gets_one_line_naming_it(tmp_path, case):
    generator, phrases = BREAKS[case]
    path = write_model(tmp_path, generator)
    model = user_model.recorded(ModelConfig(nz=3, import_path=f"{path}:build"))
    with pytest.raises(GandiagError) as raised:
        user_model.build(model, SHAPE)
    message = str(raised.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message


@pytest.mark.parametrize(("build", "phrase"), [
    ("\ndef build(example_shape, nz):\n    return G()\n", "returned a G; it must return "
     "(generator, discriminator)"),
    ("\ndef other(example_shape, nz):\n    return G(), D()\n", "defines no function 'build'"),
    ("\ndef build(example_shape):\n    return G(), D()\n", "raised TypeError"),
])
def test_a_function_that_does_not_return_the_pair_is_named(tmp_path, build, phrase):
    path = write_model(tmp_path, SOUND_G, build)
    with pytest.raises(GandiagError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        user_model.build(ModelConfig(nz=3, import_path=f"{path}:build"), SHAPE)


@pytest.mark.parametrize(("import_path", "phrase"), [
    ("no_such_file.py:build", "no file no_such_file.py"),
    ("no_such_module_anywhere:build", "cannot find module 'no_such_module_anywhere'"),
])
def test_a_model_that_cannot_be_found_is_named(import_path, phrase):
    with pytest.raises(GandiagError, match=phrase):
        user_model.build(ModelConfig(nz=3, import_path=import_path), SHAPE)


def test_the_cli_answers_a_contract_break_in_one_line_and_exit_2(tmp_path):
    path = write_model(tmp_path, BREAKS["range"][0])
    result = CliRunner().invoke(app, ["train", "--model", f"{path}:build", "--run-dir",
                                      str(tmp_path / "run"), "--epochs", "1", "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: G's output")
    bad_syntax = CliRunner().invoke(app, ["train", "--model", "examples/resnet_sn.py"])
    assert bad_syntax.exit_code == 2 and "is not MODULE:FUNCTION" in bad_syntax.output
    assert "d-norm 'spectral' applies to gandiag's DCGAN only" in CliRunner().invoke(
        app, ["train", "--model", f"{path}:build", "--d-norm", "spectral"]).output


def test_a_logit_column_is_flattened_and_batch_statistics_kept(tmp_path):
    path = write_model(tmp_path, SOUND_G.replace(
        "return jnp.tanh(nn.Dense(16)(z))",
        "return jnp.tanh(nn.BatchNorm(use_running_average=not train)(nn.Dense(16)(z)))"))
    model = user_model.recorded(ModelConfig(nz=3, import_path=f"{path}:build"))
    generator, discriminator = build_generator(model, SHAPE), build_discriminator(model, SHAPE)
    _, g_stats = jax.eval_shape(lambda key: init_variables(generator, key, jnp.zeros((8, 3))),
                                jax.random.key(0))
    assert set(g_stats) == {"BatchNorm_0"}
    images = jnp.zeros((8, *SHAPE))
    d_variables = jax.eval_shape(lambda key: discriminator.init(key, images), jax.random.key(1))
    logits = jax.eval_shape(lambda v: discriminator.apply(v, images, train=False), d_variables)
    assert logits.shape == (8,)


def test_the_toy_example_keeps_the_contract():
    model = user_model.recorded(ModelConfig(nz=2, import_path=f"{EXAMPLES}/toy_mlp.py:build"))
    generator, discriminator = user_model.build(model, (2,))
    assert generator.dimensions == 2 and discriminator.discriminator is not None


@pytest.fixture
def toy_run(tmp_path):
    """A run dir holding only the config.json `gandiag train` writes for the toy MLP example
    (copied, so the test can edit it): what every later command reads first."""
    folder = tmp_path / "own-model"
    folder.mkdir()
    shutil.copy(EXAMPLES / "toy_mlp.py", folder / "toy_mlp.py")
    config = training.resolve(TrainConfig(
        data=DataConfig("ring"), epochs=1,
        model=ModelConfig(nz=2, import_path=f"{folder / 'toy_mlp.py'}:build")))
    run_dir = folder / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(to_dict(config)))
    return folder, run_dir


def test_config_records_the_import_path_and_the_source_hash(toy_run):
    folder, run_dir = toy_run
    model = json.loads((run_dir / "config.json").read_text())["model"]
    assert model["import_path"] == f"{(folder / 'toy_mlp.py').resolve()}:build"
    assert model["source_hash"] == hashlib.sha256((folder / "toy_mlp.py").read_bytes()).hexdigest()


def test_a_changed_source_is_refused_by_resume_and_probe_in_one_line(toy_run, tmp_path):
    folder, run_dir = toy_run
    source = folder / "toy_mlp.py"
    original = source.read_text()
    moved = tmp_path / "moved.py"
    moved.write_text(original.replace("WIDTH = 64", "WIDTH = 32"))
    runner = CliRunner()
    for args in (["probe", "--run-dir", str(run_dir), "--iters", "5", "--model",
                  f"{moved}:build"],
                 ["freeze-g-train-d", "--run-dir", str(run_dir), "--iters", "5", "--model",
                  f"{moved}:build"]):
        refused = runner.invoke(app, args)
        assert refused.exit_code == 2
        assert "changed since the run was trained" in refused.output
        assert len(refused.output.strip().splitlines()) == 1
    try:
        source.write_text(original + "\n# edited\n")
        refused = runner.invoke(app, ["train", "--run-dir", str(run_dir), "--resume",
                                      "--epochs", "2", "--quiet"])
        assert refused.exit_code == 2 and "changed since the run was trained" in refused.output
    finally:
        source.write_text(original)


def test_model_on_a_run_of_the_built_in_networks_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(to_dict(TrainConfig())))
    refused = CliRunner().invoke(app, ["quality", str(run_dir), "--model",
                                       f"{EXAMPLES}/toy_mlp.py:build"])
    assert refused.exit_code == 2
    assert refused.output.strip() == (f"error: --model {EXAMPLES}/toy_mlp.py:build is given, "
                                      "but the run was trained with gandiag's built-in "
                                      "networks; drop --model")


def test_a_dotted_module_is_found_and_rebuilt_when_its_source_changes(tmp_path, monkeypatch):
    write_model(tmp_path, SOUND_G).rename(tmp_path / "dotted_gan.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    model = user_model.recorded(ModelConfig(nz=3, import_path="dotted_gan:build"))
    assert model.import_path == "dotted_gan:build"
    user_model.build(model, SHAPE)
    write_model(tmp_path, BREAKS["range"][0]).rename(tmp_path / "dotted_gan.py")
    with pytest.raises(GandiagError, match="must lie in"):  # the edited file, not the cached
        user_model.build(dataclasses.replace(model, source_hash=""), SHAPE)
