"""Read an Excel .xlsx into running lines and grids: each visible worksheet's table as one grid, the rows around it as lines.

Appraisal sheets are often kept in Excel. A worksheet holds its header ("TỔNG CỤC HẢI QUAN", the unit, the
title with its year) in rows above the table and the signatures below it, all in one grid of cells; the
table is the run of rows from the first to the last row with at least TABLE_CELLS filled cells, and the
rows around it become the document's lines, as a Word file's paragraphs do.

Formulas are never evaluated: a formula cell gives the value the spreadsheet saved with it. A merged cell
gives its text in its first (top-left) cell and "" in the cells it covers, as the Word reader spreads a
merged cell; that is how the file stores it, so the merge ranges need not be read.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, cast

from core.errors import DocumentError, Reason
from extractors.archives import UNPACK_ERRORS
from extractors.limits import DEFAULT_LIMITS, ExtractionLimits
from extractors.package import check_unpacked_size, refuse_document_types
from schemas.records import DocumentKind, Grid, GridRow, ReadDocument

WHAT = "Excel file"
TABLE_CELLS = 3  # a table row fills at least this many cells; header, title and signature rows fill one or two
MAX_CELLS = 2_000_000  # cells of a workbook's rows as openpyxl builds them, blanks included: far-off cells cost too
DECIMALS = 6  # a float is read to this many places, so 0.30000000000000004 is 0.3 and 1.4999999999999998 is 1.5
_CHECK_EVERY = 1000  # rows between two looks at the clock
# A fixed number format ("0", "0.0", "#,##0.00"): its places are what the sheet shows, "1.10" as well as "1,50".
_FIXED = re.compile(r"^[#,]*0(?:\.(0+))?$")
# What openpyxl (and the zip and XML layers under it) raise on a damaged workbook, besides its own
# InvalidFileException; XML syntax errors are SyntaxErrors.
_DAMAGE = (*UNPACK_ERRORS, KeyError, IndexError, TypeError, AttributeError, SyntaxError, NotImplementedError)


@dataclass
class _Sheet:
    """One worksheet's filled cells as text, by sheet row (1-based) and column (1-based)."""

    number: int  # 1-based position among the visible sheets, as their tabs show: the "page" of its rows
    title: str
    cells: dict[int, dict[int, str]] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) → "=SUM(E5:E11)"


