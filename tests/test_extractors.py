"""Readers and extract_document on DOCX and PDF files built here, bad input, and the official forms round trip."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import types
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import matplotlib
import pytest
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph as DocxParagraph
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.errors import DocumentError, Reason
from extractors import ExtractionLimits, convert_doc_to_docx, extract_document, legacy_fonts, read_document, read_docx, read_pdf
from extractors import extract as extract_module
from extractors.detect import detect_kind
from extractors.extract import OCR_MODULE, evidence_by_text
from extractors.heading import SELF, column_role, may_hold_score_table
from extractors.legacy import libreoffice_convert, soffice_path
from extractors.pdf_text import read_pdf_lines
from samples.variants import VARIANTS, build_variant
from schemas.framework import Criterion, Framework
from schemas.records import DocumentKind, EvidenceDocument, ReadDocument, SelfAssessment, TextLayer
from schemas.units import UnitRegistry

FONT = "DejaVuSans"
LEFT = ["TỔNG CỤC HẢI QUAN", "CỤC HẢI QUAN TỈNH QUẢNG NINH", "Số: 25/BC-HQQN"]
RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Quảng Ninh, ngày 10 tháng 01 năm 2020"]
TITLE = "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019"


# --- building DOCX ---------------------------------------------------------------------------------


def _docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _wrap_in_content_control(element: BaseOxmlElement) -> None:
    """Put a paragraph or a cell inside a w:sdt, as Word templates do for form fields."""
    sdt, properties, content = OxmlElement("w:sdt"), OxmlElement("w:sdtPr"), OxmlElement("w:sdtContent")
    sdt.append(properties)
    sdt.append(content)
    element.addprevious(sdt)
    content.append(element)


def merged_heading_docx() -> bytes:
    """Header paragraphs (the unit line in a content control), a two-row heading with "Điểm" spanning
    "Tối đa | Tự chấm", a self score in a content control, and a nested table in an evidence cell."""
    document = docx.Document()
    for line in (*LEFT, *RIGHT, TITLE):
        document.add_paragraph(line)
    _wrap_in_content_control(document.paragraphs[1]._p)
    table = document.add_table(rows=2, cols=5)
    points = table.cell(0, 2).merge(table.cell(0, 3))
    for column in (0, 1, 4):
        table.cell(0, column).merge(table.cell(1, column))
    table.cell(0, 0).text, table.cell(0, 1).text, points.text = "STT", "Lĩnh vực/Tiêu chí", "Điểm"
    table.cell(0, 4).text = "Tài liệu kiểm chứng"
    table.cell(1, 2).text, table.cell(1, 3).text = "Tối đa", "Tự chấm"
    for cells in (
        ("1.1", "Kế hoạch cải cách hành chính năm", "3", "2,5", "Kế hoạch số 03/KH-HQQN"),
        ("1.1.1", "Ban hành kế hoạch đúng thời hạn", "1", "0.5", ""),
        ("1.1.2", "Kế hoạch xác định đầy đủ nhiệm vụ", "1", "1,00", ""),
    ):
        row = table.add_row()
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    _wrap_in_content_control(table.rows[3].cells[3]._tc)  # the self score of 1.1.1
    nested = table.rows[2].cells[4].add_table(rows=1, cols=2)
    nested.cell(0, 0).text, nested.cell(0, 1).text = "Báo cáo số 10/BC-HQQN", "ngày 15/12/2019"
    total = table.add_row().cells
    total[0].merge(total[1]).text = "Tổng cộng"
    total[2].text, total[3].text = "3", "2,5"
    document.add_paragraph("Nơi nhận:")
    document.add_paragraph("- Vụ Pháp chế;")
    return _docx_bytes(document)


def variant_heading_docx() -> bytes:
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)
    header.cell(0, 0).text = "TỔNG CỤC HẢI QUAN\nCỤC HẢI QUAN TP. ĐÀ NẴNG\nSố: 15/BC-HQĐNg"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐà Nẵng, ngày 05/01/2020"
    document.add_paragraph("BẢNG TỰ CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH")
    document.add_paragraph("NĂM 2019")
    table = document.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, ("Ghi chú", "Điểm tự chấm", "TT", "Thang điểm", "Nội dung"), strict=True):
        cell.text = text
    for values in (("", "1,5", "2.1.1", "1,5", "Góp ý dự thảo văn bản"), ("thiếu", "1", "2.1.2", "1.5", "Chất lượng ý kiến góp ý")):
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    return _docx_bytes(document)


# --- building PDF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def style() -> ParagraphStyle:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")))
    return ParagraphStyle("vi", fontName=FONT, fontSize=10, leading=13)


def _pdf_bytes(story: list[Flowable], **options: object) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, **options).build(story)
    return buffer.getvalue()


def _header(style: ParagraphStyle) -> list[Flowable]:
    columns = Table([[Paragraph("<br/>".join(LEFT), style), Paragraph("<br/>".join(RIGHT), style)]], colWidths=[220, 280])
    return [columns, Spacer(1, 12), Paragraph(TITLE, style), Spacer(1, 12)]


PDF_SCORES = ["1,5", "1.5", "1,50", "1", "0,5"]
PDF_ROWS = 25  # enough to need a second page


def two_page_pdf(style: ParagraphStyle) -> bytes:
    """A ruled table over two pages with its heading repeated; one name is written in NFD."""
    heading = [Paragraph(text, style) for text in ("STT", "Lĩnh vực, tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng")]
    rows: list[list[object]] = [heading]
    for i in range(1, PDF_ROWS + 1):
        name = f"Tiêu chí thành phần số {i} về cải cách hành chính, viết dài để xuống dòng trong ô"
        if i == 1:
            name = unicodedata.normalize("NFD", name)
        rows.append([f"2.{i}", Paragraph(name, style), "2", PDF_SCORES[i % len(PDF_SCORES)], Paragraph(f"Quyết định số {i}/QĐ-HQQN", style)])
    rows.append(["", Paragraph("Tổng cộng", style), "80", "", ""])
    table = Table(rows, repeatRows=1, colWidths=[40, 210, 55, 65, 130])
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return _pdf_bytes([*_header(style), table])


def expected_pdf_score(i: int) -> Decimal:
    return Decimal(PDF_SCORES[i % len(PDF_SCORES)].replace(",", "."))


def unruled_pdf(style: ParagraphStyle) -> bytes:
    rows = [["STT", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"], ["3.1", "Rà soát thủ tục", "4", "3,5"], ["3.2", "Công khai thủ tục", "4", "4"]]
    table = Table(rows, colWidths=[40, 200, 90, 90])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT)]))
    prose = Paragraph("Căn cứ Quyết định số 1500/QĐ-TCHQ ngày 24/5/2019 của Tổng cục trưởng Tổng cục Hải quan ban hành Bộ chỉ số " * 2, style)
    return _pdf_bytes([*_header(style), prose, Spacer(1, 12), table])


def evidence_pdf(style: ParagraphStyle) -> bytes:
    body = [
        Paragraph(text, style)
        for text in (
            "QUYẾT ĐỊNH",
            "Ban hành Kế hoạch cải cách hành chính năm 2019",
            "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch cải cách hành chính năm 2019.",
        )
    ]
    columns = Table(
        [[Paragraph("CỤC HẢI QUAN TỈNH QUẢNG NINH<br/>Số: 12/QĐ-HQQN", style), Paragraph("Quảng Ninh, ngày 05 tháng 01 năm 2019", style)]],
        colWidths=[220, 280],
    )
    return _pdf_bytes([columns, Spacer(1, 12), *body])


# --- DOCX ------------------------------------------------------------------------------------------


def test_read_docx_counts_merged_cells_once_and_unwraps_content_controls() -> None:
    doc = read_docx(merged_heading_docx(), "f" * 64)
    assert doc.kind is DocumentKind.DOCX and doc.pages is None
    assert doc.lines[:3] == LEFT  # the unit line sat in a content control
    assert doc.lines[-2:] == ["Nơi nhận:", "- Vụ Pháp chế;"]
    (grid,) = doc.grids
    assert [row.cells for row in grid.rows] == [
        ["STT", "Lĩnh vực/Tiêu chí", "Điểm", "", "Tài liệu kiểm chứng"],  # "Điểm" spans two columns
        ["", "", "Tối đa", "Tự chấm", ""],
        ["1.1", "Kế hoạch cải cách hành chính năm", "3", "2,5", "Kế hoạch số 03/KH-HQQN\nBáo cáo số 10/BC-HQQN\nngày 15/12/2019"],
        ["1.1.1", "Ban hành kế hoạch đúng thời hạn", "1", "0.5", ""],
        ["1.1.2", "Kế hoạch xác định đầy đủ nhiệm vụ", "1", "1,00", ""],
        ["Tổng cộng", "", "3", "2,5", ""],
    ]
    assert [(row.row, row.page) for row in grid.rows] == [(i, None) for i in range(6)]


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_BOX_XML = (
    f'<w:r xmlns:w="{_W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml">'
    '<mc:AlternateContent><mc:Choice Requires="wps"><wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx></mc:Choice>'
    "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{paragraphs}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
    "</mc:AlternateContent></w:r>"
)


def _text_box(paragraph: DocxParagraph, *lines: str) -> None:
    """A text box anchored in `paragraph`, drawn twice as Word saves it: DrawingML, and VML for older readers."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    paragraph._p.append(parse_xml(_BOX_XML.format(paragraphs=paragraphs)))


