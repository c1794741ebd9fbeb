"""Evidence files and the score rows that cite them: what each file is, and which citations a package lacks."""

from __future__ import annotations

from collections.abc import Sequence

from extractors import header
from extractors.references import number_key, parse_references
from schemas.records import EvidenceDocument, EvidenceLink, EvidenceRef, LinkStatus, ReadDocument, SelfAssessment

EVIDENCE_LINES = 40  # the text kept: enough for a reader to see what the file is
HEADER_LINES = 15  # an evidence file states its own number and date in its first lines


def document_lines(doc: ReadDocument) -> list[str]:
    """Every line of text: running text first, then table rows (cells joined by " | ")."""
    lines = list(doc.lines)
    for grid in doc.grids:
        for row in grid.rows:
            text = " | ".join(" ".join(cell.split("\n")) for cell in row.cells if cell)
            if text:
                lines.append(text)
    return lines


def evidence_document(doc: ReadDocument) -> EvidenceDocument:
    """An evidence file as the warehouse keeps it: its first lines, own number and date, every number it carries."""
    lines = document_lines(doc)
    head = _head_lines(doc)
    own = header.document_number(head)
    references = parse_references("\n".join(lines))
    if own is not None:
        # Its own number first, so a reader sees at once what the file is.
        mine = [r for r in references if number_key(r.number) == number_key(own)] or [EvidenceRef(number=own)]
        references = mine[:1] + [r for r in references if number_key(r.number) != number_key(own)]
    return EvidenceDocument(
        sha256=doc.sha256,
        kind=doc.kind,
        pages=doc.pages,
        text="\n".join(lines[:EVIDENCE_LINES]),
        document_number=own,
        document_date=header.document_date(head),
        references=references,
        text_layer=doc.text_layer,
    )


def _head_lines(doc: ReadDocument) -> list[str]:
    """The header of an evidence file: its first lines, and the cells of a header table (Word letterheads)."""
    cells = [line for grid in doc.grids[:1] for row in grid.rows[:3] for cell in row.cells for line in cell.split("\n")]
    return doc.lines[:HEADER_LINES] + [line for line in cells if line.strip()]


def link_evidence(form: SelfAssessment, evidence: Sequence[EvidenceDocument]) -> list[EvidenceLink]:
    """Each reference of each score row's evidence cell, with the evidence file that is (or cites) it.

    FOUND when a file's own number is the reference, MENTIONED when no file is it but one carries the
    number (it cites it), MISSING otherwise. Pure: the caller passes the evidence of the form's package.
    """
    own = {number_key(doc.document_number): doc for doc in evidence if doc.document_number}
    carried: dict[str, EvidenceDocument] = {}
    for doc in evidence:
        for ref in doc.references:
            carried.setdefault(number_key(ref.number), doc)
    links: list[EvidenceLink] = []
    for row in form.rows:
        for ref in parse_references(row.evidence):
            key = number_key(ref.number)
            if key in own:
                status, source = LinkStatus.FOUND, own[key]
            elif key in carried:
                status, source = LinkStatus.MENTIONED, carried[key]
            else:
                status, source = LinkStatus.MISSING, None
            links.append(
                EvidenceLink(
                    criterion_code=row.code,
                    reference=ref,
                    status=status,
                    evidence_sha256=source.sha256 if source else None,
                    lineage=row.lineage,
                )
            )
    return links
