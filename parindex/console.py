"""What the CLI shows while a long step runs: a bar on a terminal, a line per tenth in a log or a pipe."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from core.progress import Step, TenthsPrinter, listening


@contextmanager
def progress_shown(stream: TextIO | None = None) -> Iterator[None]:
    """Show the progress of the steps reported while the block runs, on `stream` (stderr by default)."""
    out = stream or sys.stderr
    if not out.isatty():
        with listening(TenthsPrinter(lambda line: print(line, file=out, flush=True))):
            yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=out),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def draw(step: Step) -> None:
        if step.name not in tasks:
            tasks[step.name] = bars.add_task(step.name, total=step.total)
        bars.update(tasks[step.name], completed=step.done)

    with bars, listening(draw):
        yield
