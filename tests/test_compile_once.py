"""Compile once: the persistent cache across commands, and no compilation within a command
for a second checkpoint, D seed, noise level or evaluation chunk."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from gandiag.cli import app
from gandiag.core import compile_cache


def test_the_cache_folder_follows_the_option_then_the_variable_then_the_user_cache(
        monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(compile_cache.ENVIRONMENT_VARIABLE, raising=False)
    assert compile_cache.choose_dir() == tmp_path / "xdg" / "gandiag" / "jax"
    monkeypatch.setenv(compile_cache.ENVIRONMENT_VARIABLE, str(tmp_path / "mine"))
    assert compile_cache.choose_dir() == tmp_path / "mine"
    assert compile_cache.choose_dir(str(tmp_path / "flag")) == tmp_path / "flag"
    assert compile_cache.choose_dir("off") is None
    monkeypatch.setenv(compile_cache.ENVIRONMENT_VARIABLE, "OFF")
    assert compile_cache.choose_dir() is None


def test_an_unwritable_cache_folder_leaves_the_cache_off(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert compile_cache.enable(blocker / "cache") is None


def test_a_second_compilation_of_the_same_shapes_is_read_from_disk(tmp_path):
    hits = []

    def listen(event: str, **fields) -> None:
        if event == "/jax/compilation_cache/cache_hits":
            hits.append(event)

    def scaled_sum(x):
        return jnp.sum(jnp.tanh(x) * 3.0)

    ones = np.ones(7, np.float32)  # a host array: nothing else is compiled
    assert compile_cache.enable(tmp_path) == tmp_path
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.monitoring.register_event_listener(listen)
    try:
        jax.jit(scaled_sum)(ones)
        assert not hits and any(tmp_path.iterdir())
        jax.clear_caches()  # as a new process would start: nothing compiled in memory
        with compile_cache.counting() as compiled:
            assert float(jax.jit(scaled_sum)(ones)) == pytest.approx(7 * 3 * 0.7615942)
        assert compiled.count == 1 and len(hits) == 1
    finally:
        jax.monitoring.unregister_event_listener(listen)
        jax.config.update("jax_persistent_cache_min_compile_time_secs",
                          compile_cache.MIN_COMPILE_SECONDS)
        compile_cache.disable()


def _compilations(arguments: list[str]) -> list[str]:
    """The names of what one command compiles, from a process with nothing compiled."""
    jax.clear_caches()
    with compile_cache.counting() as compiled:
        result = CliRunner().invoke(app, ["--compile-cache", "off", *arguments])
    assert result.exit_code == 0, result.output
    return sorted(compiled.names)


@pytest.mark.slow
def test_more_checkpoints_seeds_and_noise_levels_compile_nothing_more(tiny_run):
    """add-noise runs the probe loop (its step, D's held-out checks and premises) and the
    final held-out evaluation in chunks: one compilation of each, however many there are."""
    common = ["add-noise", "--run-dir", str(tiny_run), "--iters", "3", "--batch-size", "8",
              "--eval-size", "64", "--transport-samples", "16", "--quiet"]
    one = _compilations([*common, "--epochs", "1", "--seeds", "1", "--sigma", "0"])
    many = _compilations([*common, "--epochs", "1,2", "--seeds", "2", "--sigma", "0,0.5,1"])
    assert many == one
    assert one.count("jit(probe_step)") == one.count("jit(evaluate)") == 1
