"""Where a compiled step's time goes: a per-op table from a `jax.profiler` trace.

Traces a few calls of the probe step (or the train step), sums each XLA op's time per
call, and names the op by what it computes: for a convolution or a dot, its shapes and
FLOPs (so its GFLOP/s), and the JAX source it came from. XLA:CPU may run independent
ops on both cores at once, so the shares are of the summed op time, not of wall time.

Usage: python scripts/profile_step.py [--step probe|train] [--size 64] [--channels 3]
"""

import argparse
import collections
import gzip
import json
import math
import pathlib
import re
import tempfile

import bench
import jax
import jax.numpy as jnp

_INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%(\S+) = (\w+)\[([\d,]*)\]\S* (\w[\w-]*)\((.*)")
_COMPUTATION = re.compile(r"^%(\S+) \(")


def parse_hlo(text: str) -> tuple[dict, dict]:
    """Per instruction (name -> (shape, opcode, rest of line)), and per fused computation
    the names of its instructions."""
    instructions, computations, current = {}, collections.defaultdict(list), None
    for line in text.splitlines():
        if match := _COMPUTATION.match(line):
            current = match.group(1)
        elif match := _INSTRUCTION.match(line):
            name, _, dims, opcode, rest = match.groups()
            shape = tuple(int(d) for d in dims.split(",")) if dims else ()
            instructions[name] = (shape, opcode, rest)
            computations[current].append(name)
    return instructions, computations


def _operands(rest: str) -> list[str]:
    return re.findall(r"%([\w.-]+)", rest.split(")")[0])


def conv_kind(rest: str) -> str:
    """What a convolution of the DCGAN's layers is, from its window: a weight gradient
    (a window as large as the image, dilated), a 4x4 stride-2 convolution (D's layers
    and the input gradients of G's), or a 2x2 phase of a transposed convolution (G's
    layers and the input gradients of D's)."""
    window = re.search(r"window=\{([^}]*)\}", rest)
    window = window.group(1) if window else ""
    if "rhs_dilate" in window or re.search(r"size=(\d+)x", window).group(1) not in ("2", "4"):
        return "weight-gradient"
    return "strided-conv" if "stride=2x2" in window else "phase-conv"


def op_flops(name: str, instructions: dict, computations: dict) -> tuple[float, str]:
    """FLOPs of the convolutions and dots an op computes, and a short description."""
    shape, opcode, rest = instructions[name]
    called = re.search(r"calls=%([\w.-]+)", rest)
    members = computations.get(called.group(1), []) if called else []
    flops, parts = 0.0, []
    for member in [name, *members]:
        member_shape, member_opcode, member_rest = instructions[member]
        if member_opcode == "convolution":
            lhs, rhs = (instructions[o][0] for o in _operands(member_rest)[:2])
            labels = re.search(r"dim_labels=(\w+)_(\w+)->", member_rest)
            window = re.search(r"size=([\dx]+)", member_rest)
            taps = math.prod(int(s) for s in window.group(1).split("x")) if window else 1
            in_features = lhs[labels.group(1).index("f")]
            groups = re.search(r"feature_group_count=(\d+)", member_rest)
            groups = int(groups.group(1)) if groups else 1
            flops += 2 * math.prod(member_shape) * taps * in_features / groups
            parts.append(f"{conv_kind(member_rest)} {list(lhs)}x{list(rhs)}->{list(member_shape)}")
        elif member_opcode == "dot":
            lhs = instructions[_operands(member_rest)[0]][0]
            contracting = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", member_rest)
            size = math.prod(lhs[int(d)] for d in contracting.group(1).split(",") if d)
            flops += 2 * math.prod(member_shape) * size
            parts.append(f"dot {list(lhs)}->{list(member_shape)}")
    source = re.search(r'op_name="([^"]+)"', rest)
    where = source.group(1).replace("jit(", "").split("/")[-3:] if source else []
    return flops, "; ".join(parts) or f"{opcode} {list(shape)} {'/'.join(where)}"


def profile(step: bench.Step, calls: int) -> list[tuple[str, float, float, str]]:
    """(op, microseconds per call, FLOPs, description), slowest first."""
    instructions, computations = parse_hlo(step.lowered().compile().as_text())
    jax.block_until_ready(step.call())
    with tempfile.TemporaryDirectory() as directory:
        with jax.profiler.trace(directory):
            for _ in range(calls):
                result = step.call()
            jax.block_until_ready(result)
        trace = next(pathlib.Path(directory).rglob("*.trace.json.gz"))
        with gzip.open(trace) as stream:
            events = json.load(stream)["traceEvents"]
    totals = collections.Counter()
    for event in events:
        if event.get("ph") == "X" and event["name"] in instructions:
            totals[event["name"]] += event["dur"]
    rows = []
    for name, micros in totals.most_common():
        flops, description = op_flops(name, instructions, computations)
        rows.append((name, micros / calls, flops, description))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=("probe", "train"), default="probe")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    make = bench.probe_call if args.step == "probe" else bench.train_call
    rows = profile(make(args.size, args.channels), args.calls)
    total = sum(row[1] for row in rows)
    conv_time = sum(row[1] for row in rows if row[2])
    print(f"{args.step} step {args.size}x{args.size}x{args.channels}: summed op time "
          f"{total / 1e3:.1f} ms per call, {conv_time / total:.0%} in convolutions and dots")
    kinds = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for _, micros, flops, description in rows:
        kind = description.split(" ")[0] if flops else "other (elementwise, copies, BatchNorm)"
        kinds[kind][0] += micros
        kinds[kind][1] += flops
        kinds[kind][2] += 1
    print(f"{'ms':>7} {'share':>6} {'GFLOP/s':>8} {'ops':>4}  kind")
    for kind, (micros, flops, count) in sorted(kinds.items(), key=lambda item: -item[1][0]):
        rate = f"{flops / micros / 1e3:8.1f}" if flops else " " * 8
        print(f"{micros / 1e3:7.1f} {micros / total:6.1%} {rate} {count:4d}  {kind}")
    print()
    print(f"{'ms':>7} {'share':>6} {'GFLOP/s':>8}  op")
    for name, micros, flops, description in rows[: args.top]:
        rate = f"{flops / micros / 1e3:8.1f}" if flops else " " * 8
        print(f"{micros / 1e3:7.2f} {micros / total:6.1%} {rate}  {name}: {description[:110]}")


if __name__ == "__main__":
    jnp.zeros(())  # initialise the backend before tracing
    main()
