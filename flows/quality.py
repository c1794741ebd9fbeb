"""Data-quality flow: the warehouse's current submissions → letters to units, the Office summary, Data Docs, artifacts."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from core.settings import Settings
from flows.runners import db_retries, unwalked
from reports import build_reports, quality_markdown, quality_table, unit_feedback
from schemas.framework import framework_for
from schemas.units import registry_for
from warehouse.db import warehouse
from warehouse.queries import StoredSubmission, stored_submissions

DB_RETRIES = db_retries()


class QualityReport(BaseModel):
    """Where a data-quality run wrote its reports, and how many findings it reported."""

    year: int
    letters: list[str]
    summary: str
    data_docs: str | None
    findings: int


@task(cache_policy=NO_CACHE, retries=DB_RETRIES.retries, retry_delay_seconds=DB_RETRIES.retry_delay_seconds)
def current_submissions(program: str, year: int, unit: str | None) -> list[StoredSubmission]:
    """The current submissions with their open findings, as the warehouse holds them."""

    with warehouse() as engine:
        return stored_submissions(engine, program, year, unit)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def write_reports(program: str, year: int, stored: list[StoredSubmission], out_dir: str, signer: str = "") -> QualityReport:
    """Letters (DOCX and HTML), the Office summary with its chart, and the GX Data Docs site."""

    framework, registry = framework_for(program, year), registry_for(program)
    forms = [s.form for s in stored]
    findings = {s.form.sha256: s.findings for s in stored}
    documents = {s.form.sha256: s.path for s in stored}
    received = {s.form.sha256: s.received_at for s in stored}
    threshold = Settings().ocr_min_confidence
    paths = build_reports(
        forms, findings, framework, registry, Path(out_dir), documents=documents, received_at=received, min_confidence=threshold, signer=signer
    )
    feedback = unit_feedback(forms, findings, framework, registry, documents=documents, received_at=received, min_confidence=threshold)
    create_markdown_artifact(
        key="quality-summary", markdown=quality_markdown(feedback, framework, registry), description="Data quality of the current submissions"
    )
    table = quality_table(feedback)
    if table:
        create_table_artifact(key="quality-findings", table=table, description="Every open finding")
    if paths.data_docs is not None:
        create_link_artifact(key="quality-data-docs", link=paths.data_docs.resolve().as_uri(), description="GX Data Docs")
    return QualityReport(
        year=year,
        letters=[str(p) for p in paths.letters],
        summary=str(paths.summary),
        data_docs=str(paths.data_docs) if paths.data_docs else None,
        findings=sum(len(f) for f in findings.values()),
    )


@flow(name="quality")
def quality(year: int, program: str = "tchq", unit: str | None = None, out_dir: str = "reports", signer: str = "") -> QualityReport:
    """What each unit must fix, in Vietnamese, and which units are ready: from the warehouse ($PARINDEX_DB_URL).

    `signer` is the name under the letters' signature (the Office's head); empty, the line is left to fill in.
    """
    logger = get_run_logger()
    stored = current_submissions(program, year, unit)
    report = write_reports(program, year, unwalked(stored), out_dir, signer)  # not walked by Prefect: every score row of every form
    logger.info("quality report for %s: %s submissions, %s open findings; summary at %s", year, len(stored), report.findings, report.summary)
    return report
