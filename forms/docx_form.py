"""The self-assessment form as a Word document (python-docx), and the DOCX building blocks evidence reuses."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell

from forms.form_content import FormContent
from forms.layout import FormLayout, FormRow, Header, Line, form_layout
from forms.merged_table import MergedTable, write_merged_docx

FONT = "Times New Roman"
BODY_SIZE = Pt(13)
TABLE_SIZE = Pt(11)
# STT, name, max, self score, evidence, note: 16.8 cm, the A4 width less the 2.5 + 1.5 cm margins.
COLUMN_WIDTHS = (Cm(1.3), Cm(6.2), Cm(1.7), Cm(1.9), Cm(4.2), Cm(1.5))
NUMERIC_COLUMNS = {0, 2, 3}
# The creation time of blank forms; zip entries get _ZIP_EPOCH. Both keep the bytes the same for the same content.
FIXED_STAMP = datetime(2000, 1, 1)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def new_document() -> DocxDocument:
    """An empty A4 portrait document in Times New Roman 13, the administrative default."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    # The template's Word 2010 "stylesWithEffects" part is optional and is half of every file's size.
    for r_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.drop_rel(r_id)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = BODY_SIZE
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    return document


def write_line(
    target: DocxDocument | _Cell, line: Line, *, align: WD_ALIGN_PARAGRAPH | None = None, size: Pt | None = None, first: bool = False
) -> None:
    """Add `line` as a paragraph; `first` reuses the empty paragraph a new table cell already has."""
    paragraph = target.paragraphs[0] if first else target.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(line.text)
    run.bold = line.style == "bold"
    run.italic = line.style == "italic"
    if size is not None:
        run.font.size = size


def write_columns(
    document: DocxDocument,
    left: Sequence[Line],
    right: Sequence[Line],
    widths: tuple[Length, Length],
    left_align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> Table:
    """Two borderless columns of lines: the header, or the recipients beside the signature."""
    table: Table = document.add_table(rows=1, cols=2)  # python-docx leaves add_table unannotated
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    columns = ((left, left_align), (right, WD_ALIGN_PARAGRAPH.CENTER))
    for column, width in zip(table.columns, widths):
        column.width = width  # LibreOffice sizes columns from the grid, Word from the cells: set both
    for cell, (lines, align), width in zip(table.rows[0].cells, columns, widths):
        cell.width = width
        for i, line in enumerate(lines):
            write_line(cell, line, align=align, size=Pt(12), first=i == 0)
    return table


def write_header(document: DocxDocument, header: Header) -> Table:
    return write_columns(document, header.left, header.right, (Cm(7.3), Cm(9.5)))


_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def _cell_xml(text: str, *, bold: bool, center: bool, width: Length) -> str:
    run = ""
    if text:
        weight = "<w:b/>" if bold else ""
        run = f'<w:r><w:rPr>{weight}<w:sz w:val="{int(TABLE_SIZE.pt * 2)}"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    justify = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width.twips}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p>{justify}{run}</w:p></w:tc>'


def write_score_table(document: DocxDocument, columns: Sequence[str], rows: Sequence[FormRow]) -> Table:
    """The ruled score table: a header row repeated on every page, then one row per criterion.

    The table is written as one XML fragment: python-docx's cell-by-cell API is slower than the rest of the form.
    Borders are explicit so the grid does not depend on the template having a "Table Grid" style.
    """
    grid = "".join(f'<w:gridCol w:w="{w.twips}"/>' for w in COLUMN_WIDTHS)
    header = "".join(_cell_xml(t, bold=True, center=True, width=w) for t, w in zip(columns, COLUMN_WIDTHS))
    body = "".join(
        "<w:tr>"
        + "".join(
            _cell_xml(text, bold=row.bold, center=i in NUMERIC_COLUMNS, width=width) for i, (text, width) in enumerate(zip(row.cells, COLUMN_WIDTHS))
        )
        + "</w:tr>"
        for row in rows
    )
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(w.twips for w in COLUMN_WIDTHS)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        f'<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>{header}</w:tr>{body}</w:tbl>'
    )
    tbl = parse_xml(xml)
    document.element.body._insert_tbl(tbl)
    return Table(tbl, document._body)


def stamp_for(signed_on: date | None) -> datetime:
    """The creation time written into the file: the signing day, or a fixed date for blank forms."""
    return datetime(signed_on.year, signed_on.month, signed_on.day, 8, 0) if signed_on else FIXED_STAMP


def document_bytes(document: DocxDocument, *, title: str, author: str, stamp: datetime) -> bytes:
    """Save `document` reproducibly: fixed core properties and fixed zip entry times."""
    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.last_modified_by = author
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    # python-docx stamps every zip entry with the current time; rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def render_docx(layout: FormLayout, *, author: str, stamp: datetime) -> bytes:
    """Draw a form layout as DOCX bytes."""
    document = new_document()
    write_header(document, layout.header)
    write_line(document, Line(""))
    write_line(document, Line(layout.title, "bold"), align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(14))
    write_line(document, Line(layout.block_line, "bold"), align=WD_ALIGN_PARAGRAPH.CENTER)
    write_line(document, Line(""))
    write_score_table(document, layout.columns, layout.rows)
    write_line(document, Line(""))
    write_columns(document, layout.recipients, layout.signature, (Cm(8.4), Cm(8.4)), WD_ALIGN_PARAGRAPH.LEFT)
    return document_bytes(document, title=layout.title, author=author, stamp=stamp)


def write_form_docx(content: FormContent) -> bytes:
    """The self-assessment form of `content` as a Word document."""
    author = content.unit.name if content.unit else content.framework.agency
    return render_docx(form_layout(content), author=author, stamp=stamp_for(content.signed_on))


def table_document(header: Header, title: str, subtitle: Line, table: MergedTable, *, stamp: datetime) -> bytes:
    """A document as units and appraisers lay one out around a table: the two-column header, the title and a
    line under it, the table (merged cells and all), the head's signature; the same bytes for the same inputs."""
    document = new_document()
    write_header(document, header)
    write_line(document, Line(""))
    write_line(document, Line(title, "bold"), align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(14))
    write_line(document, subtitle, align=WD_ALIGN_PARAGRAPH.CENTER)
    write_merged_docx(document, table)
    write_line(document, Line("THỦ TRƯỞNG ĐƠN VỊ", "bold"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return document_bytes(document, title=title, author="parindex", stamp=stamp)
