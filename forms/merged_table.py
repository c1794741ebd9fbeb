"""A table with merged cells, drawn in DOCX (gridSpan, vMerge, content controls, nested tables) and PDF alike.

The official writers draw one fixed layout; this draws any grid, so tests can build the layouts units
really send: headings over two rows, columns in another order, a total row merged across two columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.table import Table as DocxTable
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, Table, TableStyle

from forms.fonts import BOLD, REGULAR, register_fonts


class Covered(Enum):
    """A grid position taken by a merged cell: the one on its left, or the one above."""

    LEFT = "left"
    ABOVE = "above"


Value = str | Covered


@dataclass(frozen=True)
class MergedTable:
    """Rows of cell texts (or Covered marks), the first `heading_rows` of them the heading."""

    rows: tuple[tuple[Value, ...], ...]
    widths_cm: tuple[float, ...]
    heading_rows: int = 1
    repeat_heading: bool = True  # repeat the heading at the top of every page
    ruled: bool = True
    bold_rows: frozenset[int] = frozenset()
    plain_columns: frozenset[int] = frozenset()  # PDF: strings that never wrap (codes, points)
    content_controls: frozenset[tuple[int, int]] = frozenset()  # DOCX: (row, column) cells wrapped in w:sdt
    nested: Mapping[tuple[int, int], tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # DOCX: a table in a cell

    def __post_init__(self) -> None:
        width = len(self.widths_cm)
        for index, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"row {index} has {len(row)} cells, the table {width} columns")

    def span(self, row: int, column: int) -> tuple[int, int]:
        """How many columns and rows the cell at (row, column) covers."""
        columns = 1
        while column + columns < len(self.widths_cm) and self.rows[row][column + columns] is Covered.LEFT:
            columns += 1
        rows = 1
        while row + rows < len(self.rows) and self.rows[row + rows][column] is Covered.ABOVE:
            rows += 1
        return columns, rows


# --- DOCX ------------------------------------------------------------------------------------------

_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)
_NO_BORDERS = "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def _paragraphs(text: str, bold: bool) -> str:
    weight = "<w:b/>" if bold else ""
    return "".join(
        f'<w:p><w:r><w:rPr>{weight}<w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in (text.split("\n") if text else [""])
    )


def _nested_xml(rows: tuple[tuple[str, ...], ...]) -> str:
    body = "".join("<w:tr>" + "".join(f"<w:tc>{_paragraphs(cell, False)}</w:tc>" for cell in row) + "</w:tr>" for row in rows)
    return f"<w:tbl><w:tblPr><w:tblBorders>{_BORDERS}</w:tblBorders></w:tblPr>{body}</w:tbl><w:p/>"


def _tc_xml(table: MergedTable, row: int, column: int) -> str:
    value = table.rows[row][column]
    columns, _ = table.span(row, column)
    width = int(sum(table.widths_cm[column : column + columns]) * 567)
    properties = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if columns > 1:
        properties += f'<w:gridSpan w:val="{columns}"/>'
    if value is Covered.ABOVE:
        properties += "<w:vMerge/>"
        content = "<w:p/>"
    else:
        if row + 1 < len(table.rows) and table.rows[row + 1][column] is Covered.ABOVE:
            properties += '<w:vMerge w:val="restart"/>'
        content = _paragraphs(str(value), row in table.bold_rows or row < table.heading_rows)
        if (row, column) in table.nested:
            content += _nested_xml(table.nested[(row, column)])
    cell = f"<w:tc><w:tcPr>{properties}</w:tcPr>{content}</w:tc>"
    if (row, column) in table.content_controls:
        cell = f'<w:sdt><w:sdtPr><w:alias w:val="Điểm"/></w:sdtPr><w:sdtContent>{cell}</w:sdtContent></w:sdt>'
    return cell


def write_merged_docx(document: DocxDocument, table: MergedTable) -> DocxTable:
    """Append `table` to a Word document as one XML fragment (python-docx's cell API cannot write w:sdt cells)."""
    grid = "".join(f'<w:gridCol w:w="{int(w * 567)}"/>' for w in table.widths_cm)
    rows = []
    for r, row in enumerate(table.rows):
        cells = "".join(_tc_xml(table, r, c) for c, value in enumerate(row) if value is not Covered.LEFT)
        header = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if r < table.heading_rows and table.repeat_heading else ""
        rows.append(f"<w:tr>{header}{cells}</w:tr>")
    borders = _BORDERS if table.ruled else _NO_BORDERS
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{int(sum(table.widths_cm) * 567)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )
    tbl = parse_xml(xml)
    document.element.body._insert_tbl(tbl)
    return DocxTable(tbl, document._body)


# --- PDF -------------------------------------------------------------------------------------------

SIZE = 9.0


def merged_pdf_table(table: MergedTable) -> Table:
    """`table` as a ReportLab flowable: merged cells become SPAN commands."""
    data: list[list[object]] = []
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        # Word's default cell margins (0.19 cm): an unruled table keeps its columns apart by them.
        ("LEFTPADDING", (0, 0), (-1, -1), 5.4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5.4),
    ]
    if table.ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    for r, row in enumerate(table.rows):
        bold = r in table.bold_rows or r < table.heading_rows
        cells: list[object] = []
        for c, value in enumerate(row):
            if isinstance(value, Covered):
                cells.append("")
                continue
            columns, rows = table.span(r, c)
            if columns > 1 or rows > 1:
                commands.append(("SPAN", (c, r), (c + columns - 1, r + rows - 1)))
            cells.append(_pdf_cell(value, plain=c in table.plain_columns and r >= table.heading_rows, bold=bold, heading=r < table.heading_rows))
        if bold:
            commands.append(("FONTNAME", (0, r), (-1, r), BOLD))
        data.append(cells)
    flowable = Table(data, colWidths=[w * cm for w in table.widths_cm], repeatRows=table.heading_rows if table.repeat_heading else 0)
    flowable.setStyle(TableStyle(commands))
    return flowable


@cache
def _style(face: str, align: int) -> ParagraphStyle:
    register_fonts()
    return ParagraphStyle(f"merged-{face}-{align}", fontName=face, fontSize=SIZE, leading=SIZE * 1.25, alignment=align)


def _pdf_cell(text: str, *, plain: bool, bold: bool, heading: bool) -> object:
    if plain and not any(ch.isspace() for ch in text):  # "Không áp dụng" must wrap, not spill into the next cell
        return text
    style = _style(BOLD if bold else REGULAR, TA_CENTER if heading else TA_LEFT)
    return Paragraph("<br/>".join(escape(line) for line in text.split("\n")), style)


def row_widths(widths: Sequence[float], total: float) -> tuple[float, ...]:
    """Column widths scaled to fill `total` cm."""
    scale = total / sum(widths)
    return tuple(round(w * scale, 2) for w in widths)


__all__ = ["Covered", "MergedTable", "merged_pdf_table", "row_widths", "write_merged_docx"]
