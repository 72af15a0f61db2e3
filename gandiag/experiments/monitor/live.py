"""The health monitor of `gandiag train`: every ``monitor_every`` steps, one check of the GAN.

The last ``held_out_count`` examples of the data set are kept from training while the
monitor is on (as the probe keeps its last examples from its D), so that D's accuracy on
them says what it learnt rather than what it memorised. A check's numbers join that
step's record in metrics.jsonl (keys ``monitor/...``); its warnings are printed once.
"""

import time

import jax
import jax.numpy as jnp
import numpy as np

from gandiag.analysis.monitor.health import HealthWatch, checks
from gandiag.config import TrainConfig, generator_cost_of
from gandiag.core.monitor_step import make_monitor_step, other_cost
from gandiag.core.state import GANState
from gandiag.store.fetch import is_time

# Held-out reals per check (and as many training reals and fakes): enough that an accuracy
# is known to +-0.09 (two standard errors), few enough that a check costs a few steps.
MONITOR_BATCH = 128


def held_out_count(config: TrainConfig, examples: int) -> int:
    """How many of ``examples`` the monitor keeps from training: its batch, at most a tenth."""
    return min(MONITOR_BATCH, examples // 10) if config.monitor_every else 0


class LiveMonitor:
    """The monitor of one training run: its jitted check, held-out batch, clock and warnings."""

    def __init__(self, config: TrainConfig, held_out: np.ndarray, example_shape,
                 warn, key_data: jax.Array):
        self.every = config.monitor_every
        self.check = make_monitor_step(config, example_shape)
        self.held_out = jnp.asarray(held_out)
        self.watch = HealthWatch(generator_cost_of(config.cost), other_cost(config.cost))
        self.warn = warn
        self.key = jax.random.fold_in(jax.random.wrap_key_data(key_data), 2_000_000)
        self.seconds = 0.0
        self.compile_seconds = 0.0
        self.count = 0

    def due(self, step: int, total: int) -> bool:
        """Whether a check follows ``step``: the first, every ``every`` and the last.

        The first step's check gives G's gradient before D has learnt anything, the peak
        a collapse is measured from: against the original cost it falls by orders within
        the first hundred steps on MNIST, before a later first check would see it.
        """
        return bool(self.every) and (step == 1 or is_time(step, self.every, total))

    def measure(self, state: GANState, data: jax.Array, step: int) -> dict:
        """One check of ``state``, timed on its own (the steps before it finished first)."""
        key = jax.random.fold_in(self.key, step)
        if not self.count:
            # Compiled apart, so the clock below times checks alone, as they recur.
            started = time.perf_counter()
            self.check = self.check.lower(state, self.held_out, data, key).compile()
            self.compile_seconds = time.perf_counter() - started
        jax.block_until_ready(state)
        started = time.perf_counter()
        numbers = jax.block_until_ready(self.check(state, self.held_out, data, key))
        self.seconds += time.perf_counter() - started
        self.count += 1
        # The time is printed at the end, not recorded: a record is the same on a rerun.
        return numbers

    def read(self, records: list[dict]) -> None:
        """Print the warnings that the checks among ``records`` raise for the first time."""
        for check in checks(records):
            for warning in self.watch.read(check):
                self.warn(warning)

    def overhead(self, training_seconds: float) -> str:
        """One line: the checks' count and time, as a share of the training time."""
        share = self.seconds / training_seconds if training_seconds > 0 else 0.0
        return (f"monitor: {self.count} checks took {self.seconds:.1f} s, {100 * share:.1f}% of "
                f"{training_seconds:.0f} s of training (and {self.compile_seconds:.1f} s to "
                "compile, once)")
