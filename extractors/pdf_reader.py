"""Read a PDF with pdfplumber into running lines and grids, one page at a time, within a page and time budget."""

from __future__ import annotations

import bisect
import io
import struct
import time
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.psexceptions import PSException
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
from pdfplumber.utils.text import extract_text  # the defining module: pdfplumber.utils re-exports it implicitly

from core.errors import DocumentError, Reason
from extractors import legacy_fonts, text_quality
from extractors.limits import DEFAULT_LIMITS, ExtractionLimits
from schemas.records import DocumentKind, Grid, GridRow, ReadDocument, TextLayer
from schemas.vietnamese import nfc

RULED_SETTINGS: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# A ruled table needs at least a top and a bottom rule and a left and a right one.
MIN_RULED_EDGES = 2
# Words whose vertical centres are this close (pt) sit on one visual line.
LINE_TOLERANCE = 3.0
# A horizontal gap wider than this (pt) separates two columns of text, such as the two header blocks.
COLUMN_GAP = 20.0
# Between two cells of a table without rules: wider than a space, narrower than two cell paddings.
CELL_GAP = 8.0
MIN_UNRULED_COLUMNS = 3
# A gap between two lines of an unruled table this much (pt) wider than the tightest one separates rows.
ROW_GAP = 2.0
# A page with an image and fewer glyphs than this is a scan (its few glyphs a stamp or a page number).
SCANNED_PAGE_TEXT = 20
# Share of glyphs drawn twice in place above which a page is de-duplicated.
DOUBLED_GLYPHS = 0.01

# What pdfminer and pdfplumber raise on a broken file; pdfminer also leaks plain Python errors.
_DAMAGE = (
    PdfminerException,
    MalformedPDFException,
    PSException,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    EOFError,
    struct.error,
    zlib.error,
)
Table = list[list[str | None]]


@dataclass
class _Glyphs:
    """What the pages drew: readable glyphs, glyphs without Unicode, legacy-font glyphs, images."""

    text: int = 0
    garbled: int = 0
    legacy: int = 0
    images: int = 0
    scanned_pages: int = 0  # pages that are an image with (next to) no text: a stamp or page number at most

    def add(self, page: Page) -> None:
        text = 0
        for char in page.chars:
            if char["text"].isspace():
                continue
            if text_quality.garbled_glyphs(char["text"]):
                self.garbled += 1
            else:
                text += 1
        self.text += text
        self.images += len(page.images)
        if page.images and text < SCANNED_PAGE_TEXT:
            self.scanned_pages += 1


def read_pdf(data: bytes, sha256: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ReadDocument:
    """The running text and every table of a PDF; grid rows carry their 1-based page.

    DocumentError when the PDF is over `limits` (TOO_LARGE, TIMEOUT), blank (BLANK_DOCUMENT), a scan
    without text (NO_TEXT_LAYER) or text without Unicode (GARBLED_TEXT): the last two are for OCR.
    """
    started = time.monotonic()
    lines: list[str] = []
    grids: list[Grid] = []
    glyphs = _Glyphs()
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            page_count = len(pdf.pages)
            if page_count == 0:  # not blank: a PDF has one page at least, so its page tree is broken
                raise DocumentError(Reason.DAMAGED, "damaged PDF: its page tree lists no page")
            if page_count > limits.max_pages:
                raise DocumentError(Reason.TOO_LARGE, f"PDF of {page_count} pages: at most {limits.max_pages} are read")
            for page in pdf.pages:
                elapsed = time.monotonic() - started
                if elapsed > limits.max_seconds:
                    raise DocumentError(
                        Reason.TIMEOUT,
                        f"reading stopped after {elapsed:.0f} s at page {page.page_number} of {page_count} "
                        f"(limit {limits.max_seconds:g} s per document)",
                    )
                try:
                    glyphs.legacy += _decode_legacy_glyphs(page)
                    glyphs.add(page)
                    page_lines, page_tables = _read_page(page)
                finally:
                    page.close()  # drop the page's cached layout, or memory grows with the page count
                lines.extend(page_lines)
                for rows in page_tables:
                    grids.append(_grid(len(grids), rows, page.page_number))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (MemoryError, SystemError)):  # the interpreter's failure, not damage (pipeline/isolation.py)
            raise cause from None
        if isinstance(cause, PDFEncryptionError):
            raise DocumentError(Reason.ENCRYPTED, "password-protected PDF: send it without a password") from exc
        raise DocumentError(Reason.DAMAGED, f"damaged PDF: {type(cause).__name__}: {cause}") from exc
    except _DAMAGE as exc:
        raise DocumentError(Reason.DAMAGED, f"damaged PDF: {type(exc).__name__}: {exc}") from exc
    _check_text_layer(glyphs, page_count)
    layer = TextLayer.LEGACY_FONT if glyphs.legacy else TextLayer.NATIVE
    if layer is TextLayer.NATIVE and (encoding := legacy_fonts.sniff(_all_text(lines, grids))) is not None:
        # Fonts renamed on the way (or subset without their names) still give their encoding away.
        lines, grids = _decode_document(lines, grids, encoding)
        layer = TextLayer.LEGACY_FONT
    if text_quality.lacks_diacritics(_all_text(lines, grids)):
        layer = TextLayer.NO_DIACRITICS
    return ReadDocument(sha256=sha256, kind=DocumentKind.PDF, pages=page_count, lines=lines, grids=grids, text_layer=layer)