def read_xlsx(data: bytes, sha256: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ReadDocument:
    """The lines and one grid per visible worksheet with a table, in workbook order.

    GridRow.page is the worksheet's 1-based position among the visible ones, GridRow.row its sheet row 0-based
    (Excel's row number - 1). DocumentError: TOO_LARGE or UNSAFE_ARCHIVE for a package that would unpack
    past `limits`, TOO_LARGE past the sheet or cell budget, TIMEOUT past the time budget, DAMAGED for a
    broken package or XML (and for XML declaring a document type, which Office never writes),
    UNSUPPORTED_FORMAT for formulas that were never calculated.
    """
    from openpyxl.utils.exceptions import (
        InvalidFileException,  # openpyxl is heavy to import: only where a workbook is read
    )

    started = time.monotonic()
    try:
        check_unpacked_size(data, limits, WHAT)
        refuse_document_types(data, WHAT)
        sheets = _read_sheets(data, limits, started, data_only=False)
        if any(sheet.formulas for sheet in sheets):
            _fill_formulas(sheets, _read_sheets(data, limits, started, data_only=True))
    except DocumentError:
        raise
    except (InvalidFileException, *_DAMAGE) as exc:
        raise DocumentError(Reason.DAMAGED, f"damaged {WHAT}: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    grids: list[Grid] = []
    for sheet in sheets:
        above, rows, below = _split(sheet)
        lines.extend(above)
        if rows:
            grids.append(Grid(table=len(grids), rows=rows))
        lines.extend(below)
    return ReadDocument(sha256=sha256, kind=DocumentKind.XLSX, pages=len(sheets), lines=lines, grids=grids)


def _read_sheets(data: bytes, limits: ExtractionLimits, started: float, *, data_only: bool) -> list[_Sheet]:
    """Every visible worksheet's filled cells: formulas as written, or (data_only) the values saved with them.

    Read-only mode streams each sheet. Its dimensions are reset first: some programs write a wrong one
    ("A1"), and openpyxl would cut every row to it.
    """
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
    try:
        worksheets = workbook.worksheets
        if len(worksheets) > limits.max_pages:
            raise DocumentError(Reason.TOO_LARGE, f"{WHAT} of {len(worksheets)} sheets: at most {limits.max_pages} are read")
        sheets: list[_Sheet] = []
        budget = MAX_CELLS
        for worksheet in worksheets:
            if worksheet.sheet_state != "visible":
                continue
            sheet = _Sheet(len(sheets) + 1, worksheet.title)
            worksheet.reset_dimensions()
            for count, row in enumerate(worksheet.iter_rows()):
                budget -= len(row)
                if budget < 0:
                    raise DocumentError(Reason.TOO_LARGE, f"{WHAT} with more than {MAX_CELLS:,} cells: sheet {sheet.title!r} goes past them")
                if count % _CHECK_EVERY == 0:
                    _check_time(limits, started, sheet, count)
                for cell in row:
                    _keep(sheet, cell)
            sheets.append(sheet)
        return sheets
    finally:
        workbook.close()


class _FilledCell(Protocol):
    """What _keep reads of a read-only openpyxl cell that holds a value (an EmptyCell has no row or column)."""

    row: int
    column: int
    data_type: str
    number_format: str


def _keep(sheet: _Sheet, cell: object) -> None:
    value = getattr(cell, "value", None)
    if value is None:
        return  # an empty cell, or a cell a merge covers
    filled = cast(_FilledCell, cell)  # openpyxl ships no type hints
    row, column = filled.row, filled.column
    if filled.data_type == "f":
        sheet.formulas[(row, column)] = str(getattr(value, "text", value))
        return
    text = cell_text(value, filled.number_format)
    if text:
        sheet.cells.setdefault(row, {})[column] = text


def _check_time(limits: ExtractionLimits, started: float, sheet: _Sheet, row: int) -> None:
    elapsed = time.monotonic() - started
    if elapsed > limits.max_seconds:
        raise DocumentError(
            Reason.TIMEOUT,
            f"reading stopped after {elapsed:.0f} s at row {row + 1} of sheet {sheet.title!r} (limit {limits.max_seconds:g} s per document)",
        )


def _fill_formulas(sheets: list[_Sheet], saved: list[_Sheet]) -> None:
    """Put each formula's saved value in its cell; refuse a workbook whose formulas were never calculated.

    Excel and LibreOffice save every formula's value; programs that write workbooks (openpyxl among them)
    save none. A saved empty text ("") reads like a missing value, so one formula without a value is an
    empty result, and only a workbook where no formula has a value is refused.
    """
    values = {(sheet.number, row, column): text for sheet in saved for row, cells in sheet.cells.items() for column, text in cells.items()}
    formulas = [(sheet, position, formula) for sheet in sheets for position, formula in sheet.formulas.items()]
    if not any((sheet.number, *position) in values for sheet, position, _ in formulas):
        sheet, (row, column), formula = formulas[0]
        raise DocumentError(
            Reason.UNSUPPORTED_FORMAT,
            f"{WHAT} whose formulas were never calculated (sheet {sheet.title!r}, {_coordinate(row, column)}: {formula} has no saved value): "
            "open it in Excel or LibreOffice, save it and send it again",
        )
    for sheet, (row, column), _ in formulas:
        if (text := values.get((sheet.number, row, column))) is not None:
            sheet.cells.setdefault(row, {})[column] = text


def _coordinate(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def cell_text(value: object, number_format: str = "General") -> str:
    """A cell's value as the sheet shows it, in NFC: a number with its format's places or at most DECIMALS
    ("1.5", never "1.4999999999999998"), a date as 31/12/2019, text with its line breaks and each line trimmed."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _number(value, number_format)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if value.time() == clock() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, clock):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        return str(value)
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return unicodedata.normalize("NFC", "\n".join(line.strip() for line in lines if line.strip()))


def _number(value: float, number_format: str) -> str:
    """A number in plain digits with a dot: the score parser reads "1.5", and a criterion code 1.1 stays "1.1"."""
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if not number.is_finite():
        return str(value)
    fixed = _FIXED.match(number_format.strip())
    percent = number_format.strip().endswith("%")
    if percent:
        number *= 100
    places = len(fixed.group(1) or "") if fixed else DECIMALS
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not fixed:
        number = number.normalize()
    text = format(number, "f")
    return f"{text}%" if percent else text


def _split(sheet: _Sheet) -> tuple[list[str], list[GridRow], list[str]]:
    """The lines above the table, its rows (every column from its first to its last filled one), the lines below."""
    numbers = sorted(sheet.cells)
    table = [row for row in numbers if len(sheet.cells[row]) >= TABLE_CELLS]
    if not table:
        return [line for row in numbers for line in _lines(sheet.cells[row])], [], []
    first, last = table[0], table[-1]
    inside = [row for row in numbers if first <= row <= last]
    left = min(column for row in inside for column in sheet.cells[row])
    right = max(column for row in inside for column in sheet.cells[row])
    rows = [GridRow(cells=[sheet.cells[row].get(column, "") for column in range(left, right + 1)], page=sheet.number, row=row - 1) for row in inside]
    above = [line for row in numbers if row < first for line in _lines(sheet.cells[row])]
    below = [line for row in numbers if row > last for line in _lines(sheet.cells[row])]
    return above, rows, below


def _lines(cells: dict[int, str]) -> Iterator[str]:
    """A row outside the table as lines: each filled cell from left to right, each line of it."""
    for column in sorted(cells):
        yield from cells[column].split("\n")
