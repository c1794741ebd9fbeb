"""The operations guide, followed verbatim: a real Prefect server on loopback, deployments from prefect.yaml,
a process worker, manual runs with parameters, and the warehouse checked afterwards."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from samples.generate import generate_inbox
from tests.conftest import ROOT

pytestmark = pytest.mark.prefect


def _guide() -> str:
    text = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "docs/OPERATIONS.md has no bash block"
    return block.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_operations_guide_deploys_runs_and_fills_the_warehouse(tmp_path):
    generate_inbox(tmp_path / "inbox", program="tchq", year=2019)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PARINDEX_"))}
    env |= {
        "PARINDEX_HOME": str(ROOT),
        "PARINDEX_DB_URL": f"sqlite:///{tmp_path / 'warehouse.db'}",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_PORT": str(_free_port()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "INBOX": str(tmp_path / "inbox"),
        "OUT": str(tmp_path / "out"),
        "VIRTUAL_ENV": sys.prefix,
    }
    # stop the server and worker even when a step fails, so the test never leaves them running
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + _guide()
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert run.stdout.count("Completed") >= 2, run.stdout[-3000:]
    assert "49 loaded" in run.stdout and "quyet-dinh-chi-so-cchc-tchq-2019.docx" in run.stdout

    ranking = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "parindex"), "ranking", "--year", "2019", "--format", "json", "--db", env["PARINDEX_DB_URL"]],
        capture_output=True,
        text=True,
        check=True,
    )
    first = {r["unit_name"] for r in json.loads(ranking.stdout) if r["block"] == "cuc-hq-tinh" and r["rank"] == 1}
    assert first == {"Đà Nẵng", "Đồng Nai", "TP. Hồ Chí Minh"}
