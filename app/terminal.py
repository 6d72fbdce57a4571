"""Terminal output shared by the command-line tools (``evote`` and its demo)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, Task, TextColumn, TimeElapsedColumn
from rich.text import Text


class _Count(MofNCompleteColumn):
    """``done/total``; before the total is known, what is happening instead of ``0/?``."""

    def __init__(self, waiting: str) -> None:
        super().__init__()
        self.waiting = waiting

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text(self.waiting, style="progress.download")
        return super().render(task)


def progress_bar(label: str, console: Console, *, waiting: str = "reading the file…") -> Progress:
    """A transient bar with a count and the time taken, for long commands on a terminal."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        _Count(waiting),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
