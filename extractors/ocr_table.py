"""Read a table image cell by cell: the heading as text, number columns as numbers, each cell with a confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2

from extractors.heading import APPRAISAL, CODE, MAX, NAME, SELF, column_role
from extractors.ocr_cells import CellImage, cell_image
from extractors.ocr_engine import Charset, Tesseract, Words
from extractors.ocr_grid import Cell, TableImage
from extractors.ocr_image import Gray, Mask
from schemas.vietnamese import nfc

# Columns whose cells hold a code or points: read with the digits-only models.
NUMBER_ROLES: dict[str, Charset] = {CODE: "code", MAX: "points", SELF: "points", APPRAISAL: "points"}
NumberColumns = dict[int, Charset]
HEADING_SEARCH = 8  # the heading starts within this many rows of the table's top
# A number reading at or above this confidence, accounting for every digit and separator, is not retried.
SURE = 90.0
# A number whose digits or separators do not match the marks in the cell is at most this sure.
MISMATCH_CONFIDENCE = 20.0
BLANK_CONFIDENCE = 100.0
_NUMBER = re.compile(r"^[0-9.,]+$")
_WORD = re.compile(r"[^\W\d_]{3,}")  # a word, not a digit misread as a letter or two


@dataclass(frozen=True)
class ReadCell:
    """What one cell says, and how sure the reading is (0 to 100)."""

    text: str
    confidence: float


def read_table(engine: Tesseract, page: Gray, mask: Mask, table: TableImage, dpi: int,
               number_columns: NumberColumns | None = None) -> tuple[list[list[ReadCell]], NumberColumns]:
    """The table's rows of cells, and the columns read as numbers.

    The number columns come from the table's heading; a table without one (continued from the
    previous page without repeating it) takes `number_columns`. A cell merged across columns or rows
    is read once, into its first row and column; the cells it covers are empty and sure.
    """
    rows = [[ReadCell("", BLANK_CONFIDENCE) for _ in range(table.column_count)] for _ in range(table.row_count)]
    by_row: dict[int, list[Cell]] = {}
    for cell in table.cells:
        by_row.setdefault(cell.row, []).append(cell)

    def read_as_text(r: int) -> None:
        for cell in by_row.get(r, []):
            rows[r][cell.column] = _read_text(engine, page, mask, cell, dpi)

    numbers: NumberColumns = dict(number_columns) if number_columns is not None else {}
    heading_end = read_until = -1
    for r in range(min(HEADING_SEARCH, table.row_count)):
        read_as_text(r)
        read_until = r
        if number_columns is not None and not _has_roles(rows[r], 1):
            break  # a continued table starts with its rows: no heading to look for further down
        roles = _roles(rows[: r + 1])
        if SELF in roles.values() and {CODE, NAME} & set(roles.values()):
            heading_end = r
            # A two-row heading ("Điểm" over "Tối đa | Tự đánh giá") names more columns on its second row.
            if r + 1 < table.row_count:
                read_as_text(r + 1)
                read_until = r + 1
                if _has_roles(rows[r + 1], 2):
                    heading_end = r + 1
                    roles = _roles(rows[: r + 2])
            numbers = {c: NUMBER_ROLES[role] for c, role in roles.items() if role in NUMBER_ROLES}
            break
    for r in range(heading_end + 1, table.row_count):
        for cell in by_row.get(r, []):
            if cell.column in numbers and cell.columns == 1:
                rows[r][cell.column] = _read_number(engine, page, mask, cell, dpi, numbers[cell.column])
            elif r > read_until:
                rows[r][cell.column] = _read_text(engine, page, mask, cell, dpi)
    return rows, numbers


def _roles(rows: list[list[ReadCell]]) -> dict[int, str]:
    """Each column's role, from its heading cells read so far (the lowest naming one wins)."""
    roles: dict[int, str] = {}
    for row in rows:
        for column, cell in enumerate(row):
            role = column_role(cell.text)
            if role is not None:
                roles[column] = role
    return roles


def _has_roles(row: list[ReadCell], count: int) -> bool:
    return sum(column_role(cell.text) is not None for cell in row) >= count


def _read_text(engine: Tesseract, page: Gray, mask: Mask, cell: Cell, dpi: int) -> ReadCell:
    prepared = cell_image(page, mask, cell, dpi, numeric=False)
    if prepared.image is None:
        return ReadCell("", BLANK_CONFIDENCE)
    words = engine.read(prepared.image)
    return ReadCell(_clean(words.text), words.confidence)


def _clean(text: str) -> str:
    """NFC lines without the blank ones, as the other readers give a cell."""
    return "\n".join(line for line in (nfc(part) for part in text.split("\n")) if line)


def _accounts_for(text: str, prepared: CellImage) -> bool:
    """Whether a number reading has one digit per glyph and one separator per dot-sized mark."""
    digits = sum(ch.isdigit() for ch in text)
    separators = sum(ch in ".," for ch in text)
    return digits == prepared.glyphs and separators == prepared.marks


def _read_number(engine: Tesseract, page: Gray, mask: Mask, cell: Cell, dpi: int, charset: Charset) -> ReadCell:
    """A code or score cell: digits first, retried other ways when unsure; the best reading wins.

    A reading that is all digits and separators must account for every glyph and dot in the cell,
    or it is marked unsure: tesseract confidently drops the dot of "1.1" or the comma of "1,5".
    A reading in words ("Không áp dụng", "Tổng cộng") is taken from the text model.
    """
    prepared = cell_image(page, mask, cell, dpi, numeric=True)
    if prepared.image is None:
        return ReadCell("", BLANK_CONFIDENCE)
    image = prepared.image
    candidates: list[ReadCell] = []
    attempts = (
        lambda: engine.read(image, charset=charset, mode="line"),
        lambda: engine.read(image, charset=charset, mode="word"),
        lambda: engine.read(cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), charset=charset, mode="line"),
        lambda: engine.read(image, mode="line"),
    )
    for attempt in attempts:
        reading = _judge(attempt(), prepared, charset)
        candidates.append(reading)
        if reading.confidence >= SURE:
            break
    return max(candidates, key=lambda c: c.confidence)


def _judge(words: Words, prepared: CellImage, charset: Charset) -> ReadCell:
    text = nfc(words.text).replace(" ", "")
    if not text:
        return ReadCell("", 0.0)
    if _NUMBER.match(text):
        if charset == "code":
            text = text.replace(",", ".")  # a code has no commas: the mark is its dot, whatever its tail
        sure = words.confidence if _accounts_for(text, prepared) else min(words.confidence, MISMATCH_CONFIDENCE)
        return ReadCell(text, sure)
    if _WORD.search(words.text):
        return ReadCell(nfc(words.text), words.confidence)
    # One letter or a mix of letters and digits where a number belongs: "l" for "1", "O" for "0".
    return ReadCell(nfc(words.text), min(words.confidence, MISMATCH_CONFIDENCE))
