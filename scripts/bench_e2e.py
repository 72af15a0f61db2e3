"""`make bench`'s end-to-end cases: what a user waits for, each from an empty compilation cache.

- ``demo``: a fresh clone of this repository's HEAD, then ``make setup`` and ``make demo``
  (the quick preset on the embedded digits), setup included;
- ``probe300``: 300 images of the MNIST test split as an npz file, a 2-epoch
  ``gandiag train`` of the full-width DCGAN at 32x32, then a 300-iteration ``gandiag probe``
  (both costs);
- ``paper-cpu``: ``gandiag paper --preset cpu`` on the MNIST test split;
- ``ablate``: ``gandiag ablate`` at its preset on the first G run of ``paper-cpu``.

Per phase: every command is its own process and is timed; commands that run in one process
also report the seconds their compilations took (``bench_startup.COUNTER``), and
``gandiag paper`` reports each step's wall time ("g0/probe: finished in ..."), which are
parsed into the record. The targets assume a 4096x4096 matmul at 300 GFLOP/s; each wall
time is also given scaled to that rate by the matmul measured in the same invocation, an
estimate, since setup and I/O do not scale with it.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import bench_startup
import numpy as np

ROOT = bench_startup.ROOT
# Seconds, on the quiet 2-core CPU at a 300 GFLOP/s matmul.
TARGETS = {"demo": 300, "probe300": 120, "paper-cpu": 1800, "ablate": 1200}
REFERENCE_GFLOPS = 300.0
_FINISHED = re.compile(r"^(\S+): finished in (?:(\d+) min )?(\d+) s$")


def _seconds_of_steps(output: str) -> dict:
    steps = {}
    for line in output.splitlines():
        match = _FINISHED.match(line.strip())
        if match:
            steps[match[1]] = 60 * int(match[2] or 0) + int(match[3])
    return steps


def _timed(command: list[str], environment: dict, cwd=None, log=None) -> dict:
    """Run ``command``; its wall time, each step's wall time it printed, its compilations."""
    started = time.perf_counter()
    done = subprocess.run(command, env=environment, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if log is not None:
        pathlib.Path(log).write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    shown = ["gandiag", *command[3:]] if command[1:2] == ["-c"] else command  # no wrapper
    result = {"command": " ".join(shown), "wall_s": round(wall, 1)}
    steps = _seconds_of_steps(done.stdout + "\n" + done.stderr)
    if steps:
        result["steps_s"] = steps
    for line in done.stdout.splitlines():
        if line.startswith("GANDIAG_BENCH_COMPILES "):
            compiled = json.loads(line.split(" ", 1)[1])
            result["compilations"] = compiled["count"]
            result["compile_s"] = round(compiled["seconds"], 1)
    return result


def _gandiag(arguments: list[str], environment: dict, log=None) -> dict:
    return _timed([sys.executable, "-c", bench_startup.COUNTER, *arguments], environment,
                  log=log)


def demo(folder: pathlib.Path, environment: dict) -> dict:
    clone = folder / "clone"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", head], cwd=clone, check=True)
    environment = {key: value for key, value in environment.items() if key != "PYTHONPATH"}
    phases = {"setup": _timed(["make", "setup"], environment, cwd=clone,
                              log=folder / "demo-setup.log"),
              "demo": _timed(["make", "demo"], environment, cwd=clone, log=folder / "demo.log")}
    return {"wall_s": round(sum(p["wall_s"] for p in phases.values()), 1), "phases": phases}


def probe300(folder: pathlib.Path, environment: dict, mnist: pathlib.Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from gandiag.data import files

    images = files.read_idx_images("mnist", "test", mnist, download=False)[:300]
    data = folder / "mnist300.npz"
    np.savez(data, images=images)
    run_dir = str(folder / "runs" / "probe300")
    phases = {"train": _gandiag(["train", "--dataset", "npz", "--data-dir", str(data),
                                 "--image-size", "32", "--epochs", "2", "--save-epochs", "2",
                                 "--quiet", "--run-dir", run_dir], environment),
              "probe": _gandiag(["probe", "--iters", "300", "--epochs", "2", "--quiet",
                                 "--run-dir", run_dir], environment)}
    return {"wall_s": phases["probe"]["wall_s"], "phases": phases,
            "note": "the target is the probe's wall time; the 2-epoch training is its input"}


def paper_cpu(folder: pathlib.Path, environment: dict, mnist: pathlib.Path, seed: int) -> dict:
    run_dir = folder / "runs" / "paper-cpu"
    result = _timed([sys.executable, "-m", "gandiag", "paper", "--preset", "cpu", "--data-dir",
                     str(mnist), "--seed", str(seed), "--run-dir", str(run_dir)], environment,
                    log=folder / "paper-cpu.log")
    return {"wall_s": result["wall_s"], "phases": {"paper": result}, "run_dir": str(run_dir)}


def ablate(folder: pathlib.Path, environment: dict) -> dict:
    run_dir = folder / "runs" / "paper-cpu" / "g0"
    result = _gandiag(["ablate", str(run_dir), "--quiet"], environment,
                      log=folder / "ablate.log")
    return {"wall_s": result["wall_s"], "phases": {"ablate": result}}


def run(cases: list[str], folder: pathlib.Path, mnist: pathlib.Path, seed: int,
        gflops: float) -> dict:
    """Run ``cases`` in ``folder`` (kept: the runs and logs stay there); their records."""
    unknown = [case for case in cases if case not in TARGETS]
    if unknown:
        raise SystemExit(f"unknown end-to-end case {unknown[0]!r}; "
                         f"choose from {', '.join(TARGETS)}")
    folder.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "GANDIAG_RUNS_DIR": str(folder / "runs"),
                   "GANDIAG_COMPILE_CACHE": str(folder / "cache"), "PYTHONPATH": str(ROOT)}
    results = {}
    for case in cases:
        print(f"end to end: {case} ...", flush=True)
        if case == "demo":
            result = demo(folder, environment)
        elif case == "probe300":
            result = probe300(folder, environment, mnist)
        elif case == "paper-cpu":
            result = paper_cpu(folder, environment, mnist, seed)
        else:
            result = ablate(folder, environment)
        result["target_s"] = TARGETS[case]
        result["wall_s_at_300_gflops"] = round(result["wall_s"] * gflops / REFERENCE_GFLOPS, 1)
        result["meets_target_at_300_gflops"] = result["wall_s_at_300_gflops"] <= TARGETS[case]
        results[case] = result
        print(f"{case:10s} {result['wall_s']:8.1f} s wall, {result['wall_s_at_300_gflops']:8.1f} s "
              f"at 300 GFLOP/s (target {TARGETS[case]} s)", flush=True)
        print(json.dumps(result["phases"], indent=1), flush=True)
    return results


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="demo,probe300,paper-cpu,ablate")
    parser.add_argument("--folder", default=None, help="where the runs go (default: a temp dir)")
    parser.add_argument("--mnist", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gflops", type=float, required=True, help="the matmul rate measured")
    parser.add_argument("--output", default="bench_e2e.json")
    args = parser.parse_args()
    folder = pathlib.Path(args.folder or tempfile.mkdtemp(prefix="gandiag-bench-"))
    results = run(args.cases.split(","), folder, pathlib.Path(args.mnist), args.seed,
                  args.gflops)
    pathlib.Path(args.output).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
