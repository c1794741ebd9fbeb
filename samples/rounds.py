"""The documents of the rounds after self-assessment, for one unit: an appraisal sheet in Excel, the unit's
explanation in Word and the council's sheet in PDF, each stating its round's scores beside the earlier ones.

Appraisal (thẩm định): the appraisers' workbook lists every criterion with the unit's score and theirs,
and their comment where they took points off. Explanation (giải trình): the unit answers the
deductions it disputes, with the score it asks for and why. Council (Hội đồng thẩm định): the council's
agreed score for each criterion it decided on, with its comment.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from reportlab.platypus import Flowable, Spacer

from forms.docx_form import table_document
from forms.layout import Header, Line, document_header
from forms.merged_table import (
    MergedTable,
    Value,
    merged_pdf_table,
    row_widths,
)
from forms.pdf_form import PAGE_WIDTH, header_flowable, one_line, paragraph, pdf_bytes
from samples.generate import unit_place, unit_symbol
from schemas.framework import Block, Criterion, Framework
from schemas.units import Unit
from schemas.vietnamese import format_points

APPRAISAL_TITLE = "BẢNG TỔNG HỢP KẾT QUẢ THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}"
EXPLANATION_TITLE = "BÁO CÁO GIẢI TRÌNH KẾT QUẢ THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}"
COUNCIL_TITLE = "KẾT QUẢ THẨM ĐỊNH CỦA HỘI ĐỒNG THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}"
APPRAISERS = "HỘI ĐỒNG THẨM ĐỊNH"  # who signs the appraisal and council sheets: no registered unit
APPRAISAL_COLUMNS = ("STT", "Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Ý kiến thẩm định")
EXPLANATION_COLUMNS = (
    "STT",
    "Tiêu chí",
    "Điểm tối đa",
    "Điểm tự đánh giá",
    "Điểm thẩm định",
    "Điểm đề nghị sau giải trình",
    "Nội dung giải trình",
)
COUNCIL_COLUMNS = (
    "STT",
    "Tiêu chí",
    "Điểm tối đa",
    "Điểm tự đánh giá",
    "Điểm thẩm định",
    "Điểm Hội đồng thống nhất",
    "Ý kiến Hội đồng",
)
_STAMP = datetime(2020, 3, 1, 8, 0)


@dataclass(frozen=True)
class RoundScores:
    """What one unit's rounds say, criterion by criterion (leaves): self, appraisal, explanation, council.

    `appraisal`, `explanation` and `council` give only the criteria the round changed or decided on,
    each with its comment in the matching `*_notes`.
    """

    framework: Framework
    unit: Unit
    self_scores: Mapping[str, Decimal]
    appraisal: Mapping[str, Decimal]
    appraisal_notes: Mapping[str, str]
    explanation: Mapping[str, Decimal]
    explanation_notes: Mapping[str, str]
    council: Mapping[str, Decimal]
    council_notes: Mapping[str, str]

    @property
    def block(self) -> Block:
        return self.framework.block(self.unit.block)

    def appraised(self, code: str) -> Decimal:
        """The appraisal score of a criterion: the unit's own where the appraisers changed nothing."""
        return self.appraisal.get(code, self.self_scores[code])


def _points(value: Decimal | None) -> str:
    return "" if value is None else format_points(value)


# --- appraisal: an Excel workbook ----------------------------------------------------------------


def appraisal_xlsx(scores: RoundScores, signed_on: date = date(2020, 2, 20), issuer: str = APPRAISERS) -> bytes:
    """The appraisers' workbook: a header naming who issued it, then the title with the year and the unit, then
    STT | Tiêu chí | Điểm tối đa | Điểm tự đánh giá | Điểm thẩm định | Ý kiến thẩm định for every criterion,
    the points as numbers. `issuer` may be a registered unit ("VỤ TỔ CHỨC CÁN BỘ" appraising a field)."""
    framework, block = scores.framework, scores.block
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Thẩm định"
    width = len(APPRAISAL_COLUMNS)
    sheet["A1"], sheet["D1"] = framework.agency.upper(), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet["A2"], sheet["D2"] = issuer, "Độc lập - Tự do - Hạnh phúc"
    sheet["D3"] = f"Hà Nội, ngày {signed_on.day:02d} tháng {signed_on.month:02d} năm {signed_on.year}"
    sheet["A5"] = APPRAISAL_TITLE.format(year=framework.year)
    sheet["A6"] = scores.unit.name.upper()
    for row in (5, 6):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row, 1).font = Font(bold=True)
        sheet.cell(row, 1).alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    first = 8
    for column, title in enumerate(APPRAISAL_COLUMNS, start=1):
        cell = sheet.cell(first, column, title)
        cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    row = first
    for node in block.walk():
        row += 1
        appraised = _subtotal(node, scores.appraised) if node.children else scores.appraised(node.code)
        own = _subtotal(node, scores.self_scores.__getitem__) if node.children else scores.self_scores[node.code]
        sheet.cell(row, 1, node.code).number_format = "@"  # a code typed as text: 1.10 must not become 1.1
        sheet.cell(row, 2, node.name)
        for column, value in ((3, node.max_points), (4, own), (5, appraised)):
            sheet.cell(row, column, _number(value))
        sheet.cell(row, 6, scores.appraisal_notes.get(node.code))
        if node.level == 1:
            for column in range(1, width + 1):
                sheet.cell(row, column).font = Font(bold=True)
    row += 1
    sheet.cell(row, 1, "Tổng cộng").font = Font(bold=True)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    sheet.cell(row, 3, _number(block.max_points))
    sheet.cell(row, 4, _number(sum((scores.self_scores[c.code] for c in block.leaves()), Decimal(0))))
    sheet.cell(row, 5, _number(sum((scores.appraised(c.code) for c in block.leaves()), Decimal(0))))
    for line in range(first, row + 1):
        for column in range(1, width + 1):
            sheet.cell(line, column).border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.cell(row + 2, 4, "TM. HỘI ĐỒNG THẨM ĐỊNH").font = Font(bold=True)
    for letter, cm in zip("ABCDEF", (8, 48, 10, 12, 12, 36), strict=True):
        sheet.column_dimensions[letter].width = cm
    buffer = io.BytesIO()
    workbook.properties.creator = "parindex"
    workbook.properties.created = workbook.properties.modified = _STAMP
    workbook.save(buffer)
    return buffer.getvalue()


