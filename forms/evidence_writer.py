"""Evidence documents (tài liệu kiểm chứng): a short plan or report with a numbered header and no score table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.platypus import Flowable, Spacer

from forms import docx_form, pdf_form
from forms.layout import SIGNER, SIGNING_NOTE, Header, Line, document_header
from schemas.vietnamese import fold

DEFAULT_AGENCY = "Tổng cục Hải quan"
# Document kinds a title can start with; the rest of the title is the subject (trích yếu).
KINDS = ("Kế hoạch", "Báo cáo", "Quyết định", "Công văn", "Tờ trình", "Thông báo", "Chương trình", "Biên bản", "Quy chế", "Hướng dẫn")


@dataclass(frozen=True)
class EvidenceLayout:
    """An evidence document, top to bottom."""

    header: Header
    kind: str  # "KẾ HOẠCH"
    subject: str  # "Cải cách hành chính năm 2019"
    paragraphs: tuple[str, ...]
    recipients: tuple[Line, ...]
    signature: tuple[Line, ...]


def split_title(kind_title: str) -> tuple[str, str]:
    """ "Kế hoạch cải cách hành chính năm 2019" → ("KẾ HOẠCH", "Cải cách hành chính năm 2019")."""
    text = kind_title.strip()
    for kind in KINDS:
        if fold(text[: len(kind)]) == fold(kind):
            rest = text[len(kind) :].strip()
            return kind.upper(), rest[:1].upper() + rest[1:]
    return text.upper(), ""


def evidence_layout(
    kind_title: str, number: str, signed_on: date, issuer: str, place: str, body: str, agency: str = DEFAULT_AGENCY
) -> EvidenceLayout:
    """The lines of an evidence document; `body` paragraphs are separated by blank lines."""
    kind, subject = split_title(kind_title)
    paragraphs = tuple(" ".join(p.split()) for p in body.split("\n\n") if p.strip())
    return EvidenceLayout(
        header=document_header(agency, issuer, f"Số: {number}", place, signed_on),
        kind=kind,
        subject=subject,
        paragraphs=paragraphs,
        recipients=(Line("Nơi nhận:", "bold"), Line(f"- {agency} (để báo cáo);"), Line("- Lưu: VT.")),
        signature=(Line(SIGNER, "bold"), Line(SIGNING_NOTE, "italic")),
    )


def _docx(layout: EvidenceLayout, author: str, stamp: datetime) -> bytes:
    document = docx_form.new_document()
    docx_form.write_header(document, layout.header)
    docx_form.write_line(document, Line(""))
    docx_form.write_line(document, Line(layout.kind, "bold"), align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(14))
    if layout.subject:
        docx_form.write_line(document, Line(layout.subject, "bold"), align=WD_ALIGN_PARAGRAPH.CENTER)
    docx_form.write_line(document, Line(""))
    for text in layout.paragraphs:
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        document.paragraphs[-1].paragraph_format.first_line_indent = Cm(1)
        document.paragraphs[-1].paragraph_format.space_after = Pt(6)
    docx_form.write_line(document, Line(""))
    docx_form.write_columns(document, layout.recipients, layout.signature, (Cm(8.4), Cm(8.4)), WD_ALIGN_PARAGRAPH.LEFT)
    return docx_form.document_bytes(document, title=f"{layout.kind} {layout.subject}".strip(), author=author, stamp=stamp)


def _pdf(layout: EvidenceLayout, author: str) -> bytes:
    half = pdf_form.PAGE_WIDTH / 2
    story: list[Flowable] = [pdf_form.header_flowable(layout.header), Spacer(1, 16), pdf_form.paragraph(Line(layout.kind, "bold"), 13)]
    if layout.subject:
        story.append(pdf_form.paragraph(Line(layout.subject, "bold"), 11.5))
    story.append(Spacer(1, 12))
    for text in layout.paragraphs:
        story.append(pdf_form.body_paragraph(text))
    story += [
        Spacer(1, 12),
        pdf_form.columns_flowable(
            [pdf_form.paragraph(line, 9.5, TA_LEFT) for line in layout.recipients],
            [pdf_form.paragraph(line, 10.5, TA_CENTER) for line in layout.signature],
            (half, half),
        ),
    ]
    return pdf_form.pdf_bytes(story, title=f"{layout.kind} {layout.subject}".strip(), author=author)


def write_evidence(
    kind_title: str, number: str, signed_on: date, issuer: str, place: str, body: str, fmt: Literal["docx", "pdf"], *, agency: str = DEFAULT_AGENCY
) -> bytes:
    """An evidence document of `issuer` numbered `number` ("15/KH-HQĐNg"), as DOCX or PDF bytes.

    `kind_title` is the kind and subject together ("Kế hoạch cải cách hành chính năm 2019"), or the kind
    alone ("KẾ HOẠCH"); `body` holds one or more paragraphs separated by blank lines.
    """
    layout = evidence_layout(kind_title, number, signed_on, issuer, place, body, agency)
    if fmt == "docx":
        return _docx(layout, issuer, docx_form.stamp_for(signed_on))
    if fmt == "pdf":
        return _pdf(layout, issuer)
    raise ValueError(f"unknown evidence format {fmt!r}: expected 'docx' or 'pdf'")
