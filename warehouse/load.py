"""Loading extraction outcomes: one transaction per document, so a crash leaves all or nothing of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from schemas.framework import Framework
from schemas.records import DocumentOutcome, DocumentStatus, EvidenceLink, Finding, InboxDocument, RoundSheet, SelfAssessment, Severity
from schemas.units import UnitRegistry
from warehouse.db import IN_LIST_MOST
from warehouse.evidence_store import insert_evidence
from warehouse.models import Document, EvidenceLinkRow, FindingRow, Score, ScoreFact, Submission, table_of
from warehouse.reference import sync_framework, sync_units


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def known_documents(engine: Engine, documents: Sequence[InboxDocument]) -> set[tuple[str, str]]:
    """The (path, sha256) pairs of `documents` the warehouse already holds: those are not read again."""
    pairs = [(d.path, d.sha256) for d in documents]
    known: set[tuple[str, str]] = set()
    with Session(engine) as session:
        for start in range(0, len(pairs), IN_LIST_MOST):
            chunk = pairs[start : start + IN_LIST_MOST]
            rows = session.execute(select(Document.path, Document.sha256).where(tuple_(Document.path, Document.sha256).in_(chunk)))
            known.update((path, sha) for path, sha in rows)
    return known


def known_files(engine: Engine) -> dict[str, tuple[int, float]]:
    """Size and mtime of every recorded path (its latest record): files unchanged since are not read again."""
    with Session(engine) as session:
        rows = session.execute(select(Document.path, Document.size, Document.mtime).where(Document.mtime.is_not(None)).order_by(Document.id))
        return {path: (size, mtime) for path, size, mtime in rows if mtime is not None}  # the query keeps those only


def known_contents(engine: Engine, shas: Iterable[str]) -> set[str]:
    """The content hashes among `shas` that some already loaded document has."""
    wanted = sorted(set(shas))
    found: set[str] = set()
    with Session(engine) as session:
        for start in range(0, len(wanted), IN_LIST_MOST):
            found.update(session.scalars(select(Document.sha256).where(Document.sha256.in_(wanted[start : start + IN_LIST_MOST]))))
    return found


def _document_row(connection: Connection, outcome: DocumentOutcome) -> dict[str, object]:
    doc = outcome.document
    duplicate_of = None
    if outcome.status is DocumentStatus.DUPLICATE:
        duplicate_of = connection.scalar(
            select(Document.id).where(Document.sha256 == doc.sha256, Document.status != DocumentStatus.DUPLICATE.value).order_by(Document.id).limit(1)
        )
    return {
        "path": doc.path,
        "package": doc.package,
        "sha256": doc.sha256,
        "size": doc.size,
        "kind": outcome.kind.value if outcome.kind else None,
        "status": outcome.status.value,
        "reason": outcome.reason,
        "message": outcome.message,
        "duplicate_of": duplicate_of,
        "mtime": doc.mtime,
        "received_at": _utc(doc.mtime),
        "ingested_at": datetime.now(UTC).replace(tzinfo=None),
    }


def _submission_row(
    connection: Connection,
    outcome: DocumentOutcome,
    findings: Sequence[Finding],
    framework: Framework,
    registry: UnitRegistry,
) -> dict[str, object]:
    """The submission a loaded form makes (its scores, findings and links are inserted by _insert_children)."""
    form = outcome.form
    assert form is not None
    block_id = registry.get(form.unit_code).block
    leaves = _leaves(framework, block_id)
    previous = connection.scalar(
        select(func.max(Submission.version)).where(
            Submission.program == framework.program, Submission.year == form.year, Submission.unit_code == form.unit_code
        )
    )
    return {
        "program": framework.program,
        "year": form.year,
        "unit_code": form.unit_code,
        "block_id": block_id,
        "version": (previous or 0) + 1,
        "received_at": _utc(outcome.document.mtime),
        "status": "invalid" if any(f.severity is Severity.ERROR for f in findings) else "valid",
        "points": sum((r.self_points or Decimal(0) for r in form.rows if r.code in leaves), Decimal(0)),
        "stated_total": form.stated_total,
        "document_number": form.document_number,
        "document_date": form.document_date,
    }


def _leaves(framework: Framework, block_id: str) -> set[str]:
    return set(framework.block(block_id).leaf_codes) if block_id in {b.id for b in framework.blocks} else set()


def _insert_children(
    connection: Connection, submission_id: int, form: SelfAssessment, findings: Sequence[Finding], links: Sequence[EvidenceLink], leaves: set[str]
) -> None:
    """A submission's score rows, findings and evidence links, one executemany per table."""
    scores = [
        {
            "submission_id": submission_id,
            "criterion_code": row.code,
            "is_leaf": row.code in leaves,
            "max_points": row.max_points,
            "self_points": row.self_points,
            "self_text": row.self_text,
            "not_applicable": row.not_applicable,
            "evidence": row.evidence,
            "page": row.lineage.page,
            "table_index": row.lineage.table,
            "row_index": row.lineage.row,
        }
        for row in form.rows
    ]
    finding_rows = [
        {
            "submission_id": submission_id,
            "status": "open",
            "rule": f.rule,
            "severity": f.severity.value,
            "criterion_code": f.criterion_code,
            "message": f.message,
            "page": f.lineage.page if f.lineage else None,
            "table_index": f.lineage.table if f.lineage else None,
            "row_index": f.lineage.row if f.lineage else None,
        }
        for f in findings
    ]
    link_rows = [
        {
            "submission_id": submission_id,
            "criterion_code": link.criterion_code,
            "reference": link.reference.number,
            "issued_on": link.reference.issued_on,
            "status": link.status.value,
            "evidence_sha256": link.evidence_sha256,
            "page": link.lineage.page,
            "row_index": link.lineage.row,
        }
        for link in links
    ]
    for model, rows in ((Score, scores), (FindingRow, finding_rows), (EvidenceLinkRow, link_rows)):
        if rows:
            connection.execute(insert(table_of(model)), rows)