def _check_text_layer(glyphs: _Glyphs, pages: int) -> None:
    """Refuse a PDF whose text cannot be read from its text layer, saying whether OCR could help."""
    if glyphs.text + glyphs.garbled == 0 and not glyphs.images:
        raise DocumentError(Reason.BLANK_DOCUMENT, f"blank PDF: {pages} page(s) without text or images")
    if glyphs.scanned_pages == pages:  # a scan with a typed page is read for its text, without OCR
        raise DocumentError(Reason.NO_TEXT_LAYER, f"scanned PDF: {pages} page(s) of images without a text layer")
    share = glyphs.garbled / (glyphs.text + glyphs.garbled)
    if share > text_quality.GARBLED_SHARE:
        raise DocumentError(
            Reason.GARBLED_TEXT,
            f"the text layer is unreadable: {share:.0%} of its glyphs have no Unicode mapping (shown as '(cid:NN)')",
        )


def _decode_legacy_glyphs(page: Page) -> int:
    """Rewrite, in place, the glyphs the page draws in TCVN3 or VNI fonts as Unicode; return how many."""
    converted = 0
    for char in page.chars:
        legacy = legacy_fonts.font_encoding(char.get("fontname", ""))
        if legacy is not None:
            encoding, capitals = legacy
            char["text"] = legacy_fonts.decode_glyphs(char["text"], encoding, capitals=capitals)
            converted += 1
    return converted


def _all_text(lines: list[str], grids: list[Grid]) -> str:
    return "\n".join([*lines, *(cell for grid in grids for row in grid.rows for cell in row.cells)])


def _decode_document(lines: list[str], grids: list[Grid], encoding: legacy_fonts.LegacyEncoding) -> tuple[list[str], list[Grid]]:
    def decode(text: str) -> str:
        return legacy_fonts.decode(text, encoding)

    decoded = [
        grid.model_copy(update={"rows": [row.model_copy(update={"cells": [decode(c) for c in row.cells]}) for row in grid.rows]}) for grid in grids
    ]
    return [decode(line) for line in lines], decoded


def _read_page(page: Page) -> tuple[list[str], list[Table]]:
    if _has_doubled_glyphs(page):
        page = page.dedupe_chars()
    if len(page.horizontal_edges) >= MIN_RULED_EDGES and len(page.vertical_edges) >= MIN_RULED_EDGES:
        tables = page.find_tables(RULED_SETTINGS)
        boxes = [table.bbox for table in tables]
        outside = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
        return _running_lines(_visual_lines(outside.extract_words())), [_cells(table) for table in tables]
    return _unruled(_visual_lines(page.extract_words()))


