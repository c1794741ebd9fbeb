"""The published decision as DOCX: the shared content model (publishing.content) drawn with python-docx."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from core.atomic_files import write_atomically
from publishing.content import (
    BODY_PT,
    FIRST_LINE_INDENT_MM,
    HEADER_LEFT_MM,
    MARGINS_MM,
    PAGE_MM,
    SIGNATURE_LEFT_MM,
    TABLE_PT,
    TEXT_WIDTH_MM,
    Align,
    Appendix,
    DecisionContent,
    Element,
    Para,
    Rule,
    Run,
    decision_content,
    decision_number,
    head_title,
    roman,
    vietnamese_date,
)
from publishing.pdf import render_pdf
from publishing.stable_zip import stable_zip
from schemas.framework import Framework
from schemas.records import RankedUnit

__all__ = ["decision_number", "head_title", "render_docx", "roman", "vietnamese_date", "write_decision"]

FONT = "Times New Roman"
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}

# Word rejects or silently drops properties out of schema order, so each inserted element names
# the elements that must follow it (the sequences of ECMA-376 CT_RPr, CT_PPr and CT_TblPr).
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_PPR_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_PPR_AFTER_RPR = ("w:sectPr", "w:pPrChange")
_TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _child(parent: BaseOxmlElement, tag: str, successors: Sequence[str]) -> BaseOxmlElement:
    """The `tag` child of `parent`, inserted in schema order when missing."""
    found: BaseOxmlElement | None = parent.find(qn(tag))
    if found is None:
        found = parent.insert_element_before(OxmlElement(tag), *successors)
    return found


def _set_fonts(rpr: CT_RPr) -> None:
    """Times New Roman for every script slot, so Word never substitutes a font for Vietnamese letters."""
    fonts = rpr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _paragraph(container: DocxDocument | _Cell, para: Para) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = _ALIGN[para.align]
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(para.space_after)
    fmt.line_spacing = 1.0
    if para.indent:
        fmt.first_line_indent = Mm(FIRST_LINE_INDENT_MM)
    if para.page_break:
        fmt.page_break_before = True
    for part in para.runs:
        run = paragraph.add_run(part.text)
        run.bold = part.bold
        run.italic = part.italic
        run.font.size = Pt(para.size)
        _set_fonts(run._r.get_or_add_rPr())
    return paragraph


def _rule(container: DocxDocument | _Cell, rule: Rule, width_mm: float) -> None:
    """A bordered, tiny paragraph: the line sits right under the heading above it."""
    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(2)  # clear of the descenders and diacritics below the heading
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    side = max((width_mm - rule.length_mm) / 2, 0)
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    ppr = paragraph._p.get_or_add_pPr()
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    _child(ppr, "w:pBdr", _PPR_AFTER_PBDR).append(top)
    # The paragraph mark itself must be tiny, or the line floats a full line below the heading.
    _child(ppr, "w:rPr", _PPR_AFTER_RPR).get_or_add_sz().val = Pt(2)


def _elements(container: DocxDocument | _Cell, elements: Sequence[Element], width_mm: float) -> None:
    for element in elements:
        if isinstance(element, Rule):
            _rule(container, element, width_mm)
        else:
            _paragraph(container, element)


def _borders(table: Table, value: str) -> None:
    borders = _child(table._tbl.tblPr, "w:tblBorders", _TBLPR_AFTER_BORDERS)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), value)
        if value != "nil":
            element.set(qn("w:sz"), "4")
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        borders.append(element)


def _layout_table(table: Table, widths_mm: Sequence[float]) -> None:
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _clear(cell: _Cell) -> _Cell:
    """A new cell holds one empty paragraph; remove it so the cell's text starts where we write."""
    for paragraph in cell.paragraphs:
        paragraph._p.getparent().remove(paragraph._p)
    return cell


def _repeat_header(table: Table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _page_number_header(document: DocxDocument) -> None:
    """Page numbers centred at the top from the second page on (Nghị định 30, Phụ lục I)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _setup(document: DocxDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr)
    _child(rpr, "w:lang", _RPR_AFTER_LANG).set(qn("w:val"), "vi-VN")


def _two_columns(document: DocxDocument, left_mm: float, left: Sequence[Element], right: Sequence[Element]) -> None:
    """A borderless two-column table: the header (agency | motto) and the foot (recipients | signature)."""
    widths = (left_mm, TEXT_WIDTH_MM - left_mm)
    table = document.add_table(rows=1, cols=2)
    _borders(table, "nil")
    _layout_table(table, widths)
    for cell, elements, width in zip(table.rows[0].cells, (left, right), widths, strict=True):
        _elements(_clear(cell), elements, width)


def _cell_para(text: str, size: float, align: Align, *, bold: bool = False) -> Para:
    return Para((Run(text, bold=bold),) if text else (), size=size, align=align)


def _appendix(document: DocxDocument, appendix: Appendix) -> None:
    _elements(document, appendix.heading, TEXT_WIDTH_MM)
    table = document.add_table(rows=1, cols=len(appendix.columns))
    table.style = document.styles["Table Grid"]
    _borders(table, "single")
    _layout_table(table, [c.width_mm for c in appendix.columns])
    for cell, column in zip(table.rows[0].cells, appendix.columns, strict=True):
        _paragraph(_clear(cell), _cell_para(column.header, TABLE_PT, "center", bold=True))
    _repeat_header(table)
    for values in appendix.rows:
        cells = table.add_row().cells
        for position, (cell, column, text) in enumerate(zip(cells, appendix.columns, values, strict=True)):
            cell.width = table.columns[position].width
            _paragraph(_clear(cell), _cell_para(text, TABLE_PT, column.align))


def render_docx(content: DecisionContent) -> bytes:
    """The decision as DOCX bytes; the same content always gives the same bytes."""
    document = Document()
    _setup(document)
    _page_number_header(document)
    _two_columns(document, HEADER_LEFT_MM, content.agency_head, content.motto_head)
    _elements(document, content.body, TEXT_WIDTH_MM)
    _paragraph(document, Para())
    _two_columns(document, SIGNATURE_LEFT_MM, content.recipients, content.signature)
    for appendix in content.appendices:
        _appendix(document, appendix)

    properties = document.core_properties
    properties.title = content.title
    properties.subject = content.subject
    properties.author = content.author
    properties.last_modified_by = content.author
    properties.language = "vi-VN"
    properties.revision = 1
    properties.created = content.stamp
    properties.modified = content.stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue(), content.stamp)


def write_decision(
    framework: Framework,
    ranking: Sequence[RankedUnit],
    path: Path,
    *,
    decision_no: str | None = None,
    signed_on: date | None = None,
    signer: str = "",
    place: str = "Hà Nội",
    on_behalf: bool = True,
) -> Path:
    """Write the decision that publishes `ranking`, one appendix table per block, to `path`: PDF when its
    name ends in .pdf, else DOCX; both drawn from the same content.

    `decision_no` may be "3751" or "3751/QĐ-TCHQ"; without it (and without `signed_on`) the number
    and date are left blank for the clerk, as on a draft. `on_behalf` signs "KT. <head>" as deputy.
    The same inputs always give the same bytes.
    """
    content = decision_content(framework, ranking, decision_no=decision_no, signed_on=signed_on, signer=signer, place=place, on_behalf=on_behalf)
    render = render_pdf if path.suffix.lower() == ".pdf" else render_docx
    return write_atomically(path, render(content))
