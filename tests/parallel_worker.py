"""Runs in a subprocess of tests/test_parallel.py, where XLA_FLAGS gives the CPU 4 devices.

``python tests/parallel_worker.py OUT ROOT ITERS`` trains the same tiny run (same seed)
on 1 and on 4 devices under ROOT, probes the 4-device run's G for ITERS iterations on 1
and on 4 devices, and writes to OUT, as JSON, both runs' metrics.jsonl and both probes'
summaries and first curve records, with the device counts the runs had.
"""

import json
import pathlib
import shutil
import sys

from gandiag.config import DataConfig, ModelConfig, ParallelConfig, ProbeConfig, TrainConfig
from gandiag.core import parallel
from gandiag.experiments.probe import probe as probing
from gandiag.experiments.train import train
from gandiag.store import layout, records, schema

CONFIG = TrainConfig(data=DataConfig("digits", image_size=16),
                     model=ModelConfig(nz=16, ngf=8, ndf=8), batch_size=32, epochs=1)
DEVICE_COUNTS = (1, 4)


def main(output: pathlib.Path, root: pathlib.Path, iters: int) -> None:
    found = {"devices": {}, "train": {}, "probe": {}}
    for count in DEVICE_COUNTS:
        devices = ParallelConfig(devices=count)
        found["devices"][count] = parallel.setup(devices).devices
        run_dir = root / f"train-{count}"
        train.run(CONFIG, run_dir, quiet=True, parallel=devices)
        found["train"][count] = records.read_jsonl(layout.RunDir(run_dir).metrics)
    for count in DEVICE_COUNTS:
        copy = root / f"probe-{count}"
        shutil.copytree(root / "train-4", copy)
        summary = probing.run(copy, ProbeConfig(iters=iters, batch_size=32, eval_size=128),
                             layout.PROBE, quiet=True, parallel=ParallelConfig(devices=count))
        curves = records.read_jsonl(layout.RunDir(copy).experiment(layout.PROBE).curves)
        found["probe"][count] = {"summary": schema.encode(summary), "curves": curves}
    output.write_text(json.dumps(found))


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3]))
