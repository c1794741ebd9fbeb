"""The typed records that flow between stages: read grids, interpreted forms, findings, outcomes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentKind(StrEnum):
    DOCX = "docx"
    PDF = "pdf"


class Lineage(Record):
    """Where a value was read: the file's content hash, its page (PDF only), table and row (0-based)."""

    sha256: str
    page: int | None = None
    table: int
    row: int


class GridRow(Record):
    """One table row as cell texts (NFC), merged cells counted once, with the page it sits on."""

    cells: list[str]
    page: int | None = None
    row: int
    confidence: list[float] | None = None  # OCR only: each cell's confidence, 0 to 100


class Grid(Record):
    """A table as rows of cell text: what every reader produces, whatever the file kind."""

    table: int
    rows: list[GridRow]


class ReadDocument(Record):
    """A document as readers see it: its running text outside tables, and its tables as grids."""

    sha256: str
    kind: DocumentKind
    pages: int | None = None
    lines: list[str] = Field(default_factory=list)
    grids: list[Grid] = Field(default_factory=list)


class ScoreRow(Record):
    """One row of the score table: a criterion, its printed maximum, the unit's own score, its evidence."""

    code: str
    name: str = ""
    max_points: Decimal | None = None
    self_points: Decimal | None = None
    self_text: str = ""
    appraisal_points: Decimal | None = None  # "Điểm thẩm định", on appraisal sheets
    appraisal_text: str = ""
    evidence: str = ""
    note: str = ""  # "Ghi chú": the unit's or the appraiser's comment
    confidence: float | None = None  # OCR only: the lowest confidence of the row's score cells
    lineage: Lineage


class SelfAssessment(Record):
    """A unit's self-assessment form, interpreted: who, which year, and every score row."""

    sha256: str
    unit_code: str
    unit_text: str
    year: int
    document_number: str | None = None
    document_date: date | None = None
    rows: list[ScoreRow]
    stated_total: Decimal | None = None


class Severity(StrEnum):
    ERROR = "error"  # keeps the submission out of the ranking
    WARNING = "warning"


class Finding(Record):
    """A data-quality finding on a submission, in Vietnamese for the unit, with where it was found."""

    sha256: str
    rule: str
    severity: Severity
    message: str
    criterion_code: str | None = None
    lineage: Lineage | None = None


class DocumentStatus(StrEnum):
    """The terminal status every inbox file ends with."""

    LOADED = "loaded"  # a self-assessment form, loaded as a submission
    EVIDENCE = "evidence"  # an evidence file of a package
    REJECTED = "rejected"  # unreadable or not interpretable; the reason says why
    DUPLICATE = "duplicate"  # same content as another file of the inbox


class InboxDocument(Record):
    """A file found in the inbox: where it is (relative to the inbox), its package, size and content hash.

    A package is the folder (or, later, archive) a unit sent: its form and its evidence files.
    """

    path: str
    package: str
    size: int
    mtime: float
    sha256: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class EvidenceDocument(Record):
    """A document of a package that holds no score table: evidence (tài liệu kiểm chứng)."""

    sha256: str
    kind: DocumentKind
    pages: int | None = None
    text: str = ""  # the first lines, enough to find the document numbers it carries


class RankedUnit(Record):
    """One line of a block's ranking."""

    block_id: str
    block_name: str
    unit_code: str
    unit_name: str
    points: Decimal
    max_points: Decimal
    rank: int


class DocumentOutcome(Record):
    """What extraction made of one inbox file: a form, an evidence file, or a rejection with its reason."""

    document: InboxDocument
    status: DocumentStatus
    kind: DocumentKind | None = None
    reason: str | None = None
    message: str | None = None
    form: SelfAssessment | None = None
    evidence: EvidenceDocument | None = None
