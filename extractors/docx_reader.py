"""Read a Word .docx into running lines and grids by walking its XML.

Only the main document part is parsed, by python-docx's own parsers (they resolve no entities and load no
DTD: tests/test_errors.py) and with its names for relationships and tags. `docx.Document` would parse
every part of the package (styles, numbering, fonts, theme, settings...), none of which is read here,
and that parsing cost more than reading the body. The tree is walked by lxml's own
iterators (text elements, cells), not element by element in Python.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.exceptions import OpcError
from docx.opc.oxml import parse_xml as parse_package_xml
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from lxml import etree

from core.errors import DocumentError, Reason
from extractors.archives import UNPACK_ERRORS
from extractors.limits import DEFAULT_LIMITS, ExtractionLimits
from extractors.package import check_unpacked_size
from schemas.records import DocumentKind, Grid, GridRow, ReadDocument
from schemas.vietnamese import nfc

_PACKAGE_RELS = "_rels/.rels"
_DOCUMENT, _BODY = qn("w:document"), qn("w:body")
_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_T, _TAB, _BR, _CR, _NB_HYPHEN = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")
_TEXT_TAGS = (_T, _TAB, _BR, _CR, _NB_HYPHEN)
_TEXT_OF = {_TAB: " ", _BR: "\n", _CR: "\n", _NB_HYPHEN: "-"}  # what each text element but w:t stands for
_V_MERGE, _VAL = qn("w:vMerge"), qn("w:val")
_TC_PR, _TR_PR = qn("w:tcPr"), qn("w:trPr")
_GRID_SPAN, _GRID_BEFORE, _GRID_AFTER = qn("w:gridSpan"), qn("w:gridBefore"), qn("w:gridAfter")
_PROPERTIES_OF = {(_TC_PR, _TC), (_TR_PR, _TR)}
_NONE: dict[str, etree._Element] = {}
MAX_SPAN = 64  # Word allows 63 columns; a larger span is a damaged file, not a reason to build huge rows
# Text inside these is not the document's current text: mc:Fallback draws a text box again (for older
# readers); w:del and w:moveFrom hold tracked deletions and moved-away text.
_SKIPPED = {
    qn("w:del"),
    qn("w:moveFrom"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
}
# A text box floats outside the flow: its paragraphs and tables are read after those of its anchor.
_TEXT_BOX = qn("w:txbxContent")


def read_docx(data: bytes, sha256: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ReadDocument:
    """The running text (paragraphs outside tables) and every table of a .docx, in document order.

    DocumentError: TOO_LARGE or UNSAFE_ARCHIVE for a package that would unpack past `limits` (a zip
    bomb), DAMAGED for a broken package or XML.
    """
    # python-docx reports a broken package part with whatever error its parser hits, AttributeError included.
    try:
        check_unpacked_size(data, limits, "Word file")
        body = _main_document(data).find(_BODY)
        if body is None:
            raise DocumentError(Reason.DAMAGED, "damaged Word file: its main document has no body (w:body)")
        _unwrap_content_controls(body)
        _drop_skipped(body)
        marks = _grid_marks(body)
        lines: list[str] = []
        grids: list[Grid] = []
        _read_blocks(body, marks, lines, grids)
    except DocumentError:
        raise
    except (OpcError, *UNPACK_ERRORS, NotImplementedError, KeyError, AttributeError, TypeError, etree.LxmlError) as exc:
        raise DocumentError(Reason.DAMAGED, f"damaged Word file: {type(exc).__name__}: {exc}") from exc
    return ReadDocument(sha256=sha256, kind=DocumentKind.DOCX, lines=lines, grids=grids)


def _read_blocks(container: etree._Element, marks: Marks, lines: list[str], grids: list[Grid]) -> None:
    """The paragraphs' lines and the tables of `container` (the body, or a text box) into `lines` and `grids`.

    A text box is taken out of its anchor first, so that its text is not read as the anchor's, then read
    after it, as its own paragraphs and tables.
    """
    for child in container.iterchildren(_P, _TBL):
        boxes = [box for box in child.iter(_TEXT_BOX) if not _inside_text_box(box, child)]
        for box in boxes:
            box.getparent().remove(box)
        if child.tag == _P:
            lines.extend(line for line in _paragraph_text(child).split("\n") if line)
        else:
            grids.append(Grid(table=len(grids), rows=list(_grid_rows(child, marks))))
        for box in boxes:
            _read_blocks(box, marks, lines, grids)


def _inside_text_box(box: etree._Element, top: etree._Element) -> bool:
    """Whether `box` sits inside another text box below `top`: it is read with that one."""
    parent = box.getparent()
    while parent is not None and parent is not top:
        if parent.tag == _TEXT_BOX:
            return True
        parent = parent.getparent()
    return False


def _main_document(data: bytes) -> etree._Element:
    """The root (w:document) of the part the package's relationships name as its main document."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        relationships = parse_package_xml(package.read(_PACKAGE_RELS))  # type: ignore[arg-type]  # annotated str, but lxml parses bytes (python-docx passes bytes too)
        target = next((r.get("Target") for r in relationships if r.get("Type") == RELATIONSHIP_TYPE.OFFICE_DOCUMENT), None)
        if not target:
            raise DocumentError(Reason.DAMAGED, f"damaged Word file: {_PACKAGE_RELS} names no main document")
        root = parse_xml(package.read(posixpath.normpath(target.lstrip("/"))))
    if root.tag != _DOCUMENT:
        raise DocumentError(Reason.DAMAGED, f"damaged Word file: its main part is {root.tag}, not a Word document")
    return root


