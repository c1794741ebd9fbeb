"""Run one measurement in a fresh Python process, so its peak memory (maxrss) and imports are its own."""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MARKER = "BENCH-RESULT "
ROOT = Path(__file__).resolve().parent.parent


class MeasurementFailed(RuntimeError):
    """A measurement's process ended without a result."""


def _maxrss_mb(who: int) -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def measure(target: str, kwargs: Mapping[str, Any], env: Mapping[str, str] | None = None, timeout: float | None = None) -> dict[str, Any]:
    """Call `module:function(**kwargs)` in a child process and return its result with the child's peak memory.

    The result gains `maxrss_mb` (the child itself), `children_maxrss_mb` (the largest process it waited
    for: Prefect's worker processes and temporary server) and `process_seconds` (child start to end).
    """
    started = time.perf_counter()
    environment = {**os.environ, "GX_ANALYTICS_ENABLED": "false", **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, "-m", "bench.child", target, json.dumps(dict(kwargs))],
        capture_output=True, text=True, env=environment, timeout=timeout, cwd=ROOT,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(MARKER)]
    if completed.returncode != 0 or not lines:
        tail = "\n".join((completed.stderr or completed.stdout).splitlines()[-25:])
        raise MeasurementFailed(f"{target} exited with {completed.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1][len(MARKER):])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def main(argv: list[str]) -> None:
    target, arguments = argv
    module, _, function = target.partition(":")
    result = getattr(importlib.import_module(module), function)(**json.loads(arguments))
    result["maxrss_mb"] = _maxrss_mb(resource.RUSAGE_SELF)
    result["children_maxrss_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    print(MARKER + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
