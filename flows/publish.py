"""Publish flow: warehouse → ranking per block → the decision document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from parindex import pipeline
from flows.runners import db_retry_options
from schemas.framework import framework_for
from schemas.records import RankedUnit


class Publication(BaseModel):
    """What a publish run produced: the ranking and the decision file."""

    year: int
    ranking: list[RankedUnit]
    decision_path: str


@task(cache_policy=NO_CACHE, **db_retry_options())
def rank(program: str, year: int, block: str | None) -> list[RankedUnit]:
    """Rank units on their current valid submissions' final scores."""
    from warehouse.db import warehouse

    with warehouse() as engine:
        return pipeline.ranking_from_warehouse(engine, program, year, block)


@task(retries=2, retry_delay_seconds=[1, 5])
def write_decision(program: str, year: int, ranking: list[RankedUnit], out_dir: str, decision_no: str | None, signed_on: date | None) -> str:
    """Write the decision DOCX with one appendix table per block."""
    from publishing.decision import write_decision_docx

    path = Path(out_dir) / f"quyet-dinh-chi-so-cchc-{program}-{year}.docx"
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(write_decision_docx(framework_for(program, year), ranking, path, decision_no=decision_no, signed_on=signed_on))


@task
def report(ranking: list[RankedUnit]) -> None:
    from publishing.exports import ranking_rows

    create_table_artifact(key="ranking", table=ranking_rows(ranking), description="Ranking per block")


@flow(name="publish")
def publish(
    year: int,
    program: str = "tchq",
    block: str | None = None,
    decision_no: str | None = None,
    signed_on: date | None = None,
    out_dir: str = "out",
) -> Publication:
    """Rank every block on the warehouse's ($PARINDEX_DB_URL) current valid submissions and write the decision."""
    logger = get_run_logger()
    ranking = rank(program, year, block)
    path = write_decision(program, year, ranking, out_dir, decision_no, signed_on)
    report(ranking)
    logger.info("published %s units of %s; decision at %s", len(ranking), year, path)
    return Publication(year=year, ranking=ranking, decision_path=path)


if __name__ == "__main__":
    publish(year=2019)
