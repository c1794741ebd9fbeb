"""A table cell's image cleaned for OCR: rules, dust and stray marks removed, the text cut out with a margin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from extractors.ocr_grid import Cell
from extractors.ocr_image import Gray, Mask

MM_PER_INCH = 25.4
# Cut just inside the rules' middle; the rules themselves are erased from their own mask.
INSET_MM = 0.15
# How far in from the cut a cell's own rules can reach (their width, ink spread, residual skew).
BORDER_MM = 0.6
# A mark touching the cut that is this thin (and three times as long) is what is left of a rule.
REMNANT_MM = 0.4
# A glyph (not dust) is at least this tall; a full stop or comma is smaller and is judged by its place.
GLYPH_MM = 0.85
# In a number cell, a glyph is at least this share of the tallest one's height; smaller marks are separators.
DIGIT_SHARE = 0.6
# A separator reaching this share of the digits' height below their baseline is a comma, else a full stop.
COMMA_TAIL = 0.1
# Dust smaller than this area (mm²) is scanner grain even where a full stop could be.
GRAIN_MM2 = 0.05
# White margin around the text: tesseract reads poorly when glyphs touch the image border, and loses
# lone digits in a wide one (measured: 10 px reads "5" and "7.1" where 20 px reads nothing).
MARGIN_MM = 0.85


@dataclass(frozen=True)
class PageScan:
    """A deskewed page as cells are cut from it: grey levels, ink, rules and resolution."""

    gray: Gray
    ink: Mask
    rules: Mask
    dpi: int


@dataclass(frozen=True)
class Piece:
    """One mark of a number, left to right: a digit's own image, or a separator ("," or ".") by its shape."""

    image: NDArray[np.uint8] | None = None
    separator: str = ""


@dataclass(frozen=True)
class CellImage:
    """A cell's text ready for OCR (dark text on white), or None when the cell is blank.

    `glyphs` counts the marks of glyph height and `marks` the dot-sized ones kept: in a number cell,
    its digits and its separators, which a reading must account for. A number cell also comes as
    `pieces`, so each digit can be read on its own.
    """

    image: NDArray[np.uint8] | None
    glyphs: int = 0
    marks: int = 0
    pieces: tuple[Piece, ...] = ()

    @property
    def blank(self) -> bool:
        return self.image is None


def cell_image(scan: PageScan, cell: Cell, *, numeric: bool) -> CellImage:
    """The cleaned text of one cell of a page.

    The rules are erased, and what is left of them along the cut is dropped; a letter whose tail
    touches a rule stays. In a number cell a dot-sized mark counts only between two digits on their
    baseline (a decimal separator or the dot of a code like "1.2.1"); elsewhere it is dust. In a text
    cell, small marks next to a letter are kept: they are Vietnamese diacritics and punctuation.
    """
    dpi = scan.dpi
    inset = max(1, round(INSET_MM * dpi / MM_PER_INCH))
    left, top, right, bottom = cell.left + inset, cell.top + inset, cell.right - inset, cell.bottom - inset
    if right - left < 4 or bottom - top < 4:
        return CellImage(None)
    # Only the cell's own borders are erased: the crossbars of "TT" in a bold heading also run straight.
    rules = cv2.dilate(scan.rules[top:bottom, left:right], np.ones((3, 3), np.uint8))
    band = max(2, round(BORDER_MM * dpi / MM_PER_INCH))
    rules[band:-band, band:-band] = 0
    ink = cv2.bitwise_and(scan.ink[top:bottom, left:right], cv2.bitwise_not(rules))
    count, labels_found, stats_found, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # OpenCV's default label type is CV_32S, for the labels and the stats alike.
    labels, stats = cast(NDArray[np.int32], labels_found), cast(NDArray[np.int32], stats_found)
    height, width = ink.shape
    glyph = GLYPH_MM * dpi / MM_PER_INCH
    grain = GRAIN_MM2 * (dpi / MM_PER_INCH) ** 2
    remnant = REMNANT_MM * dpi / MM_PER_INCH
    inside: list[int] = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        touches = x == 0 or y == 0 or x + w == width or y + h == height
        if area < grain or (touches and min(w, h) <= remnant and max(w, h) >= 3 * min(w, h)):
            continue
        inside.append(label)
    glyphs = [label for label in inside if stats[label, 3] >= glyph]
    if not glyphs:
        return CellImage(None)
    if numeric:
        # Digits are all as tall as the tallest; a bold comma may pass the glyph height but is half of it.
        tallest = max(int(stats[label, 3]) for label in glyphs)
        glyphs = [label for label in glyphs if stats[label, 3] >= DIGIT_SHARE * tallest]
    marks = [label for label in inside if label not in glyphs and _belongs(stats, label, glyphs, numeric)]
    kept = np.isin(labels, glyphs + marks)
    x0 = min(int(stats[label, 0]) for label in glyphs + marks)
    y0 = min(int(stats[label, 1]) for label in glyphs + marks)
    x1 = max(int(stats[label, 0] + stats[label, 2]) for label in glyphs + marks)
    y1 = max(int(stats[label, 1] + stats[label, 3]) for label in glyphs + marks)
    # Grey levels keep the glyphs' anti-aliased edges, which the LSTM model reads better than a hard threshold.
    grey = scan.gray[top:bottom, left:right]
    margin = round(MARGIN_MM * dpi / MM_PER_INCH)
    text = _framed(_stretch(_only(grey, kept)[y0:y1, x0:x1]), margin)
    if not numeric:
        return CellImage(text, len(glyphs), len(marks))
    pieces = _pieces(grey, labels, stats, glyphs, marks, margin)
    return CellImage(text, len(glyphs), sum(piece.image is None for piece in pieces), pieces)