def test_read_docx_reads_text_boxes_once_after_their_anchor() -> None:
    """Letterheads and web exports put the unit's name in text boxes; Word's VML copy is not read twice."""
    document = docx.Document()
    anchor = document.add_paragraph("Trước hộp")
    _text_box(anchor, "CỤC HẢI QUAN TỈNH QUẢNG NINH", "Số: 25/BC-HQQN")
    document.add_paragraph("Sau hộp")
    cell = document.add_table(rows=1, cols=1).rows[0].cells[0]
    _text_box(cell.paragraphs[0], "Hộp trong bảng")
    read = read_docx(_docx_bytes(document), "f" * 64)
    assert read.lines == ["Trước hộp", "CỤC HẢI QUAN TỈNH QUẢNG NINH", "Số: 25/BC-HQQN", "Sau hộp", "Hộp trong bảng"]
    assert [row.cells for row in read.grids[0].rows] == [[""]]  # the box is not the cell's text


def test_extract_docx_with_merged_heading() -> None:
    data = merged_heading_docx()
    result = extract_document(data, "bao-cao.docx")
    assert isinstance(result, SelfAssessment)
    assert (result.unit_code, result.year, result.document_number, result.document_date) == ("hq-quang-ninh", 2019, "25/BC-HQQN", date(2020, 1, 10))
    assert [(r.code, r.max_points, r.self_points) for r in result.rows] == [
        ("1.1", Decimal(3), Decimal("2.5")),
        ("1.1.1", Decimal(1), Decimal("0.5")),
        ("1.1.2", Decimal(1), Decimal(1)),
    ]
    assert result.rows[0].evidence == "Kế hoạch số 03/KH-HQQN\nBáo cáo số 10/BC-HQQN\nngày 15/12/2019"
    assert result.stated_total == Decimal("2.5")
    assert result.rows[1].lineage.model_dump() == {"sha256": result.sha256, "page": None, "table": 0, "row": 3}
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_extract_docx_with_variant_headings_in_another_order() -> None:
    result = extract_document(variant_heading_docx(), "bang-diem.docx")
    assert isinstance(result, SelfAssessment)
    assert (result.unit_code, result.year, result.document_number, result.document_date) == ("hq-da-nang", 2019, "15/BC-HQĐNg", date(2020, 1, 5))
    assert [(r.code, r.name, r.max_points, r.self_points) for r in result.rows] == [
        ("2.1.1", "Góp ý dự thảo văn bản", Decimal("1.5"), Decimal("1.5")),
        ("2.1.2", "Chất lượng ý kiến góp ý", Decimal("1.5"), Decimal(1)),
    ]