def _number(value: Decimal) -> int | float:
    """A score as the number a spreadsheet stores: 1 as 1, 0.5 as 0.5."""
    return int(value) if value == value.to_integral_value() else float(value)


def _subtotal(node: Criterion, score: Callable[[str], Decimal]) -> Decimal:
    """A field's or group's score: the sum of its leaves'."""
    return sum((score(leaf.code) for leaf in node.walk() if leaf.is_leaf), Decimal(0))


# --- explanation (Word) and council (PDF): the rows the round decided on ---------------------------


def _round_table(scores: RoundScores, columns: tuple[str, ...], decided: Mapping[str, Decimal], notes: Mapping[str, str]) -> MergedTable:
    """The criteria a round decided on, under their field's row, with the self, appraisal and round scores."""
    block = scores.block
    rows: list[list[Value]] = [list(columns)]
    bold = {0}
    fields_done: set[str] = set()
    for leaf in block.leaves():
        if leaf.code not in decided:
            continue
        field = block.criterion(leaf.code.split(".")[0])
        if field is not None and field.code not in fields_done:
            fields_done.add(field.code)
            bold.add(len(rows))
            rows.append([field.code, field.name, _points(field.max_points), "", "", "", ""])
        rows.append(
            [
                leaf.code,
                leaf.name,
                _points(leaf.max_points),
                _points(scores.self_scores[leaf.code]),
                _points(scores.appraised(leaf.code)),
                _points(decided[leaf.code]),
                notes.get(leaf.code, ""),
            ]
        )
    widths = row_widths([1.3, 5.2, 1.4, 1.6, 1.6, 1.9, 4.0], 17.0)
    return MergedTable(
        rows=tuple(tuple(row) for row in rows),
        widths_cm=widths,
        bold_rows=frozenset(bold),
        plain_columns=frozenset({0, 2, 3, 4, 5}),
    )


def explanation_docx(scores: RoundScores, signed_on: date = date(2020, 2, 27)) -> bytes:
    """The unit's explanation: its own header and number, the disputed criteria with the score it asks for."""
    unit, framework = scores.unit, scores.framework
    symbol = unit_symbol(unit)
    header = document_header(framework.agency, unit.name, f"Số: 31/BC-{symbol}", unit_place(unit), signed_on)
    title = EXPLANATION_TITLE.format(year=framework.year)
    table = _round_table(scores, EXPLANATION_COLUMNS, scores.explanation, scores.explanation_notes)
    return table_document(header, title, Line(f"Kính gửi: {APPRAISERS.capitalize()}", "italic"), table, stamp=_STAMP)


def council_pdf(scores: RoundScores, signed_on: date = date(2020, 3, 10)) -> bytes:
    """The council's sheet: the agency's header, the unit under the title, the criteria it decided on."""
    framework = scores.framework
    header = Header(
        left=(Line(framework.agency.upper()), Line(APPRAISERS, "bold"), Line("Số: 05/BB-HĐTĐ")),
        right=document_header(framework.agency, None, "", "Hà Nội", signed_on).right,
    )
    title = COUNCIL_TITLE.format(year=framework.year)
    table = _round_table(scores, COUNCIL_COLUMNS, scores.council, scores.council_notes)
    story: list[Flowable] = [
        header_flowable(header),
        Spacer(1, 14),
        one_line(Line(title, "bold"), 11, PAGE_WIDTH),
        paragraph(Line(scores.unit.name.upper(), "bold"), 11),
        Spacer(1, 10),
        merged_pdf_table(table),
        Spacer(1, 14),
        paragraph(Line("TM. HỘI ĐỒNG THẨM ĐỊNH", "bold"), 10.5),
    ]
    return pdf_bytes(story, title=title, author="parindex")


__all__ = ["APPRAISAL_COLUMNS", "COUNCIL_COLUMNS", "EXPLANATION_COLUMNS", "RoundScores", "appraisal_xlsx", "council_pdf", "explanation_docx"]
