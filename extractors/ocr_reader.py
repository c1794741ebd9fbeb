"""Read a scanned PDF by OCR into the same grids and lines as the other readers, each cell with its confidence."""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium

from core.errors import DocumentError, Reason
from extractors import header
from extractors.ocr_cells import PageScan
from extractors.ocr_engine import Tesseract, TextLine, Word
from extractors.ocr_grid import TableImage, find_tables, rules
from extractors.ocr_image import Gray, Mask, gray, ink, quarter_turn, rotate, skew_angle
from extractors.ocr_table import NumberColumns, ReadCell, read_table
from extractors.references import SYMBOL_KINDS
from extractors.text_quality import REPLACEMENT
from schemas.records import DocumentKind, Grid, GridRow, ReadDocument, TextLayer
from schemas.vietnamese import fold, nfc

DEFAULT_DPI = 300
# The header of a scanned evidence file: its top part of the first page (letterhead, number, date, title and
# the first lines), read at a resolution that reads 10 pt type.
HEAD_SHARE = 0.3
HEAD_DPI = 200
# Below this confidence a number or a date of a header is left unread: Tesseract's confidence in a right
# "QĐ" number runs from 34 to 92, so the number's shape is the better test.
HEAD_NUMBER_CONFIDENCE = 40.0
# A document number as headers write it ("15/KH-HQĐNg", "673/2019/QĐ-UBND", "05-NQ/TU", "12/HQĐNg-VP"): two
# symbol parts at least, letters only, the first a kind of document or an issuer's longer symbol. A word with
# digits and letters read otherwise is left unread: "16/BC" (its issuer lost), "129/BG-HQHCM" (BC misread).
_SYMBOL = "[A-ZĐ][A-Za-zĐđ&]*"
_EDGE_DUST = "_.,;:-'\""
_NUMBER_SHAPE = re.compile(rf"\d{{1,5}}(?:/(?:19|20)\d\d)?[/-](?P<first>{_SYMBOL})(?:[/-]{_SYMBOL})+")
_ISSUER_SYMBOL = 3  # letters at least of a first part that is no kind ("HQĐNg", "UBND"); "BG" is a misread kind
MIN_DPI, MAX_DPI = 150, 600
# Tesseract's orientation guess is trusted from this confidence on; below it the page stays as it is.
MIN_ORIENTATION_CONFIDENCE = 2.0
MM_PER_INCH = 25.4
GLYPH_MM = 0.85  # running text is at least this tall; smaller marks alone are dust
TABLE_MARGIN_MM = 1.0  # what is this close to a table belongs to it, not to the running text
COLUMN_GAP_MM = 7.0  # wider than this between two words: two columns of text side by side (as the PDF reader)
# A line of running text must say something: signatures and stamp remnants read as stray symbols.
MIN_LINE_CONFIDENCE = 40.0


@dataclass(frozen=True)
class ScannedPage:
    """One page as read: the running text lines, and each table as rows of read cells."""

    lines: list[str]
    tables: list[list[list[ReadCell]]]
    angle: float  # the skew that was corrected, degrees counter-clockwise
    turned: int  # the quarter turn that set the page upright, degrees counter-clockwise


def read_scanned_pdf(data: bytes, sha256: str, *, dpi: int = DEFAULT_DPI, engine: Tesseract | None = None) -> ReadDocument:
    """The running text and tables of a scanned PDF, read by OCR page by page.

    Every page is rendered at `dpi`, set upright, deskewed, its ruled tables cut into cells and each
    cell read on its own. Grid rows carry their 1-based page and each cell's confidence (0 to 100).
    Loading tesseract's models takes longer than reading a page: a caller reading many scans in one process may
    pass its own `engine` (and close it); by default one is opened for this document.

    Raises:
        DocumentError: DAMAGED when pdfium cannot open the file, ENCRYPTED when it needs a password.
        ConfigurationError: when Tesseract or its Vietnamese model is not installed.
    """
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be between {MIN_DPI} and {MAX_DPI}, got {dpi}")
    document = _open(data)
    lines: list[str] = []
    grids: list[Grid] = []
    try:
        page_count = len(document)
        with Tesseract() if engine is None else nullcontext(engine) as reader:
            numbers: NumberColumns | None = None
            for index in range(page_count):
                page = document[index]
                try:
                    pixels = page.render(scale=dpi / 72, grayscale=True).to_numpy()
                finally:
                    page.close()
                scanned, numbers = read_page(reader, gray(pixels), dpi, numbers)
                lines.extend(scanned.lines)
                for rows in scanned.tables:
                    grids.append(_grid(len(grids), rows, index + 1))
    finally:
        document.close()
    return ReadDocument(sha256=sha256, kind=DocumentKind.PDF, pages=page_count, lines=lines, grids=grids)


