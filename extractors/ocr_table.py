"""Read a table image cell by cell: the heading as text, number columns as numbers, each cell with a confidence."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from extractors.heading import APPRAISAL, CODE, COUNCIL, EXPLANATION, MAX, NAME, SELF, column_role
from extractors.ocr_cells import CellImage, PageScan, cell_image
from extractors.ocr_engine import Charset, Tesseract, Words
from extractors.ocr_grid import Cell, TableImage
from schemas.vietnamese import nfc

# Columns whose cells hold a code or points: read with the digits-only models.
NUMBER_ROLES: dict[str, Charset] = {
    CODE: "code",
    MAX: "points",
    SELF: "points",
    APPRAISAL: "points",
    EXPLANATION: "points",
    COUNCIL: "points",
}
NumberColumns = dict[int, Charset]
HEADING_SEARCH = 8  # the heading starts within this many rows of the table's top
# A number whose digits or separators do not match the marks in the cell is at most this sure.
MISMATCH_CONFIDENCE = 20.0
# A lone digit read at least this surely is not read again by the other model.
SURE_DIGIT = 90.0
# A number cell whose readings never agree is at most this sure.
DISAGREEMENT_CONFIDENCE = 50.0
BLANK_CONFIDENCE = 100.0
_NUMBER = re.compile(r"^[0-9.,]+$")
_WORD = re.compile(r"[^\W\d_]{3,}")  # a word, not a digit misread as a letter or two


@dataclass(frozen=True)
class ReadCell:
    """What one cell says, and how sure the reading is (0 to 100)."""

    text: str
    confidence: float


def read_table(
    engine: Tesseract, scan: PageScan, table: TableImage, number_columns: NumberColumns | None = None
) -> tuple[list[list[ReadCell]], NumberColumns]:
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
            rows[r][cell.column] = _read_text(engine, scan, cell)

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
                rows[r][cell.column] = _read_number(engine, scan, cell, numbers[cell.column])
            elif r > read_until:
                rows[r][cell.column] = _read_text(engine, scan, cell)
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


def _read_text(engine: Tesseract, scan: PageScan, cell: Cell) -> ReadCell:
    prepared = cell_image(scan, cell, numeric=False)
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


def _read_number(engine: Tesseract, scan: PageScan, cell: Cell, charset: Charset) -> ReadCell:
    """A code or points cell, read two ways that fail differently; it is sure only where they agree.

    One way reads each digit on its own and places the separators by their shape; the other reads
    the cell whole, as a line or a word. Tesseract can be confidently wrong either way (a serif
    "7,5" read "7,9" at 95 as a line, a lone "1" read as nothing), but rarely both ways alike. The
    cell takes the first text a digit-by-digit and a whole reading agree on: as sure as the surer
    of the two when the first two readings agree, as the less sure one when agreement took retries,
    and unsure when none agree. A whole reading in words ("Không áp dụng") is taken as words.
    """
    prepared = cell_image(scan, cell, numeric=True)
    if prepared.image is None:
        return ReadCell("", BLANK_CONFIDENCE)
    image = prepared.image
    line = _judge(engine.read(image, mode="line"), prepared, charset)
    if _WORD.search(line.text):
        return line
    double = cast(NDArray[np.uint8], cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))  # resizing keeps uint8
    english = engine.has_model("eng")
    digits: list[ReadCell] = []
    wholes: list[ReadCell] = []
    # The two ways alternate, so agreement is looked for after each new reading.
    order: list[tuple[Callable[[], ReadCell], list[ReadCell]]] = [
        (lambda: _digit_by_digit(engine, prepared, charset, _one_digit), digits),
        (lambda: line, wholes),
        *([(lambda: _judge(engine.read(image, charset=charset, mode="line", model="eng"), prepared, charset), wholes)] if english else []),
        (lambda: _digit_by_digit(engine, prepared, charset, _one_digit_again), digits),
        (lambda: _judge(engine.read(image, charset=charset, mode="word"), prepared, charset), wholes),
        (lambda: _judge(engine.read(double, charset=charset, mode="line"), prepared, charset), wholes),
    ]
    for count, (read, readings) in enumerate(order, start=1):
        reading = read()
        if reading.confidence <= MISMATCH_CONFIDENCE:
            continue
        others = wholes if readings is digits else digits
        agreeing = [other for other in others if _same(other.text, reading.text, charset)]
        readings.append(reading)
        if agreeing:
            pair = [reading.confidence, agreeing[0].confidence]
            text = reading.text if readings is wholes else agreeing[0].text
            return ReadCell(text, max(pair) if count == 2 else min(pair))
    candidates = digits + wholes or [line]
    best = max(candidates, key=lambda r: r.confidence)
    return ReadCell(best.text, min(best.confidence, DISAGREEMENT_CONFIDENCE))


def _digit_by_digit(
    engine: Tesseract, prepared: CellImage, charset: Charset, read_digit: Callable[[Tesseract, NDArray[np.uint8]], ReadCell | None]
) -> ReadCell:
    """Each digit read alone, the separators placed by their shape."""
    text: list[str] = []
    confidences: list[float] = []
    for piece in prepared.pieces:
        if piece.image is None:
            text.append("." if charset == "code" else piece.separator)
            continue
        digit = read_digit(engine, piece.image)
        if digit is None:
            return ReadCell("".join(text) + "?", 0.0)
        text.append(digit.text)
        confidences.append(digit.confidence)
    return ReadCell("".join(text), min(confidences, default=0.0))


def _one_digit(engine: Tesseract, image: NDArray[np.uint8]) -> ReadCell | None:
    """One digit by tesseract's English model, surest on lone digits, or by the Vietnamese one when that
    is unsure (the English model reads nothing for some serif "4"); two answers: the less sure."""
    models = ["eng", "vie"] if engine.has_model("eng") else ["vie"]
    found: list[ReadCell] = []
    for model in models:
        words = engine.read(image, charset="digit", mode="char", model=model)
        if len(words.text) == 1:
            found.append(ReadCell(words.text, words.confidence))
            if words.confidence >= SURE_DIGIT:
                break
    if not found:
        return None
    best = max(found, key=lambda r: r.confidence)
    if any(r.text != best.text for r in found):
        return ReadCell(best.text, min(r.confidence for r in found))
    return best


def _one_digit_again(engine: Tesseract, image: NDArray[np.uint8]) -> ReadCell | None:
    """One digit read another way: thresholded, at three quarters of its size, as a line.

    Tesseract on a lone glyph is sensitive to its exact pixels: where one rendering reads nothing
    ("1" in a serif face), another reads it surely.
    """
    sharp = np.where(image < 160, 0, 255).astype(np.uint8)
    small = cast(NDArray[np.uint8], cv2.resize(sharp, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA))  # resizing keeps uint8
    for model in ("vie", "eng") if engine.has_model("eng") else ("vie",):
        words = engine.read(small, charset="digit", mode="line", model=model)
        if len(words.text) == 1:
            return ReadCell(words.text, words.confidence)
    return None


def _same(first: str, second: str, charset: Charset) -> bool:
    """Two readings of a number say the same: for points, a comma and a full stop are the same separator."""
    if charset == "points":
        return first.replace(",", ".") == second.replace(",", ".")
    return first == second


def _judge(words: Words, prepared: CellImage, charset: Charset) -> ReadCell:
    """A reading of a number cell with the confidence it deserves: a number must account for the cell's
    marks; one or two letters where digits belong are a misreading ("l" for "1"); words are words."""
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
