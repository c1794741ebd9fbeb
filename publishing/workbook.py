"""The ranking as an Excel workbook: one sheet per block, numbers stored as numbers, Vietnamese headers."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from core.errors import RankingError
from publishing.content import UNDATED
from publishing.stable_zip import stable_zip
from schemas.framework import Block, Framework
from schemas.records import RankedUnit
from schemas.vietnamese import format_points

_THIN = Side(style="thin", color="000000")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_ROW = 3
_SHEET_TITLE_MOST = 31  # Excel's limit


def sheet_title(block: Block, taken: set[str]) -> str:
    """The block's name as a sheet title: Excel allows 31 characters and none of []:*?/\\; cut between words."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", block.name).split())
    title, counter = _words_within(base, _SHEET_TITLE_MOST), 2
    while title.lower() in taken:
        suffix = f" ({counter})"
        title, counter = _words_within(base, _SHEET_TITLE_MOST - len(suffix)) + suffix, counter + 1
    taken.add(title.lower())
    return title


def _words_within(text: str, most: int) -> str:
    """`text` cut to `most` characters at a word's end; mid-word only for a first word longer than that."""
    if len(text) <= most:
        return text
    return text[: most + 1].rsplit(" ", 1)[0].rstrip(" ,;-") if " " in text[: most + 1] else text[:most]


def _sheet(workbook: Workbook, framework: Framework, block: Block, lines: Sequence[RankedUnit], taken: set[str]) -> None:
    sheet = workbook.create_sheet(sheet_title(block, taken))
    sheet["A1"] = f"{framework.program_name} năm {framework.year}: khối {block.name} (tối đa {format_points(block.max_points)} điểm)"
    sheet["A1"].font = Font(bold=True, size=13)
    fields = [field for field in block.criteria if any(field.code in line.field_indices for line in lines)]
    headers = ["STT", "Mã đơn vị", "Đơn vị", "Điểm", "Điểm tối đa áp dụng", "Chỉ số (%)"]
    headers += ["Xếp loại"] if framework.tiers else []
    headers += ["Xếp hạng", *(f"Lĩnh vực {field.code}: {field.name} (%)" for field in fields)]
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, column, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _GRID
    # Points as Excel's General shows them, 89 and 88,5 (the reader's decimal separator); indices with two decimals.
    points, index = None, "0.00"
    for number, line in enumerate(lines, start=1):
        values: list[tuple[object, str | None]] = [
            (number, None),
            (line.unit_code, None),
            (line.unit_name, None),
            (_number(line.points), points),
            (_number(line.applicable_max), points),
            (float(line.index), index),
        ]
        values += [(line.tier or "", None)] if framework.tiers else []
        values.append((line.rank, None))
        values += [(float(line.field_indices[f.code]) if f.code in line.field_indices else None, index) for f in fields]
        for column, (value, number_format) in enumerate(values, start=1):
            cell = sheet.cell(HEADER_ROW + number, column, value)
            cell.border = _GRID
            if number_format:
                cell.number_format = number_format
    widths = [6, 26, 30, 9, 12, 11] + ([12] if framework.tiers else []) + [10] + [16] * len(fields)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 60 if fields else 30
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 4)


def _number(value: Decimal) -> int | float:
    """A whole number stays whole: 89 is shown as 89, not 89.0."""
    return int(value) if value == value.to_integral_value() else float(value)


def ranking_xlsx(framework: Framework, ranking: Sequence[RankedUnit], *, stamp: datetime = UNDATED) -> bytes:
    """The workbook's bytes: a sheet per block with units in rank order; the same inputs give the same bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for block in framework.blocks:
        lines = [line for line in ranking if line.block_id == block.id]
        if lines:
            _sheet(workbook, framework, block, lines, taken)
    if not workbook.worksheets:
        raise RankingError("the ranking is empty: there is nothing to publish")
    naive = stamp.replace(tzinfo=None)  # openpyxl writes W3CDTF times and refuses time zones
    workbook.properties.creator = framework.agency
    workbook.properties.lastModifiedBy = framework.agency
    workbook.properties.title = f"{framework.program_name} năm {framework.year}"
    workbook.properties.language = "vi-VN"
    workbook.properties.created = naive
    workbook.properties.modified = naive
    buffer = io.BytesIO()
    # Workbook.save stamps "modified" with the clock; the writer underneath keeps the stamp we set.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return stable_zip(buffer.getvalue(), stamp)
