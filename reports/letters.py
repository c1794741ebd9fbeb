"""Feedback letters from the Office to each unit, in Vietnamese, as DOCX and HTML: what was found, what is expected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import _Cell

from core.atomic_files import write_atomically
from forms.docx_form import document_bytes, new_document, stamp_for, write_columns, write_header, write_line
from forms.layout import Header, Line, document_header
from reports.model import DocumentFeedback, UnitFeedback
from reports.templating import render
from schemas.framework import Framework

OFFICE = "Văn phòng"  # the unit of the agency that runs the index and writes to units
OFFICE_SYMBOL = "VP"
PLACE = "Hà Nội"
COLUMNS = ("STT", "Tiêu chí", "Trang", "Nội dung phát hiện", "Yêu cầu", "Mức độ")
# 17 cm: the A4 width less the 2.5 + 1.5 cm margins of forms.docx_form.new_document.
WIDTHS = (Cm(1.3), Cm(1.6), Cm(1.6), Cm(5.4), Cm(5.1), Cm(2.0))
TABLE_SIZE = Pt(11)


@dataclass(frozen=True)
class Letter:
    """Everything a feedback letter says, top to bottom; the DOCX and HTML writers draw the same."""

    unit: UnitFeedback
    year: int
    signed_on: date | None
    office: str  # "Văn phòng Tổng cục Hải quan"
    header: Header
    subject: str
    opening: str
    conclusion: str
    closing: str
    recipients: tuple[Line, ...]
    signature: tuple[Line, ...]

    @property
    def salutation(self) -> str:
        return f"Kính gửi: {self.unit.unit_name}."

    @property
    def documents(self) -> tuple[DocumentFeedback, ...]:
        return self.unit.documents


def _conclusion(unit: UnitFeedback, year: int, office: str) -> str:
    current = unit.current
    which = f" Văn phòng sử dụng báo cáo nhận sau cùng ({current.name})." if len(unit.documents) > 1 else ""
    if unit.block_id is None:
        return (
            f"Đơn vị không có trong danh sách đơn vị được đánh giá Chỉ số cải cách hành chính năm {year}; "
            f"đề nghị đơn vị liên hệ {office} để được hướng dẫn."
        )
    if current.errors:
        also = f" Đồng thời rà soát {current.warnings} nội dung cần lưu ý." if current.warnings else ""
        return (
            f"Báo cáo của đơn vị có {current.errors} lỗi nên chưa đủ điều kiện đưa vào xếp hạng Chỉ số cải cách "
            f"hành chính năm {year}. Đề nghị đơn vị khắc phục các lỗi nêu trên và gửi lại báo cáo (kèm tài liệu "
            f"kiểm chứng) về {office}.{also}{which}"
        )
    if current.warnings:
        return (
            f"Báo cáo của đơn vị đủ điều kiện đưa vào xếp hạng. Đề nghị đơn vị rà soát, bổ sung {current.warnings} "
            f"nội dung cần lưu ý nêu trên để phục vụ công tác thẩm định.{which}"
        )
    return f"Báo cáo của đơn vị đầy đủ, hợp lệ và đủ điều kiện đưa vào xếp hạng.{which}"


def letter_content(unit: UnitFeedback, framework: Framework, signed_on: date | None = None, signer: str = "") -> Letter:
    """The letter of one unit. Without `signed_on` the date is left for the clerk to write in; without
    `signer`, the name under the signature."""
    office = f"{OFFICE} {framework.agency}"
    subject = f"V/v kết quả kiểm tra báo cáo tự đánh giá Chỉ số CCHC năm {framework.year}"
    base = document_header(framework.agency, OFFICE, f"Số:        /{OFFICE_SYMBOL}-CCHC", PLACE, signed_on)
    names = "; ".join(d.name for d in unit.documents)
    # Room for the signature and the seal above the name; without a name, the line a clerk fills in.
    under_title = (*(Line("") for _ in range(3)), Line(signer, "bold")) if signer else (Line("(Ký, ghi rõ họ tên)", "italic"),)
    return Letter(
        unit=unit,
        year=framework.year,
        signed_on=signed_on,
        office=office,
        header=Header(left=(*base.left, Line(subject, "italic")), right=base.right),
        subject=subject,
        opening=(
            f"{office} đã nhận và kiểm tra Báo cáo tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm "
            f"{framework.year} của đơn vị ({names}). Kết quả kiểm tra như sau:"
        ),
        conclusion=_conclusion(unit, framework.year, office),
        closing=f"{office} thông báo để đơn vị biết và thực hiện./.",
        recipients=(
            Line("Nơi nhận:", "bold"),
            Line("- Như trên;"),
            Line(f"- Lãnh đạo {framework.agency} (để báo cáo);"),
            Line(f"- Lưu: VT, {OFFICE_SYMBOL}."),
        ),
        signature=(Line(f"CHÁNH {OFFICE.upper()}", "bold"), *under_title),
    )


def _cell(cell: _Cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = TABLE_SIZE


def _findings_table(document: DocxDocument, feedback: DocumentFeedback) -> None:
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS):
        column.width = width  # LibreOffice sizes columns from the grid, Word from the cells: set both
    for cell, title, width in zip(table.rows[0].cells, COLUMNS, WIDTHS):
        cell.width = width
        _cell(cell, title, bold=True, center=True)
    for number, line in enumerate(feedback.findings, start=1):
        cells = table.add_row().cells
        values = (str(number), line.where, str(line.page) if line.page else "—", line.found, line.expected, line.severity_label)
        for i, (cell, text, width) in enumerate(zip(cells, values, WIDTHS)):
            cell.width = width
            _cell(cell, text, center=i in (0, 1, 2, 5))


def document_summary(position: int, feedback: DocumentFeedback) -> str:
    """The line that introduces one form's findings: "1. Báo cáo <name>: 2 lỗi, 1 nội dung cần lưu ý." """
    counts = f"{feedback.errors} lỗi, {feedback.warnings} nội dung cần lưu ý." if feedback.findings else "không phát hiện sai sót."
    return f"{position}. Báo cáo {feedback.name}: {counts}"