def _cells(table: pdfplumber.table.Table) -> Table:
    """The text of every cell of a ruled table: pdfplumber's Table.extract(), its characters found faster.

    extract() tests every character of the page against every row, then the row's against every cell (a
    tenth of reading a form went there). Here the characters are sorted by their vertical middle once and
    each row takes its band by bisection; the test (middle inside the box, right and bottom edges out) and
    the characters' order are extract()'s, so the text is the same (tests/test_extractors.py).
    """
    chars = table.page.chars
    middles = [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2) for c in chars]
    by_middle = sorted(range(len(chars)), key=lambda i: middles[i][1])
    heights = [middles[i][1] for i in by_middle]
    rows: Table = []
    for row in table.rows:
        x0, top, x1, bottom = row.bbox
        band = by_middle[bisect.bisect_left(heights, top) : bisect.bisect_left(heights, bottom)]
        in_row = sorted(i for i in band if x0 <= middles[i][0] < x1)  # in the page's order, as extract() keeps them
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            c0, c_top, c1, c_bottom = cell
            inside = [chars[i] for i in in_row if c0 <= middles[i][0] < c1 and c_top <= middles[i][1] < c_bottom]
            cells.append(extract_text(inside) if inside else "")
        rows.append(cells)
    return rows


def _has_doubled_glyphs(page: Page) -> bool:
    """Whether the page draws glyphs twice in place ("fake bold"), doubling letters in the text.

    pdfplumber's dedupe_chars is exact but costs about a second on a dense page; this check is cheap.
    """
    chars = page.chars
    places = {(c["text"], round(c["x0"]), round(c["top"])) for c in chars}
    return len(chars) - len(places) > DOUBLED_GLYPHS * len(chars)


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


Word = dict[str, Any]
Segment = list[Word]


def _visual_lines(words: Iterable[Word]) -> list[list[Word]]:
    """Words grouped into visual lines (top to bottom), each line's words left to right."""
    visual: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (_middle(w), w["x0"])):
        if visual and abs(_middle(word) - _middle(visual[-1][0])) <= LINE_TOLERANCE:
            visual[-1].append(word)
        else:
            visual.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in visual]


def _middle(word: Word) -> float:
    middle: float = (word["top"] + word["bottom"]) / 2  # pdfplumber's word positions are floats
    return middle


def _segments(line: list[Word], gap: float) -> list[Segment]:
    """A visual line cut wherever the space between two words is wider than `gap`."""
    segments: list[Segment] = []
    for word in line:
        if segments and word["x0"] - segments[-1][-1]["x1"] <= gap:
            segments[-1].append(word)
        else:
            segments.append([word])
    return segments


def _text(segment: Segment) -> str:
    return nfc(" ".join(word["text"] for word in segment))


def _running_lines(visual: list[list[Word]]) -> list[str]:
    """One line per column block of each visual line: the two header blocks side by side become two lines."""
    return [text for line in visual for text in map(_text, _segments(line, COLUMN_GAP)) if text]


def _unruled(visual: list[list[Word]]) -> tuple[list[str], list[Table]]:
    """Tables of a page without rules, found from column gaps, and the running text around them.

    pdfplumber's "text" strategy aligns every word of the page, so on a page with prose it cuts words
    in half and swallows the prose into a "table". Instead, a table is a run of visual lines that split
    into at least MIN_UNRULED_COLUMNS blocks at the gaps between cells; a wrapped cell's extra line
    (one block sitting inside one column) stays in the run. The columns are the union of the blocks.
    """
    running: list[list[Word]] = []
    tables: list[Table] = []
    index = 0
    while index < len(visual):
        run = _table_run(visual, index)
        if run is None:
            running.append(visual[index])
            index += 1
            continue
        end, columns = run
        # A heading whose cells wrap has lines of two blocks or fewer above the first full line: each
        # block under one column, as no title or prose line is.
        start = index
        # (A centred heading block may sit under no column's values: it joins the nearest column.)
        while running and running[-1] is visual[start - 1] and _fits(columns, _segments(running[-1], CELL_GAP)):
            running.pop()
            start -= 1
        tables.append([_group_cells(group, columns) for group in _row_groups(visual[start:end])])
        index = end
    return _running_lines(running), tables