def test_read_docx_keeps_the_current_text_of_tracked_changes_and_splits_line_breaks() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("CỤC HẢI QUAN TỈNH ")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.append(parse_xml(f'<w:del {w} w:id="1" w:author="a"><w:r><w:delText>AN GIANG</w:delText></w:r></w:del>'))
    paragraph._p.append(parse_xml(f'<w:ins {w} w:id="2" w:author="a"><w:r><w:t>QUẢNG NINH</w:t><w:br/><w:t>Số: 25/BC-HQQN</w:t></w:r></w:ins>'))
    assert read_docx(_docx_bytes(document), "0" * 64).lines == ["CỤC HẢI QUAN TỈNH QUẢNG NINH", "Số: 25/BC-HQQN"]


# --- PDF -------------------------------------------------------------------------------------------


def test_read_pdf_splits_the_two_header_columns_and_keeps_pages(style: ParagraphStyle) -> None:
    doc = read_pdf(two_page_pdf(style), "e" * 64)
    assert doc.kind is DocumentKind.PDF and doc.pages == 2
    assert doc.lines[:7] == [LEFT[0], RIGHT[0], LEFT[1], RIGHT[1], LEFT[2], RIGHT[2], TITLE]
    assert len(doc.grids) == 2
    assert {row.page for row in doc.grids[0].rows} == {1} and {row.page for row in doc.grids[1].rows} == {2}
    assert doc.grids[1].rows[0].cells == doc.grids[0].rows[0].cells  # the repeated heading
    name = doc.grids[0].rows[1].cells[1]
    assert name == unicodedata.normalize("NFC", name) and name.startswith("Tiêu chí thành phần số 1")


def test_extract_two_page_pdf(style: ParagraphStyle) -> None:
    result = extract_document(two_page_pdf(style), "bao-cao.pdf")
    assert isinstance(result, SelfAssessment)
    assert (result.unit_code, result.year, result.document_number, result.document_date) == ("hq-quang-ninh", 2019, "25/BC-HQQN", date(2020, 1, 10))
    assert [r.code for r in result.rows] == [f"2.{i}" for i in range(1, PDF_ROWS + 1)]
    assert [r.self_points for r in result.rows] == [expected_pdf_score(i) for i in range(1, PDF_ROWS + 1)]
    assert all(r.max_points == Decimal(2) for r in result.rows)
    assert result.rows[0].name == "Tiêu chí thành phần số 1 về cải cách hành chính, viết dài để xuống dòng trong ô"
    assert result.rows[-1].evidence == f"Quyết định số\n{PDF_ROWS}/QĐ-HQQN"  # wrapped in its cell
    assert {r.lineage.page for r in result.rows} == {1, 2}
    assert result.stated_total is None  # the total row leaves the self score empty


def _ruled_tables(data: bytes) -> list[tuple[list[list[str | None]], list[list[str | None]]]]:
    """Every ruled table of a PDF as pdfplumber's Table.extract() reads it and as the reader's _cells does."""
    import pdfplumber

    from extractors.pdf_reader import RULED_SETTINGS, _cells

    pairs = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages[:3]:
            pairs += [(table.extract(), _cells(table)) for table in page.find_tables(RULED_SETTINGS)]
            page.close()
    return pairs


def test_ruled_cells_are_read_as_pdfplumber_extracts_them(style: ParagraphStyle, framework: Framework, registry: UnitRegistry) -> None:
    """_cells finds each cell's characters by bisection; its text must stay exactly Table.extract()'s, merged
    cells (None) and characters on a rule included."""
    from forms import write_form_pdf
    from samples import package_for, sample_totals

    unit = next(u for u in registry.units if u.code == "hq-da-nang")
    form = package_for(framework, unit, registry.units.index(unit), sample_totals("tchq", 2019)[unit.code]).form
    pairs = [pair for data in (two_page_pdf(style), write_form_pdf(form)) for pair in _ruled_tables(data)]
    assert len(pairs) >= 4 and sum(len(rows) for rows, _ in pairs) >= 60
    assert [own for _, own in pairs] == [pdfplumber_rows for pdfplumber_rows, _ in pairs]


def test_ruled_cells_of_the_corpus_are_read_as_pdfplumber_extracts_them(corpus: Path) -> None:
    """The same on the corpus's ruled tables: other producers, merged cells, characters on the rules."""
    paths = sorted((corpus / "pdf_tables").glob("*.pdf")) + sorted((corpus / "pdf_vi").glob("*.pdf"))
    pairs = [pair for path in paths for pair in _ruled_tables(path.read_bytes())]
    assert len(pairs) >= 12 and any(None in row for pdfplumber_rows, _ in pairs for row in pdfplumber_rows)
    assert [own for _, own in pairs] == [pdfplumber_rows for pdfplumber_rows, _ in pairs]


def test_extract_pdf_with_a_table_without_rules(style: ParagraphStyle) -> None:
    result = extract_document(unruled_pdf(style), "khong-ke.pdf")
    assert isinstance(result, SelfAssessment)
    assert [(r.code, r.name, r.max_points, r.self_points) for r in result.rows] == [
        ("3.1", "Rà soát thủ tục", Decimal(4), Decimal("3.5")),
        ("3.2", "Công khai thủ tục", Decimal(4), Decimal(4)),
    ]


# --- evidence and self-assessments without a score table ---------------------------------------------


def test_a_document_without_score_table_is_evidence(style: ParagraphStyle) -> None:
    result = extract_document(evidence_pdf(style), "quyet-dinh.pdf")
    assert isinstance(result, EvidenceDocument)
    assert (result.kind, result.pages) == (DocumentKind.PDF, 1)
    assert "Số: 12/QĐ-HQQN" in result.text.split("\n")
    assert "Ban hành Kế hoạch cải cách hành chính năm 2019" in result.text


def test_a_docx_letter_is_evidence() -> None:
    document = docx.Document()
    for line in ("CỤC HẢI QUAN TỈNH QUẢNG NINH", "Số: 30/HQQN-VP", "V/v hướng dẫn tự đánh giá, chấm điểm Chỉ số CCHC năm 2019"):
        document.add_paragraph(line)
    result = extract_document(_docx_bytes(document), "cong-van.docx")
    assert isinstance(result, EvidenceDocument)
    assert result.text.split("\n")[1] == "Số: 30/HQQN-VP"


