"""One document's bytes in, a self-assessment or an evidence document out (or a DocumentError why not)."""

from __future__ import annotations

import hashlib

from extractors.detect import detect_kind
from extractors.docx_reader import read_docx
from extractors.header import says_self_assessment
from extractors.interpret import interpret
from extractors.pdf_reader import read_pdf
from parindex.errors import DocumentError, Reason
from schemas.records import DocumentKind, EvidenceDocument, ReadDocument, SelfAssessment
from schemas.units import registry_for

EVIDENCE_LINES = 40


def extract_document(data: bytes, name: str, *, program: str = "tchq") -> SelfAssessment | EvidenceDocument:
    """Read and interpret one file: its score table makes it a self-assessment, else it is evidence.

    A document whose title says it is a self-assessment but that holds no score table is rejected
    (NO_SCORE_TABLE) rather than filed as evidence. `name` is only used in messages.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        kind = detect_kind(data)
        doc = read_docx(data, sha256) if kind is DocumentKind.DOCX else read_pdf(data, sha256)
        try:
            return interpret(doc, registry_for(program))
        except DocumentError as exc:
            if exc.reason is not Reason.NO_SCORE_TABLE or says_self_assessment(_title_lines(doc)):
                raise
        return EvidenceDocument(sha256=sha256, kind=doc.kind, pages=doc.pages, text=evidence_text(doc))
    except DocumentError as exc:
        exc.add_note(f"file: {name}")
        raise


def _title_lines(doc: ReadDocument) -> list[str]:
    first_grid = doc.grids[0].rows[:4] if doc.grids else []
    return doc.lines + [line for row in first_grid for cell in row.cells for line in cell.split("\n") if line]


def evidence_text(doc: ReadDocument) -> str:
    """The first EVIDENCE_LINES lines of text (running text first, then table rows), enough for document numbers."""
    lines = list(doc.lines[:EVIDENCE_LINES])
    for grid in doc.grids:
        for row in grid.rows:
            if len(lines) >= EVIDENCE_LINES:
                break
            text = " | ".join(" ".join(cell.split("\n")) for cell in row.cells if cell)
            if text:
                lines.append(text)
    return "\n".join(lines)
