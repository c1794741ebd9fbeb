"""Ingest flow: inbox → extract → validate → warehouse. One bad document never fails the run."""

from __future__ import annotations

from collections import Counter

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from flows.progress import gather
from flows.runners import db_retry_options, task_runner
from parindex import pipeline
from parindex.sources import fingerprint, open_source, read_file, scan_with_archives
from parindex.settings import Settings, redact
from schemas.framework import framework_for
from schemas.records import DocumentOutcome, DocumentStatus, EvidenceLink, Finding, InboxDocument
from schemas.units import registry_for

DB = {"cache_policy": NO_CACHE, **db_retry_options()}  # the warehouse comes from $PARINDEX_DB_URL, never a parameter


class IngestSummary(BaseModel):
    """What one ingest run did: files seen, skipped as already known, and each new file's status."""

    seen: int
    unchanged: int
    statuses: dict[str, int]
    invalid_submissions: int
    outcomes: list[dict[str, str | None]]


# ---------------------------------------------------------------- discover


@task(**DB)
def known_files() -> dict[str, tuple[int, float]]:
    """Size and mtime of every file the warehouse has recorded."""
    from warehouse.db import warehouse
    from warehouse.load import known_files as recorded

    with warehouse() as engine:
        return recorded(engine)


@task(retries=2, retry_delay_seconds=[1, 5])
def discover(inbox: str, known: dict[str, tuple[int, float]]) -> tuple[list[InboxDocument], int]:
    """The inbox's files that may be new, with their content hash; files unchanged in size and mtime are not read."""
    source = open_source(inbox)
    return fingerprint(source, scan_with_archives(source), known)


@task(**DB)
def known_in_warehouse(documents: list[InboxDocument]) -> tuple[set[tuple[str, str]], set[str]]:
    """Which (path, content) pairs and which contents the warehouse already holds."""
    from warehouse.db import warehouse
    from warehouse.load import known_contents, known_documents

    with warehouse() as engine:
        return known_documents(engine, documents), known_contents(engine, (d.sha256 for d in documents))


# ---------------------------------------------------------------- extract and validate


@task(cache_policy=NO_CACHE)
def extract(inbox: str, document: InboxDocument, program: str) -> DocumentOutcome:
    """Read one file, in a reader process that is stopped past its limits: a form, an evidence file, or a rejection."""
    return pipeline.read_outcome(document, read_file(open_source(inbox), document.path), program)


@task(cache_policy=NO_CACHE)
def validate(outcomes: list[DocumentOutcome], program: str) -> tuple[dict[str, list[Finding]], dict[str, list[EvidenceLink]]]:
    """Great Expectations over the whole batch of forms at once, their citations linked to their packages' evidence."""
    return pipeline.validate_outcomes(outcomes, program, min_confidence=Settings().ocr_min_confidence)


# ---------------------------------------------------------------- load


@task(**DB)
def load(outcomes: list[DocumentOutcome], findings: dict[str, list[Finding]], links: dict[str, list[EvidenceLink]], program: str) -> None:
    """Write every outcome, one transaction per document, under the warehouse's ingest lock."""
    from warehouse.db import warehouse
    from warehouse.load import load_outcomes
    from warehouse.lock import warehouse_lock

    with warehouse() as engine, warehouse_lock(engine, "ingest"):
        load_outcomes(engine, outcomes, findings, registry_for(program), lambda year: framework_for(program, year), links)


@task
def report(summary: IngestSummary) -> None:
    """The run's outcome as Prefect artifacts: a table of documents and a short summary."""
    lines = [f"- {status}: {count}" for status, count in sorted(summary.statuses.items())]
    create_markdown_artifact(
        key="ingest-summary",
        markdown="\n".join(
            [f"# Ingest: {summary.seen} files", f"- unchanged (already loaded): {summary.unchanged}", *lines,
             f"- submissions kept out of the ranking by errors: {summary.invalid_submissions}"]
        ),
        description="Documents loaded, rejected and skipped by this run",
    )
    if summary.outcomes:
        create_table_artifact(key="ingest-documents", table=summary.outcomes, description="Status of every new document")


# ---------------------------------------------------------------- flow


@flow(name="ingest", task_runner=task_runner())
def ingest(inbox: str, program: str = "tchq") -> IngestSummary:
    """Bring every new inbox file into the warehouse ($PARINDEX_DB_URL) with a recorded status.

    `inbox` is a folder, or an fsspec URL such as s3://bucket/inbox.
    """
    logger = get_run_logger()
    logger.info("ingesting %s into %s", inbox, redact(Settings().db_url))

    documents, untouched = discover(inbox, known_files())
    known, known_shas = known_in_warehouse(documents) if documents else (set(), set())
    to_read, duplicates = pipeline.split_new(documents, known, known_shas)

    outcomes = gather(extract.map(unmapped(inbox), to_read, unmapped(program)), "reading documents", key="ingest-reading") if to_read else []
    outcomes += [DocumentOutcome(document=d, status=DocumentStatus.DUPLICATE) for d in duplicates]
    forms = [o.form for o in outcomes if o.form is not None]
    findings, links = validate(outcomes, program) if forms else ({}, {})
    if outcomes:
        load(outcomes, findings, links, program)

    summary = IngestSummary(
        seen=len(documents) + untouched,
        unchanged=untouched + len(documents) - len(to_read) - len(duplicates),
        statuses=dict(Counter(o.status.value for o in outcomes)),
        invalid_submissions=sum(1 for f in forms if any(x.severity == "error" for x in findings.get(f.sha256, []))),
        outcomes=[
            {"path": o.document.path, "status": o.status.value, "reason": o.reason, "message": o.message}
            for o in sorted(outcomes, key=lambda o: o.document.path)
        ],
    )
    report(summary)
    logger.info("ingest done: %s new, %s unchanged, %s", len(outcomes), summary.unchanged, summary.statuses)
    return summary


if __name__ == "__main__":
    ingest(inbox="parindex-demo/inbox")
