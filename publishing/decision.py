"""The published decision: a DOCX laid out as a Vietnamese administrative decision (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from schemas.framework import Block, Framework
from schemas.records import RankedUnit
from schemas.vietnamese import format_points

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(13)
TEXT_WIDTH_MM = 210 - 30 - 15  # A4 minus the left and right margins of Nghị định 30
BLANK_NUMBER = "      "  # the number is written in by the clerk (văn thư) when the decision is issued
# Reproducible files need fixed timestamps; without a signing date use the ZIP epoch, clearly "unknown".
UNDATED = datetime(1980, 1, 1, tzinfo=timezone.utc)
_HEAD_TITLES = (  # the head of an agency, by the word its name starts with (longest first)
    ("tổng cục", "Tổng cục trưởng"),
    ("ủy ban nhân dân", "Chủ tịch"),
    ("cục", "Cục trưởng"),
    ("bộ", "Bộ trưởng"),
    ("sở", "Giám đốc"),
)
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


def roman(number: int) -> str:
    """Roman numerals, as appendices are numbered: 1 → "I", 4 → "IV"."""
    if number < 1:
        raise ValueError(f"no Roman numeral for {number}")
    out = []
    for value, symbol in _ROMAN:
        count, number = divmod(number, value)
        out.append(symbol * count)
    return "".join(out)


def vietnamese_date(day: date | None) -> str:
    """ "ngày 30 tháng 12 năm 2020"; days below 10 and months 1 and 2 take a leading zero (Nghị định 30).

    Without a date the day, month and year are left blank for the hand-written date.
    """
    if day is None:
        return f"ngày{BLANK_NUMBER}tháng{BLANK_NUMBER}năm{BLANK_NUMBER}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def head_title(agency: str) -> str:
    """The title of the agency's head: "Tổng cục Hải quan" → "Tổng cục trưởng"."""
    lowered = agency.lower()
    for prefix, title in _HEAD_TITLES:
        if lowered.startswith(prefix + " "):
            return title
    return "Thủ trưởng"


def _symbol(framework: Framework) -> str:
    """The decision's symbol: "QĐ-TCHQ", taken from the framework's own decision or the agency's initials."""
    if framework.decision and "/" in framework.decision:
        return framework.decision.split("/", 1)[1]
    return "QĐ-" + "".join(word[0] for word in framework.agency.split()).upper()


def decision_number(framework: Framework, decision_no: str | None) -> str:
    """ "3751/QĐ-TCHQ" from "3751" or "3751/QĐ-TCHQ"; a blank number when there is none yet."""
    if decision_no and "/" in decision_no:
        return decision_no
    return f"{decision_no or BLANK_NUMBER}/{_symbol(framework)}"


# --- low-level formatting -------------------------------------------------------------------------