def load_outcome(
    engine: Engine,
    outcome: DocumentOutcome,
    findings: Sequence[Finding] = (),
    framework: Framework | None = None,
    registry: UnitRegistry | None = None,
    links: Sequence[EvidenceLink] = (),
) -> int:
    """Record one document, and its submission with scores and findings when it is a form; return the document id.

    Idempotent: a (path, content) pair already recorded is left as it is. Written with Core statements in
    one transaction: a form has ~100 score rows, and ORM objects cost more than the database does.
    """
    doc = outcome.document
    with engine.begin() as connection:
        existing = connection.scalar(select(Document.id).where(Document.path == doc.path, Document.sha256 == doc.sha256))
        if existing is not None:
            return int(existing)
        document = _document_row(connection, outcome)
        document_id = _inserted(connection, Document, document)
        if outcome.round_sheet is not None:
            connection.execute(insert(table_of(ScoreFact)), _fact_rows(outcome.round_sheet, document_id, _utc(doc.mtime), framework))
        elif outcome.evidence is not None:
            insert_evidence(connection, document_id, outcome.evidence)
        elif outcome.status is DocumentStatus.LOADED:
            if framework is None or registry is None:
                raise ValueError("a loaded form needs its framework and the unit registry")
            form = outcome.form
            assert form is not None
            submission = _submission_row(connection, outcome, findings, framework, registry)
            submission["document_id"] = document_id
            submission_id = _inserted(connection, Submission, submission)
            _insert_children(connection, submission_id, form, findings, links, _leaves(framework, str(submission["block_id"])))
            if submission["version"] != 1:  # a first version has no earlier findings to resolve
                _resolve_earlier_findings(connection, submission, submission_id, {(f.rule, f.criterion_code) for f in findings})
        return document_id


def _inserted(connection: Connection, model: type[Document] | type[Submission], row: Mapping[str, object]) -> int:
    """Insert one row; its new id."""
    key = connection.execute(insert(table_of(model)), dict(row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _fact_rows(sheet: RoundSheet, document_id: int, received_at: datetime, framework: Framework | None) -> list[dict[str, object]]:
    if framework is None:
        raise ValueError("a round sheet needs its framework")
    return [
        {
            "program": framework.program,
            "year": sheet.year,
            "unit_code": sheet.unit_code,
            "criterion_code": r.code,
            "round": sheet.round.value,
            "points": r.points,
            "note": r.note,
            "document_id": document_id,
            "received_at": received_at,
            "page": r.lineage.page,
            "table_index": r.lineage.table,
            "row_index": r.lineage.row,
        }
        for r in sheet.rows
    ]


def _resolve_earlier_findings(
    connection: Connection, submission: Mapping[str, object], submission_id: int, still: set[tuple[str, str | None]]
) -> None:
    """Findings of the unit's earlier versions that the new version no longer has (`still`: its own) are resolved, not deleted.

    Only ids and keys are read, and the resolved ones updated in one statement: the open findings a unit's
    versions carry over pile up version after version, and loading each as an object cost more than the form.
    """
    earlier = connection.execute(
        select(FindingRow.id, FindingRow.rule, FindingRow.criterion_code)
        .join(Submission, Submission.id == FindingRow.submission_id)
        .where(
            Submission.program == submission["program"],
            Submission.year == submission["year"],
            Submission.unit_code == submission["unit_code"],
            Submission.id != submission_id,
            FindingRow.status == "open",
        )
    )
    fixed = [finding_id for finding_id, rule, criterion in earlier if (rule, criterion) not in still]
    now = datetime.now(UTC).replace(tzinfo=None)
    for start in range(0, len(fixed), IN_LIST_MOST):
        connection.execute(
            update(table_of(FindingRow))
            .where(table_of(FindingRow).c.id.in_(fixed[start : start + IN_LIST_MOST]))
            .values(status="resolved", resolved_by=submission_id, resolved_at=now)
        )


def _year(outcome: DocumentOutcome) -> int | None:
    """The year of the form or round sheet an outcome carries, if it carries one."""
    if outcome.form:
        return outcome.form.year
    return outcome.round_sheet.year if outcome.round_sheet else None


def load_outcomes(
    engine: Engine,
    outcomes: Sequence[DocumentOutcome],
    findings: Mapping[str, Sequence[Finding]],
    registry: UnitRegistry,
    framework_of: Callable[[int], Framework],
    links: Mapping[str, Sequence[EvidenceLink]] | None = None,
) -> None:
    """Load a batch of outcomes in order, each document in its own transaction, with the reference data they use."""

    years = sorted({year for year in map(_year, outcomes) if year is not None})
    for year in years:
        sync_framework(engine, framework_of(year))
        sync_units(engine, registry, year)
    for outcome in outcomes:
        form, outcome_year = outcome.form, _year(outcome)
        framework = framework_of(outcome_year) if outcome_year is not None else None
        sha = form.sha256 if form else None
        load_outcome(engine, outcome, findings.get(sha, ()) if sha else (), framework, registry, (links or {}).get(sha, ()) if sha else ())