def _unwrap_content_controls(body: etree._Element) -> None:
    """Replace every content control (w:sdt) and custom-XML wrapper by its content.

    python-docx does not see inside them: a paragraph in a w:sdt is missing and a cell in a w:sdt is
    dropped from its row, shifting the next cells left. Innermost first, so nested wrappers unwrap too.
    """
    wrappers = list(body.iter(_SDT, _CUSTOM_XML))  # in document order: an outer wrapper before those inside it
    for wrapper in reversed(wrappers):
        content = wrapper.find(_SDT_CONTENT) if wrapper.tag == _SDT else wrapper
        parent = wrapper.getparent()
        index = parent.index(wrapper)
        children = [] if content is None else [c for c in content if c.tag not in (qn("w:sdtPr"), qn("w:customXmlPr"))]
        for offset, child in enumerate(children):
            parent.insert(index + offset, child)
        parent.remove(wrapper)


def _drop_skipped(body: etree._Element) -> None:
    """Remove what is not the document's current text (_SKIPPED), so that every walk below can take all it finds."""
    for element in list(body.iter(*_SKIPPED)):
        parent = element.getparent()
        if parent is not None:  # None: inside a skipped element removed already
            parent.remove(element)


def _paragraph_text(paragraph: etree._Element) -> str:
    """A paragraph's text in NFC, line breaks kept as "\\n", each line's white space folded."""
    # lxml walks the paragraph's text elements in C, in document order.
    text = "".join([node.text or "" if node.tag == _T else _TEXT_OF[node.tag] for node in paragraph.iter(*_TEXT_TAGS)])
    if "\n" not in text:
        return nfc(text)
    return "\n".join(nfc(line) for line in text.split("\n"))


Marks = dict[etree._Element, dict[str, etree._Element]]


def _grid_marks(body: etree._Element) -> Marks:
    """Every cell's and row's merge properties (w:gridSpan, w:vMerge; w:gridBefore, w:gridAfter), by the
    w:tc or w:tr they belong to: one pass in C over the body. Looking them up cell by cell (w:tcPr, then
    each property) cost more than reading the cells' text."""
    marks: Marks = {}
    for element in body.iter(_GRID_SPAN, _V_MERGE, _GRID_BEFORE, _GRID_AFTER):
        properties = element.getparent()
        owner = properties.getparent() if properties is not None else None
        # Only a cell's or row's own properties: not the former ones a tracked change keeps (w:tcPrChange).
        if owner is not None and (properties.tag, owner.tag) in _PROPERTIES_OF:
            marks.setdefault(owner, {}).setdefault(element.tag, element)  # the first, as find() takes it
    return marks


def _grid_rows(table: etree._Element, marks: Marks) -> Iterator[GridRow]:
    """One row per w:tr, one cell per grid column, as a PDF table gives it.

    A horizontally merged cell (w:gridSpan) is one w:tc: its text fills its first column and the columns
    it covers are "", so it counts once and the columns after it stay in place. Columns a row skips
    (w:gridBefore, w:gridAfter: a ragged row) are "" too, and so is a cell below a vertical merge.
    """
    for index, tr in enumerate(table.iterchildren(_TR)):
        row_marks = marks.get(tr, _NONE)
        cells = [""] * _grid_value(row_marks.get(_GRID_BEFORE), 0)
        for tc in tr.iterchildren(_TC):
            cell_marks = marks.get(tc, _NONE)
            cells.append("" if _continues_vertical_merge(cell_marks.get(_V_MERGE)) else _cell_text(tc, marks))
            span = _grid_value(cell_marks.get(_GRID_SPAN), 1)
            if span > 1:
                cells.extend([""] * (span - 1))
        cells.extend([""] * _grid_value(row_marks.get(_GRID_AFTER), 0))
        yield GridRow(cells=cells, row=index)


def _grid_value(element: etree._Element | None, default: int) -> int:
    """The value of a w:gridSpan (default 1), w:gridBefore or w:gridAfter (default 0), within 0..MAX_SPAN."""
    if element is None:
        return default
    try:
        return max(default, min(int(element.get(_VAL, default)), MAX_SPAN))
    except ValueError:
        return default


def _cell_text(tc: etree._Element, marks: Marks) -> str:
    """A cell's paragraphs joined by "\\n", then the text of any nested table (each line NFC already)."""
    lines: list[str] = []
    for child in tc.iterchildren(_P, _TBL):
        if child.tag == _P:
            text = _paragraph_text(child)
            if "\n" in text:
                lines.extend(line for line in text.split("\n") if line)
            elif text:
                lines.append(text)
        else:
            for row in _grid_rows(child, marks):
                lines.extend(line for cell in row.cells for line in cell.split("\n") if line)
    return "\n".join(lines)


def _continues_vertical_merge(v_merge: etree._Element | None) -> bool:
    """Whether a cell (by its w:vMerge) continues a vertical merge: the merge's first cell holds the text."""
    # <w:vMerge/> without a value means "continue"; only "restart" starts a merge.
    return v_merge is not None and v_merge.get(_VAL, "continue") != "restart"