def _only(grey: NDArray[np.uint8], kept: NDArray[np.bool_]) -> NDArray[np.uint8]:
    """`grey` where the kept marks are (and their anti-aliased rims), white elsewhere."""
    near = cv2.dilate(kept.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return np.where(near, grey, 255).astype(np.uint8)


def _framed(image: NDArray[np.uint8], margin: int) -> NDArray[np.uint8]:
    return cast(NDArray[np.uint8], cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255))


def _pieces(
    grey: NDArray[np.uint8], labels: NDArray[np.int32], stats: NDArray[np.int32], glyphs: list[int], marks: list[int], margin: int
) -> tuple[Piece, ...]:
    """The digits and separators of a number, left to right; a mark reaching below the digits is a comma."""
    baseline = max(int(stats[g, 1] + stats[g, 3]) for g in glyphs)
    tallest = max(int(stats[g, 3]) for g in glyphs)
    pieces: list[Piece] = []
    for label in sorted(glyphs + marks, key=lambda item: int(stats[item, 0])):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if label in marks:
            pieces.append(Piece(separator="," if y + h > baseline + COMMA_TAIL * tallest else "."))
            continue
        digit = _only(grey[y : y + h, x : x + w], labels[y : y + h, x : x + w] == label)
        pieces.append(Piece(image=_framed(_stretch(digit), margin)))
    # Two marks between the same two digits are one separator (a speck of dust beside the dot, or a
    # comma whose tail broke off): a number never has two separators in a row.
    return tuple(p for i, p in enumerate(pieces) if p.image is not None or i == 0 or pieces[i - 1].image is not None)


def _belongs(stats: NDArray[np.int32], label: int, glyphs: list[int], numeric: bool) -> bool:
    x, y, w, h, _ = (int(v) for v in stats[label])
    centre_x, centre_y = x + w / 2, y + h / 2
    tops = [int(stats[g, 1]) for g in glyphs]
    bottoms = [int(stats[g, 1] + stats[g, 3]) for g in glyphs]
    line_height = max(bottoms) - min(tops)
    if numeric:
        # Between two glyphs of the same line and sitting on their baseline.
        baseline = max(bottoms)
        lefts = [int(stats[g, 0]) + int(stats[g, 2]) / 2 for g in glyphs]
        between = min(lefts) < centre_x < max(lefts)
        on_baseline = abs(y + h - baseline) <= 0.35 * line_height
        return between and on_baseline
    # Diacritics sit right above or below a letter (stacked ones, as in "ể", up to a capital's height
    # above a small letter), punctuation right after one: next to some glyph.
    capital = max(int(stats[g, 3]) for g in glyphs)
    for g in glyphs:
        gx, gy, gw, gh = (int(v) for v in stats[g, :4])
        reach = 0.35 * gh
        if gx - reach <= centre_x <= gx + gw + reach and gy - 0.8 * capital <= centre_y <= gy + gh + 0.4 * gh:
            return True
    return False


def _stretch(text: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Paper tone to white, ink to black: contrast as tesseract expects it."""
    darkest = int(text.min())
    if darkest >= 250:
        return text
    stretched = (text.astype(np.float32) - darkest) * (255.0 / (255 - darkest))
    clipped: NDArray[np.float32] = np.clip(stretched, 0, 255)
    return clipped.astype(np.uint8)
