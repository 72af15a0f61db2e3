"""`make bench`'s start-up and reference measurements, run as separate processes.

``startup``: a short `gandiag probe` timed three times against one small trained run: with
the compilation cache off, with a fresh (empty) cache, and again with that cache filled,
so the difference is what compiling costs a command and what the cache saves. Each
process reports the seconds its compilations took (``GANDIAG_BENCH_COMPILES``).

``reference``: scripts/bench_torch.py in .bench-venv, the PyTorch eager reference.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".bench-venv" / "bin" / "python"
# The trained run the start-up probe reads: the embedded digits at the full DCGAN width.
TRAIN = ["train", "--dataset", "digits", "--epochs", "1", "--quiet"]
PROBE = ["probe", "--iters", "20", "--quiet"]
COUNTER = """
import runpy, sys, json, time
from gandiag.core import compile_cache
with compile_cache.counting() as compiled:
    try:
        runpy.run_module("gandiag", run_name="__main__")
    except SystemExit:
        pass
print("GANDIAG_BENCH_COMPILES " + json.dumps({"count": compiled.count,
                                               "seconds": compiled.seconds}))
"""


def _gandiag(arguments: list[str], environment: dict) -> dict:
    """Run one command in a fresh process: its wall time and its compilations."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COUNTER, *arguments], env=environment,
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    line = next(line for line in done.stdout.splitlines()
                if line.startswith("GANDIAG_BENCH_COMPILES "))
    compiled = json.loads(line.split(" ", 1)[1])
    return {"wall_s": wall, "compilations": compiled["count"], "compile_s": compiled["seconds"]}


def startup() -> dict:
    """Wall time of the same short probe: cache off, cache empty, cache filled."""
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        environment = {**os.environ, "GANDIAG_RUNS_DIR": str(folder / "runs"),
                       "PYTHONPATH": str(ROOT)}
        run_dir = folder / "runs" / "bench"
        environment["GANDIAG_COMPILE_CACHE"] = "off"
        trained = _gandiag([*TRAIN, "--run-dir", str(run_dir)], environment)
        probe = [*PROBE, "--run-dir", str(run_dir)]
        results = {"train_1_epoch_digits": trained, "probe_cache_off": _gandiag(probe, environment)}
        environment["GANDIAG_COMPILE_CACHE"] = str(folder / "cache")
        results["probe_first_run"] = _gandiag(probe, environment)
        results["probe_second_run"] = _gandiag(probe, environment)
    for name, result in results.items():
        print(f"{name:22s} {result['wall_s']:7.1f} s wall, {result['compilations']:3d} "
              f"compilations taking {result['compile_s']:6.1f} s")
    return results


def reference(quick: bool) -> dict | None:
    """The PyTorch eager reference's iterations per second, or None without .bench-venv."""
    if not BENCH_VENV.exists():
        print("no .bench-venv: the PyTorch reference is skipped (make bench creates it)")
        return None
    command = [str(BENCH_VENV), str(ROOT / "scripts" / "bench_torch.py")]
    done = subprocess.run(command + (["--quick"] if quick else []), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
