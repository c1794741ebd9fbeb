"""Publish flow: warehouse → ranking per block → the decision, exports, charts and page, frozen as a snapshot."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from flows.runners import db_retries
from pipeline import steps
from publishing.bundle import publish_outputs
from publishing.exports import ranking_rows
from publishing.publication_inputs import inputs_hash
from publishing.ranking import UnitTotal, rank_units
from schemas.framework import framework_for
from schemas.records import RankedUnit
from warehouse.db import warehouse
from warehouse.reference import framework_version
from warehouse.snapshots import save_snapshot

DB_RETRIES = db_retries()  # the warehouse comes from $PARINDEX_DB_URL, never a parameter


class Publication(BaseModel):
    """What a publish run produced: the ranking, its inputs hash, the snapshot and every file written."""

    year: int
    ranking: list[RankedUnit]
    inputs_hash: str
    snapshot_id: int
    decision_path: str
    files: dict[str, str]  # path relative to the output folder → sha256


@task(cache_policy=NO_CACHE, retries=DB_RETRIES.retries, retry_delay_seconds=DB_RETRIES.retry_delay_seconds)
def unit_totals(program: str, year: int, block: str | None, cutoff: datetime | None) -> list[UnitTotal]:
    """Every unit's final total, per leaf, on its current valid submission."""

    with warehouse() as engine:
        return steps.unit_totals(engine, program, year, block, cutoff)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def write_outputs(
    program: str,
    year: int,
    ranking: list[RankedUnit],
    out_dir: str,
    decision_no: str | None,
    signed_on: date | None,
    cutoff: datetime | None,
    digest: str,
    signer: str = "",
) -> tuple[str, dict[str, str]]:
    """Write the decision (DOCX, PDF), the ranking (CSV, XLSX, JSON), the charts and the page; each file atomically."""

    files = publish_outputs(
        framework_for(program, year),
        ranking,
        Path(out_dir),
        decision_no=decision_no,
        signed_on=signed_on,
        cutoff=cutoff,
        inputs_hash=digest,
        signer=signer,
    )
    return str(files.decision_docx), files.digests()


@task(cache_policy=NO_CACHE, retries=DB_RETRIES.retries, retry_delay_seconds=DB_RETRIES.retry_delay_seconds)
def freeze(
    program: str,
    year: int,
    ranking: list[RankedUnit],
    digest: str,
    cutoff: datetime | None,
    decision_no: str | None,
    signed_on: date | None,
    files: dict[str, str],
) -> int:
    """Record the publication as a new, never-changed ranking snapshot."""

    with warehouse() as engine:
        return save_snapshot(
            engine,
            program=program,
            year=year,
            framework_version=framework_version(framework_for(program, year)),
            inputs_hash=digest,
            cutoff=cutoff,
            decision_no=decision_no,
            signed_on=signed_on,
            ranking=ranking,
            files=files,
        )


@task
def report(ranking: list[RankedUnit]) -> None:

    create_table_artifact(key="ranking", table=ranking_rows(ranking), description="Ranking per block")


@flow(name="publish")
def publish(
    year: int,
    program: str = "tchq",
    block: str | None = None,
    decision_no: str | None = None,
    signed_on: date | None = None,
    cutoff: datetime | None = None,
    out_dir: str = "out",
    signer: str = "",
) -> Publication:
    """Rank every block on the warehouse's ($PARINDEX_DB_URL) final scores, publish, and freeze a snapshot.

    `signer` is the name under the decision's signature; empty, the line is left for the clerk.
    """
    logger = get_run_logger()
    framework = framework_for(program, year)
    totals = unit_totals(program, year, block, cutoff)
    ranking = rank_units(framework, totals)
    digest = inputs_hash(framework, totals, cutoff)
    decision, files = write_outputs(program, year, ranking, out_dir, decision_no, signed_on, cutoff, digest, signer)
    snapshot = freeze(program, year, ranking, digest, cutoff, decision_no, signed_on, files)
    report(ranking)
    logger.info("published %s units of %s (inputs %s, snapshot %s); decision at %s", len(ranking), year, digest[:12], snapshot, decision)
    return Publication(year=year, ranking=ranking, inputs_hash=digest, snapshot_id=snapshot, decision_path=decision, files=files)


if __name__ == "__main__":
    publish(year=2019)
