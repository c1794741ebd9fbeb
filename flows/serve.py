"""One-process alternative to work pools: serve the deployments of prefect.yaml from this process."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.schedules import Cron

PROJECT = Path(__file__).resolve().parent.parent
PREFECT_YAML = PROJECT / "prefect.yaml"


def _concurrency(spec: Any) -> int | ConcurrencyLimitConfig | None:
    if isinstance(spec, dict):
        return ConcurrencyLimitConfig(limit=spec["limit"], collision_strategy=ConcurrencyLimitStrategy(spec.get("collision_strategy", "ENQUEUE")))
    return cast("int | None", spec)  # a number or nothing, as prefect.yaml gives it; RunnerDeployment validates it


def deployments(path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    """The deployments `prefect.yaml` declares, as served deployments: same names, parameters, schedules, limits."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    served: list[RunnerDeployment] = []
    for spec in config["deployments"]:
        flow: Flow[..., Any] = load_flow_from_entrypoint(str(path.parent / spec["entrypoint"]))
        schedules = [Cron(s["cron"], timezone=s.get("timezone", "UTC"), active=s.get("active", True)) for s in spec.get("schedules") or []]
        deployment = flow.to_deployment(
            name=spec["name"],
            description=spec.get("description"),
            tags=spec.get("tags"),
            parameters=spec.get("parameters"),
            schedules=schedules or None,
            concurrency_limit=_concurrency(spec.get("concurrency_limit")),
            enforce_parameter_schema=spec.get("enforce_parameter_schema", True),
        )
        if not isinstance(deployment, RunnerDeployment):  # Prefect gives a coroutine when called from async code
            raise TypeError("flows.serve.deployments() must be called from synchronous code, outside an event loop")
        served.append(deployment)
    return served


def serve_all(path: Path = PREFECT_YAML) -> None:
    """Serve every deployment of `prefect.yaml` until interrupted (needs a Prefect server for schedules)."""
    from prefect import serve

    serve(*deployments(path), pause_on_shutdown=False)
