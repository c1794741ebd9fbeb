"""One document's bytes in, a self-assessment or an evidence document out (or a DocumentError why not)."""

from __future__ import annotations

import hashlib
import importlib
import io
import re
from collections.abc import Callable

import pdfplumber
from rapidfuzz import fuzz

from core.errors import DocumentError, Reason
from extractors.detect import detect_kind, is_pdf
from extractors.docx_reader import read_docx
from extractors.evidence import evidence_document
from extractors.header import says_self_assessment
from extractors.heading import may_hold_score_table
from extractors.interpret import interpret
from extractors.legacy import convert_doc_to_docx
from extractors.limits import DEFAULT_LIMITS, ExtractionLimits
from extractors.pdf_reader import read_pdf
from extractors.pdf_text import read_pdf_lines, scanned_pages
from extractors.xlsx_reader import read_xlsx
from schemas.records import DocumentKind, EvidenceDocument, ReadDocument, SelfAssessment, TextLayer
from schemas.units import registry_for
from schemas.vietnamese import fold

__all__ = ["OCR_MODULE", "evidence_by_scan_head", "evidence_by_text", "extract_document", "read_document", "scanned_pdf_reader"]

# The OCR hook: a module exposing read_scanned_pdf(data, sha256) -> ReadDocument (cells with confidences).
OCR_MODULE = "extractors.ocr"
# What a PDF's text layer may lack that OCR can make up for.
_FOR_OCR = (Reason.NO_TEXT_LAYER, Reason.GARBLED_TEXT)

ScannedReader = Callable[[bytes, str], ReadDocument]
# "WordDocument", the stream every .doc holds, as it reads when a .doc is imported as text.
_OLE2_TEXT = re.compile(r"W\W?o\W?r\W?d\W?D\W?o\W?c\W?u\W?m\W?e\W?n\W?t")
_OLE2_LINES = 5


def extract_document(
    data: bytes, name: str, *, program: str = "tchq", limits: ExtractionLimits = DEFAULT_LIMITS
) -> SelfAssessment | EvidenceDocument:
    """Read and interpret one file: its score table makes it a self-assessment, else it is evidence.

    A born-digital PDF whose text names no self-score column is evidence before any table is looked for,
    and is read for its text alone; a scan whose header cannot be a form's is evidence of that header alone.
    A document whose title says it is a self-assessment but that holds no score table is rejected
    (NO_SCORE_TABLE) rather than filed as evidence. `name` is only used in messages.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        text = evidence_by_text(data, sha256, limits) or evidence_by_scan_head(data, sha256, limits)
        if text is not None:
            return evidence_document(text)
        doc = read_document(data, sha256, limits)
        try:
            return interpret(doc, registry_for(program))
        except DocumentError as exc:
            if exc.reason is not Reason.NO_SCORE_TABLE or says_self_assessment(_title_lines(doc)):
                raise
        return evidence_document(doc)
    except DocumentError as exc:
        exc.add_note(f"file: {name}")
        raise


def evidence_by_text(data: bytes, sha256: str, limits: ExtractionLimits) -> ReadDocument | None:
    """A born-digital PDF that its text shows to be evidence, read for that text alone (no table finding);
    None for anything else, which read_document reads whole."""
    if len(data) > limits.max_bytes or not is_pdf(data):
        return None  # read_document's to read or refuse
    doc = read_pdf_lines(data, sha256, limits)
    if doc is None or may_hold_score_table(doc.lines) or says_self_assessment(doc.lines):
        return None
    return doc


def evidence_by_scan_head(data: bytes, sha256: str, limits: ExtractionLimits) -> ReadDocument | None:
    """A scanned PDF whose first page's header, read by OCR, shows evidence: that header alone (the rest of
    the file is not read). None for anything else: a header that may be a form's is read whole."""
    if (
        limits.ocr_whole_evidence
        or limits.max_ocr_pages == 0
        or len(data) > limits.max_bytes
        or not is_pdf(data)
        or scanned_pages(data, limits) is None
    ):
        return None
    reader = _ocr_function("read_scanned_head")
    if reader is None:
        return None  # read_document says why a scan cannot be read
    head = reader(data, sha256)
    return None if _head_may_be_form(head.lines) else head


