"""Independent steps on single-threaded worker processes: order, threads, failures."""

import os
import pathlib
import time

import pytest

from gandiag.core import workers
from gandiag.errors import GandiagError


def _record(path: str, name: str, pause: float) -> None:
    time.sleep(pause)
    flags = os.environ.get("XLA_FLAGS", "")
    with pathlib.Path(path).open("a") as log:
        log.write(f"{name} {time.monotonic():.3f} {os.getpid()} "
                  f"{'one-thread' if workers.SINGLE_THREAD_FLAGS in flags else 'threads'}\n")


def _square(value: int) -> int:
    return value * value


def _fail() -> None:
    raise RuntimeError("this step fails")


def test_a_step_starts_only_after_the_steps_it_waits_for(tmp_path):
    log = tmp_path / "log"
    steps = [workers.Step("train", _record, (str(log), "train", 0.5)),
             workers.Step("other", _record, (str(log), "other", 0.0)),
             workers.Step("probe", _record, (str(log), "probe", 0.0), after=("train",))]
    finished = []
    workers.run_steps(steps, 2, lambda name, seconds: finished.append(name))
    lines = [line.split() for line in log.read_text().splitlines()]
    order = [line[0] for line in lines]
    assert order.index("train") < order.index("probe") and sorted(finished) == sorted(order)
    assert {line[3] for line in lines} == {"one-thread"}  # XLA on one thread in each worker
    assert str(os.getpid()) not in {line[2] for line in lines}


def test_a_failing_step_stops_the_chain_and_is_raised(tmp_path):
    steps = [workers.Step("bad", _fail, ()),
             workers.Step("later", _record, (str(tmp_path / "log"), "later", 0.0),
                          after=("bad",))]
    with pytest.raises(RuntimeError, match="this step fails"):
        workers.run_steps(steps, 1, lambda name, seconds: None)
    assert not (tmp_path / "log").exists()


def test_a_step_waiting_for_a_missing_step_is_an_error():
    with pytest.raises(ValueError, match="not there"):
        workers.run_steps([workers.Step("probe", _fail, (), after=("train",))], 1,
                          lambda name, seconds: None)


def test_each_step_hands_back_what_it_returned_by_name():
    steps = [workers.Step(f"square-{value}", _square, (value,)) for value in range(4)]
    assert workers.run_steps(steps, 2, lambda name, seconds: None) == {
        f"square-{value}": value * value for value in range(4)}


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: [0, 1])


def test_workers_are_the_default_only_where_the_parts_finish_sooner(two_cores):
    assert workers.makespan([4000] * 3 + [1000] * 4, 2) == 8000
    assert workers.choose(None, [1000] * 2) == 2  # 1.6 x 1000 < 2000
    assert workers.choose(None, [1000] * 3) == 0  # two rounds: 3200 > 3000 one after another
    assert workers.choose(None, [1000] * 4) == 2
    assert workers.choose(None, [900] * 2) == 0  # too few iterations to pay for the start
    assert workers.choose(None, [10] * 4, minimum=0) == 2
    assert workers.choose(3, [10] * 2) == 2 and workers.choose(0, [5000] * 4) == 0
    with pytest.raises(GandiagError, match="--workers must be 0 or more, got -1"):
        workers.choose(-1, [1000] * 2)


def test_one_g_run_takes_workers_only_when_its_parts_pay_for_starting_them(two_cores):
    from gandiag.experiments.paper import paper, presets

    quick = presets.configure("quick")  # 3 checkpoints x 4000, then 4 noise levels x 1000
    assert paper.part_sizes(quick) == [4000] * 3 + [1000] * 4
    assert paper.choose_workers(None, quick) == 2
    assert paper.choose_workers(0, quick) == 0
    tiny = presets.configure("quick", epochs=2, iters=60, sigmas=(0.0, 1.0))
    assert paper.part_sizes(tiny) == [60] * 4
    assert paper.choose_workers(None, tiny) == 0
    assert paper.choose_workers(2, tiny) == 2