def read_scanned_head(data: bytes, sha256: str, *, dpi: int = HEAD_DPI, engine: Tesseract | None = None) -> ReadDocument:
    """The lines of the top of a scan's first page (HEAD_SHARE of it), upright and deskewed: an administrative
    document's header, its number and date, its title. Nothing else is read; tables there are read as lines."""
    document = _open(data)
    try:
        pages = len(document)
        page = document[0]
        try:
            pixels = page.render(scale=dpi / 72, grayscale=True).to_numpy()
        finally:
            page.close()
    finally:
        document.close()
    with Tesseract() if engine is None else nullcontext(engine) as reader:
        image = gray(pixels)
        lines = _head_lines(reader, image, dpi)
        if not _reads_as_a_header(lines):
            # Tesseract's orientation guess costs a third of the reading: asked only of a page that does not read upright.
            turned, confidence = reader.orientation(image)
            if turned and confidence >= MIN_ORIENTATION_CONFIDENCE:
                lines = _head_lines(reader, quarter_turn(image, turned), dpi)
    return ReadDocument(sha256=sha256, kind=DocumentKind.PDF, pages=pages, lines=lines, text_layer=TextLayer.OCR_HEADER)


def _head_lines(reader: Tesseract, page: Gray, dpi: int) -> list[str]:
    page = rotate(page, -skew_angle(ink(page)))
    head = page[: round(page.shape[0] * HEAD_SHARE)]
    return running_lines(reader, head, ink(head), [], dpi, sure_numbers=HEAD_NUMBER_CONFIDENCE)


def _reads_as_a_header(lines: list[str]) -> bool:
    """Whether the lines read as the header of a Vietnamese administrative document: its national motto or its date."""
    return header.document_date(lines) is not None or any(motto in fold(line) for line in lines for motto in ("cong hoa xa hoi", "doc lap tu do"))


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentError(Reason.ENCRYPTED, "password-protected PDF: send it without a password") from exc
        raise DocumentError(Reason.DAMAGED, f"damaged PDF: pdfium cannot open it ({exc})") from exc


def read_page(engine: Tesseract, page: Gray, dpi: int, number_columns: NumberColumns | None = None) -> tuple[ScannedPage, NumberColumns | None]:
    """One page image: upright, deskewed, its tables and running text read.

    `number_columns` are the columns read as numbers in the last table of the previous page, for a
    table continued without its heading; the ones of this page's last table are returned.
    """
    turned, confidence = engine.orientation(page)
    if confidence < MIN_ORIENTATION_CONFIDENCE:
        turned = 0
    page = quarter_turn(page, turned)
    angle = skew_angle(ink(page))
    page = rotate(page, -angle)
    mask = ink(page)
    ruling = rules(mask, dpi)
    tables = find_tables(ruling, dpi)
    scan = PageScan(page, mask, ruling.both, dpi)
    read: list[list[list[ReadCell]]] = []
    for table in tables:
        rows, numbers = read_table(engine, scan, table, number_columns)
        if numbers:
            number_columns = numbers
        read.append(rows)
    lines = running_lines(engine, page, mask, tables, dpi)
    return ScannedPage(lines, read, angle, turned), number_columns


