"""Where extraction tasks run, chosen by PARINDEX_TASK_RUNNER: threads, local processes, or a Dask cluster."""

from __future__ import annotations

import os
from typing import NamedTuple, TypeVar, cast

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from core.errors import ConfigurationError

RUNNERS = ("thread", "process", "dask")

T = TypeVar("T")


def worker_count() -> int:
    """Threads, processes or Dask workers of a local runner: $PARINDEX_WORKERS, else the cores."""
    return int(os.environ.get("PARINDEX_WORKERS", "0")) or os.cpu_count() or 1


def task_runner(kind: str | None = None) -> TaskRunner:
    """The task runner named by `kind` or $PARINDEX_TASK_RUNNER (default: thread).

    - thread: one process whose threads each read in a reader process of their own (pipeline.isolation),
      so they read in parallel, and Prefect's cost per task is paid in one process only.
    - process: one worker process per core ($PARINDEX_WORKERS); each task also pays a Prefect client there.
    - dask: a Dask cluster at $PARINDEX_DASK_ADDRESS, or a local one when it is unset.
    """
    kind = kind or os.environ.get("PARINDEX_TASK_RUNNER", "thread")
    workers = worker_count()
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        import dask
        from prefect_dask.task_runners import DaskTaskRunner

        # A local cluster's workers start reader processes (pipeline.isolation), which multiprocessing
        # refuses a daemonic process; a remote cluster's workers need the same setting.
        dask.config.set({"distributed.worker.daemon": False})

        address = os.environ.get("PARINDEX_DASK_ADDRESS")
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    raise ConfigurationError(f"PARINDEX_TASK_RUNNER must be one of {', '.join(RUNNERS)}, not {kind!r}")


class DbRetries(NamedTuple):
    """Retries of a task that touches the warehouse, as @task's `retries` and `retry_delay_seconds`."""

    retries: int
    retry_delay_seconds: list[float] | float


def db_retries() -> DbRetries:
    """Retries for tasks that touch the warehouse: transient I/O only; delays from $PARINDEX_DB_RETRY_DELAYS."""
    text = os.environ.get("PARINDEX_DB_RETRY_DELAYS", "2,10,30")
    try:
        delays = [float(d) for d in text.split(",") if d.strip()]
    except ValueError as exc:
        raise ConfigurationError(f"PARINDEX_DB_RETRY_DELAYS must be seconds separated by commas, not {text!r}") from exc
    return DbRetries(retries=len(delays), retry_delay_seconds=delays or 0)


def unwalked(value: T) -> T:
    """`value` wrapped in Prefect's quote(), typed as the value itself, which is what the task receives:
    Prefect neither walks it looking for futures nor copies it."""
    return cast(T, quote(value))
