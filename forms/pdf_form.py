"""The self-assessment form as a PDF (ReportLab, embedded DejaVu Sans), and the PDF building blocks evidence reuses."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from forms.fonts import BOLD, ITALIC, REGULAR, register_fonts
from forms.form_content import FormContent
from forms.layout import FormLayout, FormRow, Header, Line, form_layout

LEFT_MARGIN, RIGHT_MARGIN = 2 * cm, 1.5 * cm
TOP_MARGIN, BOTTOM_MARGIN = 1.5 * cm, 1.5 * cm
PAGE_WIDTH = A4[0] - LEFT_MARGIN - RIGHT_MARGIN
# STT, name, max, self score, evidence, note; the name and evidence columns take what wraps.
COLUMN_WIDTHS = (40.0, 182.0, 46.0, 54.0, 130.0, 44.0)
TABLE_SIZE = 9.0
# Codes and numbers are plain strings so they never wrap: a split "1.1." / "1" would change the code.
PLAIN_COLUMNS = (0, 2, 3)
_FACES = {"plain": REGULAR, "bold": BOLD, "italic": ITALIC}


@cache
def _style(size: float, *, face: str = REGULAR, align: int = TA_CENTER) -> ParagraphStyle:
    register_fonts()
    return ParagraphStyle(f"{face}-{size}-{align}", fontName=face, fontSize=size, leading=size * 1.25, alignment=align)


def paragraph(line: Line, size: float, align: int = TA_CENTER) -> Paragraph:
    return Paragraph(escape(line.text), _style(size, face=_FACES[line.style], align=align))


def body_paragraph(text: str, size: float = 11.0) -> Paragraph:
    """A justified body paragraph with the first line indented, as administrative prose is set."""
    register_fonts()
    style = ParagraphStyle(
        f"body-{size}", fontName=REGULAR, fontSize=size, leading=size * 1.35, alignment=TA_JUSTIFY, firstLineIndent=1 * cm, spaceAfter=6
    )
    return Paragraph(escape(text), style)


def one_line(line: Line, size: float, width: float, align: int = TA_CENTER) -> Paragraph:
    """`line` at `size`, or smaller so it stays on one line: a wrapped unit name no longer reads as one."""
    face = _FACES[line.style]
    register_fonts()
    natural = stringWidth(line.text, face, 1)
    if natural:
        size = max(6.0, min(size, int((width - 2) / natural * 2) / 2))
    return paragraph(line, size, align)


def columns_flowable(left: Sequence[Paragraph], right: Sequence[Paragraph], widths: tuple[float, float]) -> Table:
    """Two unruled columns of paragraphs, each column stacked in one cell."""
    table = Table([[list(left), list(right)]], colWidths=list(widths))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def header_flowable(header: Header) -> Table:
    """The issuer column on the left half, the nation column on the right half."""
    half = PAGE_WIDTH / 2
    left = [one_line(line, 10.5, half) for line in header.left]
    right = [one_line(line, 10.5, half) for line in header.right]
    return columns_flowable(left, right, (half, half))


def _cell(text: str, column: int, bold: bool, header: bool) -> str | Paragraph:
    if column in PLAIN_COLUMNS and not header:
        return text
    align = TA_CENTER if header else TA_LEFT
    return Paragraph(escape(text), _style(TABLE_SIZE, face=BOLD if bold else REGULAR, align=align))


def score_table(columns: Sequence[str], rows: Sequence[FormRow]) -> Table:
    """The ruled score table; its header row repeats at the top of every page."""
    data = [[_cell(title, i, True, True) for i, title in enumerate(columns)]]
    data += [[_cell(text, i, row.bold, False) for i, text in enumerate(row.cells)] for row in rows]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 1), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), TABLE_SIZE),
        ("ALIGN", (0, 1), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("FONTNAME", (0, i), (-1, i), BOLD) for i, row in enumerate(rows, start=1) if row.bold]
    table = Table(data, colWidths=list(COLUMN_WIDTHS), repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def pdf_bytes(story: list[Flowable], *, title: str, author: str) -> bytes:
    """Build `story` on A4 portrait pages; invariant mode keeps the bytes the same for the same content."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=title,
        author=author,
        creator="parindex",
        invariant=1,
        lang="vi",
    )
    document.build(story)
    return buffer.getvalue()


def render_pdf(layout: FormLayout, *, author: str) -> bytes:
    """Draw a form layout as PDF bytes."""
    half = PAGE_WIDTH / 2
    story: list[Flowable] = [
        header_flowable(layout.header),
        Spacer(1, 14),
        one_line(Line(layout.title, "bold"), 13, PAGE_WIDTH),
        Spacer(1, 2),
        paragraph(Line(layout.block_line, "bold"), 11),
        Spacer(1, 10),
        score_table(layout.columns, layout.rows),
        Spacer(1, 14),
        columns_flowable(
            [paragraph(line, 9.5, TA_LEFT) for line in layout.recipients],
            [paragraph(line, 10.5) for line in layout.signature],
            (half, half),
        ),
    ]
    return pdf_bytes(story, title=layout.title, author=author)


def write_form_pdf(content: FormContent) -> bytes:
    """The self-assessment form of `content` as a PDF with embedded, extractable Vietnamese text."""
    author = content.unit.name if content.unit else content.framework.agency
    return render_pdf(form_layout(content), author=author)
