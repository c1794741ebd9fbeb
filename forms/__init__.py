"""Self-assessment forms (Báo cáo tự đánh giá, chấm điểm Chỉ số CCHC) and evidence documents, as DOCX or PDF."""

from __future__ import annotations

from typing import Literal

from forms.docx_form import write_form_docx
from forms.evidence_writer import write_evidence
from forms.form_content import FormContent, blank_form
from forms.layout import COLUMNS, TOTAL_LABEL
from forms.pdf_form import write_form_pdf

Format = Literal["docx", "pdf"]


def write_form(content: FormContent, fmt: Format) -> bytes:
    """The form of `content` in the format asked for."""
    if fmt == "docx":
        return write_form_docx(content)
    if fmt == "pdf":
        return write_form_pdf(content)
    raise ValueError(f"unknown form format {fmt!r}: expected 'docx' or 'pdf'")


__all__ = [
    "COLUMNS",
    "TOTAL_LABEL",
    "Format",
    "FormContent",
    "blank_form",
    "write_evidence",
    "write_form",
    "write_form_docx",
    "write_form_pdf",
]
