"""The pipeline's steps as plain functions over the stages; the Prefect flows wrap these in tasks."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Engine

from core.errors import ConfigurationError, DocumentError, Reason
from core.settings import DEFAULT_MIN_CONFIDENCE, limits_from_env
from extractors.archives import expand_archive
from extractors.limits import ArchiveLimits, ExtractionLimits
from pipeline.isolation import HARD_STOP_GRACE, allocation_failed, isolation_mode, run_guarded
from schemas.framework import framework_for
from schemas.records import (
    DocumentOutcome,
    DocumentStatus,
    EvidenceDocument,
    EvidenceLink,
    Finding,
    InboxDocument,
    RankedUnit,
    Round,
    RoundScore,
    RoundSheet,
    ScoreRow,
    SelfAssessment,
)
from schemas.units import registry_for

if TYPE_CHECKING:
    from pipeline.sources import DocumentSource
    from publishing.ranking import UnitTotal

log = logging.getLogger(__name__)


def split_new(
    documents: Sequence[InboxDocument], known: set[tuple[str, str]], known_shas: set[str]
) -> tuple[list[InboxDocument], list[InboxDocument]]:
    """Documents not recorded yet, split into those to read and those whose content is already read elsewhere."""
    to_read: list[InboxDocument] = []
    duplicates: list[InboxDocument] = []
    seen = set(known_shas)
    for doc in documents:
        if (doc.path, doc.sha256) in known:
            continue
        if doc.sha256 in seen:
            duplicates.append(doc)
        else:
            seen.add(doc.sha256)
            to_read.append(doc)
    return to_read, duplicates


def read_outcome(document: InboxDocument, data: bytes, program: str) -> DocumentOutcome:
    """extract_outcome in a reader process stopped past the document's time or memory budget ($PARINDEX_ISOLATION)."""
    limits = limits_from_env(ExtractionLimits)  # bad settings fail the run
    try:
        if isolation_mode() == "none":
            try:
                return extract_outcome(document, data, program)
            except MemoryError:
                raise DocumentError(Reason.MEMORY_LIMIT, "reading ran out of memory: stopped") from None
        return run_guarded(
            extract_outcome, (document, data, program), seconds=limits.max_seconds, memory_mb=limits.max_memory_mb, grace=HARD_STOP_GRACE
        )
    except DocumentError as exc:
        log.warning("stopped reading %s: %s", document.path, exc)
        return DocumentOutcome(document=document, status=DocumentStatus.REJECTED, reason=exc.reason.value, message=exc.message)


def package_slices(documents: Sequence[InboxDocument], most: int) -> list[list[InboxDocument]]:
    """The documents in slices of whole packages, in order, each of at most `most` documents (a package
    larger than that is a slice of its own). A slice is validated and loaded before the next (which the ingest
    flow reads meanwhile), so memory stays bounded whatever the inbox holds; citations are linked within a
    package, so no link is cut."""
    packages: dict[str, list[InboxDocument]] = {}
    for document in documents:
        packages.setdefault(document.package, []).append(document)
    slices: list[list[InboxDocument]] = []
    for package in packages.values():
        if slices and len(slices[-1]) + len(package) <= most:
            slices[-1].extend(package)
        else:
            slices.append(list(package))
    return slices


class NewDocuments(NamedTuple):
    """What an inbox holds that the warehouse has not recorded: files to read, and copies of content already read."""

    to_read: list[InboxDocument]
    duplicates: list[InboxDocument]
    seen: int  # every file of the inbox
    unchanged: int  # already recorded, by size and mtime or by path and content


def new_documents(source: DocumentSource, engine: Engine) -> NewDocuments:
    """The inbox's new files: those whose size or mtime differ from the recorded ones are hashed, and those
    whose (path, content) is recorded are dropped. Nothing is read when nothing changed."""
    from pipeline.sources import fingerprint, scan_with_archives
    from warehouse.load import known_contents, known_documents, known_files

    documents, untouched = fingerprint(source, scan_with_archives(source), known_files(engine))
    if not documents:
        return NewDocuments([], [], untouched, untouched)
    shas = known_contents(engine, (d.sha256 for d in documents))
    to_read, duplicates = split_new(documents, known_documents(engine, documents), shas)
    return NewDocuments(to_read, duplicates, len(documents) + untouched, untouched + len(documents) - len(to_read) - len(duplicates))


def extract_outcome(document: InboxDocument, data: bytes, program: str) -> DocumentOutcome:
    """Read one inbox file into an outcome; bad input becomes a rejection with its reason, never an exception
    but MemoryError (read_outcome's to turn into a rejection)."""
    from extractors import detect_kind, extract_document  # loaded only where documents are read

    limits, archive_limits = limits_from_env(ExtractionLimits), limits_from_env(ArchiveLimits)  # bad settings fail the run
    try:
        if document.name.lower().endswith(".zip"):
            expand_archive(data, document.path, archive_limits)  # its members are documents of their own
            return DocumentOutcome(document=document, status=DocumentStatus.ARCHIVE)
        result = extract_document(data, document.name, program=program, limits=limits)
        if isinstance(result, SelfAssessment):
            framework_for(program, result.year)
    except DocumentError as exc:
        return DocumentOutcome(document=document, status=DocumentStatus.REJECTED, reason=exc.reason.value, message=exc.message)
    except ConfigurationError as exc:
        return DocumentOutcome(document=document, status=DocumentStatus.REJECTED, reason=Reason.FRAMEWORK_MISSING.value, message=str(exc))
    except MemoryError:
        raise  # over the memory budget: read_outcome says so
    except Exception as exc:  # one bad document never fails the batch
        if allocation_failed(exc):
            raise MemoryError(str(exc)) from exc
        log.exception("extractor failed on %s", document.path)
        return DocumentOutcome(
            document=document, status=DocumentStatus.REJECTED, reason=Reason.EXTRACTOR_FAILED.value, message=f"{type(exc).__name__}: {exc}"
        )
    if isinstance(result, EvidenceDocument):
        return DocumentOutcome(document=document, status=DocumentStatus.EVIDENCE, kind=result.kind, evidence=result)
    kind = detect_kind(data)
    sheet = round_sheet_of(result)
    if sheet is not None:
        return DocumentOutcome(document=document, status=DocumentStatus.LOADED, kind=kind, round_sheet=sheet)
    return DocumentOutcome(document=document, status=DocumentStatus.LOADED, kind=kind, form=result)


