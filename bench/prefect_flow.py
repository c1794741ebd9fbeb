"""The pipeline through the Prefect flows (ingest, then publish), on the task runner the environment names.

Run in a child process whose environment sets PARINDEX_DB_URL, PARINDEX_TASK_RUNNER and PARINDEX_WORKERS:
flows.ingest picks its task runner when it is imported.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.corpus import PROGRAM, YEAR


def prefect_env(work: Path, db_url: str, runner: str = "thread", workers: int | None = None, api_url: str | None = None) -> dict[str, str | None]:
    """The environment of a flow measurement: its warehouse, runner and workers, and the Prefect API to use.

    `api_url` None leaves Prefect to start a temporary server in each process that needs one; the server
    bench.prefect_server runs there is named to the measurement, which counts its CPU time.
    """
    from bench.cpu import SERVER_PID
    from bench.prefect_server import prefect_settings, server_pid

    pid = server_pid(api_url)
    env: dict[str, str | None] = {
        **prefect_settings(work, ephemeral=api_url is None),
        "PARINDEX_DB_URL": db_url,
        "PARINDEX_TASK_RUNNER": runner,
        "PREFECT_API_URL": api_url,
        SERVER_PID: str(pid) if pid else None,
    }
    if workers is not None:
        env["PARINDEX_WORKERS"] = str(workers)
    return env


def warm_up() -> float:
    """Seconds to the first flow run's end: Prefect's temporary API server starts here, whatever N is."""
    from prefect import flow

    @flow(name="bench-warm-up")
    def nothing() -> int:
        return 0

    started = time.perf_counter()
    nothing()
    return round(time.perf_counter() - started, 3)


def flow_run(inbox: str, out_dir: str, rerun: bool = True, publish: bool = True) -> dict[str, Any]:
    """Time ingest over `inbox` and publish of its year, after a warm-up flow; then ingest again with nothing new.

    The ingest's CPU seconds are counted by process (bench/cpu.py): this one, the ones it starts (workers,
    forkservers, readers) and the Prefect server's.
    """
    from bench.cpu import CpuMeter

    started = time.perf_counter()
    from flows.ingest import ingest
    from flows.publish import publish as publish_flow

    result: dict[str, Any] = {
        "runner": os.environ.get("PARINDEX_TASK_RUNNER", "thread"),
        "workers": int(os.environ.get("PARINDEX_WORKERS", "0")) or os.cpu_count(),
        "imports": round(time.perf_counter() - started, 3),
        "prefect_start": warm_up(),
    }
    begun = time.perf_counter()
    with CpuMeter() as cpu:
        summary = ingest(inbox=inbox, program=PROGRAM)
    result["ingest"] = round(time.perf_counter() - begun, 3)
    result["ingest_cpu"] = cpu.seconds
    result["seen"], result["statuses"] = summary.seen, summary.statuses
    if publish:
        begun = time.perf_counter()
        publication = publish_flow(year=YEAR, program=PROGRAM, out_dir=out_dir)
        result["publish"] = round(time.perf_counter() - begun, 3)
        result["ranked"] = len(publication.ranking)
        result["decision_bytes"] = Path(publication.decision_path).stat().st_size
    if rerun:
        begun = time.perf_counter()
        again = ingest(inbox=inbox, program=PROGRAM)
        result["rerun"] = {"seconds": round(time.perf_counter() - begun, 3), "unchanged": again.unchanged, "new": sum(again.statuses.values())}
    return result


def first_start() -> dict[str, Any]:
    """The first flow run on a new Prefect home: its database is created then (migrations), once per machine."""
    return {"seconds": warm_up()}