# Words of a self-assessment's or a round sheet's title or score heading (folded). An OCR'd header that holds
# one, a letter misread or not, is read whole as a form may be.
_FORM_WORDS = ("tu danh gia", "tu cham", "cham diem", "tham dinh", "giai trinh", "diem toi da")
_FORM_WORD_SCORE = 85  # rapidfuzz's partial ratio: one letter of "tham dinh" misread still counts


def _head_may_be_form(lines: list[str]) -> bool:
    if may_hold_score_table(lines) or says_self_assessment(lines):
        return True
    folded = fold(" ".join(lines))
    return any(fuzz.partial_ratio(word, folded) >= _FORM_WORD_SCORE for word in _FORM_WORDS)


def read_document(data: bytes, sha256: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ReadDocument:
    """The grids and lines of any document kind: Word, legacy Word (converted), Excel, PDF, or a scanned PDF (OCR)."""
    if len(data) > limits.max_bytes:
        raise DocumentError(Reason.TOO_LARGE, f"file of {len(data) / 2**20:.1f} MB: at most {limits.max_bytes / 2**20:g} MB are read")
    kind = detect_kind(data)
    if kind is DocumentKind.PDF:
        try:
            doc = read_pdf(data, sha256, limits)
        except DocumentError as exc:
            if exc.reason not in _FOR_OCR:
                raise
            doc = _read_scan(data, sha256, limits, exc)
    elif kind is DocumentKind.DOC:
        doc = _read_doc(data, sha256, limits)
    elif kind is DocumentKind.XLSX:
        doc = read_xlsx(data, sha256, limits)
    else:
        doc = read_docx(data, sha256, limits)
    if not doc.lines and not any(cell.strip() for grid in doc.grids for row in grid.rows for cell in row.cells):
        raise DocumentError(Reason.BLANK_DOCUMENT, f"blank {kind.value.upper()} document: it holds no text")
    return doc


def _read_doc(data: bytes, sha256: str, limits: ExtractionLimits) -> ReadDocument:
    """A legacy .doc, converted by LibreOffice. A file it cannot parse, it imports as plain text, binary
    and all: the OLE2 directory's own stream names in the text give that away."""
    doc = read_docx(convert_doc_to_docx(data, limits.conversion_timeout), sha256, limits).model_copy(update={"kind": DocumentKind.DOC})
    if any(_OLE2_TEXT.search(line) for line in doc.lines[:_OLE2_LINES]):
        raise DocumentError(Reason.CONVERSION_FAILED, "LibreOffice could not read the legacy .doc file (damaged?): it imported its bytes as text")
    return doc


def scanned_pdf_reader() -> ScannedReader | None:
    """The OCR engine's read_scanned_pdf, or None while it is not installed (or its module fails to import)."""
    return _ocr_function("read_scanned_pdf")


def _ocr_function(name: str) -> ScannedReader | None:
    try:
        module = importlib.import_module(OCR_MODULE)
    except ImportError:
        return None
    function = getattr(module, name, None)
    return function if callable(function) else None


def _read_scan(data: bytes, sha256: str, limits: ExtractionLimits, why: DocumentError) -> ReadDocument:
    """OCR a PDF whose text layer is missing or garbled; without OCR, the reader's own error stands."""
    if limits.max_ocr_pages == 0:
        raise DocumentError(why.reason, f"{why.message} (OCR is turned off)") from why
    reader = scanned_pdf_reader()
    if reader is None:
        raise DocumentError(why.reason, f"{why.message} (no OCR engine is installed)") from why
    pages = _page_count(data)
    if pages > limits.max_ocr_pages:
        raise DocumentError(Reason.TOO_LARGE, f"scanned PDF of {pages} pages: at most {limits.max_ocr_pages} pages are read by OCR") from why
    doc = reader(data, sha256)
    return doc.model_copy(update={"text_layer": TextLayer.OCR})


def _page_count(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def _title_lines(doc: ReadDocument) -> list[str]:
    first_grid = doc.grids[0].rows[:4] if doc.grids else []
    return doc.lines + [line for row in first_grid for cell in row.cells for line in cell.split("\n") if line]
