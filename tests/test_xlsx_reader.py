"""The Excel reader on workbooks made here: header lines, the table as a grid, merged cells, numbers, formulas, limits."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from core.errors import DocumentError, Reason
from extractors import xlsx_reader
from extractors.detect import detect_kind
from extractors.extract import extract_document, read_document
from extractors.xlsx_reader import cell_text, read_xlsx
from schemas.records import DocumentKind, SelfAssessment

SHA = "cd" * 32
HEADER = [
    ("A1", "TỔNG CỤC HẢI QUAN"),
    ("D1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("A2", "CỤC HẢI QUAN TỈNH QUẢNG NINH"),
    ("D2", "Độc lập - Tự do - Hạnh phúc"),
    ("A4", "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019"),
]


def workbook_bytes(fill: Callable[[Workbook], None]) -> bytes:
    workbook = Workbook()
    fill(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def self_assessment(workbook: Workbook) -> None:
    """Quảng Ninh's form: header rows, a two-row heading with "Điểm" merged over two columns, three criteria."""
    sheet = workbook.active
    sheet.title = "Tự đánh giá"
    for coordinate, text in HEADER:
        sheet[coordinate] = text
    sheet.merge_cells("A4:E4")
    sheet.append([])
    sheet.append(["STT", "Tiêu chí", "Điểm", None, "Ghi chú"])  # row 6
    sheet.append([None, None, "Tối đa", "Tự chấm", None])  # row 7
    sheet.merge_cells("C6:D6")
    sheet.merge_cells("A6:A7")
    sheet.merge_cells("B6:B7")
    sheet.append(["1.1.1", "Ban hành kế hoạch", 1, 0.1 + 0.2, "trễ hạn\r\n  5 ngày "])  # a float sum: 0.30000000000000004
    sheet.append(["1.1.2", "Kế hoạch đầy đủ", 1, 1.4999999999999998 - 0.5, None])
    sheet.append(["1.1.3", "Thực hiện kế hoạch", 1, 1, None])
    sheet.append(["Tổng cộng", None, 3, 2.3, None])  # row 11, merged across the code and the name
    sheet.merge_cells("A11:B11")
    sheet.append([])
    sheet.append([None, None, None, "THỦ TRƯỞNG ĐƠN VỊ"])  # row 13: a signature, below the table


def test_header_rows_become_lines_and_the_table_a_grid_with_merged_cells_counted_once() -> None:
    doc = read_xlsx(workbook_bytes(self_assessment), SHA)
    assert doc.kind is DocumentKind.XLSX and doc.pages == 1
    assert doc.lines == [text for _, text in HEADER] + ["THỦ TRƯỞNG ĐƠN VỊ"]
    [grid] = doc.grids
    assert [(row.page, row.row, row.cells) for row in grid.rows] == [
        (1, 5, ["STT", "Tiêu chí", "Điểm", "", "Ghi chú"]),
        (1, 6, ["", "", "Tối đa", "Tự chấm", ""]),
        (1, 7, ["1.1.1", "Ban hành kế hoạch", "1", "0.3", "trễ hạn\n5 ngày"]),
        (1, 8, ["1.1.2", "Kế hoạch đầy đủ", "1", "1", ""]),
        (1, 9, ["1.1.3", "Thực hiện kế hoạch", "1", "1", ""]),
        (1, 10, ["Tổng cộng", "", "3", "2.3", ""]),
    ]


def test_a_self_assessment_in_excel_is_interpreted_like_any_form(registry) -> None:
    form = extract_document(workbook_bytes(self_assessment), "tu-danh-gia.xlsx")
    assert isinstance(form, SelfAssessment)
    assert (form.unit_code, form.year, form.stated_total) == ("hq-quang-ninh", 2019, Decimal("2.3"))
    assert [(r.code, r.max_points, r.self_points, r.note, r.lineage.page, r.lineage.row) for r in form.rows] == [
        ("1.1.1", Decimal(1), Decimal("0.3"), "trễ hạn 5 ngày", 1, 7),
        ("1.1.2", Decimal(1), Decimal(1), "", 1, 8),
        ("1.1.3", Decimal(1), Decimal(1), "", 1, 9),
    ]


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (1, "General", "1"),
        (1.5, "General", "1.5"),
        (0.1 + 0.2, "General", "0.3"),
        (88.50000000000001, "General", "88.5"),
        (1.4999999999999998, "General", "1.5"),
        (2.0, "0.00", "2.00"),
        (1.1, "0.00", "1.10"),
        (1.25, "0.0", "1.3"),
        (1234.5, "#,##0.00", "1234.50"),
        (0.5, "0%", "50%"),
        (-0.25, "General", "-0.25"),
        (84912345678, "General", "84912345678"),
        (1e-7, "General", "0"),
        (True, "General", "TRUE"),
        (date(2020, 1, 10), "dd/mm/yyyy", "10/01/2020"),
        (datetime(2020, 1, 10, 8, 30), "General", "10/01/2020 08:30"),
        ("  Kế hoạch\r\nsố 03 ", "@", "Kế hoạch\nsố 03"),
        ("Ho\u0300a", "General", "Hòa"),  # decomposed Vietnamese comes out composed (NFC)
    ],
)
def test_cells_read_as_the_sheet_shows_them(value: object, number_format: str, text: str) -> None:
    assert cell_text(value, number_format) == text


def _with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook as a spreadsheet program would save it: each formula of `values` with its result."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                for coordinate, value in values.items():
                    content, count = re.subn(
                        rb'(<c r="' + coordinate.encode() + rb'"[^>]*>)(<f>[^<]*</f>)<v\s*/?>(?:</v>)?',
                        rb"\1\2<v>" + value.encode() + b"</v>",
                        content,
                    )
                    assert count == 1, coordinate
            target.writestr(info, content)
    return buffer.getvalue()


