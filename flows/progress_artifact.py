"""Results of mapped tasks gathered as they finish, with the step's progress told as it goes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture, as_completed

from core.progress import Step, report

R = TypeVar("R")


class Progress:
    """A step over `total` items (documents), done in one or more gathers of mapped tasks.

    Progress goes to this process's listeners (the CLI's bar) at every finished task, and at each new
    tenth to the run's log and to a Prefect progress artifact named `key`.
    """

    def __init__(self, step: str, total: int, *, key: str) -> None:
        self.step, self.total, self.key = step, total, key
        self.done, self._tenth = 0, 0
        self._artifact: UUID | None = None

    def gather(self, futures: Sequence[PrefectFuture[R]], sizes: Sequence[int]) -> list[R]:
        """The futures' results, in the futures' order, waiting for each as it finishes; `sizes`: how many items
        each future works on, which is what progress counts."""
        if not futures:
            return []
        if self._artifact is None:
            artifact = create_progress_artifact(progress=0.0, key=self.key, description=f"{self.step}: 0/{self.total}")
            if not isinstance(artifact, UUID):  # Prefect gives a coroutine in an async flow or task
                raise TypeError("Progress works in synchronous flows only")
            self._artifact = artifact
        position = {future.task_run_id: index for index, future in enumerate(futures)}
        results: dict[int, R] = {}
        for future in as_completed(list(futures)):
            index = position[future.task_run_id]
            results[index] = future.result()
            self._advance(sizes[index])
        return [results[index] for index in range(len(futures))]  # every position is filled once its future finished

    def _advance(self, items: int) -> None:
        self.done += items
        now = Step(self.step, self.done, self.total)
        report(now)
        if now.tenths() != self._tenth or self.done == self.total:
            self._tenth = now.tenths()
            get_run_logger().info("%s: %s/%s (%.0f%%)", self.step, self.done, self.total, 100 * now.fraction)
            assert self._artifact is not None
            update_progress_artifact(self._artifact, progress=100 * now.fraction, description=f"{self.step}: {self.done}/{self.total}")
