"""Rich views for long work: a progress bar with live numbers, and tables."""

import contextlib
import sys

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
from rich.table import Table

from gandiag.analysis.format import number

console = Console(stderr=True)


class _Silent:
    """Stands in for a progress bar when output is quiet or not a terminal."""

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


@contextlib.contextmanager
def progress_bar(description: str, total: int, quiet: bool = False):
    """A bar with steps done, steps/s, time left and a free-text status of live numbers."""
    if quiet or not console.is_terminal:
        yield _Silent()
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
        TimeRemainingColumn(), TextColumn("{task.fields[status]}"), console=console)
    with progress:
        task = progress.add_task(description, total=total, status="", rate="")
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
    if not quiet:
        console.print(message)


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
