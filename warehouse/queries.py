"""Read-side queries: current submissions per unit, document statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from warehouse.models import Document, FindingRow, Submission


@dataclass(frozen=True)
class CurrentSubmission:
    """A unit's current submission for a year: its latest version."""

    submission_id: int
    unit_code: str
    block_id: str
    version: int
    status: str
    points: Decimal
    document_path: str
    errors: int


def current_submissions(engine: Engine, program: str, year: int) -> list[CurrentSubmission]:
    """The latest submission (by received time, then version) of every unit for `program` and `year`."""
    ranked = (
        select(
            Submission.id,
            func.row_number()
            .over(partition_by=Submission.unit_code, order_by=(Submission.received_at.desc(), Submission.version.desc()))
            .label("recency"),
        )
        .where(Submission.program == program, Submission.year == year)
        .subquery()
    )
    errors = (
        select(FindingRow.submission_id, func.count().label("errors"))
        .where(FindingRow.severity == "error")
        .group_by(FindingRow.submission_id)
        .subquery()
    )
    query = (
        select(Submission, Document.path, func.coalesce(errors.c.errors, 0))
        .join(ranked, ranked.c.id == Submission.id)
        .join(Document, Document.id == Submission.document_id)
        .outerjoin(errors, errors.c.submission_id == Submission.id)
        .where(ranked.c.recency == 1)
        .order_by(Submission.block_id, Submission.unit_code)
    )
    with Session(engine) as session:
        return [
            CurrentSubmission(s.id, s.unit_code, s.block_id, s.version, s.status, s.points, path, count)
            for s, path, count in session.execute(query)
        ]


@dataclass(frozen=True)
class DocumentStatusRow:
    path: str
    package: str
    status: str
    reason: str | None
    message: str | None
    unit_code: str | None
    year: int | None
    ingested_at: datetime


def document_statuses(engine: Engine, year: int | None = None) -> list[DocumentStatusRow]:
    """Every recorded document with its status; with `year`, the forms of that year and the rest of their packages."""
    query = select(Document, Submission.unit_code, Submission.year).outerjoin(Submission, Submission.document_id == Document.id)
    if year is not None:
        packages = select(Document.package).join(Submission, Submission.document_id == Document.id).where(Submission.year == year)
        query = query.where(Document.package.in_(packages))
    with Session(engine) as session:
        return [
            DocumentStatusRow(d.path, d.package, d.status, d.reason, d.message, unit, yr, d.ingested_at)
            for d, unit, yr in session.execute(query.order_by(Document.path, Document.id))
        ]


def findings_of(engine: Engine, submission_id: int) -> list[FindingRow]:
    with Session(engine) as session:
        rows = session.scalars(select(FindingRow).where(FindingRow.submission_id == submission_id).order_by(FindingRow.id))
        return list(rows)