def test_a_self_assessment_without_score_table_is_rejected() -> None:
    document = docx.Document()
    for line in (*LEFT, TITLE, "Đơn vị đã hoàn thành các nhiệm vụ cải cách hành chính trong năm."):
        document.add_paragraph(line)
    with pytest.raises(DocumentError) as info:
        extract_document(_docx_bytes(document), "bao-cao.docx")
    assert info.value.reason is Reason.NO_SCORE_TABLE


# --- bad input -------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("data", "reason", "message"),
    [
        (b"", Reason.EMPTY_FILE, "empty file (0 bytes)"),
        (b"\x00\x13random bytes", Reason.UNSUPPORTED_FORMAT, "not a PDF or Word file (starts with b'\\x00\\x13random bytes')"),
        (_zip({"notes.txt": b"hello"}), Reason.UNSUPPORTED_FORMAT, "not a PDF or Word file: a zip archive without word/document.xml (1 entries)"),
        # An Excel workbook is read now; one that is only its workbook part is damaged.
        (
            _zip({"xl/workbook.xml": b"<x/>"}),
            Reason.DAMAGED,
            "damaged Excel file: KeyError: \"There is no item named '[Content_Types].xml' in the archive\"",
        ),
        (b"\x89PNG\r\n\x1a\n....", Reason.UNSUPPORTED_FORMAT, "not a PDF or Word file: it is a PNG image"),
        (OLE2 + b"\x00" * 512, Reason.UNSUPPORTED_FORMAT, "an Office 97-2003 file that is not a Word document"),
        (OLE2 + "Workbook".encode("utf-16-le"), Reason.UNSUPPORTED_FORMAT, "not a PDF or Word file: it is a legacy Excel .xls workbook"),
        (OLE2 + "EncryptedPackage".encode("utf-16-le"), Reason.ENCRYPTED, "password-protected Office file: remove the password and send it again"),
        (b"PK\x03\x04 not really a zip", Reason.DAMAGED, "damaged zip/Word file: File is not a zip file"),
        (
            _zip({"bao-cao.pdf": b"%PDF-1.7 stored uncompressed"}),
            Reason.UNSUPPORTED_FORMAT,
            "not a PDF or Word file: a zip archive without word/document.xml (1 entries)",
        ),
        (
            _zip(
                {
                    "_rels/.rels": b'<Relationship Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"/>',
                    "word/document.xml": b"<x/>",
                }
            ),
            Reason.UNSUPPORTED_FORMAT,
            "Word file in Strict Open XML format: save it as a standard Word document (.docx)",
        ),
    ],
)
def test_bad_input_is_rejected_with_its_reason(data: bytes, reason: Reason, message: str) -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(data, "input.bin")
    assert (info.value.reason, info.value.message) == (reason, message)


def test_encrypted_pdf(style: ParagraphStyle) -> None:
    data = _pdf_bytes([Paragraph("Bí mật", style)], encrypt="mat-khau")
    assert detect_kind(data) is DocumentKind.PDF
    with pytest.raises(DocumentError) as info:
        extract_document(data, "khoa.pdf")
    assert info.value.reason is Reason.ENCRYPTED
    assert info.value.message == "password-protected PDF: send it without a password"
    assert info.value.__cause__ is not None


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 2], lambda data: b"%PDF-1.7\n" + b"\x00" * 200],
    ids=["truncated", "no-objects"],
)
def test_damaged_pdf(style: ParagraphStyle, damage: Callable[[bytes], bytes]) -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(damage(two_page_pdf(style)), "hong.pdf")
    assert info.value.reason is Reason.DAMAGED
    assert info.value.message.startswith("damaged PDF: ")
    assert info.value.__cause__ is not None


def test_damaged_docx() -> None:
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document><broken"})
    with pytest.raises(DocumentError) as info:
        extract_document(data, "hong.docx")
    assert info.value.reason is Reason.DAMAGED
    assert info.value.message.startswith("damaged Word file: ")
    assert info.value.__cause__ is not None


# --- the official forms, written and read back -------------------------------------------------------


def _filled_scores(leaves: list[Criterion], step: Decimal) -> dict[str, Decimal]:
    """Full marks, minus one step on every third leaf and zero on the fifth: values of every shape."""
    scores = {leaf.code: leaf.max_points - (step if i % 3 == 0 else 0) for i, leaf in enumerate(leaves)}
    scores[leaves[4].code] = Decimal(0)
    return scores


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("unit_code", ["hq-da-nang", "vu-phap-che"])
def test_official_form_round_trip(fmt: str, unit_code: str, framework: Framework, registry: UnitRegistry) -> None:
    forms = pytest.importorskip("forms")
    unit = registry.get(unit_code)
    block = framework.block(unit.block)
    leaves = block.leaves()
    scores = _filled_scores(leaves, framework.step)
    evidence = {leaves[0].code: "Kế hoạch số 03/KH-HQĐNg ngày 05/01/2019", leaves[1].code: "Báo cáo số 7/BC-HQĐNg"}
    content = forms.FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores=scores,
        evidence=evidence,
        document_number="15/BC-HQĐNg",
        place="Đà Nẵng",
        signed_on=date(2020, 1, 5),
    )
    result = extract_document(forms.write_form(content, fmt), f"form.{fmt}")

    assert isinstance(result, SelfAssessment)
    assert (result.unit_code, result.year) == (unit.code, framework.year)
    assert (result.document_number, result.document_date) == ("15/BC-HQĐNg", date(2020, 1, 5))
    read = {row.code: row for row in result.rows}
    assert list(read) == [node.code for node in block.walk()]
    assert {code: read[code].self_points for code in scores} == scores
    for node in block.walk():
        assert (read[node.code].name, read[node.code].max_points) == (node.name, node.max_points)
        if node.children:  # parents print the sum of their children
            assert read[node.code].self_points == sum((scores[leaf.code] for leaf in node.walk() if leaf.is_leaf), Decimal(0))
    assert " ".join(read[leaves[0].code].evidence.split()) == evidence[leaves[0].code]
    assert result.stated_total == sum(scores.values(), Decimal(0))


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_blank_official_form_names_no_unit(fmt: str, framework: Framework) -> None:
    forms = pytest.importorskip("forms")
    data = forms.write_form(forms.blank_form(framework, "cuc-hq-tinh"), fmt)
    doc = read_docx(data, "0" * 64) if fmt == "docx" else read_pdf(data, "0" * 64)
    maxima = [row.cells[2] for grid in doc.grids for row in grid.rows if row.cells[:1] == ["1.1.1"]]
    assert maxima == ["1"]  # the table is there, with its maxima
    with pytest.raises(DocumentError) as info:
        extract_document(data, f"mau.{fmt}")
    assert info.value.reason is Reason.UNIT_UNKNOWN


