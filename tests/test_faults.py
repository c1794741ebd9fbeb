"""Faults: a warehouse that is down, secrets in URLs, and the inbox left exactly as it was."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from flows.ingest import ingest
from samples.generate import generate_inbox

pytestmark = pytest.mark.prefect


def _tree(folder: Path) -> dict[str, tuple[str, float]]:
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime) for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def small_inbox(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    generate_inbox(inbox, program="tchq", year=2019)
    for package in list(inbox.iterdir()):
        if package.name not in {"hq-da-nang", "vu-phap-che"}:
            for f in package.iterdir():
                f.unlink()
            package.rmdir()
    return inbox


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _run_records(flow_run_id):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    await APILogHandler().aflush()  # logs travel to the API in the background
    async with get_client() as client:  # the test server is shared by the session: ask for this run's records only
        run = await client.read_flow_run(flow_run_id)
        logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return run, logs, artifacts


def test_a_warehouse_that_is_down_fails_clearly_after_retries_and_leaves_the_inbox(prefect_server, small_inbox, monkeypatch):
    before = _tree(small_inbox)
    monkeypatch.setenv("PARINDEX_DB_URL", f"postgresql://parindex:s3cret-pw@127.0.0.1:{_closed_port()}/warehouse")
    monkeypatch.setenv("PARINDEX_DB_RETRY_DELAYS", "0,0")
    import importlib

    import flows.ingest as module

    flow = importlib.reload(module).ingest  # the retry options are read when the flow module loads
    state = flow(inbox=str(small_inbox), return_state=True)
    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert "Connection refused" in message or "connection failed" in message
    assert _tree(small_inbox) == before

    import anyio

    run, logs, artifacts = anyio.run(_run_records, state.state_details.flow_run_id)
    mine = [log.message for log in logs if log.flow_run_id == run.id]
    assert any("ingesting" in m and "postgresql://parindex:***@127.0.0.1" in m for m in mine)
    assert all("s3cret-pw" not in m for m in mine) and "s3cret-pw" not in str(run.parameters) + message


def test_the_warehouse_url_is_no_run_parameter(prefect_server, small_inbox, monkeypatch, db_url):
    import anyio
    from sqlalchemy.engine import make_url

    # On PostgreSQL with a password in the URL (the server trusts local connections, so any password works).
    url = make_url(db_url).set(password="s3cret-pw").render_as_string(hide_password=False) if db_url.startswith("postgresql") else db_url
    monkeypatch.setenv("PARINDEX_DB_URL", url)
    state = ingest(inbox=str(small_inbox), return_state=True)
    assert state.is_completed()
    run, logs, artifacts = anyio.run(_run_records, state.state_details.flow_run_id)
    assert "PARINDEX_DB_URL" not in str(run.parameters) and url not in str(run.parameters)
    mine = [log.message for log in logs if log.flow_run_id == run.id]
    assert any("ingesting" in m for m in mine)
    assert all("s3cret-pw" not in m for m in mine)
    records = [a for a in artifacts if a.flow_run_id == run.id]
    assert {a.key for a in records} >= {"ingest-summary", "ingest-documents", "ingest-reading"}
    assert all("s3cret-pw" not in str(a.data) + str(a.description) for a in records)