# Word rejects or silently drops properties out of schema order, so each inserted element names
# the elements that must follow it (the sequences of ECMA-376 CT_RPr, CT_PPr and CT_TblPr).
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_PPR_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)
_PPR_AFTER_RPR = ("w:sectPr", "w:pPrChange")
_TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _child(parent, tag: str, successors: Sequence[str]):
    """The `tag` child of `parent`, inserted in schema order when missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = parent.insert_element_before(OxmlElement(tag), *successors)
    return found


def _set_fonts(rpr) -> None:
    """Times New Roman for every script slot, so Word never substitutes a font for Vietnamese letters."""
    fonts = rpr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _paragraph(
    container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: Pt = BODY_SIZE,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    first_line_indent: Mm | None = None,
    space_after: Pt = Pt(0),
) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = space_after
    fmt.line_spacing = 1.0
    if first_line_indent is not None:
        fmt.first_line_indent = first_line_indent
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _run(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False, size: Pt = BODY_SIZE):
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    run.font.size = size
    _set_fonts(run._r.get_or_add_rPr())
    return run


def _rule(container, length_mm: float, width_mm: float) -> None:
    """A short centred line under a heading, as Nghị định 30 asks under the agency name and the motto."""
    paragraph = _paragraph(container, size=Pt(2))
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(2)  # clear of the descenders and diacritics below the heading
    side = max((width_mm - length_mm) / 2, 0)
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    ppr = paragraph._p.get_or_add_pPr()
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    _child(ppr, "w:pBdr", _PPR_AFTER_PBDR).append(top)
    # The paragraph mark itself must be tiny, or the line floats a full line below the heading.
    _child(ppr, "w:rPr", _PPR_AFTER_RPR).get_or_add_sz().val = Pt(2)


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


# --- the document ---------------------------------------------------------------------------------


def _setup(document: DocxDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr)
    _child(rpr, "w:lang", _RPR_AFTER_LANG).set(qn("w:val"), "vi-VN")


def _header(document: DocxDocument, framework: Framework, number: str, place_date: str) -> None:
    left_mm, right_mm = 62, TEXT_WIDTH_MM - 62
    table = document.add_table(rows=1, cols=2)
    _borders(table, "nil")
    _layout_table(table, (left_mm, right_mm))
    left, right = (_clear(cell) for cell in table.rows[0].cells)
    if framework.parent_agency:
        _paragraph(left, framework.parent_agency.upper(), size=Pt(13))
    _paragraph(left, framework.agency.upper(), bold=True, size=Pt(13))
    _rule(left, 22, left_mm)
    _paragraph(left, f"Số: {number}", size=Pt(13))
    _paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=Pt(13))
    _paragraph(right, "Độc lập - Tự do - Hạnh phúc", bold=True)
    _rule(right, 68, right_mm)
    _paragraph(right, place_date, italic=True)


def _subject(framework: Framework) -> str:
    return (
        f"Về việc phê duyệt và công bố {framework.program_name} năm {framework.year} "
        f"của các đơn vị thuộc và trực thuộc {framework.agency}"
    )


def _appendix_names(count: int) -> str:
    return "Phụ lục kèm theo" if count == 1 else f"các Phụ lục {', '.join(roman(i) for i in range(1, count + 1))} kèm theo"


def _body(document: DocxDocument, framework: Framework, appendices: int) -> None:
    head = head_title(framework.agency)
    indent = Mm(12.7)
    _paragraph(document, "")
    _paragraph(document, "QUYẾT ĐỊNH", bold=True)
    _paragraph(document, _subject(framework), bold=True)
    _rule(document, 50, TEXT_WIDTH_MM)
    _paragraph(document, "")
    _paragraph(document, f"{head} {framework.agency}".upper(), bold=True, space_after=Pt(6))

    grounds = [f"Căn cứ chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của {framework.agency}"]
    if framework.decision:
        grounds.append(
            f"Căn cứ Quyết định số {framework.decision} ban hành Bộ "
            f"{framework.program_name[:1].lower()}{framework.program_name[1:]}"
        )
    grounds.append(
        f"Căn cứ kết quả tự đánh giá, chấm điểm của các đơn vị và kết quả thẩm định "
        f"{framework.program_name} năm {framework.year}"
    )
    for line in grounds:
        _paragraph(document, line + ";", italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                   first_line_indent=indent, space_after=Pt(6))
    _paragraph(document, f"Theo đề nghị của Chánh Văn phòng {framework.agency}.", italic=True,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=indent, space_after=Pt(6))

    _paragraph(document, "QUYẾT ĐỊNH:", bold=True, space_after=Pt(6))
    articles = (
        f"Phê duyệt và công bố {framework.program_name} năm {framework.year} của các đơn vị thuộc và "
        f"trực thuộc {framework.agency} (chi tiết tại {_appendix_names(appendices)} Quyết định này).",
        "Quyết định này có hiệu lực kể từ ngày ký.",
        f"Chánh Văn phòng {framework.agency}, Thủ trưởng các đơn vị thuộc và trực thuộc "
        f"{framework.agency} chịu trách nhiệm thi hành Quyết định này./.",
    )
    for number, text in enumerate(articles, start=1):
        paragraph = _paragraph(document, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=indent,
                               space_after=Pt(6))
        _run(paragraph, f"Điều {number}. ", bold=True)
        _run(paragraph, text)


def _signature(document: DocxDocument, framework: Framework, signer: str, on_behalf: bool) -> None:
    head = head_title(framework.agency)
    left_mm, right_mm = 80, TEXT_WIDTH_MM - 80
    _paragraph(document, "")
    table = document.add_table(rows=1, cols=2)
    _borders(table, "nil")
    _layout_table(table, (left_mm, right_mm))
    left, right = (_clear(cell) for cell in table.rows[0].cells)
    _paragraph(left, "Nơi nhận:", bold=True, italic=True, size=Pt(12), align=WD_ALIGN_PARAGRAPH.LEFT)
    recipients = ["Như Điều 3;"]
    if framework.parent_agency:
        recipients.append(f"{framework.parent_agency} (để báo cáo);")
    recipients += [f"Lãnh đạo {framework.agency} (để chỉ đạo);", "Lưu: VT, VP."]
    for line in recipients:
        _paragraph(left, f"- {line}", size=Pt(11), align=WD_ALIGN_PARAGRAPH.LEFT)
    if on_behalf:
        _paragraph(right, f"KT. {head}".upper(), bold=True)
        _paragraph(right, f"Phó {head[:1].lower()}{head[1:]}".upper(), bold=True)
    else:
        _paragraph(right, head.upper(), bold=True)
    for _ in range(4):  # room for the signature and the seal
        _paragraph(right, "")
    _paragraph(right, signer, bold=True)


def _appendix(
    document: DocxDocument, framework: Framework, block: Block, lines: Sequence[RankedUnit], index: int, reference: str
) -> None:
    title = _paragraph(document, f"Phụ lục {roman(index)}", bold=True)
    title.paragraph_format.page_break_before = True
    _paragraph(document, f"KẾT QUẢ {framework.program_name.upper()} NĂM {framework.year}", bold=True)
    _paragraph(document, f"KHỐI {block.name.upper()}", bold=True)
    _paragraph(document, reference, italic=True, space_after=Pt(12))

    table = document.add_table(rows=1, cols=4)
    table.style = document.styles["Table Grid"]
    _borders(table, "single")
    _layout_table(table, (15, TEXT_WIDTH_MM - 15 - 35 - 30, 35, 30))
    for cell, text in zip(table.rows[0].cells, ("STT", "Đơn vị", "Điểm", "Xếp hạng"), strict=True):
        _paragraph(_clear(cell), text, bold=True, size=TABLE_SIZE)
    _repeat_header(table)
    for number, line in enumerate(lines, start=1):
        cells = table.add_row().cells
        values = (
            str(number),
            line.unit_name,
            f"{format_points(line.points)}/{format_points(block.max_points)}",
            str(line.rank),
        )
        for position, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.width = table.columns[position].width
            align = WD_ALIGN_PARAGRAPH.LEFT if position == 1 else WD_ALIGN_PARAGRAPH.CENTER
            _paragraph(_clear(cell), text, size=TABLE_SIZE, align=align)


# --- reproducible, atomic output ------------------------------------------------------------------


def _stable_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the package with fixed member timestamps: python-docx stamps every member with "now"."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member))
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_decision_docx(
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
    """Write the decision that publishes `ranking`, with one appendix table per block, to `path`.

    `decision_no` may be "3751" or "3751/QĐ-TCHQ"; without it (and without `signed_on`) the number
    and date are left blank for the clerk, as on a draft. `on_behalf` signs "KT. <head>" as deputy.
    The same inputs always give the same bytes.
    """
    if not ranking:
        raise ValueError("the ranking is empty: there is nothing to publish")
    by_block: dict[str, list[RankedUnit]] = {}
    for line in ranking:
        by_block.setdefault(line.block_id, []).append(line)
    blocks = [block for block in framework.blocks if block.id in by_block]
    for block_id in by_block:
        framework.block(block_id)  # raises ConfigurationError for a block the framework does not have

    number = decision_number(framework, decision_no)
    when = vietnamese_date(signed_on)
    reference = f"(Kèm theo Quyết định số {number} {when} của {head_title(framework.agency)} {framework.agency})"

    document = Document()
    _setup(document)
    _page_number_header(document)
    _header(document, framework, number, f"{place}, {when}")
    _body(document, framework, len(blocks))
    _signature(document, framework, signer, on_behalf)
    for index, block in enumerate(blocks, start=1):
        _appendix(document, framework, block, by_block[block.id], index, reference)

    stamp = datetime.combine(signed_on, datetime.min.time(), timezone.utc) if signed_on else UNDATED
    properties = document.core_properties
    properties.title = f"Quyết định {_subject(framework)[0].lower()}{_subject(framework)[1:]}"
    properties.subject = f"{framework.program_name} năm {framework.year}"
    properties.author = framework.agency
    properties.last_modified_by = framework.agency
    properties.language = "vi-VN"
    properties.revision = 1
    properties.created = stamp
    properties.modified = stamp

    buffer = io.BytesIO()
    document.save(buffer)
    return write_atomically(path, _stable_zip(buffer.getvalue(), stamp))