# --- limits ------------------------------------------------------------------------------------------


def test_limits_stop_large_long_and_slow_documents(style: ParagraphStyle) -> None:
    data = two_page_pdf(style)
    cases = [
        (ExtractionLimits(max_bytes=1000), Reason.TOO_LARGE, f"file of {len(data) / 2**20:.1f} MB: at most 0.000953674 MB are read"),
        (ExtractionLimits(max_pages=1), Reason.TOO_LARGE, "PDF of 2 pages: at most 1 are read"),
    ]
    for limits, reason, message in cases:
        with pytest.raises(DocumentError) as info:
            extract_document(data, "bao-cao.pdf", limits=limits)
        assert (info.value.reason, info.value.message) == (reason, message)
    with pytest.raises(DocumentError) as info:
        extract_document(data, "bao-cao.pdf", limits=ExtractionLimits(max_seconds=1e-9))
    assert info.value.reason is Reason.TIMEOUT
    assert info.value.message.endswith("at page 1 of 2 (limit 1e-09 s per document)")


@pytest.mark.parametrize(
    "bad", [dict(max_pages=0), dict(max_seconds=-1.0), dict(max_bytes="1"), dict(conversion_timeout=True), dict(max_ocr_pages=-1)]
)
def test_extraction_limits_are_checked_on_construction(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ExtractionLimits"):
        ExtractionLimits(**bad)  # type: ignore[arg-type]  # wrong values on purpose: the constructor must refuse them
    assert ExtractionLimits(max_ocr_pages=0).max_ocr_pages == 0  # zero turns OCR off


# --- text layers: blank, scanned (OCR hook), garbled, legacy fonts, lost diacritics ------------------


class _Image(Flowable):  # type: ignore[misc]  # reportlab has no type hints: Flowable is Any
    """A filled rectangle drawn as an image, as a scanner makes a page."""

    def wrap(self, *_: object) -> tuple[float, float]:
        return 200, 100

    def draw(self) -> None:
        from PIL import Image
        from reportlab.lib.utils import ImageReader

        self.canv.drawImage(ImageReader(Image.new("RGB", (40, 20), "gray")), 0, 0, 200, 100)


def scanned_pdf(pages: int = 1, stamp: str = "") -> bytes:
    """Image-only pages; `stamp` is a little text a scanner or a clerk adds (a page number, a date)."""
    from reportlab.platypus import PageBreak

    story: list[Flowable] = []
    for page in range(pages):
        story += [_Image()] + ([Paragraph(stamp, ParagraphStyle("stamp", fontSize=6))] if stamp else [])
        story += [PageBreak()] if page < pages - 1 else []
    return _pdf_bytes(story)


def test_a_blank_pdf_and_a_blank_docx_are_refused() -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(_pdf_bytes([Spacer(1, 10)]), "trang-trang.pdf")
    assert (info.value.reason, info.value.message) == (Reason.BLANK_DOCUMENT, "blank PDF: 1 page(s) without text or images")
    with pytest.raises(DocumentError) as info:
        extract_document(_docx_bytes(docx.Document()), "trang-trang.docx")
    assert (info.value.reason, info.value.message) == (Reason.BLANK_DOCUMENT, "blank DOCX document: it holds no text")


def test_a_scan_goes_to_the_ocr_hook(style: ParagraphStyle, monkeypatch: pytest.MonkeyPatch) -> None:
    scan = scanned_pdf()
    read = read_pdf(two_page_pdf(style), "0" * 64)  # what the OCR engine is made to "see"
    confident = [row.model_copy(update={"confidence": [90.0] * len(row.cells)}) for row in read.grids[0].rows]
    confident[2] = confident[2].model_copy(update={"confidence": [95.0, 99.0, 97.0, 41.5, 12.0]})  # row 2.2: self score unsure
    seen: list[str] = []

    def read_scanned_pdf(data: bytes, sha256: str) -> ReadDocument:
        seen.append(sha256)
        grids = [read.grids[0].model_copy(update={"rows": confident}), *read.grids[1:]]
        return read.model_copy(update={"sha256": sha256, "grids": grids})

    monkeypatch.setitem(sys.modules, OCR_MODULE, types.SimpleNamespace(read_scanned_pdf=read_scanned_pdf))
    result = extract_document(scan, "scan.pdf")
    assert isinstance(result, SelfAssessment)
    assert seen == [hashlib.sha256(scan).hexdigest()] == [result.sha256]
    assert result.text_layer is TextLayer.OCR
    assert [r.confidence for r in result.rows[:3]] == [90.0, 41.5, 90.0]  # the lowest of code, maximum and self score
    assert result.rows[-1].confidence is None  # from the second page, read without confidences

    for limits, reason, message in [
        (ExtractionLimits(max_ocr_pages=0), Reason.NO_TEXT_LAYER, "scanned PDF: 1 page(s) of images without a text layer (OCR is turned off)"),
    ]:
        with pytest.raises(DocumentError) as info:
            extract_document(scan, "scan.pdf", limits=limits)
        assert (info.value.reason, info.value.message) == (reason, message)
    stamped = scanned_pdf(stamp="Trang 1 - 10/01/2020")  # a stamp is no text layer
    assert isinstance(extract_document(stamped, "scan.pdf"), SelfAssessment)
    with pytest.raises(DocumentError) as info:
        extract_document(scanned_pdf(3), "scan.pdf", limits=ExtractionLimits(max_ocr_pages=2))
    assert (info.value.reason, info.value.message) == (Reason.TOO_LARGE, "scanned PDF of 3 pages: at most 2 pages are read by OCR")


def test_without_an_ocr_engine_a_scan_is_refused_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, OCR_MODULE, None)  # importing it raises ImportError, as without Tesseract
    with pytest.raises(DocumentError) as info:
        extract_document(scanned_pdf(), "scan.pdf")
    assert (info.value.reason, info.value.message) == (
        Reason.NO_TEXT_LAYER,
        "scanned PDF: 1 page(s) of images without a text layer (no OCR engine is installed)",
    )


