"""Run one measurement in a fresh Python process, so its peak memory and its imports are its own.

Peak memory is the kernel's high-water mark of resident memory (VmHWM) of the measuring process and,
polled while it runs, of every process it starts (Prefect's worker processes and API server).
getrusage's ru_maxrss would not do: Linux keeps it across fork and exec, so a child would report
its parent's size whenever the parent was larger.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MARKER = "BENCH-RESULT "
ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.5


class MeasurementFailed(RuntimeError):
    """A measurement's process ended without a result."""


def peak_mb(pid: int | str = "self") -> float | None:
    """The high-water mark of a process's resident memory since it started its program, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        return None
    return None


def descendants(root: int) -> list[int]:
    """Every process below `root`, running or not yet waited for."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "worker"
    return "server" if "uvicorn" in command or "prefect.server" in command or "server start" in command else "worker"


class DescendantPeaks(threading.Thread):
    """Polls the peak memory of every process started below this one while the measurement runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, tuple[str, float]] = {}
        self._stop_event = threading.Event()

    def poll(self) -> None:
        for pid in descendants(os.getpid()):
            peak = peak_mb(pid)
            if peak is not None:
                role = self.peaks[pid][0] if pid in self.peaks else _role(pid)
                self.peaks[pid] = (role, max(peak, self.peaks.get(pid, (role, 0.0))[1]))

    def run(self) -> None:
        while not self._stop_event.wait(POLL_SECONDS):
            self.poll()

    def stop(self) -> dict[str, Any]:
        self._stop_event.set()
        self.join()
        self.poll()
        workers = [peak for role, peak in self.peaks.values() if role == "worker"]
        servers = [peak for role, peak in self.peaks.values() if role == "server"]
        return {"processes_started": len(self.peaks), "worker_peak_mb": max(workers, default=None), "server_peak_mb": max(servers, default=None)}


def measure(target: str, kwargs: Mapping[str, Any], env: Mapping[str, str | None] | None = None, timeout: float | None = None) -> dict[str, Any]:
    """Call `module:function(**kwargs)` in a child process and return its result with its peak memory.

    The result gains `maxrss_mb` (the measuring process), `worker_peak_mb` / `server_peak_mb` (the
    largest process it started, Prefect's API servers apart) and `process_seconds` (start to end).
    An `env` value of None removes that variable.
    """
    started = time.perf_counter()
    environment = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, "-m", "bench.child", target, json.dumps(dict(kwargs))],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=ROOT,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(MARKER)]
    if completed.returncode != 0 or not lines:
        tail = "\n".join((completed.stderr or completed.stdout).splitlines()[-25:])
        raise MeasurementFailed(f"{target} exited with {completed.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1][len(MARKER) :])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User and system CPU time: unlike wall time, barely moved by other work on a shared machine."""
    usage = resource.getrusage(who)
    return round(usage.ru_utime + usage.ru_stime, 2)


def main(argv: list[str]) -> None:
    target, arguments = argv
    module, _, function = target.partition(":")
    load_before = os.getloadavg()[0]
    poller = DescendantPeaks()
    poller.start()
    result = getattr(importlib.import_module(module), function)(**json.loads(arguments))
    result.update(poller.stop())
    result["maxrss_mb"] = peak_mb()
    result["cpu_seconds"] = cpu_seconds()
    result["children_cpu_seconds"] = cpu_seconds(resource.RUSAGE_CHILDREN)
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(MARKER + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
