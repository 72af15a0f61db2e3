"""Rich views for long work: a progress view that reads anywhere, and tables.

In a terminal the progress bar keeps its count, elapsed and remaining time at a fixed
width and lets the free-text status give way (it is cut with an ellipsis) when the
terminal is narrow. When standard error is not a terminal (nohup, Slurm, CI) a plain
line is printed about every tenth of the work, with the time left. Until the first
update the status reads "compiling...": XLA compiles the first step, which can take a
minute on a CPU.
"""

import contextlib
import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table

from gandiag.analysis.format import number

console = Console(stderr=True)

COMPILING = "compiling..."
# The plain view prints a line each time this fraction of the work is done.
PLAIN_STEP = 0.1


class _Silent:
    """Stands in for a progress bar when output is quiet."""

    def update(self, *args, **kwargs):
        pass


class _Bar:
    def __init__(self, progress: Progress, task):
        self._progress, self._task = progress, task

    def update(self, completed: int, status: str = "", description: str | None = None):
        extra = {"description": description} if description is not None else {}
        self._progress.update(self._task, completed=completed, status=status, **extra)
        speed = self._progress.tasks[self._task].speed
        self._progress.update(self._task, rate=f"{speed:6.1f} it/s" if speed else "")


class _PlainLines:
    """Progress as plain lines, for logs: one at the start, then about every tenth of the
    work and at the end, each with the count, elapsed and remaining time. The time left
    is extrapolated from the rate since the first update, so compiling does not inflate it."""

    def __init__(self, description: str, total: int, output: Console):
        self._description, self._total, self._output = description, max(total, 1), output
        self._started = time.monotonic()
        self._first: tuple[int, float] | None = None
        self._next, self._printed = PLAIN_STEP, 0
        self._line(0, COMPILING)

    def update(self, completed: int, status: str = "", description: str | None = None):
        self._description = description or self._description
        now = time.monotonic()
        self._first = self._first or (completed, now)
        fraction = completed / self._total
        due = fraction + 1e-9 >= self._next or (completed >= self._total > self._printed)
        if not due:
            return
        while self._next <= fraction + 1e-9:
            self._next += PLAIN_STEP
        self._line(completed, status, now)

    def _remaining(self, completed: int, now: float) -> float | None:
        first_completed, first_time = self._first or (0, now)
        if completed <= first_completed:
            return None
        rate = (completed - first_completed) / max(now - first_time, 1e-9)
        return (self._total - completed) / rate

    def _line(self, completed: int, status: str, now: float | None = None) -> None:
        now = now or time.monotonic()
        self._printed = completed
        width = len(str(self._total))
        self._output.print(
            f"{self._description}: {completed:>{width}}/{self._total} "
            f"{100 * completed / self._total:3.0f}%  elapsed {clock(now - self._started)}  "
            f"remaining {clock(self._remaining(completed, now))}  {status}".rstrip(),
            markup=False, highlight=False, soft_wrap=True)


def clock(seconds: float | None) -> str:
    """'0:01:05'; '-:--:--' when not known yet."""
    if seconds is None:
        return "-:--:--"
    minutes, second = divmod(round(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}"


def _columns() -> list:
    """The bar's columns: every one but the status keeps its width, so at 80 columns the
    count and times stay whole and the status is cut."""
    fixed = {"no_wrap": True}
    return [
        TextColumn("[bold]{task.description}", table_column=Column(**fixed)),
        BarColumn(bar_width=16, table_column=Column(**fixed)),
        MofNCompleteColumn(table_column=Column(**fixed)),
        TaskProgressColumn(table_column=Column(**fixed)),
        TimeElapsedColumn(table_column=Column(**fixed)),
        TextColumn("left", table_column=Column(**fixed)),
        TimeRemainingColumn(table_column=Column(**fixed)),
        TextColumn("{task.fields[rate]}", table_column=Column(**fixed)),
        TextColumn("{task.fields[status]}", markup=False,
                   table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1, min_width=1)),
    ]


@contextlib.contextmanager
def progress_bar(description: str, total: int, quiet: bool = False,
                 output: Console | None = None):
    """A progress view of ``total`` steps with a free-text status of live numbers.

    Args:
        description: the work's name, e.g. ``train``.
        total: how many steps it has.
        quiet: show nothing.
        output: where to draw (tests); default standard error.

    Yields:
        An object whose ``update(completed, status="", description=None)`` moves it on.
    """
    output = output or console
    if quiet:
        yield _Silent()
        return
    if not output.is_terminal:
        yield _PlainLines(description, total, output)
        return
    progress = Progress(*_columns(), console=output, expand=True)
    with progress:
        task = progress.add_task(description, total=total, status=COMPILING, rate="")
        yield _Bar(progress, task)


def table(title: str, columns: list[str], rows: list[list]) -> Table:
    """A Rich table; floats get 4 significant digits, None is "-"."""
    result = Table(title=title)
    for column in columns:
        result.add_column(column, justify="right")
    for row in rows:
        result.add_row(*[number(cell) for cell in row])
    return result


def say(message: str, quiet: bool = False) -> None:
    """One line on standard error unless quiet; never wrapped, so a log keeps it whole."""
    if not quiet:
        console.print(message, soft_wrap=True)


def warn(message: str) -> None:
    """One line on standard error, even when quiet: something was skipped or repaired."""
    print(f"warning: {message}", file=sys.stderr)


def show(renderable) -> None:
    """Print a table (or any renderable) to standard output."""
    stdout = Console(file=sys.stdout)
    if not stdout.is_terminal:
        # Piped or logged output keeps whole tables rather than Rich's 80-column default.
        stdout = Console(file=sys.stdout, width=200)
    stdout.print(renderable)


def duration(seconds: float) -> str:
    """'48 s', '3 min 05 s'."""
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