def running_lines(engine: Tesseract, page: Gray, mask: Mask, tables: list[TableImage], dpi: int, *, sure_numbers: float = 0.0) -> list[str]:
    """The text outside the tables, one line per column block of each visual line, top to bottom.

    The two header blocks side by side (agency and unit left, nation and date right) become separate
    lines, as the PDF reader gives them. A word with digits read with less confidence than `sure_numbers`,
    or with letters but not shaped as a document number, is left unread (U+FFFD): a number or a date is
    then exact or missing, never wrong.
    """
    outside = mask.copy()
    margin = round(TABLE_MARGIN_MM * dpi / MM_PER_INCH)
    for table in tables:
        left, top, right, bottom = table.box
        outside[max(0, top - margin) : bottom + margin, max(0, left - margin) : right + margin] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(outside, connectivity=8)
    glyph = GLYPH_MM * dpi / MM_PER_INCH
    text = [stats[label] for label in range(1, count) if stats[label, 3] >= glyph]
    if not text:
        return []
    # Only the ink is kept: the grain, the paper's tone and a faint stamp would only add noise.
    near = cv2.dilate(outside, np.ones((3, 3), np.uint8)) > 0
    clean = np.where(near, page, 255).astype(np.uint8)
    # Tesseract's layout analysis costs by the area: give it only the part of the page with ink.
    pad = 2 * margin
    top, left = max(0, min(int(s[1]) for s in text) - pad), max(0, min(int(s[0]) for s in text) - pad)
    bottom, right = max(int(s[1] + s[3]) for s in text) + pad, max(int(s[0] + s[2]) for s in text) + pad
    region = clean[top:bottom, left:right]
    gap = COLUMN_GAP_MM * dpi / MM_PER_INCH
    blocks = [block for line in engine.lines(region, dpi) for block in _split(line, gap)]
    return [" ".join(_word(word, sure_numbers) for word in block) for block in _reading_order(blocks) if _says_something(block)]


def _word(word: Word, sure_numbers: float) -> str:
    text = nfc(word.text)
    if not sure_numbers or not any(ch.isdigit() for ch in text):
        return text
    # Vietnamese has no eth: Tesseract reads Đ as "ĐÐ" or "Ð" at times. Edge marks are the scan's dust.
    text = text.strip(_EDGE_DUST).replace("ĐÐ", "Đ").replace("Ð", "Đ")
    if word.confidence < sure_numbers or (any(ch.isalpha() for ch in text) and not _document_number(text)):
        return REPLACEMENT
    return text


def _document_number(text: str) -> bool:
    shape = _NUMBER_SHAPE.fullmatch(text)
    return shape is not None and (shape["first"] in SYMBOL_KINDS or len(shape["first"]) >= _ISSUER_SYMBOL)


def _split(line: TextLine, gap: float) -> list[TextLine]:
    """A line cut wherever two words stand further apart than `gap`: two columns side by side."""
    blocks: list[TextLine] = []
    for word in line:
        if blocks and word.box[0] - blocks[-1][-1].box[2] <= gap:
            blocks[-1].append(word)
        else:
            blocks.append([word])
    return blocks


def _says_something(block: TextLine) -> bool:
    """Whether a block is text rather than a signature or a stamp's remnant read as stray symbols."""
    letters = sum(ch.isalnum() for word in block for ch in word.text)
    confidence = min(word.confidence for word in block)
    return letters >= 2 and (confidence >= MIN_LINE_CONFIDENCE or letters >= 6)


def _box(block: TextLine) -> tuple[int, int, int, int]:
    return (min(w.box[0] for w in block), min(w.box[1] for w in block), max(w.box[2] for w in block), max(w.box[3] for w in block))


def _reading_order(blocks: list[TextLine]) -> list[TextLine]:
    """Blocks grouped into visual lines (their middles within half a line height), each left to right."""
    visual: list[list[TextLine]] = []
    for block in sorted(blocks, key=lambda b: (_box(b)[1] + _box(b)[3]) / 2):
        left, top, right, bottom = _box(block)
        if visual:
            _, last_top, _, last_bottom = _box(visual[-1][0])
            if abs((top + bottom) / 2 - (last_top + last_bottom) / 2) <= (last_bottom - last_top) / 2:
                visual[-1].append(block)
                continue
        visual.append([block])
    return [block for group in visual for block in sorted(group, key=lambda b: _box(b)[0])]


def _grid(index: int, rows: list[list[ReadCell]], page_number: int) -> Grid:
    return Grid(
        table=index,
        rows=[
            GridRow(cells=[cell.text for cell in cells], page=page_number, row=r, confidence=[round(cell.confidence, 1) for cell in cells])
            for r, cells in enumerate(rows)
        ],
    )
