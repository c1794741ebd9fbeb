"""Ingest flow: inbox → extract → validate → warehouse. One bad document never fails the run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from pydantic import BaseModel

from core.settings import Settings, redact
from flows.progress_artifact import Progress
from flows.runners import db_retries, task_runner, unwalked, worker_count
from pipeline import steps as pipeline_steps
from pipeline.sequence import Findings, IngestSteps, Links, StoredEvidence, run_ingest
from pipeline.sources import open_source, read_file
from schemas.framework import framework_for
from schemas.records import DocumentOutcome, EvidenceDocument, EvidenceLink, Finding, InboxDocument
from schemas.units import registry_for
from warehouse.db import warehouse
from warehouse.evidence_store import stored_evidence
from warehouse.load import load_outcomes
from warehouse.lock import warehouse_lock

CHUNK_MOST = 64  # documents per extraction task, at most
# What reading a file costs, told from its kind, in Word files' worth: a PDF's pages are laid out by
# pdfminer, a .doc or .xls is converted by LibreOffice first.
READING_COST = {".docx": 1, ".xlsx": 1, ".zip": 1, ".pdf": 20, ".doc": 200, ".xls": 200}
OTHER_COST = 20  # a kind not listed
CHUNK_COST_MOST = 16 * READING_COST[".pdf"]  # a chunk's reading, at most
CHUNK_COST_LEAST = 2 * READING_COST[".pdf"]  # and at least, while every worker can have as much: a task run costs about a PDF's reading
CHUNKS_PER_WORKER = 2  # a chunk takes at most 1/(2 × workers) of the reading left: they shrink towards the end
DB_RETRIES = db_retries()  # the warehouse comes from $PARINDEX_DB_URL, never a parameter


class IngestSummary(BaseModel):
    """What one ingest run did: files seen, skipped as already known, and each new file's status."""

    seen: int
    unchanged: int
    statuses: dict[str, int]
    invalid_submissions: int
    outcomes: list[dict[str, str | None]]


# ---------------------------------------------------------------- discover


@task(cache_policy=NO_CACHE, retries=DB_RETRIES.retries, retry_delay_seconds=DB_RETRIES.retry_delay_seconds)
def find_new(inbox: str) -> pipeline_steps.NewDocuments:
    """The inbox's files the warehouse has not recorded. Only new ones leave the task: a night with nothing
    new passes no list of ten thousand known files between tasks."""

    with warehouse() as engine:
        return pipeline_steps.new_documents(open_source(inbox), engine)


# ---------------------------------------------------------------- extract and validate


@task(cache_policy=NO_CACHE)
def extract(inbox: str, documents: list[InboxDocument], program: str) -> list[DocumentOutcome]:
    """Read a few files, each in a reader process stopped past its limits: a form, an evidence file, or a rejection."""
    source = open_source(inbox)
    return [pipeline_steps.read_outcome(document, read_file(source, document.path), program) for document in documents]


def reading_cost(document: InboxDocument) -> int:
    """What reading `document` costs, in Word files' worth, told from its name before it is read."""
    return READING_COST.get(PurePosixPath(document.name).suffix.lower(), OTHER_COST)