def formulas(workbook: Workbook) -> None:
    self_assessment(workbook)
    sheet = workbook.active
    sheet["D10"] = "=D8+0.5"  # a score as a formula
    sheet["D11"] = "=SUM(D8:D10)"
    sheet["E9"] = '=IF(D9<1,"thiếu","")'  # an empty text result: saved without a value


def test_formulas_give_the_values_saved_with_them_and_are_never_evaluated() -> None:
    data = _with_cached_values(workbook_bytes(formulas), {"D10": "0.8", "D11": "2.1", "E9": ""})
    rows = {row.row + 1: row.cells for row in read_xlsx(data, SHA).grids[0].rows}
    assert (rows[10][3], rows[11][3], rows[9][4]) == ("0.8", "2.1", "")  # the saved 0.8, not D8 + 0.5 = 0.8000000000000000444


def test_a_workbook_whose_formulas_were_never_calculated_is_refused() -> None:
    with pytest.raises(DocumentError) as info:
        read_xlsx(workbook_bytes(formulas), SHA)
    assert info.value.reason is Reason.UNSUPPORTED_FORMAT
    assert info.value.message == (
        'Excel file whose formulas were never calculated (sheet \'Tự đánh giá\', E9: =IF(D9<1,"thiếu","") has no saved value): '
        "open it in Excel or LibreOffice, save it and send it again"
    )


def test_hidden_sheets_are_skipped_and_each_visible_sheet_is_a_page() -> None:
    def fill(workbook: Workbook) -> None:
        self_assessment(workbook)
        hidden = workbook.create_sheet("Tính toán", 0)
        hidden.append(["STT", "Tiêu chí", "Điểm tự đánh giá", "bí mật"])
        hidden.sheet_state = "hidden"
        summary = workbook.create_sheet("Tổng hợp")
        summary["B2"] = "BẢNG TỔNG HỢP"
        summary.append(["1", "Công tác chỉ đạo", 12, 11])

    doc = read_xlsx(workbook_bytes(fill), SHA)
    assert [grid.rows[0].page for grid in doc.grids] == [1, 2] and [grid.table for grid in doc.grids] == [0, 1] and doc.pages == 2
    assert "bí mật" not in str(doc.model_dump()) and doc.lines[-1] == "BẢNG TỔNG HỢP"
    assert doc.grids[1].rows[0].cells == ["1", "Công tác chỉ đạo", "12", "11"]


def test_an_empty_workbook_is_a_blank_document() -> None:
    data = workbook_bytes(lambda workbook: None)
    assert detect_kind(data) is DocumentKind.XLSX
    assert (read_xlsx(data, SHA).lines, read_xlsx(data, SHA).grids) == ([], [])
    with pytest.raises(DocumentError) as info:
        read_document(data, SHA)
    assert (info.value.reason, info.value.message) == (Reason.BLANK_DOCUMENT, "blank XLSX document: it holds no text")


def test_a_sheet_past_the_cell_budget_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def far(workbook: Workbook) -> None:
        workbook.active["A1"] = "x"
        workbook.active["XFD1"] = "y"  # one row 16,384 cells wide as openpyxl builds it

    monkeypatch.setattr(xlsx_reader, "MAX_CELLS", 10_000)
    with pytest.raises(DocumentError) as info:
        read_xlsx(workbook_bytes(far), SHA)
    assert (info.value.reason, info.value.message) == (Reason.TOO_LARGE, "Excel file with more than 10,000 cells: sheet 'Sheet' goes past them")


def test_a_zip_bomb_in_a_sheet_is_refused_before_it_is_inflated() -> None:
    data = workbook_bytes(self_assessment)
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + b" " * (4 << 20) + b"</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, sheet if member.filename == "xl/worksheets/sheet1.xml" else source.read(member.filename))
    with pytest.raises(DocumentError) as info:
        read_xlsx(buffer.getvalue(), SHA)
    assert (info.value.reason, info.value.message) == (
        Reason.UNSAFE_ARCHIVE,
        "xl/worksheets/sheet1.xml of the Excel file inflates more than 200 times (a zip bomb?)",
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_xml_declaring_a_document_type_is_refused_before_any_parser_sees_it(encoding: str) -> None:
    data = workbook_bytes(self_assessment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                prolog = f'<?xml version="1.0" encoding="{encoding.upper()}"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
                content = (prolog + content.decode("utf-8").replace("<t>STT", "<t>&a;STT")).encode(encoding)
            target.writestr(member, content)
    with pytest.raises(DocumentError) as info:
        read_xlsx(buffer.getvalue(), SHA)
    assert (info.value.reason, info.value.message) == (
        Reason.DAMAGED,
        "damaged Excel file: xl/worksheets/sheet1.xml declares a document type (<!DOCTYPE>), which Office files never do",
    )


XLSX_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "docProps/core.xml"]


@pytest.mark.parametrize("part", XLSX_PARTS)
def test_an_external_entity_in_any_part_is_refused_unread(part: str, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TEXT")
    data = workbook_bytes(self_assessment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        assert part in source.namelist()
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == part:
                content = re.sub(
                    rb"^(<\?xml[^>]*\?>)?",
                    lambda m: (m.group(1) or b"") + b'<!DOCTYPE x [<!ENTITY s SYSTEM "' + secret.as_uri().encode() + b'">]>',
                    content,
                    count=1,
                )
            target.writestr(member, content)
    with pytest.raises(DocumentError) as info:
        read_xlsx(buffer.getvalue(), SHA)
    assert (info.value.reason, info.value.message) == (
        Reason.DAMAGED,
        f"damaged Excel file: {part} declares a document type (<!DOCTYPE>), which Office files never do",
    )
