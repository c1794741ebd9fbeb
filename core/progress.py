"""Progress of a long step (reading hundreds of documents), told to whoever listens in this process.

The CLI listens and draws a bar on a terminal (a line per tenth elsewhere); a flow run also records it
as a Prefect progress artifact and in its log. Nothing listens in a worker: reporting then costs a loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

Listener = Callable[["Step"], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Step:
    """How far a named step is: `done` of `total` items."""

    name: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    def tenths(self) -> int:
        """Which tenth the step is in: 0 to 10; a new tenth is worth a log line."""
        return int(self.fraction * 10)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call `listener` with every Step reported while the block runs (in any thread of this process)."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def report(step: Step) -> None:
    """Tell every listener how far `step` is; a listener that fails is not the step's problem."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(step)
        except Exception:  # noqa: BLE001 - a broken progress bar must not fail an ingest
            continue


class TenthsPrinter:
    """A listener for a non-interactive output: one line when a step starts, at each new tenth and at its end."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._last: dict[str, int] = {}

    def __call__(self, step: Step) -> None:
        tenth = step.tenths()
        if self._last.get(step.name) == tenth:
            return
        self._last[step.name] = tenth
        self._write(f"{step.name}: {step.done}/{step.total} ({step.fraction:.0%})")
