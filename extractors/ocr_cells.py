"""A table cell's image cleaned for OCR: rules, dust and stray marks removed, the text cut out with a margin."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from extractors.ocr_grid import Cell
from extractors.ocr_image import Gray, Mask

MM_PER_INCH = 25.4
# Cut this far inside the cell's rules, so what is left of a rule after a residual skew stays out.
INSET_MM = 0.45
# A glyph (not dust) is at least this tall; a full stop or comma is smaller and is judged by its place.
GLYPH_MM = 0.85
# In a number cell, a glyph is at least this share of the tallest one's height; smaller marks are separators.
DIGIT_SHARE = 0.6
# Dust smaller than this area (mm²) is scanner grain even where a full stop could be.
GRAIN_MM2 = 0.05
# White margin around the text: tesseract reads poorly when glyphs touch the image border.
MARGIN_PX = 20


@dataclass(frozen=True)
class CellImage:
    """A cell's text ready for OCR (dark text on white), or None when the cell is blank.

    `glyphs` counts the marks of glyph height and `marks` the dot-sized ones kept: in a number cell,
    its digits and its separators, which a reading must account for.
    """

    image: NDArray[np.uint8] | None
    glyphs: int = 0
    marks: int = 0

    @property
    def blank(self) -> bool:
        return self.image is None


def cell_image(page: Gray, mask: Mask, cell: Cell, dpi: int, *, numeric: bool, scale: float = 1.0) -> CellImage:
    """The cleaned text of one cell.

    Components touching the cut (rule remnants, a neighbour's overflow) are dropped. In a number cell
    a dot-sized mark counts only between two digits on their baseline (a decimal separator or the dot
    of a code like "1.2.1"); elsewhere it is dust. In a text cell, small marks near the text are kept:
    they are Vietnamese diacritics.
    """
    inset = max(2, round(INSET_MM * dpi / MM_PER_INCH))
    left, top, right, bottom = cell.left + inset, cell.top + inset, cell.right - inset, cell.bottom - inset
    if right - left < 4 or bottom - top < 4:
        return CellImage(None)
    ink = mask[top:bottom, left:right]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height, width = ink.shape
    glyph = GLYPH_MM * dpi / MM_PER_INCH
    grain = GRAIN_MM2 * (dpi / MM_PER_INCH) ** 2
    inside: list[int] = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if x == 0 or y == 0 or x + w == width or y + h == height or area < grain:
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
    near = cv2.dilate(kept.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    text = np.where(near, page[top:bottom, left:right], 255).astype(np.uint8)[y0:y1, x0:x1]
    text = _stretch(text)
    if scale != 1.0:
        text = cv2.resize(text, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    framed = cv2.copyMakeBorder(text, MARGIN_PX, MARGIN_PX, MARGIN_PX, MARGIN_PX, cv2.BORDER_CONSTANT, value=255)
    return CellImage(framed, len(glyphs), len(marks))


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
    # Diacritics sit right above or below a letter, punctuation right after one: next to some glyph.
    for g in glyphs:
        gx, gy, gw, gh = (int(v) for v in stats[g, :4])
        reach = 0.35 * gh
        if gx - reach <= centre_x <= gx + gw + reach and gy - 0.8 * gh <= centre_y <= gy + gh + 0.4 * gh:
            return True
    return False


def _stretch(text: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Paper tone to white, ink to black: contrast as tesseract expects it."""
    darkest = int(text.min())
    if darkest >= 250:
        return text
    stretched = (text.astype(np.float32) - darkest) * (255.0 / (255 - darkest))
    return np.clip(stretched, 0, 255).astype(np.uint8)
