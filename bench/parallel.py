"""The machine's own parallel ceiling: the raw bound's loop over the same files in 1 process, then in 2.

The processes pull files from one queue, so they share the work as evenly as files allow, and pay no
orchestration: no Prefect, no validation, no warehouse. What 2 of them gain over 1 is as much as any
2 worker processes can gain on this machine (its cores, caches and memory as it gives them to two
processes at once), the figure the ingest flow's speed-up is set against.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

from bench.raw import inbox_files, read_tables

STARTUP_SECONDS = 120  # for a process to import pdfplumber and python-docx


def _reader(files: Any, done: Any, start: Any) -> None:  # multiprocessing's queues and barrier
    import docx  # noqa: F401 - imported before the clock starts
    import pdfplumber  # noqa: F401

    start.wait()
    cpu_started, count = time.process_time(), 0
    try:
        while (path := files.get()) is not None:
            read_tables(Path(path))
            count += 1
    except Exception as exc:  # reported to the measuring process, which would wait for this result forever
        done.put((-1, f"{path}: {exc!r}"))
        return
    done.put((count, time.process_time() - cpu_started))


def read_in(paths: list[str], processes: int) -> dict[str, Any]:
    """Wall and CPU seconds of `processes` fresh processes reading `paths` from one queue, imports excluded."""
    context = multiprocessing.get_context("spawn")
    files, done = context.Queue(), context.Queue()
    for path in paths:
        files.put(path)
    for _ in range(processes):
        files.put(None)
    start = context.Barrier(processes + 1)
    workers = [context.Process(target=_reader, args=(files, done, start)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    start.wait(timeout=STARTUP_SECONDS)  # a process that died importing breaks the barrier, not the benchmark
    started = time.perf_counter()
    results = [done.get() for _ in workers]
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join()
    failed = [message for count, message in results if count < 0]
    if failed:
        raise RuntimeError(f"the raw bound failed in {len(failed)} process(es): {failed[0]}")
    return {"seconds": round(seconds, 3), "cpu": round(sum(cpu for _, cpu in results), 3), "files": sum(count for count, _ in results)}


def parallel_bound(inbox: str, most: int = 2) -> dict[str, Any]:
    """The raw bound over every file of `inbox` in 1 to `most` processes, one after the other, and what each adds."""
    paths = [str(path) for path in inbox_files(Path(inbox))]
    runs = {str(count): read_in(paths, count) for count in range(1, most + 1)}
    one = runs["1"]
    for run in runs.values():
        run["speed_up"] = round(one["seconds"] / run["seconds"], 3)
        run["cpu_growth"] = round(run["cpu"] / one["cpu"] - 1, 3)  # the same work's CPU seconds, when processes share the machine
    return {"runs": runs, "seconds": round(sum(run["seconds"] for run in runs.values()), 3)}
