"""Results of mapped tasks gathered as they finish, with the step's progress told as it goes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture, as_completed

from parindex.progress import Step, report

R = TypeVar("R")


def gather(futures: Sequence[PrefectFuture[R]], sizes: Sequence[int], step: str, *, key: str) -> list[R]:
    """The futures' results, in the futures' order, waiting for each as it finishes; `sizes`: how many items
    (documents) each future works on, which is what progress counts.

    Progress goes to this process's listeners (the CLI's bar) at every result, and at each new tenth to
    the run's log and to a Prefect progress artifact named `key`.
    """
    total = sum(sizes)
    position = {future.task_run_id: index for index, future in enumerate(futures)}
    results: list[R | None] = [None] * len(futures)
    if not futures:
        return []
    logger = get_run_logger()
    artifact = create_progress_artifact(progress=0.0, key=key, description=f"{step}: 0/{total}")
    tenth, done = 0, 0
    for future in as_completed(list(futures)):
        index = position[future.task_run_id]
        results[index] = future.result()
        done += sizes[index]
        now = Step(step, done, total)
        report(now)
        if now.tenths() != tenth or done == total:
            tenth = now.tenths()
            logger.info("%s: %s/%s (%.0f%%)", step, done, total, 100 * now.fraction)
            update_progress_artifact(artifact, progress=100 * now.fraction, description=f"{step}: {done}/{total}")
    return results  # type: ignore[return-value] - every position is filled once its future finished
