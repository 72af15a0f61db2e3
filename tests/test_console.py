"""The progress view reads anywhere: fixed-width numbers at 80, 100 and 120 columns, plain
lines when output is not a terminal, and the same in a real terminal (tmux)."""

import io
import pathlib
import re
import shutil
import subprocess
import sys
import time

import pytest
from rich.console import Console

from gandiag.views import console

LONG_STATUS = ("epoch 25 sigma 0  err 1.23e-03  acc 0.998  |grad original| 1.2e-05  "
               "|grad minus-log-d| 3.4e+00")
# The count, the percentage, elapsed time, "left" and the time left, in one piece.
NUMBERS = re.compile(r"3000/12000\s+25% \d:\d\d:\d\d left (\d:\d\d:\d\d|-:--:--)")


def drawn(width: int) -> list[str]:
    """Every frame the bar draws at ``width`` columns, control codes stripped."""
    buffer = io.StringIO()
    output = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    with console.progress_bar("probe", 12000, output=output) as bar:
        bar.update(3000, status=LONG_STATUS)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())
    return [frame for frame in re.split(r"[\r\n]", text) if frame.strip()]


@pytest.mark.parametrize("width", [80, 100, 120])
def test_bar_numbers_keep_their_width(width):
    first, last = drawn(width)[0], drawn(width)[-1]
    assert console.COMPILING in first
    assert NUMBERS.search(last), last
    assert len(last.rstrip()) <= width
    # The status gives way, cut with an ellipsis rather than squeezing the numbers.
    assert LONG_STATUS not in last and "…" in last


def test_plain_lines_when_not_a_terminal():
    buffer = io.StringIO()
    output = Console(file=buffer, width=80)
    assert not output.is_terminal
    with console.progress_bar("train", 200, output=output) as bar:
        for step in range(1, 201):
            bar.update(step, status=f"step {step}")
    lines = buffer.getvalue().splitlines()
    assert lines[0].startswith("train:   0/200   0%") and lines[0].endswith(console.COMPILING)
    assert lines[-1].startswith("train: 200/200 100%")
    assert len(lines) == 11  # the start, then every tenth
    assert all(re.search(r"elapsed \d:\d\d:\d\d  remaining \d:\d\d:\d\d", line)
               for line in lines[1:])


def test_quiet_prints_nothing():
    buffer = io.StringIO()
    with console.progress_bar("train", 10, quiet=True,
                              output=Console(file=buffer)) as bar:
        bar.update(10)
    assert buffer.getvalue() == ""


BAR_SCRIPT = """
import pathlib, sys, time
from gandiag.views import console
with console.progress_bar("train", 12000) as bar:
    bar.update(3000, status={status!r})
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(30)
"""


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("width", [80, 120])
def test_bar_in_a_real_terminal(tmp_path, width):
    session, ready = f"gandiag-test-{width}-{tmp_path.name}", tmp_path / "ready"
    script = tmp_path / "bar.py"
    script.write_text(BAR_SCRIPT.format(status=LONG_STATUS))
    # Its own server (-L), so the test neither sees nor disturbs anyone else's sessions.
    tmux = ["tmux", "-L", session]
    root = pathlib.Path(__file__).resolve().parents[1]
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "8",
                    f"env PYTHONPATH={root} {sys.executable} {script} {ready}"], check=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # the next refresh of the live display
        screen = subprocess.run([*tmux, "capture-pane", "-p"],
                                capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    assert ready.exists(), screen
    line = next(line for line in screen.splitlines() if "train" in line)
    assert NUMBERS.search(line), screen
    assert len(line.rstrip()) <= width


@pytest.mark.slow
def test_a_logged_train_prints_plain_progress_lines(tmp_path):
    """`gandiag train` with standard error going to a file, as under nohup or Slurm."""
    root = pathlib.Path(__file__).resolve().parents[1]
    log = tmp_path / "train.log"
    with log.open("w") as stderr:
        subprocess.run([sys.executable, "-m", "gandiag", "train", "--dataset", "digits",
                        "--epochs", "2", "--ngf", "8", "--ndf", "8", "--nz", "16", "--no-monitor",
                        "--run-dir", str(tmp_path / "run")], cwd=root, stderr=stderr,
                       stdout=subprocess.DEVNULL, check=True, timeout=600)
    lines = [line for line in log.read_text().splitlines() if line.startswith("train:")]
    assert lines[0].startswith("train:  0/56   0%") and lines[0].endswith(console.COMPILING)
    assert lines[-1].startswith("train: 56/56 100%")
    assert all(re.search(r"remaining \d:\d\d:\d\d  epoch \d", line) for line in lines[2:])
    assert "\x1b[" not in log.read_text()  # no terminal control codes in a log
