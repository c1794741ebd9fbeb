"""Warehouse tables: every inbox document, the submissions read from forms, their scores and findings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Index, MetaData, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

POINTS = Numeric(8, 2)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def table_of(model: type[Base]) -> Table:
    """The Table `model` is mapped to, for Core statements (SQLAlchemy types `__table__` as any FromClause)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


class Document(Base):
    """One file seen in the inbox (a path with a content), and the status it ended with."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("path", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1024))
    package: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    kind: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    mtime: Mapped[float | None] = mapped_column(Float(precision=53))  # the file's, to skip it unread next time
    received_at: Mapped[datetime]
    ingested_at: Mapped[datetime]


class Submission(Base):
    """A unit's self-assessment for a year, as read from one form document."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_program_year_unit", "program", "year", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    program: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(64))
    block_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # valid | invalid (kept out of the ranking)
    points: Mapped[Decimal] = mapped_column(POINTS)
    stated_total: Mapped[Decimal | None] = mapped_column(POINTS)
    document_number: Mapped[str | None] = mapped_column(String(64))
    document_date: Mapped[date | None]

    document: Mapped[Document] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    findings: Mapped[list[FindingRow]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", foreign_keys="FindingRow.submission_id"
    )
    evidence_links: Mapped[list[EvidenceLinkRow]] = relationship(cascade="all, delete-orphan")


class Score(Base):
    """One score row of a form, with the place it was read (page, table, row)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("submission_id", "table_index", "row_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(32))
    is_leaf: Mapped[bool]
    max_points: Mapped[Decimal | None] = mapped_column(POINTS)
    self_points: Mapped[Decimal | None] = mapped_column(POINTS)
    self_text: Mapped[str] = mapped_column(Text)
    not_applicable: Mapped[bool] = mapped_column(default=False, server_default="0")  # "Không áp dụng"
    evidence: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None]
    table_index: Mapped[int]
    row_index: Mapped[int]

    submission: Mapped[Submission] = relationship(back_populates="scores")


class FindingRow(Base):
    """A data-quality finding on a submission. When a resubmission no longer has it, it is resolved, not deleted."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    resolved_at: Mapped[datetime | None]
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    criterion_code: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None]
    table_index: Mapped[int | None]
    row_index: Mapped[int | None]

    submission: Mapped[Submission] = relationship(back_populates="findings", foreign_keys=[submission_id])


class ScoreFact(Base):
    """A criterion's score for a unit and year in a round after self-assessment, with the document it came from.

    Rounds: appraisal (thẩm định), explanation (giải trình), council (hội đồng). The self-assessment
    round lives in `scores`, per submission version. A criterion's final score is its latest round.
    """

    __tablename__ = "score_facts"
    __table_args__ = (UniqueConstraint("program", "year", "unit_code", "criterion_code", "round", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(64))
    criterion_code: Mapped[str] = mapped_column(String(32))
    round: Mapped[str] = mapped_column(String(16))
    points: Mapped[Decimal | None] = mapped_column(POINTS)
    note: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    received_at: Mapped[datetime]
    page: Mapped[int | None]
    table_index: Mapped[int | None]
    row_index: Mapped[int | None]


class PipelineLock(Base):
    """A lock held in the database, so two runs at once cannot load the same inbox twice."""

    __tablename__ = "pipeline_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(256))  # host:pid:token
    acquired_at: Mapped[datetime]


class FrameworkVersion(Base):
    """A framework file as loaded: program, year and a version that is the hash of its content."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("program", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(32))
    program_name: Mapped[str] = mapped_column(String(256))
    year: Mapped[int]
    version: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(64))
    ranking: Mapped[str] = mapped_column(String(16))
    loaded_at: Mapped[datetime]


class BlockRow(Base):
    """A block of a framework version."""

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("framework_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    block_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    max_points: Mapped[Decimal] = mapped_column(POINTS)


class CriterionRow(Base):
    """A node of a framework version's criteria tree."""

    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("framework_id", "block_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    block_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(POINTS)
    step: Mapped[Decimal] = mapped_column(POINTS)
    is_leaf: Mapped[bool]


class UnitRow(Base):
    """A scored unit of a program."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("program", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    short_name: Mapped[str] = mapped_column(String(256))


class UnitAlias(Base):
    __tablename__ = "unit_aliases"
    __table_args__ = (UniqueConstraint("unit_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    alias: Mapped[str] = mapped_column(String(256))


class UnitMembership(Base):
    """Which block a unit is ranked in for a year (units merge and split over the years)."""

    __tablename__ = "unit_memberships"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    block_id: Mapped[str] = mapped_column(String(64))


class EvidenceLinkRow(Base):
    """A document a score row cites as evidence, and the evidence file of the package that carries it (if any)."""

    __tablename__ = "evidence_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(128))  # the cited number, e.g. 15/KH-HQĐNg
    issued_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16))  # found | mentioned | missing
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    page: Mapped[int | None]
    row_index: Mapped[int | None]


class EvidenceFile(Base):
    """An evidence file as read: its own number and date, its first lines. A form sent later links to it."""

    __tablename__ = "evidence_files"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    document_number: Mapped[str | None] = mapped_column(String(128))
    document_date: Mapped[date | None]
    pages: Mapped[int | None]
    text_layer: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)

    references: Mapped[list[EvidenceReference]] = relationship(order_by="EvidenceReference.position", cascade="all, delete-orphan")


class EvidenceReference(Base):
    """A document number an evidence file carries, in the order read (its own number first)."""

    __tablename__ = "evidence_references"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.document_id"))
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(128))
    issued_on: Mapped[date | None]
    text: Mapped[str] = mapped_column(Text)


class RankingSnapshot(Base):
    """A published ranking, frozen: never changed; publishing again makes a new snapshot."""

    __tablename__ = "ranking_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    framework_version: Mapped[str] = mapped_column(String(64))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    cutoff: Mapped[datetime | None]
    decision_no: Mapped[str | None] = mapped_column(String(64))
    signed_on: Mapped[date | None]
    created_at: Mapped[datetime]
    files: Mapped[str] = mapped_column(Text)  # JSON: relative path → sha256 of every file published


class RankingEntry(Base):
    """One unit's line in a ranking snapshot."""

    __tablename__ = "ranking_entries"
    __table_args__ = (UniqueConstraint("snapshot_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("ranking_snapshots.id"), index=True)
    block_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(64))
    points: Mapped[Decimal] = mapped_column(POINTS)
    applicable_max: Mapped[Decimal] = mapped_column(POINTS)
    index: Mapped[Decimal] = mapped_column(POINTS)
    tier: Mapped[str | None] = mapped_column(String(64))
    rank: Mapped[int]
