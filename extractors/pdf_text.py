"""A born-digital PDF's text through pypdfium2: its lines, two columns on one line kept apart; no tables.

Evidence is read for its text (its own number and date, the numbers it cites), which pdfium gives in
milliseconds a page; pdfplumber's table finding lays out every page with pdfminer first. Nothing here
decides what a file is (extractors.extract does) and nothing is guessed: whatever this text cannot vouch
for — no text, a scanned page, glyphs without Unicode, a legacy Vietnamese font, Vietnamese without its diacritics,
glyphs out of reading order, a file or page pdfium cannot open — gives None, and the full reader
(extractors.pdf_reader) reads the file.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2

from extractors import legacy_fonts, text_quality
from extractors.limits import DEFAULT_LIMITS, ExtractionLimits
from extractors.pdf_reader import COLUMN_GAP, LINE_TOLERANCE, SCANNED_PAGE_TEXT
from schemas.records import DocumentKind, ReadDocument, TextLayer
from schemas.vietnamese import nfc

# How far (pt) a glyph may start left of the one before it on a line: a mark over its letter, kerning.
ORDER_TOLERANCE = 3.0
_SPACES = re.compile(r"(?<=[^\s]) +(?=[^\s])")  # spaces between two glyphs of one line
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # pdfium's stand-ins for glyphs without Unicode


def read_pdf_lines(data: bytes, sha256: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ReadDocument | None:
    """The lines of every page, or None when the text layer alone cannot be trusted (see the module)."""
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None  # damaged or encrypted: the full reader says which, in its words
    try:
        pages = len(pdf)
        if not 0 < pages <= limits.max_pages:
            return None
        lines: list[str] = []
        for index in range(pages):
            page_lines = _page_lines(pdf, index)
            if page_lines is None:
                return None
            lines.extend(page_lines)
    except pypdfium2.PdfiumError:
        return None  # a page pdfium cannot load: the full reader says what is wrong
    finally:
        pdf.close()
    if not trustworthy("\n".join(lines)):
        return None
    return ReadDocument(sha256=sha256, kind=DocumentKind.PDF, pages=pages, lines=lines, grids=[], text_layer=TextLayer.NATIVE)


def scanned_pages(data: bytes, limits: ExtractionLimits = DEFAULT_LIMITS) -> int | None:
    """The page count of a PDF whose every page is scanned (an image, and no more text than a stamp or a
    page number), else None."""
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        pages = len(pdf)
        if not 0 < pages <= limits.max_pages:
            return None
        for index in range(pages):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                if not _scanned(page, textpage.get_text_range()):
                    return None
            finally:
                textpage.close()
                page.close()
        return pages
    except pypdfium2.PdfiumError:
        return None
    finally:
        pdf.close()


def _scanned(page: pypdfium2.PdfPage, text: str) -> bool:
    return len("".join(text.split())) < SCANNED_PAGE_TEXT and any(page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]))


def _page_lines(pdf: pypdfium2.PdfDocument, index: int) -> list[str] | None:
    """The page's lines; None for a scanned page (an image, and no more text than a stamp or a page number)
    or for text out of the page's order, which the full reader and OCR judge."""
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count)
        if _scanned(page, text):
            return None
        if len(text) != count:  # pdfium gives its characters one for one, generated spaces and breaks included
            return None
        breaks = _line_breaks(textpage, text)
        if breaks is None:
            return None
        if breaks:
            chars = list(text)
            for at in breaks:
                chars[at] = "\n"
            text = "".join(chars)
        return [line for line in (" ".join(nfc(row).split()) for row in text.splitlines()) if line]
    finally:
        textpage.close()
        page.close()


def _line_breaks(textpage: pypdfium2.PdfTextPage, text: str) -> set[int] | None:
    """Where a line of pdfium's text must break: at a space wider than COLUMN_GAP (the two blocks of a
    Vietnamese document's header, "Số: 12/QĐ-HQ" | "Đà Nẵng, ngày ...", which pdfium gives as one line), and
    where its text goes back to the left on a lower line (rows of a table it joined). None when glyphs go
    back on their own line (a font fallback's letters can: "T NG C C H I QUAN Ổ"): the text is then not in
    reading order. pdfium parts glyphs that jump with a space of its own, so its spaces are where to look."""
    box = [ctypes.c_double() for _ in range(4)]
    edges = [ctypes.byref(value) for value in box]
    char_box, handle = pypdfium2.raw.FPDFText_GetCharBox, textpage.raw
    breaks: set[int] = set()
    for space in _SPACES.finditer(text):
        before, after = space.start() - 1, space.end()
        if not char_box(handle, before, *edges):
            continue
        before_left, before_right = box[0].value, box[1].value
        if not char_box(handle, after, *edges):
            continue
        after_left = box[0].value
        if after_left < before_left - ORDER_TOLERANCE:
            if abs(_baseline(textpage, after) - _baseline(textpage, before)) <= LINE_TOLERANCE:
                return None
            breaks.add(space.start())
        elif after_left - before_right > COLUMN_GAP:
            breaks.add(space.start())
    return breaks


def _baseline(textpage: pypdfium2.PdfTextPage, index: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    pypdfium2.raw.FPDFText_GetCharOrigin(textpage.raw, index, ctypes.byref(x), ctypes.byref(y))
    return y.value


def trustworthy(text: str) -> bool:
    """Whether `text` is as its author typed it: no glyph without Unicode (pdfium gives control characters
    or U+FFFD for them), no legacy Vietnamese font's bytes, no Vietnamese that lost its diacritics."""
    if not text.strip() or _CONTROL.search(text):
        return False
    return not (text_quality.garbled_glyphs(text) or legacy_fonts.sniff(text) is not None or text_quality.lacks_diacritics(text))
