"""The form as lines and table rows, shared by the DOCX and PDF writers so both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from forms.form_content import FormContent
from schemas.framework import Criterion
from schemas.vietnamese import format_points

COLUMNS = ("STT", "Lĩnh vực/Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng", "Ghi chú")
TOTAL_LABEL = "Tổng cộng"
TITLE = "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOTS = "........................"
BLANK_NUMBER = "Số:        /BC-........"
SIGNER = "THỦ TRƯỞNG ĐƠN VỊ"
SIGNING_NOTE = "(Ký, ghi rõ họ tên và đóng dấu)"

Style = Literal["plain", "bold", "italic"]


@dataclass(frozen=True)
class Line:
    """A line of running text and how it is set."""

    text: str
    style: Style = "plain"


@dataclass(frozen=True)
class Header:
    """The two header columns of a Vietnamese administrative document: issuer left, nation right."""

    left: tuple[Line, ...]
    right: tuple[Line, ...]


@dataclass(frozen=True)
class FormRow:
    """One row of the score table: the six cells, and whether it is set in bold."""

    cells: tuple[str, str, str, str, str, str]
    bold: bool = False


@dataclass(frozen=True)
class FormLayout:
    """Everything a form writer draws, top to bottom."""

    header: Header
    title: str
    block_line: str
    columns: tuple[str, ...]
    rows: tuple[FormRow, ...]
    recipients: tuple[Line, ...]
    signature: tuple[Line, ...]


def date_line(place: str | None, signed_on: date | None) -> str:
    """ "Đà Nẵng, ngày 05 tháng 01 năm 2020", with dots for what is not known yet.

    Days below 10 and months below 3 get a leading zero, as Decree 30/2020/NĐ-CP requires, so that
    nobody can add a digit to a signed date.
    """
    where = place or "......"
    if signed_on is None:
        return f"{where}, ngày ... tháng ... năm ..."
    day = f"{signed_on.day:02d}" if signed_on.day < 10 else str(signed_on.day)
    month = f"{signed_on.month:02d}" if signed_on.month < 3 else str(signed_on.month)
    return f"{where}, ngày {day} tháng {month} năm {signed_on.year}"


def document_header(agency: str, issuer: str | None, number_line: str, place: str | None, signed_on: date | None) -> Header:
    """The header every document of a unit starts with; `issuer` None leaves a dotted line to fill in."""
    left = (
        Line(agency.upper()),
        Line(issuer.upper() if issuer else DOTS, "bold"),
        Line(number_line),
    )
    right = (Line(NATION, "bold"), Line(MOTTO, "bold"), Line(date_line(place, signed_on), "italic"))
    return Header(left=left, right=right)


def printed_scores(content: FormContent) -> dict[str, Decimal]:
    """The score printed on each row: given scores, parents summing their children, nothing when blank."""
    given = content.scores or {}
    printed: dict[str, Decimal] = {}

    def visit(node: Criterion) -> Decimal | None:
        children = [visit(child) for child in node.children]
        if node.code in given:
            value: Decimal | None = Decimal(given[node.code])
        elif node.children and any(v is not None for v in children):
            value = sum((v for v in children if v is not None), Decimal(0))
        else:
            value = None
        if value is not None:
            printed[node.code] = value
        return value

    for field in content.block.criteria:
        visit(field)
    return printed


def _points(value: Decimal | None) -> str:
    return "" if value is None else format_points(value)


def score_rows(content: FormContent) -> tuple[FormRow, ...]:
    """One row per criterion of the block in framework order, then the total row."""
    printed = printed_scores(content)
    rows = [
        FormRow(
            cells=(
                node.code,
                node.name,
                format_points(node.max_points),
                _points(printed.get(node.code)),
                content.evidence.get(node.code, ""),
                "",
            ),
            bold=node.level == 1,
        )
        for node in content.block.walk()
    ]
    fields = [printed[f.code] for f in content.block.criteria if f.code in printed]
    total = sum(fields, Decimal(0)) if fields else None
    rows.append(FormRow(cells=("", TOTAL_LABEL, format_points(content.block.max_points), _points(total), "", ""), bold=True))
    return tuple(rows)


def form_layout(content: FormContent) -> FormLayout:
    """The whole form, as the writers draw it."""
    unit = content.unit
    number_line = f"Số: {content.document_number}" if content.document_number else BLANK_NUMBER
    header = document_header(content.framework.agency, unit.name if unit else None, number_line, content.place, content.signed_on)
    return FormLayout(
        header=header,
        title=TITLE.format(year=content.year),
        block_line=f"Khối: {content.block.name}",
        columns=COLUMNS,
        rows=score_rows(content),
        recipients=(
            Line("Nơi nhận:", "bold"),
            Line(f"- {content.framework.agency} (để báo cáo);"),
            Line("- Lưu: VT."),
        ),
        signature=(Line(SIGNER, "bold"), Line(SIGNING_NOTE, "italic")),
    )
