"""The typed records that flow between stages: read grids, interpreted forms, findings, outcomes."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentKind(StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    DOC = "doc"  # legacy Word 97-2003, read after LibreOffice converts it to .docx
    XLSX = "xlsx"  # an Excel workbook: appraisal sheets are often kept in Excel


class TextLayer(StrEnum):
    """Where a document's text came from, and whether it can be trusted letter for letter."""

    NATIVE = "native"  # born-digital Unicode text
    LEGACY_FONT = "legacy_font"  # TCVN3 (ABC) or VNI font glyphs, converted to Unicode
    NO_DIACRITICS = "no_diacritics"  # Vietnamese without its diacritics: an OCR layer that lost them
    OCR = "ocr"  # a scan read by parindex's OCR: see the rows' confidence
    OCR_HEADER = "ocr_header"  # evidence scanned: the header of its first page read by OCR, nothing else


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
    text_layer: TextLayer = TextLayer.NATIVE


def _empty(value: object) -> bool:
    return value is None or value == "" or value == {}


class ScoreRow(Record):
    """One row of the score table: a criterion, its printed maximum, the unit's own score, its evidence."""

    code: str
    name: str = ""
    max_points: Decimal | None = None
    self_points: Decimal | None = None
    self_text: str = ""
    appraisal_points: Decimal | None = None  # "Điểm thẩm định", on appraisal sheets
    appraisal_text: str = ""
    # The later rounds' columns: left out of dumps while empty, so a form without them serializes as before.
    explanation_points: Decimal | None = Field(default=None, exclude_if=_empty)  # "Điểm đề nghị sau giải trình"
    explanation_text: str = Field(default="", exclude_if=_empty)
    council_points: Decimal | None = Field(default=None, exclude_if=_empty)  # "Điểm Hội đồng thống nhất"
    council_text: str = Field(default="", exclude_if=_empty)
    evidence: str = ""
    note: str = ""  # "Ghi chú": the unit's or the appraiser's comment
    # The comments of columns naming a round, by its Round value: "Nội dung giải trình" → "explanation".
    round_notes: dict[str, str] = Field(default_factory=dict, exclude_if=_empty)
    confidence: float | None = None  # OCR only: the lowest confidence of the row's score cells
    not_applicable: bool = False  # the score cell says "Không áp dụng" (not merely blank)
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
    text_layer: TextLayer = TextLayer.NATIVE


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
    ARCHIVE = "archive"  # a .zip package: its members are documents of their own


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


def path_in_package(path: str) -> str:
    """An inbox path without its package folder (the unit's own): the file as its unit named it."""
    return path.split("/", 1)[-1]


class EvidenceRef(Record):
    """A document cited by number: "Kế hoạch số 03/KH-HQĐNg ngày 05/01/2019" → 03/KH-HQĐNg, Kế hoạch, 2019-01-05."""

    number: str  # canonical: plain hyphens, no spaces, a hyphen lost by extraction restored
    kind: str | None = None  # the document kind written before "số", e.g. "Kế hoạch"
    issued_on: date | None = None
    text: str = ""  # the words it was read from


class EvidenceDocument(Record):
    """A document of a package that holds no score table: evidence (tài liệu kiểm chứng)."""

    sha256: str
    kind: DocumentKind
    pages: int | None = None
    text: str = ""  # the first lines, enough to find the document numbers it carries
    document_number: str | None = None  # its own number, from its "Số: ..." line
    document_date: date | None = None  # its signing date
    references: list[EvidenceRef] = Field(default_factory=list)  # every document number it carries, its own first
    text_layer: TextLayer = TextLayer.NATIVE


class LinkStatus(StrEnum):
    """Whether a score row's cited evidence was sent."""

    FOUND = "found"  # an evidence file of the package is that document
    MENTIONED = "mentioned"  # no file is that document, but one cites it
    MISSING = "missing"  # no evidence file carries that number


class EvidenceLink(Record):
    """One reference of a score row's evidence cell, and the evidence file that carries it (if any)."""

    criterion_code: str
    reference: EvidenceRef
    status: LinkStatus
    evidence_sha256: str | None = None
    lineage: Lineage  # the score row that cites it


class RankedUnit(Record):
    """One line of a block's ranking: points out of the unit's applicable maximum, the index, rank and tier."""

    block_id: str
    block_name: str
    unit_code: str
    unit_name: str
    points: Decimal
    max_points: Decimal
    rank: int
    # Omitted by older callers: the applicable maximum defaults to the block's, the index to points / it × 100.
    applicable_max: Decimal = Decimal(0)
    index: Decimal = Decimal(0)  # points / applicable_max × 100, two decimals (ROUND_HALF_UP)
    tier: str | None = None  # the framework's band (xếp loại), None when it has none
    field_indices: dict[str, Decimal] = Field(default_factory=dict)  # field (lĩnh vực) code → sub-index

    @model_validator(mode="before")
    @classmethod
    def _default_index(cls, data: object) -> object:
        if isinstance(data, dict) and "max_points" in data and "points" in data:
            data = dict(data)
            maximum = Decimal(str(data.get("applicable_max") or data["max_points"]))
            data["applicable_max"] = maximum
            if "index" not in data:
                ratio = Decimal(str(data["points"])) * 100 / maximum if maximum else Decimal(0)
                data["index"] = ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return data


class Round(StrEnum):
    """The scoring rounds of a year, in order: a criterion's final score is its latest round."""

    SELF = "self"  # tự đánh giá
    APPRAISAL = "appraisal"  # thẩm định
    EXPLANATION = "explanation"  # giải trình
    COUNCIL = "council"  # hội đồng thẩm định: the final adjustments


class RoundScore(Record):
    """One criterion's score in a round after self-assessment, with the appraiser's or unit's note."""

    code: str
    points: Decimal | None = None
    note: str = ""
    lineage: Lineage


class RoundSheet(Record):
    """A document giving a unit's scores in a later round: an appraisal sheet, an explanation, a council sheet."""

    sha256: str
    unit_code: str
    year: int
    round: Round
    rows: list[RoundScore]


class DocumentOutcome(Record):
    """What extraction made of one inbox file: a form, an evidence file, or a rejection with its reason."""

    document: InboxDocument
    status: DocumentStatus
    kind: DocumentKind | None = None
    reason: str | None = None
    message: str | None = None
    form: SelfAssessment | None = None
    evidence: EvidenceDocument | None = None
    round_sheet: RoundSheet | None = None