def _paragraph(document: DocxDocument, text: str) -> None:
    paragraph = document.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.space_after = Pt(6)


def letter_docx(letter: Letter) -> bytes:
    """The letter as a Word document, laid out as an administrative letter (công văn)."""
    document = new_document()
    write_header(document, letter.header)
    write_line(document, Line(""))
    write_line(document, Line(letter.salutation, "bold"), align=WD_ALIGN_PARAGRAPH.CENTER)
    write_line(document, Line(""))
    _paragraph(document, letter.opening)
    for position, feedback in enumerate(letter.documents, start=1):
        _paragraph(document, document_summary(position, feedback))
        if feedback.findings:
            _findings_table(document, feedback)
            write_line(document, Line(""))
    _paragraph(document, letter.conclusion)
    _paragraph(document, letter.closing)
    write_line(document, Line(""))
    write_columns(document, letter.recipients, letter.signature, (Cm(8.5), Cm(8.5)), WD_ALIGN_PARAGRAPH.LEFT)
    title = f"{letter.subject} - {letter.unit.unit_name}"
    return document_bytes(document, title=title, author=letter.office, stamp=stamp_for(letter.signed_on))


def letter_html(letter: Letter) -> str:
    """The letter as one self-contained HTML page (lang="vi"), for e-mail or the intranet."""
    return render("letter.html.j2", letter=letter, columns=COLUMNS, document_summary=document_summary)


def letter_stem(unit: UnitFeedback, year: int) -> str:
    return f"thu-phan-hoi-{unit.unit_code}-{year}"


def write_letters(
    feedback: Sequence[UnitFeedback],
    framework: Framework,
    out_dir: Path,
    *,
    signed_on: date | None = None,
    signer: str = "",
) -> list[Path]:
    """One letter per unit under `out_dir`, DOCX then HTML: ``thu-phan-hoi-<unit>-<year>.docx|.html``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for unit in feedback:
        letter = letter_content(unit, framework, signed_on, signer)
        stem = out_dir / letter_stem(unit, framework.year)
        docx_path, html_path = stem.with_suffix(".docx"), stem.with_suffix(".html")
        write_atomically(docx_path, letter_docx(letter))
        write_atomically(html_path, letter_html(letter).encode("utf-8"))
        paths += [docx_path, html_path]
    return paths
