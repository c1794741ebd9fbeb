"""Warehouse tables: every inbox document, the submissions read from forms, their scores and findings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, MetaData, Numeric, String, Text, UniqueConstraint
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
    findings: Mapped[list[FindingRow]] = relationship(back_populates="submission", cascade="all, delete-orphan")


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
    evidence: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None]
    table_index: Mapped[int]
    row_index: Mapped[int]

    submission: Mapped[Submission] = relationship(back_populates="scores")


class FindingRow(Base):
    """A data-quality finding on a submission."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    criterion_code: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None]
    table_index: Mapped[int | None]
    row_index: Mapped[int | None]

    submission: Mapped[Submission] = relationship(back_populates="findings")