def chunks(documents: list[InboxDocument], workers: int, after: int = 0) -> list[list[InboxDocument]]:
    """The documents a few per extraction task: the heaviest first, the chunks shrinking as the run's reading left does.

    Prefect's cost of a task run (a few API calls and its context, in the flow's process, the worker and the
    server: about a PDF's reading) is paid per chunk, so a chunk holds at least CHUNK_COST_LEAST of reading,
    and up to CHUNK_COST_MOST while much is left: in these documents, and `after` them, in the slices still
    to be read (their tasks are queued behind these: a worker done here goes on to them). Chunks shrink
    towards the end of the run (guided scheduling, on the reading left), so that no worker is still reading a
    long chunk while the others have nothing left, but never below a PDF's worth. The costliest kinds come
    first, larger files first; Word files go many to a chunk. Outcomes go back to the documents' order
    (in_order) before they are loaded.
    """
    costed = sorted(((reading_cost(d), d) for d in documents), key=lambda pair: (-pair[0], -pair[1].size))
    costs, heaviest_first = [cost for cost, _ in costed], [d for _, d in costed]
    left = sum(costs) + after
    batches: list[list[InboxDocument]] = []
    start = 0
    while start < len(heaviest_first):
        least = min(CHUNK_COST_LEAST, max(READING_COST[".pdf"], left // workers))  # when little is left, every worker gets some
        most = min(CHUNK_COST_MOST, max(least, left // (CHUNKS_PER_WORKER * workers)))
        end, taken = start + 1, costs[start]
        while end < len(heaviest_first) and end - start < CHUNK_MOST and taken + costs[end] <= most:
            taken += costs[end]
            end += 1
        batches.append(heaviest_first[start:end])
        left -= taken
        start = end
    return batches


def read_slice(inbox: str, part: list[InboxDocument], program: str, after: int = 0) -> tuple[list[PrefectFuture[list[DocumentOutcome]]], list[int]]:
    """The extraction tasks of one slice, submitted in chunks (`after`: the reading cost of the slices still
    to come), and how many documents each reads."""
    batches = chunks(part, worker_count(), after)
    return list(extract.map(unmapped(inbox), batches, unmapped(program))), [len(batch) for batch in batches]


@task(cache_policy=NO_CACHE, retries=DB_RETRIES.retries, retry_delay_seconds=DB_RETRIES.retry_delay_seconds)
def evidence_sent_before(packages: list[str]) -> dict[str, list[tuple[str, EvidenceDocument]]]:
    """The evidence files earlier runs read for these packages: a form sent after its evidence links to it."""

    with warehouse() as engine:
        return stored_evidence(engine, packages)


@task(cache_policy=NO_CACHE)
def validate(
    outcomes: list[DocumentOutcome], program: str, earlier: dict[str, list[tuple[str, EvidenceDocument]]]
) -> tuple[dict[str, list[Finding]], dict[str, list[EvidenceLink]]]:
    """Great Expectations over the whole batch of forms at once, their citations linked to their packages' evidence."""
    return pipeline_steps.validate_outcomes(outcomes, program, min_confidence=Settings().ocr_min_confidence, stored_evidence=earlier)


# ---------------------------------------------------------------- load


@task(cache_policy=NO_CACHE, retries=DB_RETRIES.retries, retry_delay_seconds=DB_RETRIES.retry_delay_seconds)
def load(outcomes: list[DocumentOutcome], findings: dict[str, list[Finding]], links: dict[str, list[EvidenceLink]], program: str) -> None:
    """Write every outcome, one transaction per document, under the warehouse's ingest lock."""

    with warehouse() as engine, warehouse_lock(engine, "ingest"):
        load_outcomes(engine, outcomes, findings, registry_for(program), lambda year: framework_for(program, year), links)


@task
def report(summary: IngestSummary) -> None:
    """The run's outcome as Prefect artifacts: a table of documents and a short summary."""
    lines = [f"- {status}: {count}" for status, count in sorted(summary.statuses.items())]
    create_markdown_artifact(
        key="ingest-summary",
        markdown="\n".join(
            [
                f"# Ingest: {summary.seen} files",
                f"- unchanged (already loaded): {summary.unchanged}",
                *lines,
                f"- submissions kept out of the ranking by errors: {summary.invalid_submissions}",
            ]
        ),
        description="Documents loaded, rejected and skipped by this run",
    )
    if summary.outcomes:
        create_table_artifact(key="ingest-documents", table=summary.outcomes, description="Status of every new document")


# ---------------------------------------------------------------- flow


class _TaskSteps(IngestSteps):
    """The ingest's steps as this flow's tasks: reading in chunks on the task runner, the rest in the flow's process."""

    def __init__(self, inbox: str, program: str) -> None:
        self.inbox, self.program = inbox, program
        self.progress = Progress("reading documents", 0, key="ingest-reading")

    def find_new(self) -> pipeline_steps.NewDocuments:
        new = find_new(self.inbox)
        self.progress.total = len(new.to_read)
        return new

    def read(self, documents: list[InboxDocument], after: Sequence[InboxDocument]) -> Callable[[], list[DocumentOutcome]]:
        futures, sizes = read_slice(self.inbox, documents, self.program, sum(reading_cost(d) for d in after))
        return lambda: [outcome for batch in self.progress.gather(futures, sizes) for outcome in batch]

    # unwalked(): quoted, or Prefect would walk every score row of every outcome looking for futures in a task's inputs,
    # and copy them, twice per task.
    def evidence_before(self, packages: list[str]) -> StoredEvidence:
        return evidence_sent_before(packages)

    def validate(self, outcomes: list[DocumentOutcome], earlier: StoredEvidence) -> tuple[Findings, Links]:
        return validate(unwalked(outcomes), self.program, unwalked(earlier))

    def load(self, outcomes: list[DocumentOutcome], findings: Findings, links: Links) -> None:
        load(unwalked(outcomes), unwalked(findings), unwalked(links), self.program)


@flow(name="ingest", task_runner=task_runner())  # type: ignore[arg-type]  # Prefect's typing: flow() wants TaskRunner[PrefectFuture], its runners' futures are subtypes (invariant)
def ingest(inbox: str, program: str = "tchq") -> IngestSummary:
    """Bring every new inbox file into the warehouse ($PARINDEX_DB_URL) with a recorded status.

    `inbox` is a folder, or an fsspec URL such as s3://bucket/inbox. New files are taken in slices of whole
    packages ($PARINDEX_SLICE_DOCUMENTS documents at most), each validated and loaded before the next, the
    next read meanwhile (pipeline.sequence); a check across forms (several forms of one unit) sees the forms
    of one slice.
    """
    logger = get_run_logger()
    logger.info("ingesting %s into %s", inbox, redact(Settings().db_url))
    done = run_ingest(_TaskSteps(inbox, program), Settings().slice_documents)
    summary = IngestSummary(
        seen=done.seen,
        unchanged=done.unchanged,
        statuses=dict(done.statuses),
        invalid_submissions=done.invalid_submissions,
        outcomes=done.rows,
    )
    report(summary)
    logger.info("ingest done: %s new, %s unchanged, %s", sum(done.statuses.values()), summary.unchanged, summary.statuses)
    return summary


if __name__ == "__main__":
    ingest(inbox="parindex-demo/inbox")
