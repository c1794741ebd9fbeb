"""A Prefect server of the benchmark's own (`prefect server start`), as production runs one, for the flow measurements.

Without PREFECT_API_URL every process that runs a task starts its own temporary API server: the
process runner's workers each start one too, which is what the "ephemeral" flow rows measure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 180.0
_STARTED: dict[str, int] = {}  # API URL -> process id of each server prefect_server runs


def server_pid(api_url: str | None) -> int | None:
    """The process of the Prefect server prefect_server runs at `api_url` (its CPU time is measured), if any."""
    return _STARTED.get(api_url) if api_url else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prefect_settings(work: Path, ephemeral: bool = False) -> dict[str, str]:
    """Settings of the benchmark's Prefect processes: a home of their own (temporary servers apart from the
    running server, whose database they would otherwise share), quiet logs, no telemetry."""
    return {
        "PREFECT_HOME": str(work / ("prefect-ephemeral" if ephemeral else "prefect-home")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


@contextmanager
def prefect_server(work: Path) -> Iterator[str]:
    """Start `prefect server start` on a free port, wait until it answers, yield its API URL, stop it."""
    port = free_port()
    env = {**os.environ, **prefect_settings(work)}
    env.pop("PREFECT_API_URL", None)
    log = (work / "prefect-server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui", "--analytics-off"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server start exited with {server.returncode}: see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer within {STARTUP_SECONDS:.0f} s: see {log.name}")
            time.sleep(0.5)
        _STARTED[url] = server.pid
        yield url
    finally:
        _STARTED.pop(url, None)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
