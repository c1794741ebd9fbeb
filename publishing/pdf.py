"""The published decision as PDF: the shared content model (publishing.content) drawn with ReportLab, fonts embedded."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.errors import ConfigurationError
from forms.fonts import font_dir
from publishing.content import (
    FIRST_LINE_INDENT_MM,
    HEADER_LEFT_MM,
    MARGINS_MM,
    PAGE_MM,
    SIGNATURE_LEFT_MM,
    TABLE_PT,
    TEXT_WIDTH_MM,
    Appendix,
    DecisionContent,
    Element,
    Para,
    Rule,
)

FAMILY = "DejaVuSerif"
# Times New Roman is not free to embed, and the metric-compatible Liberation Serif lacks Vietnamese's
# stacked marks (ộ, ặ, ữ): DejaVu Serif, shipped with matplotlib, has every glyph. It runs about 12 %
# wider than Times, so sizes are scaled to keep lines and pages as the DOCX lays them out.
SCALE = 0.88
_FACES = {(0, 0): "DejaVuSerif", (1, 0): "DejaVuSerif-Bold", (0, 1): "DejaVuSerif-Italic", (1, 1): "DejaVuSerif-BoldItalic"}
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "justify": TA_JUSTIFY}


@cache
def register_serif() -> str:
    """Register the DejaVu Serif family with ReportLab once per process; return its name."""
    directory = font_dir()
    for (bold, italic), name in _FACES.items():
        path = directory / f"{name}.ttf"
        if not path.exists():
            raise ConfigurationError(f"font {path} is missing: the decision PDF needs it for Vietnamese text")
        pdfmetrics.registerFont(TTFont(name, str(path)))
        addMapping(FAMILY, bold, italic, name)  # lets <b> and <i> inside a paragraph pick the right face
    return FAMILY


def _style(para: Para) -> ParagraphStyle:
    size = para.size * SCALE
    return ParagraphStyle(
        "p",
        fontName=FAMILY,
        fontSize=size,
        leading=size * 1.2,
        alignment=_ALIGN[para.align],
        firstLineIndent=FIRST_LINE_INDENT_MM * mm if para.indent else 0,
        spaceAfter=para.space_after * SCALE,
    )


def _markup(para: Para) -> str:
    parts = []
    for run in para.runs:
        text = escape(run.text).replace("  ", "&nbsp; ")  # the blanks left for the clerk must stay visible
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        parts.append(text)
    return "".join(parts)


class _Rule(Flowable):  # type: ignore[misc]  # reportlab has no type hints: Flowable is Any
    """A centred line of fixed length, clear of the diacritics and descenders of the heading above it."""

    def __init__(self, length: float, gap: float = 3, after: float = 3, thickness: float = 0.6) -> None:
        super().__init__()
        self.length, self.gap, self.after, self.thickness = length, gap, after, thickness

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.gap + self.thickness + self.after

    def draw(self) -> None:
        self.canv.setLineWidth(self.thickness)
        start = (self.width - self.length) / 2
        self.canv.line(start, self.after, start + self.length, self.after)


def _flowables(elements: Sequence[Element]) -> list[Flowable]:
    out: list[Flowable] = []
    for element in elements:
        if isinstance(element, Rule):
            out.append(_Rule(element.length_mm * mm))
            continue
        if element.page_break:
            out.append(PageBreak())
        if element.runs:
            out.append(Paragraph(_markup(element), _style(element)))
        else:
            out.append(Spacer(1, element.size * SCALE * 1.2))
    return out


def _two_columns(left_mm: float, left: Sequence[Element], right: Sequence[Element]) -> Table:
    table = Table([[_flowables(left), _flowables(right)]], colWidths=(left_mm * mm, (TEXT_WIDTH_MM - left_mm) * mm))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _appendix(appendix: Appendix) -> list[Flowable]:
    header = _style(Para(size=TABLE_PT, align="center"))
    rows: list[list[Flowable]] = [[Paragraph(f"<b>{escape(c.header)}</b>", header) for c in appendix.columns]]
    for values in appendix.rows:
        rows.append(
            [Paragraph(escape(text), _style(Para(size=TABLE_PT, align=column.align))) for text, column in zip(values, appendix.columns, strict=True)]
        )
    table = Table(rows, colWidths=[c.width_mm * mm for c in appendix.columns], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ]
        )
    )
    return [*_flowables(appendix.heading), table]


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    """Page numbers centred at the top from the second page on (Nghị định 30, Phụ lục I)."""
    canvas.saveState()
    canvas.setFont(FAMILY, 13 * SCALE)
    canvas.drawCentredString((MARGINS_MM[2] + TEXT_WIDTH_MM / 2) * mm, (PAGE_MM[1] - 12) * mm, str(doc.page))
    canvas.restoreState()


def render_pdf(content: DecisionContent) -> bytes:
    """The decision as PDF bytes, fonts embedded (subset); the same content always gives the same bytes."""
    register_serif()
    buffer = io.BytesIO()
    top, bottom, left, right = MARGINS_MM
    document = SimpleDocTemplate(
        buffer,
        pagesize=(PAGE_MM[0] * mm, PAGE_MM[1] * mm),
        topMargin=top * mm,
        bottomMargin=bottom * mm,
        leftMargin=left * mm,
        rightMargin=right * mm,
        title=content.title,
        author=content.author,
        subject=content.subject,
        creator="parindex",
        producer="parindex",
        lang="vi-VN",
        invariant=1,  # no creation date or random document id: reproducible bytes
    )
    story: list[Flowable] = [_two_columns(HEADER_LEFT_MM, content.agency_head, content.motto_head)]
    story += _flowables(content.body)
    story.append(Spacer(1, 14 * SCALE * 1.2))
    story.append(KeepTogether([_two_columns(SIGNATURE_LEFT_MM, content.recipients, content.signature)]))
    for appendix in content.appendices:
        story += _appendix(appendix)
    document.build(story, onLaterPages=_page_number)
    return buffer.getvalue()
