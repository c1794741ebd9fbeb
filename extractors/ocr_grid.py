"""Ruled tables found in a deskewed page image: their rules, rows, columns and (merged) cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np

from extractors.ocr_image import Mask

MM_PER_INCH = 25.4
# A rule is ink running straight for at least this long; letters' strokes are shorter (13 pt capitals
# are ~3.4 mm tall), the shortest table row is ~6 mm.
RULE_MM = 4.5
# Gaps a printed rule may have (toner, scanner) and still count as one rule.
RULE_GAP_MM = 1.0
# A table is at least this wide (share of the page) and has at least this many rows.
MIN_TABLE_WIDTH = 0.25
MIN_TABLE_ROWS = 2
# A cell border exists where at least this share of its length is ruled.
BORDER_COVERAGE = 0.6


@dataclass(frozen=True)
class Cell:
    """A cell of a table image: its grid position, how many rows and columns it spans, its pixel box."""

    row: int
    column: int
    rows: int
    columns: int
    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class TableImage:
    """A ruled table found on a page: the y of its horizontal rules, the x of its vertical rules, its cells."""

    ys: tuple[int, ...]
    xs: tuple[int, ...]
    cells: tuple[Cell, ...]

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    @property
    def row_count(self) -> int:
        return len(self.ys) - 1

    @property
    def column_count(self) -> int:
        return len(self.xs) - 1


@dataclass(frozen=True)
class Rules:
    """The page's ruling: ink that runs straight horizontally and vertically."""

    horizontal: Mask
    vertical: Mask

    @property
    def both(self) -> Mask:
        return cast(Mask, cv2.bitwise_or(self.horizontal, self.vertical))  # uint8 | uint8 stays uint8


def rules(mask: Mask, dpi: int) -> Rules:
    """Horizontal and vertical rules of an ink mask, with small gaps closed."""
    length = max(15, round(RULE_MM * dpi / MM_PER_INCH))
    gap = max(3, round(RULE_GAP_MM * dpi / MM_PER_INCH))
    # A thin rule thresholds into a line that wavers by a pixel and breaks here and there: thickened
    # across its length first, it still runs straight for a whole kernel. Letters do not, thickened or not.
    straight = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    horizontal = cv2.morphologyEx(cv2.dilate(mask, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, straight)
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    vertical = cv2.morphologyEx(cv2.dilate(mask, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, straight.T.copy())
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    # Morphology keeps the mask's dtype; OpenCV's stubs only say "some numeric array".
    return Rules(cast(Mask, horizontal), cast(Mask, vertical))


def find_tables(ruling: Rules, dpi: int) -> list[TableImage]:
    """The ruled tables of a page, top to bottom: connected ruling wide enough, with its rows and columns."""
    page_width = ruling.horizontal.shape[1]
    joined = cv2.dilate(ruling.both, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    tables: list[TableImage] = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if w < MIN_TABLE_WIDTH * page_width:
            continue
        table = _table(ruling, x, y, w, h, dpi)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: t.ys[0])


def _positions(profile: np.ndarray, minimum: float, offset: int) -> list[int]:
    """Centres of the runs of a rule-coverage profile at or above `minimum`."""
    on = profile >= minimum
    positions: list[int] = []
    index = 0
    while index < len(on):
        if on[index]:
            end = index
            while end + 1 < len(on) and on[end + 1]:
                end += 1
            positions.append(offset + (index + end) // 2)
            index = end + 1
        else:
            index += 1
    return positions


def _table(ruling: Rules, x: int, y: int, w: int, h: int, dpi: int) -> TableImage | None:
    shortest = max(15, round(RULE_MM * dpi / MM_PER_INCH))
    horizontal = ruling.horizontal[y : y + h, x : x + w] > 0
    vertical = ruling.vertical[y : y + h, x : x + w] > 0
    # A row rule may cross only some columns (a cell merged downwards), so it need not span the table.
    ys = _positions(horizontal.sum(axis=1), max(2 * shortest, 0.04 * w), y)
    xs = _positions(vertical.sum(axis=0), max(shortest, 0.04 * h), x)
    if len(ys) < MIN_TABLE_ROWS + 1 or len(xs) < 2:
        return None
    return TableImage(tuple(ys), tuple(xs), tuple(_cells(ruling, ys, xs, dpi)))


def _ruled(mask: Mask, horizontal: bool, at: int, start: int, end: int, dpi: int) -> bool:
    """Whether a rule runs along `at` from `start` to `end` (allowing for what is left of the skew)."""
    slack = max(2, round(0.4 * dpi / MM_PER_INCH))
    if end - start <= 2 * slack:
        return True
    if horizontal:
        band = mask[max(0, at - slack) : at + slack + 1, start + slack : end - slack]
        covered = band.max(axis=0) > 0
    else:
        band = mask[start + slack : end - slack, max(0, at - slack) : at + slack + 1]
        covered = band.max(axis=1) > 0
    return bool(covered.mean() >= BORDER_COVERAGE)


def _cells(ruling: Rules, ys: list[int], xs: list[int], dpi: int) -> list[Cell]:
    """The cells of the grid, merging neighbours that no rule separates."""
    rows, columns = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * columns))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(b)] = find(a)

    for r in range(rows):
        for c in range(columns):
            if c + 1 < columns and not _ruled(ruling.vertical, False, xs[c + 1], ys[r], ys[r + 1], dpi):
                union(r * columns + c, r * columns + c + 1)
            if r + 1 < rows and not _ruled(ruling.horizontal, True, ys[r + 1], xs[c], xs[c + 1], dpi):
                union(r * columns + c, (r + 1) * columns + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(columns):
            groups.setdefault(find(r * columns + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members)
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members)
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
    return sorted(cells, key=lambda cell: (cell.row, cell.column))
