"""Independent steps on several CPU cores: one single-threaded worker process per core.

At these sizes XLA's convolutions gain little from a second thread: on the 2-core CPU two
single-threaded processes finished two 300-iteration probes 1.5 times sooner than one
process using both cores did, one after the other (docs/performance.md). A chain's steps
that do not wait for each other (the G runs of a run set; a run's probe and add-noise once
its G is trained; `gandiag ablate`'s variants) therefore run in worker processes, each
with XLA on one thread and pinned to its own core, as soon as what they need is done.

A step's numbers do not depend on how many workers there are: every step runs in a
single-threaded worker, one worker or many. They differ from a run without workers at float
precision only, since XLA sums in another order on another number of threads.
"""

import concurrent.futures
import dataclasses
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence

from gandiag.errors import GandiagError

# A part (a checkpoint, a noise level, a variant) on one single-threaded worker takes this
# many times as long as in one process on both cores of the 2-core CPU: 1.32 at ngf = ndf =
# 32, about 1.5 at the quick preset's ngf = 16, ndf = 32 (docs/performance.md). Workers are the
# default only where the parts, so slowed, still finish sooner side by side.
SINGLE_THREAD_SLOWDOWN = 1.6
# ... and only for at least this many D iterations in all: two workers start in 1.5 s,
# then each part loads its data and compiles (or reads from the cache) its steps again,
# which short parts do not win back. A margin, not a measured break-even.
MIN_ITERATIONS = 2000

# XLA:CPU on one thread: no Eigen thread pool, one intra-op thread.
SINGLE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


@dataclasses.dataclass(frozen=True)
class Step:
    """A unit of work: ``run(*arguments)`` in a worker once the steps in ``after`` are done."""

    name: str
    run: Callable
    arguments: tuple
    after: tuple[str, ...] = ()


def available_cores() -> list[int]:
    """The cores this process may run on."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(
        range(os.cpu_count() or 1))


def choose(requested: int | None, sizes: Sequence[int],
           minimum: int = MIN_ITERATIONS) -> int:
    """Workers for independent parts of ``sizes`` D iterations each: ``requested`` (0:
    none), at most one per part. By default, on a CPU, one per core when the parts hold
    ``minimum`` D iterations or more and, each slowed by ``SINGLE_THREAD_SLOWDOWN`` and
    the longest started first, finish sooner than one after the other; else none."""
    if requested is not None:
        if requested < 0:
            raise GandiagError(f"--workers must be 0 or more, got {requested}")
        return min(requested, len(sizes))
    import jax

    count = min(len(available_cores()), len(sizes))
    if jax.default_backend() != "cpu" or count < 2 or sum(sizes) < minimum:
        return 0
    return count if makespan(sizes, count) * SINGLE_THREAD_SLOWDOWN < sum(sizes) else 0


def makespan(sizes: Sequence[int], count: int) -> int:
    """The largest load when ``sizes`` go, longest first, each to the least loaded of
    ``count`` workers (as ``run_steps`` starts them when sorted longest first)."""
    loads = [0] * count
    for size in sorted(sizes, reverse=True):
        loads[loads.index(min(loads))] += size
    return max(loads)


def _start_worker(cores: "multiprocessing.Queue", cache_dir: str | None) -> None:
    """In a fresh worker, before JAX starts: one XLA thread, its own core, the shared cache."""
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {SINGLE_THREAD_FLAGS}".strip()
    core = cores.get()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    from gandiag.core import compile_cache  # imports JAX: after the flags are set

    compile_cache.enable(None if cache_dir is None else compile_cache.choose_dir(cache_dir))


def run_steps(steps: Sequence[Step], workers: int,
              done: Callable[[str, float], None]) -> dict[str, object]:
    """Run ``steps`` on ``workers`` single-threaded processes, each step once its ``after``
    steps are done, in the order given among those ready; ``done(name, seconds)`` after
    each. Returns what each step's ``run`` returned, by name. The first failure stops the
    rest (steps already running finish) and is raised."""
    import jax  # the parent's cache folder, handed to the workers

    cores = available_cores()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    for index in range(workers):
        queue.put(cores[index % len(cores)])
    cache_dir = jax.config.jax_compilation_cache_dir
    pending, running, finished = list(steps), {}, {}
    with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker,
            initargs=(queue, cache_dir)) as pool:
        try:
            while pending or running:
                for step in [s for s in pending if set(s.after) <= finished.keys()]:
                    if len(running) == workers:
                        break
                    pending.remove(step)
                    running[pool.submit(_timed_call, step.run, step.arguments)] = step
                if not running:
                    raise ValueError(f"steps wait for steps that are not there: "
                                     f"{', '.join(s.name for s in pending)}")
                ready, _ = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in ready:
                    step = running.pop(future)
                    seconds, finished[step.name] = future.result()
                    done(step.name, seconds)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return finished


def _timed_call(function: Callable, arguments: tuple) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*arguments)
    return time.perf_counter() - start, result