def form_packages(outcomes: Sequence[DocumentOutcome]) -> list[str]:
    """The packages that hold a form among `outcomes`, sorted: those whose earlier evidence validation links to."""
    return sorted({o.document.package for o in outcomes if o.form is not None})


def validate_outcomes(
    outcomes: Sequence[DocumentOutcome],
    program: str,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    stored_evidence: Mapping[str, Sequence[tuple[str, EvidenceDocument]]] | None = None,
) -> tuple[dict[str, list[Finding]], dict[str, list[EvidenceLink]]]:
    """Findings and evidence links per form sha256: citations linked within each package, one GX run per year.

    `min_confidence` is the OCR confidence below which a scanned score is reported; `stored_evidence`, per
    package, the (path, file) of evidence earlier runs read (warehouse.evidence_store.stored_evidence).
    """
    from expectations.package_inputs import package_inputs
    from expectations.validate import validate_batch  # GX costs seconds to import: only here

    inputs = package_inputs(outcomes, stored_evidence)
    received = {o.form.sha256: _utc(o.document.mtime) for o in outcomes if o.form is not None}
    by_year: dict[int, list[SelfAssessment]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.form is not None:
            by_year[outcome.form.year].append(outcome.form)
    findings: dict[str, list[Finding]] = {}
    registry = registry_for(program)
    for year, batch in sorted(by_year.items()):
        findings.update(
            validate_batch(
                batch,
                framework_for(program, year),
                registry,
                received,
                links=inputs.links,
                documents=inputs.documents,
                min_confidence=min_confidence,
            )
        )
    return findings, inputs.links


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def ranking_from_warehouse(engine: Engine, program: str, year: int, block: str | None = None, cutoff: datetime | None = None) -> list[RankedUnit]:
    """Rank every unit whose current submission for `year` is valid, per block, on final scores.

    A criterion's final score is its latest round (council, explanation, appraisal, self-assessment).
    """
    from publishing.ranking import rank_units

    framework = framework_for(program, year)
    if block is not None:
        framework.block(block)  # an unknown block is a clear error, not an empty ranking
    return rank_units(framework, unit_totals(engine, program, year, block, cutoff))


def unit_totals(engine: Engine, program: str, year: int, block: str | None = None, cutoff: datetime | None = None) -> list[UnitTotal]:
    """Every unit's total on final scores, with its points per leaf and the leaves that do not apply to it."""
    from publishing.ranking import total_from_leaves
    from warehouse.queries import current_submissions, final_scores

    framework = framework_for(program, year)
    registry = registry_for(program)
    leaves = {b.id: {c.code for c in b.leaves()} for b in framework.blocks}
    finals = final_scores(engine, program, year, leaves, cutoff)
    return [
        total_from_leaves(
            framework.block(s.block_id),
            s.unit_code,
            registry.get(s.unit_code).short_name,
            {f.code: f.points or Decimal(0) for f in finals[s.unit_code].values() if not f.not_applicable and f.code in leaves[s.block_id]},
            [f.code for f in finals[s.unit_code].values() if f.not_applicable and f.code in leaves[s.block_id]],
        )
        for s in current_submissions(engine, program, year, cutoff)
        if s.unit_code in finals and (block is None or s.block_id == block)
    ]


def round_sheet_of(form: SelfAssessment) -> RoundSheet | None:
    """A form whose score table has a later round's column with values is that round's sheet, not a self-assessment.

    The latest round with values decides: a council sheet restates the self and appraisal scores beside the
    council's ("Điểm Hội đồng thống nhất"), an explanation the appraisal beside the unit's answer ("Điểm đề
    nghị sau giải trình"). Each row's note is the comment of the column naming that round ("Nội dung giải
    trình"), or every comment of the row when no column names it.
    """
    for round_ in (Round.COUNCIL, Round.EXPLANATION, Round.APPRAISAL):
        rows = [
            RoundScore(code=r.code, points=points, note=r.round_notes.get(round_.value, r.note), lineage=r.lineage)
            for r in form.rows
            if (points := _round_points(r, round_)) is not None
        ]
        if rows:
            return RoundSheet(sha256=form.sha256, unit_code=form.unit_code, year=form.year, round=round_, rows=rows)
    return None


def _round_points(row: ScoreRow, round_: Round) -> Decimal | None:
    return {Round.APPRAISAL: row.appraisal_points, Round.EXPLANATION: row.explanation_points, Round.COUNCIL: row.council_points}[round_]
