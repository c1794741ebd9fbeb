"""Every flow and every deployment of prefect.yaml loads, and its parameters fit the flow's signature."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from prefect.flows import Flow, load_flow_from_entrypoint

from tests.conftest import ROOT

DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_deployment_entrypoint_loads_with_its_parameters(deployment, monkeypatch):
    monkeypatch.chdir(ROOT)
    flow: Flow[..., Any] = load_flow_from_entrypoint(deployment["entrypoint"])
    accepted = set(flow.parameters.properties)
    assert set(deployment["parameters"]) <= accepted
    required = set(flow.parameters.required or [])
    missing = required - set(deployment["parameters"])
    # a manual deployment may leave a required parameter (the year) to the person who runs it
    assert missing <= {"year"}, f"{deployment['name']} does not set {missing}"


def test_nightly_ingest_runs_at_one_in_vietnam_and_never_overlaps():
    """Prefect's own schedule model turns prefect.yaml's entry into run times: 01:00 in Vietnam, 18:00 UTC."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from prefect.server.schemas.schedules import CronSchedule

    nightly = next(d for d in DEPLOYMENTS if d["name"] == "nightly-ingest")
    (entry,) = nightly["schedules"]
    schedule = CronSchedule(cron=entry["cron"], timezone=entry["timezone"])
    runs = asyncio.run(schedule.get_dates(n=3, start=datetime(2026, 12, 4, 12, tzinfo=UTC)))
    assert [run.astimezone(UTC) for run in runs] == [datetime(2026, 12, day, 18, tzinfo=UTC) for day in (4, 5, 6)]
    assert runs[1] - runs[0] == timedelta(days=1)
    assert nightly["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    publish = next(d for d in DEPLOYMENTS if d["name"] == "manual-publish")
    assert "schedules" not in publish


def test_serve_offers_the_same_deployments_as_prefect_yaml():
    from prefect.client.schemas.schedules import CronSchedule

    from flows.serve import deployments

    served = {d.name: d for d in deployments()}
    assert set(served) == {d["name"] for d in DEPLOYMENTS}
    nightly = served["nightly-ingest"]
    assert nightly.schedules is not None
    schedule = nightly.schedules[0].schedule
    assert isinstance(schedule, CronSchedule)
    assert (schedule.cron, schedule.timezone) == ("0 1 * * *", "Asia/Ho_Chi_Minh")
    assert nightly.concurrency_options is not None
    assert nightly.concurrency_limit == 1 and nightly.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    assert not served["manual-publish"].schedules  # run by hand after the deadline
    assert nightly.parameters == {"inbox": "inbox", "program": "tchq"}
