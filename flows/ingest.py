"""Ingest flow: inbox → extract → validate → warehouse. One bad document never fails the run."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote
from pydantic import BaseModel

from flows.progress import Progress
from flows.runners import db_retry_options, task_runner, worker_count
from parindex import pipeline
from parindex.memory import release_memory, set_aside_loaded
from parindex.sources import open_source, read_file
from parindex.settings import Settings, redact
from schemas.framework import framework_for
from schemas.records import DocumentOutcome, DocumentStatus, EvidenceDocument, EvidenceLink, Finding, InboxDocument
from schemas.units import registry_for

CHUNK_MOST = 64  # documents per extraction task, at most
# What reading a file costs, told from its kind, in Word files' worth (docs/BENCHMARKS.md: a Word or Excel
# file reads in 3-10 ms, a PDF in 45-313 ms; a .doc or .xls is converted by LibreOffice first, seconds).
READING_COST = {".docx": 1, ".xlsx": 1, ".zip": 1, ".pdf": 20, ".doc": 200, ".xls": 200}
OTHER_COST = 20  # a kind not listed
CHUNK_COST_MOST = 16 * READING_COST[".pdf"]  # a chunk's reading, at most
CHUNK_COST_LEAST = 2 * READING_COST[".pdf"]  # and at least, while every worker can have as much: a task run costs about a PDF's reading
CHUNKS_PER_WORKER = 2  # a chunk takes at most 1/(2 × workers) of the reading left: they shrink towards the end
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
def find_new(inbox: str) -> pipeline.NewDocuments:
    """The inbox's files the warehouse has not recorded. Only new ones leave the task: a night with nothing
    new passes no list of ten thousand known files between tasks."""
    from warehouse.db import warehouse

    with warehouse() as engine:
        return pipeline.new_documents(open_source(inbox), engine)


# ---------------------------------------------------------------- extract and validate


@task(cache_policy=NO_CACHE)
def extract(inbox: str, documents: list[InboxDocument], program: str) -> list[DocumentOutcome]:
    """Read a few files, each in a reader process stopped past its limits: a form, an evidence file, or a rejection."""
    source = open_source(inbox)
    return [pipeline.read_outcome(document, read_file(source, document.path), program) for document in documents]


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


def in_order(outcomes: list[DocumentOutcome], documents: list[InboxDocument]) -> list[DocumentOutcome]:
    """The outcomes of `documents` (read in chunks) in the documents' order: a unit's versions load in the order received."""
    position = {document.path: index for index, document in enumerate(documents)}
    return sorted(outcomes, key=lambda outcome: position[outcome.document.path])


def read_slice(
    inbox: str, part: list[InboxDocument], program: str, after: int = 0
) -> tuple[list[PrefectFuture[list[DocumentOutcome]]], list[int]]:
    """The extraction tasks of one slice, submitted in chunks (`after`: the reading cost of the slices still
    to come), and how many documents each reads."""
    batches = chunks(part, worker_count(), after)
    return list(extract.map(unmapped(inbox), batches, unmapped(program))), [len(batch) for batch in batches]


@task(**DB)
def evidence_sent_before(packages: list[str]) -> dict[str, list[tuple[str, EvidenceDocument]]]:
    """The evidence files earlier runs read for these packages: a form sent after its evidence links to it."""
    from warehouse.db import warehouse
    from warehouse.evidence import stored_evidence

    with warehouse() as engine:
        return stored_evidence(engine, packages)


@task(cache_policy=NO_CACHE)
def validate(
    outcomes: list[DocumentOutcome], program: str, earlier: dict[str, list[tuple[str, EvidenceDocument]]]
) -> tuple[dict[str, list[Finding]], dict[str, list[EvidenceLink]]]:
    """Great Expectations over the whole batch of forms at once, their citations linked to their packages' evidence."""
    return pipeline.validate_outcomes(outcomes, program, min_confidence=Settings().ocr_min_confidence, stored_evidence=earlier)


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

    `inbox` is a folder, or an fsspec URL such as s3://bucket/inbox. New files are taken in slices of whole
    packages ($PARINDEX_SLICE_DOCUMENTS documents at most), each validated and loaded before the next, the
    next read meanwhile; a check across forms (several forms of one unit) sees the forms of one slice.
    """
    logger = get_run_logger()
    logger.info("ingesting %s into %s", inbox, redact(Settings().db_url))

    to_read, duplicates, seen, unchanged = find_new(inbox)
    if to_read:  # Prefect and parindex as loaded, kept out of the collections reading a slice sets off (parindex/memory.py)
        set_aside_loaded()

    # Slices of whole packages, each validated and loaded before the next. The next slice's reading is
    # queued behind this one's: workers done with this slice go on to the next while this process
    # validates and loads, and memory holds two slices' outcomes at most.
    progress = Progress("reading documents", len(to_read), key="ingest-reading")
    statuses: Counter[str] = Counter()
    rows: list[dict[str, str | None]] = []
    invalid = 0
    slices = pipeline.package_slices(to_read, Settings().slice_documents) or [[]]
    costs = [sum(reading_cost(d) for d in part) for part in slices]
    after = [sum(costs[index + 1 :]) for index in range(len(slices))]  # the reading of the slices still to come
    reading = read_slice(inbox, slices[0], program, after[0])
    for index, part in enumerate(slices):
        following = read_slice(inbox, slices[index + 1], program, after[index + 1]) if index + 1 < len(slices) else None
        read = progress.gather(*reading)
        outcomes = in_order([o for batch in read for o in batch], part)
        if index == len(slices) - 1:  # copies are recorded after the content they copy
            outcomes += [DocumentOutcome(document=d, status=DocumentStatus.DUPLICATE) for d in duplicates]
        forms = [o.form for o in outcomes if o.form is not None]
        # quote(): Prefect would walk every score row of every outcome looking for futures in a task's
        # inputs, and copy them, twice per task: seconds per slice (docs/BENCHMARKS.md).
        if forms:
            earlier = evidence_sent_before(pipeline.form_packages(outcomes))
            findings, links = validate(quote(outcomes), program, quote(earlier))
        else:
            findings, links = {}, {}
        if outcomes:
            load(quote(outcomes), quote(findings), quote(links), program)
        statuses.update(o.status.value for o in outcomes)
        invalid += sum(1 for f in forms if any(x.severity == "error" for x in findings.get(f.sha256, [])))
        rows += [{"path": o.document.path, "status": o.status.value, "reason": o.reason, "message": o.message} for o in outcomes]
        del read, outcomes, forms, findings, links
        if following is not None:
            release_memory()  # what this slice left in cycles and free pages goes back
            reading = following

    summary = IngestSummary(
        seen=seen, unchanged=unchanged, statuses=dict(statuses), invalid_submissions=invalid,
        outcomes=sorted(rows, key=lambda row: row["path"] or ""),
    )
    report(summary)
    logger.info("ingest done: %s new, %s unchanged, %s", sum(statuses.values()), summary.unchanged, summary.statuses)
    return summary


if __name__ == "__main__":
    ingest(inbox="parindex-demo/inbox")
