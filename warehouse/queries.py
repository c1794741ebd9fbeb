"""Read-side queries: current submissions per unit, document statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from schemas.records import Finding, Lineage, ScoreRow, SelfAssessment, Severity, TextLayer, path_in_package
from warehouse.db import IN_LIST_MOST
from warehouse.models import Document, EvidenceFile, EvidenceLinkRow, FindingRow, Score, ScoreFact, Submission


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


def current_submissions(engine: Engine, program: str, year: int, cutoff: datetime | None = None) -> list[CurrentSubmission]:
    """The latest submission (by received time, then version) of every unit for `program` and `year`.

    With a cut-off, only submissions received by then count: a later resubmission is kept but not current.
    """
    window = [Submission.program == program, Submission.year == year]
    if cutoff is not None:
        window.append(Submission.received_at <= cutoff)
    ranked = (
        select(
            Submission.id,
            func.row_number()
            .over(partition_by=Submission.unit_code, order_by=(Submission.received_at.desc(), Submission.version.desc()))
            .label("recency"),
        )
        .where(*window)
        .subquery()
    )
    errors = (
        select(FindingRow.submission_id, func.count().label("errors"))
        .where(FindingRow.severity == "error", FindingRow.status == "open")
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
            CurrentSubmission(s.id, s.unit_code, s.block_id, s.version, s.status, s.points, path, count) for s, path, count in session.execute(query)
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
    note: str = ""  # for evidence: the form it belongs to and how often that form cites it


def document_statuses(engine: Engine, year: int | None = None) -> list[DocumentStatusRow]:
    """Every recorded document with its status; with `year`, the forms of that year and the rest of their packages.

    An evidence file says which form of its package it belongs to and how many of that form's citations it
    answers, or that its package has no form.
    """
    query = select(Document, Submission.unit_code, Submission.year).outerjoin(Submission, Submission.document_id == Document.id)
    if year is not None:
        packages = select(Document.package).join(Submission, Submission.document_id == Document.id).where(Submission.year == year)
        query = query.where(Document.package.in_(packages))
    with Session(engine) as session:
        found = list(session.execute(query.order_by(Document.path, Document.id)))
        forms: dict[str, list[str]] = {}
        for document, unit, _ in found:
            if unit is not None:
                forms.setdefault(document.package, []).append(path_in_package(document.path))
        rejected = {d.package for d, _, _ in found if d.status == "rejected"}
        evidence = {d.sha256 for d, _, _ in found if d.status == "evidence"}
        cited = _citations_answered(session, evidence)
        # Scanned evidence of which only the header was read: how many pages were left unread.
        scanned = select(EvidenceFile.document_id, EvidenceFile.pages).where(EvidenceFile.text_layer == TextLayer.OCR_HEADER.value)
        headers_only = {document_id: pages for document_id, pages in session.execute(scanned)}
        return [
            DocumentStatusRow(
                d.path, d.package, d.status, d.reason, d.message, unit, yr, d.ingested_at, _evidence_note(d, forms, rejected, cited, headers_only)
            )
            for d, unit, yr in found
        ]


def _citations_answered(session: Session, shas: set[str]) -> dict[tuple[str, str], int]:
    """(package, evidence sha256) → citations of that package's forms the evidence file answers."""
    counts: dict[tuple[str, str], int] = {}
    shas_list = sorted(shas)
    for start in range(0, len(shas_list), IN_LIST_MOST):
        rows = session.execute(
            select(Document.package, EvidenceLinkRow.evidence_sha256, func.count())
            .join(Submission, Submission.id == EvidenceLinkRow.submission_id)
            .join(Document, Document.id == Submission.document_id)
            .where(EvidenceLinkRow.evidence_sha256.in_(shas_list[start : start + IN_LIST_MOST]), EvidenceLinkRow.status == "found")
            .group_by(Document.package, EvidenceLinkRow.evidence_sha256)
        )
        for package, sha, count in rows:
            if sha is not None:  # the IN list above leaves none; the column may hold them
                counts[(package, sha)] = count
    return counts


def _evidence_note(
    document: Document, forms: dict[str, list[str]], rejected: set[str], cited: dict[tuple[str, str], int], headers_only: dict[int, int | None]
) -> str:
    if document.status != "evidence":
        return ""
    read = ""
    if document.id in headers_only:
        unread = max((headers_only[document.id] or 1) - 1, 0)
        read = f"; header read by OCR, {unread} more page{'' if unread == 1 else 's'} not read"
    names = forms.get(document.package)
    if not names:
        note = (
            "evidence; no form of its package could be read (see the rejected files)" if document.package in rejected else "evidence without a form"
        )
        return note + read
    count = cited.get((document.package, document.sha256), 0)
    citations = f"answers {count} citation{'' if count == 1 else 's'}" if count else "cited by none of its rows"
    return f"evidence of {', '.join(names)}: {citations}{read}"


def findings_of(engine: Engine, submission_id: int) -> list[FindingRow]:
    with Session(engine) as session:
        rows = session.scalars(select(FindingRow).where(FindingRow.submission_id == submission_id).order_by(FindingRow.id))
        return list(rows)


ROUND_ORDER = {"self": 0, "appraisal": 1, "explanation": 2, "council": 3}


@dataclass(frozen=True)
class FinalScore:
    """A criterion's final score: the value of its latest round, and which round that was."""

    code: str
    points: Decimal | None
    round: str
    not_applicable: bool = False


