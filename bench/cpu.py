"""CPU seconds of one step of a flow, by process: the flow's own, the processes it started, Prefect's server.

A flow's work is spread over processes: its own; the task runner's workers, their readers and the
forkserver that forks them (pipeline.isolation); and Prefect's API server. The kernel counts them all:
getrusage's RUSAGE_CHILDREN holds the CPU time of every process started below this one and waited for (a
process runner's workers wait for their forkserver as they exit, the forkserver for its readers), and
/proc/<pid>/stat that of a process still running, with its own children waited for. With 2 cores, the
sum of all three bounds the step from below: it cannot take less than that sum over 2, whatever the
scheduling.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path
from types import TracebackType

from bench.child import cpu_seconds, descendants

TICKS = os.sysconf("SC_CLK_TCK")
SERVER_PID = "BENCH_PREFECT_SERVER_PID"  # set by bench.run for the flows it measures on its own Prefect server


def process_cpu(pid: int) -> float:
    """CPU seconds of a running process and of its children it waited for; 0 for a process gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(field) for field in fields[11:15]) / TICKS  # utime, stime, cutime, cstime


def _below(pid: int) -> float:
    """CPU seconds of the processes below `pid` still running (or not yet waited for), with their children waited for."""
    return sum(process_cpu(child) for child in descendants(pid))


def tree_cpu(pid: int) -> float:
    """CPU seconds of a running process and of every process below it, running or waited for."""
    return process_cpu(pid) + _below(pid)


class CpuMeter:
    """`with CpuMeter() as meter:` a step; then `meter.seconds`: {"flow", "workers", "server"} CPU seconds.

    "flow" is this process's, "workers" every process it started (the task runner's workers, forkservers
    and readers), "server" that of the process $BENCH_PREFECT_SERVER_PID names (None without one).
    """

    def __init__(self, server_pid: int | None = None) -> None:
        named = os.environ.get(SERVER_PID)
        self.server_pid = server_pid if server_pid is not None else int(named) if named else None
        self.seconds: dict[str, float | None] = {}

    def _now(self) -> tuple[float, float, float | None]:
        started = cpu_seconds(resource.RUSAGE_CHILDREN) + _below(os.getpid())  # waited for, and still running
        return cpu_seconds(), started, tree_cpu(self.server_pid) if self.server_pid else None

    def __enter__(self) -> CpuMeter:
        self._start = self._now()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        own, started, server = self._now()
        self.seconds = {
            "flow": round(own - self._start[0], 2),
            "workers": round(started - self._start[1], 2),
            "server": round(server - self._start[2], 2) if server is not None and self._start[2] is not None else None,
        }