def _without_unicode_maps(data: bytes) -> bytes:
    """The PDF with its fonts' ToUnicode maps hidden (same length, so the offsets stay right): glyphs become (cid:NN)."""
    return data.replace(b"/ToUnicode", b"/ToUnicodX")


def test_a_text_layer_without_unicode_is_garbled(style: ParagraphStyle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, OCR_MODULE, None)
    data = _without_unicode_maps(evidence_pdf(style))
    with pytest.raises(DocumentError) as info:
        extract_document(data, "hong-font.pdf")
    # The subset font still maps ASCII: every Vietnamese letter is lost, "C(cid:1)C H(cid:2)I QUAN".
    assert info.value.reason is Reason.GARBLED_TEXT
    assert re.fullmatch(
        r"the text layer is unreadable: \d+% of its glyphs have no Unicode mapping \(shown as '\(cid:NN\)'\) \(no OCR engine is installed\)",
        info.value.message,
    )


_TO_TCVN3 = {unicode: legacy for legacy, unicode in legacy_fonts._TCVN3.items()}


def to_tcvn3(text: str) -> str:
    return "".join(_TO_TCVN3.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def to_vni(text: str) -> str:
    """Unicode → VNI, by the byte each mark pair takes (the inverse of legacy_fonts' table)."""
    marks = {value: key for key, value in legacy_fonts._VNI_LOWER.items() if len(key) == 1 and not value.isalpha()}
    letters = {value: key for key, value in legacy_fonts._VNI_LOWER.items() if value.isalpha()}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        upper, low = ch.isupper(), ch.lower()
        if low in letters:
            out.append(letters[low].upper() if upper else letters[low])
            continue
        decomposed = unicodedata.normalize("NFD", low)
        base, rest = decomposed[0], decomposed[1:]
        if base in "ou" and "\u031b" in rest:  # ơ ư are letters of their own, then the tone mark
            base, rest = letters["ơ" if base == "o" else "ư"], rest.replace("\u031b", "")
        code = (marks.get(rest) or marks.get(rest[::-1], "")) if rest else ""  # NFD puts the dot below first
        assert not rest or code, f"no VNI for {ch!r}"
        out.append((base + code).upper() if upper else base + code)
    return "".join(out)


def legacy_form_pdf(style: ParagraphStyle, encode: Callable[[str], str], font: bytes | None) -> bytes:
    """The unruled score table form with every text in a legacy encoding, drawn in a font renamed `font` (if given)."""
    rows = [
        ["STT", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"],
        ["3.1", "Rà soát thủ tục hành chính", "4", "3,5"],
        ["3.2", "Công khai thủ tục", "4", "4"],
    ]
    table = Table([[encode(c) for c in row] for row in rows], colWidths=[40, 200, 90, 90])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    coded = ParagraphStyle("legacy", parent=style)
    lines = [encode(text) for text in (*LEFT, *RIGHT, TITLE)]
    data = _pdf_bytes([*(Paragraph(line, coded) for line in lines), Spacer(1, 12), table])
    return data.replace(FONT.encode(), font) if font else data


@pytest.mark.parametrize(
    ("encode", "font"),
    [(to_tcvn3, b".VnTimeXYZ"), (to_tcvn3, None), (to_vni, b"VNI-Times1"), (to_vni, None)],
    ids=["tcvn3-font-name", "tcvn3-fingerprint", "vni-font-name", "vni-fingerprint"],
)
def test_legacy_vietnamese_fonts_are_read_as_unicode(style: ParagraphStyle, encode: Callable[[str], str], font: bytes | None) -> None:
    data = legacy_form_pdf(style, encode, font)
    doc = read_pdf(data, "0" * 64)
    assert doc.text_layer is TextLayer.LEGACY_FONT
    assert TITLE in " ".join(doc.lines) and LEFT[1] in doc.lines  # the longer VNI title wraps
    result = extract_document(data, "ma-cu.pdf")
    assert isinstance(result, SelfAssessment) and result.text_layer is TextLayer.LEGACY_FONT
    assert (result.unit_code, result.year, result.document_number) == ("hq-quang-ninh", 2019, "25/BC-HQQN")
    assert [(r.code, r.name, r.self_points) for r in result.rows] == [
        ("3.1", "Rà soát thủ tục hành chính", Decimal("3.5")),
        ("3.2", "Công khai thủ tục", Decimal(4)),
    ]


def test_legacy_font_tables() -> None:
    assert legacy_fonts.decode("Céng hoµ x· héi chñ nghÜa ViÖt Nam", legacy_fonts.LegacyEncoding.TCVN3) == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert legacy_fonts.decode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", legacy_fonts.LegacyEncoding.VNI) == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert legacy_fonts.decode("CéNG HOµ", legacy_fonts.LegacyEncoding.TCVN3, capitals=True) == "CỘNG HOÀ"  # a ".VnTimeH" font
    assert legacy_fonts.font_encoding("ABCDEF+.VnTimeH,Bold") == (legacy_fonts.LegacyEncoding.TCVN3, True)
    assert legacy_fonts.font_encoding("VNI-Helve") == (legacy_fonts.LegacyEncoding.VNI, False)
    assert legacy_fonts.font_encoding("TimesNewRomanPSMT") is None
    assert legacy_fonts.sniff("Cộng hòa xã hội chủ nghĩa Việt Nam, độc lập tự do hạnh phúc") is None


def test_vietnamese_that_lost_its_diacritics_is_flagged(style: ParagraphStyle) -> None:
    text = (
        "Can cu Quyet dinh so 1500/QD-TCHQ ngay 24/5/2019 cua Tong cuc truong Tong cuc Hai quan ve viec ban hanh Bo chi so "
        "cai cach hanh chinh; theo de nghi cua Chanh Van phong, Cuc Hai quan tinh Quang Ninh ban hanh ke hoach thuc hien "
        "cong tac cai cach hanh chinh nam 2019 voi cac nhiem vu va giai phap cu the cho tung don vi trong Cuc."
    )
    result = extract_document(_pdf_bytes([Paragraph(text, style)]), "ocr-mat-dau.pdf")
    assert isinstance(result, EvidenceDocument) and result.text_layer is TextLayer.NO_DIACRITICS
    native = extract_document(evidence_pdf(style), "quyet-dinh.pdf")
    assert isinstance(native, EvidenceDocument) and native.text_layer is TextLayer.NATIVE


# --- evidence read by its text (extractors.pdf_text) ----------------------------------------------------


def test_born_digital_evidence_is_read_by_its_text_without_looking_for_tables(style: ParagraphStyle, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tables(*args: object) -> ReadDocument:
        raise AssertionError("evidence went through pdfplumber")

    monkeypatch.setattr(extract_module, "read_pdf", no_tables)
    result = extract_document(evidence_pdf(style), "quyet-dinh.pdf")
    assert isinstance(result, EvidenceDocument) and result.text_layer is TextLayer.NATIVE
    assert (result.document_number, result.document_date, result.pages) == ("12/QĐ-HQQN", date(2019, 1, 5), 1)
    # the two blocks of the header, side by side on the page, are two lines
    assert result.text.splitlines()[1:3] == ["Số: 12/QĐ-HQQN", "Quảng Ninh, ngày 05 tháng 01 năm 2019"]


def _form_with_a_wrapped_heading(style: ParagraphStyle) -> bytes:
    """A score table drawn line by line across its cells, as some exporters do, its narrow self-score
    heading wrapped ("Điểm tự" ... "chấm"), under a title that does not say "tự đánh giá"."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    page = Canvas(buffer, pagesize=A4)
    page.setFont(FONT, 10)
    lines = [
        (780, [(60, "CỤC HẢI QUAN TỈNH QUẢNG NINH")]),
        (750, [(60, "KẾT QUẢ CHẤM ĐIỂM NĂM 2019")]),
        (720, [(60, "STT"), (100, "Tiêu chí"), (300, "Điểm tự"), (360, "Tài liệu kiểm chứng"), (500, "Ghi chú")]),
        (707, [(300, "chấm")]),
        (690, [(60, "3.1"), (100, "Rà soát thủ tục hành chính"), (300, "3,5"), (360, "Kế hoạch số 03/KH-HQQN")]),
    ]
    for y, cells in lines:
        for x, text in cells:
            page.drawString(x, y, text)
    page.save()
    return buffer.getvalue()


def test_a_score_table_is_never_taken_for_evidence_by_its_text(style: ParagraphStyle) -> None:
    data = _form_with_a_wrapped_heading(style)
    text = read_pdf_lines(data, "0" * 64)
    assert text is not None and text.lines[4:7] == ["Điểm tự Tài liệu kiểm chứng", "Ghi chú", "chấm"]  # the row in between
    assert evidence_by_text(data, "0" * 64, ExtractionLimits()) is None
    assert evidence_by_text(two_page_pdf(style), "0" * 64, ExtractionLimits()) is None
    assert evidence_by_text(evidence_pdf(style), "0" * 64, ExtractionLimits()) is not None


@pytest.mark.parametrize(
    ("lines", "may"),
    [
        (["Điểm tự chấm"], True),
        (["STT Tiêu chí Điểm tối đa Điểm TĐG Tài liệu kiểm chứng"], True),
        (["Điểm tự Tài liệu kiểm chứng Ghi chú Điểm thẩm định", "đánh giá"], True),  # a wrapped cell, the rest of its row between
        (["Tự", "chấm"], True),
        (["Tựchấm"], True),
        (["Quyết định ban hành kế hoạch cải cách hành chính năm 2019"], False),
        (["mọi người đều có quyền tự do, không bị xâm phạm tới danh dự và uy tín gia đình"], False),  # words apart on a line
        (["quyền tự do", "gia đình, danh dự"], False),  # "đánh giá" in order, not "danh ... gia"
    ],
)
def test_may_hold_score_table(lines: list[str], may: bool) -> None:
    assert may_hold_score_table(lines) is may


def test_every_self_score_heading_holds_the_words_looked_for() -> None:
    """may_hold_score_table is only safe if every heading column_role calls a self score holds its words."""
    for heading in ("Điểm tự đánh giá", "Điểm tự chấm", "Tự chấm điểm", "Điểm TĐG", "Tự đánh giá", "Tự chấm", "TĐG"):
        assert column_role(heading) == SELF and may_hold_score_table([heading]), heading


@pytest.mark.parametrize("case", ["garbled", "tcvn3", "vni", "scan-stamped"])
def test_text_pdfium_cannot_vouch_for_goes_to_the_full_reader(style: ParagraphStyle, case: str) -> None:
    data = {
        "garbled": lambda: _without_unicode_maps(evidence_pdf(style)),  # pdfium gives control characters
        "tcvn3": lambda: legacy_form_pdf(style, to_tcvn3, None),
        "vni": lambda: legacy_form_pdf(style, to_vni, b"VNI-Times1"),
        "scan-stamped": lambda: scanned_pdf(stamp="Trang 1 - 10/01/2020"),  # a stamp is no text layer: OCR decides
    }[case]()
    assert read_pdf_lines(data, "0" * 64) is None


def test_glyphs_out_of_reading_order_go_to_the_full_reader(framework: Framework, registry: UnitRegistry) -> None:
    """LibreOffice's PDF of a form draws the letters of a fallback font after their line ("T NG C C H I QUAN Ổ"):
    its heading cannot be read in pdfium's order, so the full reader, which orders glyphs by place, reads it."""
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    spec = next(spec for spec in VARIANTS if spec.name == "pdf-libreoffice-export")
    data = build_variant(spec, framework, registry).data
    assert read_pdf_lines(data, "0" * 64) is None
    assert isinstance(extract_document(data, "libreoffice.pdf"), SelfAssessment)


def test_no_sample_form_or_round_sheet_is_evidence_by_its_text(framework: Framework, registry: UnitRegistry) -> None:
    """Every PDF layout parindex knows a form or a round sheet in: the text path leaves each to the full reader."""
    from forms import write_form_pdf
    from samples.generate import package_for
    from samples.rounds import RoundScores, council_pdf

    unit = registry.get("hq-ha-noi")
    documents = {
        spec.name: build_variant(spec, framework, registry).data for spec in VARIANTS if spec.fmt == "pdf" and spec.producer != "libreoffice"
    }
    documents["official form"] = write_form_pdf(package_for(framework, unit, 0, Decimal(87)).form)
    own = {leaf.code: leaf.max_points for leaf in framework.block(unit.block).leaves()}
    scores = RoundScores(framework, unit, own, {}, {}, {}, {}, dict.fromkeys(list(own)[:2], Decimal(0)), {})
    documents["council"] = council_pdf(scores)
    assert len(documents) >= 4
    for name, data in documents.items():
        assert evidence_by_text(data, "0" * 64, ExtractionLimits()) is None, name
        assert isinstance(extract_document(data, f"{name}.pdf"), SelfAssessment), name


# --- Word: ragged rows, legacy .doc ------------------------------------------------------------------


def test_read_docx_pads_ragged_rows_to_the_grid() -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    row = table.rows[1]._tr
    row.remove(row.tc_lst[0])
    row.insert(0, parse_xml(f'<w:trPr {w}><w:gridBefore w:val="1"/></w:trPr>'))
    table.rows[0]._tr.remove(table.rows[0]._tr.tc_lst[-1])
    table.rows[0]._tr.insert(0, parse_xml(f'<w:trPr {w}><w:gridAfter w:val="1"/></w:trPr>'))
    for r, texts in enumerate((("a", "b"), ("c", "d"))):
        for cell, text in zip(table.rows[r]._tr.tc_lst, texts):
            cell.append(parse_xml(f"<w:p {w}><w:r><w:t>{text}</w:t></w:r></w:p>"))
    (grid,) = read_docx(_docx_bytes(document), "0" * 64).grids
    assert [r.cells for r in grid.rows] == [["a", "b", ""], ["", "c", "d"]]


def test_read_docx_takes_a_cells_current_merge_not_the_one_a_tracked_change_keeps() -> None:
    """w:tcPrChange holds a cell's former properties: its old span and merge are history, not the grid."""
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    former = f'<w:tcPrChange {w} w:id="1" w:author="x"><w:tcPr><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr></w:tcPrChange>'
    for r, texts in enumerate((("a", "b"), ("c", "d"))):
        for cell, text in zip(table.rows[r]._tr.tc_lst, texts):
            cell.get_or_add_tcPr().append(parse_xml(former))
            cell.append(parse_xml(f"<w:p {w}><w:r><w:t>{text}</w:t></w:r></w:p>"))
    (grid,) = read_docx(_docx_bytes(document), "0" * 64).grids
    assert [r.cells for r in grid.rows] == [["a", "b"], ["c", "d"]]


@pytest.fixture(scope="module")
def soffice() -> str:
    path = soffice_path()
    if path is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui (scripts/system-packages.txt)")
    return path


def test_a_legacy_doc_is_converted_and_read(soffice: str, framework: Framework, registry: UnitRegistry) -> None:
    import forms

    unit = registry.get("hq-da-nang")
    block = framework.block(unit.block)
    scores = _filled_scores(block.leaves(), framework.step)
    content = forms.FormContent(
        framework=framework, block=block, unit=unit, scores=scores, document_number="15/BC-HQĐNg", place="Đà Nẵng", signed_on=date(2020, 1, 5)
    )
    doc = libreoffice_convert(forms.write_form(content, "docx"), "docx", "doc", 120.0)
    assert doc.startswith(OLE2) and detect_kind(doc) is DocumentKind.DOC
    result = extract_document(doc, "bao-cao.doc")
    assert isinstance(result, SelfAssessment)
    assert (result.unit_code, result.document_number, result.document_date) == ("hq-da-nang", "15/BC-HQĐNg", date(2020, 1, 5))
    assert {r.code: r.self_points for r in result.rows if r.code in scores} == scores
    assert read_document(doc, "0" * 64).kind is DocumentKind.DOC


def test_a_doc_libreoffice_cannot_read_or_convert_in_time(soffice: str) -> None:
    broken = OLE2 + "WordDocument".encode("utf-16-le") + b"\x00" * 2048
    with pytest.raises(DocumentError) as info:
        extract_document(broken, "hong.doc")
    assert (info.value.reason, info.value.message) == (
        Reason.CONVERSION_FAILED,
        "LibreOffice could not read the legacy .doc file (damaged?): it imported its bytes as text",
    )
    with pytest.raises(DocumentError) as info:
        convert_doc_to_docx(broken, timeout=0.001)
    assert (info.value.reason, info.value.message) == (Reason.CONVERSION_FAILED, "LibreOffice did not convert the legacy .doc file within 0.001 s")


def test_every_name_the_package_exports_is_its_module_s_own() -> None:
    """extractors/ loads its names on first use: each resolves to what its module defines."""
    import importlib

    import extractors

    for name in extractors.__all__:
        module = importlib.import_module(f"extractors.{extractors._HOME.get(name, name)}")
        assert getattr(extractors, name) is getattr(module, name), name
    with pytest.raises(AttributeError, match="^module 'extractors' has no attribute 'nothing'$"):
        extractors.nothing  # noqa: B018