def _row_groups(lines: list[list[Word]]) -> list[list[list[Word]]]:
    """The visual lines of an unruled table grouped into its rows, by the wider spacing between rows.

    A cell wrapped over lines and centred vertically puts lines of its row above and below the line
    with the code; cell padding makes the gap between rows wider than between the lines of a cell.
    Where the gaps are alike, each line is a row (the interpreter joins continuation lines).
    """
    gaps = [min(w["top"] for w in after) - max(w["bottom"] for w in before) for before, after in zip(lines, lines[1:])]
    ordered = sorted(gaps)
    # Rows need the wider gap to recur: one wide gap alone is the space before the text after the table.
    jumps = [(b - a, i) for i, (a, b) in enumerate(zip(ordered, ordered[1:])) if len(ordered) - (i + 1) >= 2]
    jump, at = max(jumps, default=(0.0, 0))
    if jump <= ROW_GAP:
        return [[line] for line in lines]
    threshold = (ordered[at] + ordered[at + 1]) / 2
    groups = [[lines[0]]]
    for gap, line in zip(gaps, lines[1:]):
        if gap > threshold:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _group_cells(group: list[list[Word]], columns: list[list[float]]) -> list[str | None]:
    """One row's cells from its visual lines: each column's lines joined by "\\n"."""
    cells: list[list[str]] = [[] for _ in columns]
    for line in group:
        for column, text in enumerate(_row_cells(_segments(line, CELL_GAP), columns)):
            if text:
                cells[column].append(text)
    return ["\n".join(parts) for parts in cells]


def _table_run(visual: list[list[Word]], start: int) -> tuple[int, list[list[float]]] | None:
    first = _segments(visual[start], CELL_GAP)
    if len(first) < MIN_UNRULED_COLUMNS:
        return None
    columns: list[list[float]] = []
    for segment in first:
        columns = _add_column(columns, segment)
    end, multi = start + 1, 1
    while end < len(visual):
        segments = _segments(visual[end], CELL_GAP)
        if len(segments) >= MIN_UNRULED_COLUMNS:
            for segment in segments:
                columns = _add_column(columns, segment)
            multi += 1
        elif _fits(columns, segments):
            # A wrapped cell's extra line, or a column no full line has shown yet (a name centred on two
            # lines around its row's values, evidence in a column empty so far).
            columns = _with_new_columns(columns, segments)
        else:
            break
        end += 1
    return (end, columns) if multi >= 2 else None


def _fits(columns: list[list[float]], segments: list[Segment]) -> bool:
    """Every block under one column, or under none yet but inside the table's width (its edges are known)."""

    def fits(segment: Segment) -> bool:
        hits = len(_overlapping(columns, segment))
        x0, x1 = _span(segment)
        return hits == 1 or (hits == 0 and columns[0][0] < x0 and x1 < columns[-1][1])

    return bool(segments) and all(fits(segment) for segment in segments)


def _with_new_columns(columns: list[list[float]], segments: list[Segment]) -> list[list[float]]:
    for segment in segments:
        if not _overlapping(columns, segment):
            columns = _add_column(columns, segment)
    return columns


def _span(segment: Segment) -> tuple[float, float]:
    return segment[0]["x0"], segment[-1]["x1"]


def _overlapping(columns: list[list[float]], segment: Segment) -> list[int]:
    x0, x1 = _span(segment)
    return [i for i, (c0, c1) in enumerate(columns) if x0 < c1 and c0 < x1]


def _add_column(columns: list[list[float]], segment: Segment) -> list[list[float]]:
    """Columns with `segment` added: it widens the column it overlaps, or joins the ones it bridges."""
    hit = _overlapping(columns, segment)
    x0, x1 = _span(segment)
    merged = [min([x0, *(columns[i][0] for i in hit)]), max([x1, *(columns[i][1] for i in hit)])]
    return sorted([c for i, c in enumerate(columns) if i not in hit] + [merged])


def _row_cells(segments: list[Segment], columns: list[list[float]]) -> list[str | None]:
    cells: list[list[str]] = [[] for _ in columns]
    for segment in segments:
        x0, x1 = _span(segment)
        best = max(range(len(columns)), key=lambda i: min(x1, columns[i][1]) - max(x0, columns[i][0]))
        cells[best].append(_text(segment))
    return [" ".join(parts) for parts in cells]


def _grid(index: int, rows: Table, page_number: int) -> Grid:
    return Grid(
        table=index,
        rows=[GridRow(cells=[_cell(c) for c in cells], page=page_number, row=r) for r, cells in enumerate(rows)],
    )


def _cell(text: str | None) -> str:
    """A cell's text in NFC; pdfplumber gives None for the cells a merged cell covers."""
    if text is None:
        return ""
    # pdfplumber normalises per glyph; a combining mark drawn as its own glyph is only joined here.
    return "\n".join(line for line in (nfc(part) for part in unicodedata.normalize("NFC", text).split("\n")) if line)