def final_scores(
    engine: Engine, program: str, year: int, leaves: dict[str, set[str]], cutoff: datetime | None = None
) -> dict[str, dict[str, FinalScore]]:
    """Per unit with a current valid submission, every leaf criterion's final score.

    `leaves` maps a block id to its leaf codes. Self scores come from the current submission; a later
    round's fact (the latest document of the latest round) replaces them.
    """
    current = {s.unit_code: s for s in current_submissions(engine, program, year, cutoff) if s.status == "valid"}
    finals: dict[str, dict[str, FinalScore]] = {u: {} for u in current}
    with Session(engine) as session:
        rows = session.execute(
            select(Submission.unit_code, Score.criterion_code, Score.self_points, Score.not_applicable)
            .join(Score, Score.submission_id == Submission.id)
            .where(Submission.id.in_([s.submission_id for s in current.values()]), Score.is_leaf.is_(True))
        )
        for unit, code, points, not_applicable in rows:
            finals[unit].setdefault(code, FinalScore(code, points, "self", bool(not_applicable)))
        facts = select(ScoreFact).where(ScoreFact.program == program, ScoreFact.year == year)
        if cutoff is not None:
            facts = facts.where(ScoreFact.received_at <= cutoff)
        ordered = sorted(session.scalars(facts), key=lambda f: (ROUND_ORDER[f.round], f.received_at, f.id))
    for fact in ordered:  # later rounds and later documents overwrite earlier ones
        if fact.unit_code in finals and fact.criterion_code in leaves.get(current[fact.unit_code].block_id, set()):
            finals[fact.unit_code][fact.criterion_code] = FinalScore(fact.criterion_code, fact.points, fact.round)
    return finals


@dataclass(frozen=True)
class LineageEntry:
    """One value a criterion had: in which round, from which document, where in it."""

    criterion_code: str
    round: str
    points: Decimal | None
    current: bool
    document_path: str
    sha256: str
    page: int | None
    row: int | None
    note: str
    received_at: datetime


def lineage(engine: Engine, program: str, year: int, unit_code: str, criterion: str | None = None) -> list[LineageEntry]:
    """Every value each criterion of a unit had, round by round, with the document it came from."""
    current_ids = {s.submission_id for s in current_submissions(engine, program, year) if s.unit_code == unit_code}
    entries: list[LineageEntry] = []
    with Session(engine) as session:
        selfs = (
            select(Score, Submission.id, Submission.version, Document)
            .join(Submission, Submission.id == Score.submission_id)
            .join(Document, Document.id == Submission.document_id)
            .where(Submission.program == program, Submission.year == year, Submission.unit_code == unit_code)
        )
        facts = (
            select(ScoreFact, Document)
            .join(Document, Document.id == ScoreFact.document_id)
            .where(ScoreFact.program == program, ScoreFact.year == year, ScoreFact.unit_code == unit_code)
        )
        if criterion is not None:
            selfs = selfs.where(Score.criterion_code == criterion)
            facts = facts.where(ScoreFact.criterion_code == criterion)
        for score, submission_id, version, doc in session.execute(selfs):
            entries.append(
                LineageEntry(
                    score.criterion_code,
                    "self",
                    score.self_points,
                    submission_id in current_ids,
                    doc.path,
                    doc.sha256,
                    score.page,
                    score.row_index,
                    f"version {version}",
                    doc.received_at,
                )
            )
        for fact, doc in session.execute(facts):
            entries.append(
                LineageEntry(
                    fact.criterion_code, fact.round, fact.points, True, doc.path, doc.sha256, fact.page, fact.row_index, fact.note, doc.received_at
                )
            )

    def code_key(code: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in code.split("."))

    return sorted(entries, key=lambda e: (code_key(e.criterion_code), ROUND_ORDER[e.round], e.received_at))


@dataclass(frozen=True)
class StoredSubmission:
    """A current submission as the warehouse keeps it: the form's rows, its open findings, where it came from."""

    form: SelfAssessment
    findings: list[Finding]
    path: str
    received_at: datetime


def stored_submissions(engine: Engine, program: str, year: int, unit_code: str | None = None) -> list[StoredSubmission]:
    """Every unit's current submission for `year` rebuilt as records, with its open findings (for reports)."""
    current = [s for s in current_submissions(engine, program, year) if unit_code is None or s.unit_code == unit_code]
    result = []
    with Session(engine) as session:
        for item in current:
            submission = session.get(Submission, item.submission_id)
            assert submission is not None
            doc = submission.document
            rows = [
                ScoreRow(
                    code=s.criterion_code,
                    max_points=s.max_points,
                    self_points=s.self_points,
                    self_text=s.self_text,
                    not_applicable=s.not_applicable,
                    evidence=s.evidence,
                    lineage=Lineage(sha256=doc.sha256, page=s.page, table=s.table_index, row=s.row_index),
                )
                for s in sorted(submission.scores, key=lambda s: (s.table_index, s.row_index))
            ]
            form = SelfAssessment(
                sha256=doc.sha256,
                unit_code=submission.unit_code,
                unit_text=submission.unit_code,
                year=submission.year,
                document_number=submission.document_number,
                document_date=submission.document_date,
                rows=rows,
                stated_total=submission.stated_total,
            )
            findings = [
                Finding(
                    sha256=doc.sha256,
                    rule=f.rule,
                    severity=Severity(f.severity),
                    message=f.message,
                    criterion_code=f.criterion_code,
                    lineage=Lineage(sha256=doc.sha256, page=f.page, table=f.table_index, row=f.row_index) if f.row_index is not None else None,
                )
                for f in submission.findings
                if f.status == "open"
            ]
            result.append(StoredSubmission(form, findings, doc.path, submission.received_at))
    return result
