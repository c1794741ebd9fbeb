"""The interpreter on hand-made read documents: headings, continuation pages, rows, header facts, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import DocumentError, Reason
from extractors import header
from extractors.heading import note_round
from extractors.interpret import column_role, find_score_table, interpret, parse_code
from schemas.records import DocumentKind, Grid, GridRow, Lineage, ReadDocument
from schemas.units import UnitRegistry

SHA = "ab" * 32
HEADER = [
    "TỔNG CỤC HẢI QUAN",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "CỤC HẢI QUAN TỈNH QUẢNG NINH",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 25/BC-HQQN",
    "Quảng Ninh, ngày 10 tháng 01 năm 2020",
    "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019",
]
HEADING = ["STT", "Lĩnh vực, tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng", "Ghi chú"]


def grid(table: int, rows: list[list[str]], page: int | None = None, first_row: int = 0) -> Grid:
    return Grid(table=table, rows=[GridRow(cells=cells, page=page, row=first_row + i) for i, cells in enumerate(rows)])


def document(lines: list[str], *grids: Grid) -> ReadDocument:
    return ReadDocument(sha256=SHA, kind=DocumentKind.PDF, lines=lines, grids=list(grids))


def test_reads_every_row_with_scores_evidence_total_and_lineage(registry: UnitRegistry) -> None:
    rows = [
        HEADING,
        ["1", "2", "3", "4", "5", "6"],  # column numbers, not criterion 1
        ["1", "Công tác chỉ đạo, điều hành", "12", "11,5", "", ""],
        ["1.1", "Kế hoạch cải cách hành chính năm", "3", "2.5", "", ""],
        ["1.1.1", "Ban hành kế hoạch", "1", "0,5", "Kế hoạch số 03/KH-HQQN\nngày 05/01/2019", "trễ hạn"],
        ["1.1.2.", "Kế hoạch xác định đầy đủ", "1", "1,00", "", ""],
        ["Tiêu chí 1.1.3", "Mức độ thực hiện", "1", "1 điểm", "", ""],
        ["Tổng cộng", "", "90", "88,5", "", ""],
    ]
    result = interpret(document(HEADER, grid(0, rows, page=1)), registry)

    assert (result.unit_code, result.unit_text, result.year) == ("hq-quang-ninh", "CỤC HẢI QUAN TỈNH QUẢNG NINH", 2019)
    assert result.document_number == "25/BC-HQQN"
    assert result.document_date == date(2020, 1, 10)
    assert result.stated_total == Decimal("88.5")
    assert [(r.code, r.max_points, r.self_points) for r in result.rows] == [
        ("1", Decimal(12), Decimal("11.5")),
        ("1.1", Decimal(3), Decimal("2.5")),
        ("1.1.1", Decimal(1), Decimal("0.5")),
        ("1.1.2", Decimal(1), Decimal(1)),
        ("1.1.3", Decimal(1), Decimal(1)),
    ]
    first_leaf = result.rows[2]
    assert first_leaf.name == "Ban hành kế hoạch"
    assert first_leaf.evidence == "Kế hoạch số 03/KH-HQQN\nngày 05/01/2019"
    assert first_leaf.lineage == Lineage(sha256=SHA, page=1, table=0, row=4)
    assert all(r.self_text == "" for r in result.rows)


def test_columns_in_any_order_with_variant_headings(registry: UnitRegistry) -> None:
    rows = [
        ["Tài liệu chứng minh", "Điểm tự chấm", "TT", "Thang điểm", "Nội dung", "Điểm thẩm định", "Số liệu kê khai"],
        ["QĐ 12/QĐ-HQQN", "1,5", "2.1.1", "1,5", "Góp ý dự thảo văn bản", "1", "Có"],
        ["", "1.5", "2.1.2", "1.5", "Chất lượng ý kiến góp ý", "", ""],
    ]
    table = find_score_table([grid(0, rows)])
    assert table is not None
    assert table.columns == {"evidence": 0, "self": 1, "code": 2, "max": 3, "name": 4, "appraisal": 5}

    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.name, r.max_points, r.self_points, r.evidence) for r in result.rows] == [
        ("2.1.1", "Góp ý dự thảo văn bản", Decimal("1.5"), Decimal("1.5"), "QĐ 12/QĐ-HQQN"),
        ("2.1.2", "Chất lượng ý kiến góp ý", Decimal("1.5"), Decimal("1.5"), ""),
    ]


def test_continuation_pages_drop_repeated_headings_and_join_wrapped_rows(registry: UnitRegistry) -> None:
    page1 = grid(0, [HEADING, ["1.1", "Kế hoạch cải cách", "3", "3", "KH 01", ""], ["1.2", "Báo cáo cải cách", "2", "1,5", "BC 02", ""]], page=1)
    page2 = grid(
        1,
        [
            HEADING,
            ["", "hành chính năm 2019", "", "", "BC 03", ""],  # the row of page 1 goes on
            ["1.3", "Kiểm tra", "3", "2,5", "", ""],
        ],
        page=2,
    )
    signature = grid(2, [["Nơi nhận:", "THỦ TRƯỞNG ĐƠN VỊ"]], page=2)
    result = interpret(document(HEADER, page1, page2, signature), registry)

    assert [r.code for r in result.rows] == ["1.1", "1.2", "1.3"]
    wrapped = result.rows[1]
    assert wrapped.name == "Báo cáo cải cách hành chính năm 2019"
    assert wrapped.evidence == "BC 02\nBC 03"
    assert wrapped.self_points == Decimal("1.5")
    assert result.rows[2].lineage == Lineage(sha256=SHA, page=2, table=1, row=2)


def test_two_row_heading_as_word_writes_it(registry: UnitRegistry) -> None:
    # "Điểm" spans two sub-columns (one cell); STT, name and evidence are merged down (empty below).
    rows = [
        ["STT", "Tiêu chí", "Điểm", "Tài liệu kiểm chứng"],
        ["", "", "Tối đa", "Tự đánh giá", ""],
        ["3.1", "Rà soát thủ tục hành chính", "4", "3,5", "KH 05"],
    ]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.max_points, r.self_points, r.evidence) for r in result.rows] == [("3.1", Decimal(4), Decimal("3.5"), "KH 05")]


def test_two_row_heading_as_a_pdf_gives_it(registry: UnitRegistry) -> None:
    # pdfplumber keeps the spanned cells, empty: the heading "Điểm" stands over both sub-columns.
    rows = [
        ["TT", "Nội dung", "Điểm", "", "Tài liệu kiểm chứng"],
        ["", "", "Tối đa", "Tự chấm", ""],
        ["3.1", "Rà soát thủ tục hành chính", "4", "3,5", "KH 05"],
    ]
    table = find_score_table([grid(0, rows)])
    assert table is not None and table.columns == {"code": 0, "name": 1, "max": 2, "self": 3, "evidence": 4}
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.self_points) for r in result.rows] == [("3.1", Decimal("3.5"))]


def test_title_row_over_the_heading_is_not_part_of_it() -> None:
    rows = [["BẢNG ĐIỂM TỰ CHẤM"], HEADING, ["1", "Chỉ đạo", "12", "12", "", ""]]
    table = find_score_table([grid(0, rows)])
    assert table is not None
    assert (table.first_row, table.columns["code"], table.columns["self"]) == (2, 0, 3)


def test_total_row_merged_across_code_and_name_is_read_from_the_right(registry: UnitRegistry) -> None:
    rows = [HEADING, ["1", "Chỉ đạo", "12", "12", "", ""], ["Tổng điểm", "90", "87,5", "", ""]]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert result.stated_total == Decimal("87.5")
    assert [r.code for r in result.rows] == ["1"]


def test_unreadable_self_score_is_kept_as_text_for_validation(registry: UnitRegistry) -> None:
    rows = [HEADING, ["1.4", "Tuyên truyền", "2", "2/2", "", ""], ["1.5", "Sáng kiến", "hai", "Không áp dụng", "", ""]]
    first, second = interpret(document(HEADER, grid(0, rows)), registry).rows
    assert (first.self_points, first.self_text, first.max_points) == (None, "2/2", Decimal(2))
    assert (second.self_points, second.self_text, second.max_points) == (None, "", None)


def test_group_rows_and_criteria_written_in_the_name_column(registry: UnitRegistry) -> None:
    rows = [
        ["Lĩnh vực, tiêu chí", "Điểm tối đa", "Điểm tự đánh giá"],
        ["I. CÔNG TÁC CHỈ ĐẠO", "", ""],
        ["1.1. Kế hoạch cải cách hành chính năm", "3", "3"],
        ["(tiếp theo)", "", ""],
    ]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.name, r.self_points) for r in result.rows] == [("1.1", "Kế hoạch cải cách hành chính năm (tiếp theo)", Decimal(3))]


def test_header_in_a_table_above_the_score_table(registry: UnitRegistry) -> None:
    top = grid(0, [["TỔNG CỤC HẢI QUAN\nCỤC HẢI QUAN TP. ĐÀ NẴNG\nSố: 15/BC-HQĐNg", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐà Nẵng, ngày 5/1/2020"]])
    scores = grid(1, [HEADING, ["1", "Chỉ đạo", "12", "12", "", ""]])
    lines = ["BÁO CÁO", "Kết quả tự đánh giá chỉ số cải cách hành chính", "năm 2019", "Nơi nhận:", "- Vụ Pháp chế;"]
    result = interpret(document(lines, top, scores), registry)
    assert (result.unit_code, result.year) == ("hq-da-nang", 2019)
    assert (result.document_number, result.document_date) == ("15/BC-HQĐNg", date(2020, 1, 5))
    assert result.rows[0].lineage.table == 1


@pytest.mark.parametrize(
    ("lines", "grids", "reason"),
    [
        (HEADER, [grid(0, [["Số TT", "Tên văn bản"], ["1", "Kế hoạch"]])], Reason.NO_SCORE_TABLE),
        (HEADER, [grid(0, [HEADING, ["I", "CHỈ ĐẠO", "", "", "", ""]])], Reason.NO_SCORE_TABLE),
        (
            ["CỤC HẢI QUAN TỈNH QUẢNG NINH", "BÁO CÁO TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH"],
            [grid(0, [HEADING, ["1", "x", "1", "1", "", ""]])],
            Reason.YEAR_MISSING,
        ),
        (
            ["CỤC HẢI QUAN TỈNH ĐÂU ĐÓ", "Chỉ số cải cách hành chính năm 2019"],
            [grid(0, [HEADING, ["1", "x", "1", "1", "", ""]])],
            Reason.UNIT_UNKNOWN,
        ),
    ],
)
def test_bad_documents_say_why(registry: UnitRegistry, lines: list[str], grids: list[Grid], reason: Reason) -> None:
    with pytest.raises(DocumentError) as info:
        interpret(document(lines, *grids), registry)
    assert info.value.reason is reason


def test_recipients_after_the_title_do_not_name_the_unit(registry: UnitRegistry) -> None:
    # Only "Kom Tum" (a typo) names the unit; "- Vụ Pháp chế;" below the title must not win the exact match.
    lines = ["CỤC HẢI QUAN GIA LAI - KOM TUM", "Chỉ số cải cách hành chính năm 2019", "", "Nơi nhận:", "Vụ Pháp chế"]
    result = interpret(document(lines, grid(0, [HEADING, ["1", "x", "1", "1", "", ""]])), registry)
    assert result.unit_code == "hq-gia-lai-kon-tum"


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("STT", "code"),
        ("TT", "code"),
        ("Mã tiêu chí", "code"),
        ("Số TT", "code"),
        ("Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "name"),
        ("NỘI DUNG", "name"),
        ("Điểm tối đa", "max"),
        ("Điểm chuẩn", "max"),
        ("Thang điểm", "max"),
        ("Điểm tối đa của tiêu chí", "max"),
        ("Điểm tự đánh giá", "self"),
        ("ĐIỂM TỰ\nCHẤM", "self"),
        ("Tự chấm điểm", "self"),
        ("Điểm TĐG", "self"),
        ("Điểmtự đánh giá", "self"),
        ("Yêu cầu và tài liệu kiểm chứng", "evidence"),
        ("Tài liệu chứng minh", "evidence"),
        ("Ghi chú", "note"),
        ("Điểm thẩm định", "appraisal"),
        ("Cách tính điểm", None),
        ("", None),
    ],
)
def test_column_role(label: str, role: str | None) -> None:
    assert column_role(label) == role


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", "1"),
        ("1.1", "1.1"),
        ("1.1.1", "1.1.1"),
        ("1.1.", "1.1"),
        ("Tiêu chí 1.1", "1.1"),
        ("TC 2.3", "2.3"),
        ("Lĩnh vực 3", "3"),
        (" 7.5 ", "7.5"),
        ("I", None),
        ("a)", None),
        ("", None),
        ("Tổng cộng", None),
        ("1,1", None),
    ],
)
def test_parse_code(text: str, code: str | None) -> None:
    assert parse_code(text) == code


def test_header_facts() -> None:
    assert header.assessment_year(["BẢNG TỰ CHẤM ĐIỂM CHỈ SỐ CCHC", "NĂM 2019"]) == 2019
    assert header.assessment_year(["Hà Nội, ngày 10 tháng 01 năm 2020"]) is None
    assert header.document_number(["Số: 2231/SNV-CCHC&PC"]) == "2231/SNV-CCHC&PC"
    assert header.document_number(["Số 673/2019/QĐ\u2011UBND."]) == "673/2019/QĐ-UBND"
    assert header.document_number(["Số:        /BC-........"]) is None
    assert header.document_number(["Căn cứ Quyết định số 12/QĐ-TCHQ"]) is None
    assert header.document_date(["Hải Phòng, ngày 31/12/2019"]) == date(2019, 12, 31)
    assert header.document_date(["Hải Phòng, ngày 31 tháng 02 năm 2019"]) is None
    assert header.document_date(["......, ngày ... tháng ... năm ..."]) is None
    assert header.says_self_assessment(["BÁO CÁO", "Kết quả tự đánh giá, chấm điểm", "Chỉ số cải cách hành chính năm 2019"])
    assert not header.says_self_assessment(["V/v hướng dẫn tự đánh giá, chấm điểm chỉ số CCHC năm 2019"])
    assert not header.says_self_assessment(["KẾ HOẠCH cải cách hành chính năm 2019"])


def test_summary_table_then_detailed_table_keeps_the_detailed_one(registry: UnitRegistry) -> None:
    summary = grid(0, [HEADING, ["1", "Chỉ đạo", "12", "11", "", ""], ["2", "Văn bản", "10", "10", "", ""]], page=1)
    details_1 = grid(1, [HEADING, ["1", "Chỉ đạo", "12", "11", "", ""], ["1.1", "Kế hoạch", "3", "2", "", ""]], page=2)
    details_2 = grid(2, [HEADING, ["1", "2", "3", "4", "5", "6"], ["1.2", "Báo cáo", "2", "2", "", ""]], page=3)
    result = interpret(document(HEADER, summary, details_1, details_2), registry)
    assert [(r.code, r.lineage.table) for r in result.rows] == [("1", 1), ("1.1", 1), ("1.2", 2)]


def test_appraisal_sheet_reads_the_latest_round_and_every_comment(registry: UnitRegistry) -> None:
    heading = [
        ["STT", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm", "Điểm thẩm định", "", "Ý kiến thẩm định", "Ghi chú"],
        ["", "", "", "", "Lần 1", "Lần 2", "", ""],
    ]
    rows = [
        ["1.1.1", "Ban hành kế hoạch", "1", "1", "0,5", "1", "Đã bổ sung tài liệu", ""],
        ["1.1.2", "Kế hoạch đầy đủ", "1", "1", "0,5", "", "Thiếu sản phẩm", "đơn vị giải trình"],
        ["1.1.3", "Thực hiện kế hoạch", "1", "1", "không chấm", "", "", ""],
    ]
    result = interpret(document(HEADER, grid(0, heading + rows)), registry)
    assert [(r.code, r.self_points, r.appraisal_points, r.appraisal_text, r.note) for r in result.rows] == [
        ("1.1.1", Decimal(1), Decimal(1), "", "Đã bổ sung tài liệu"),
        ("1.1.2", Decimal(1), Decimal("0.5"), "", "Thiếu sản phẩm\nđơn vị giải trình"),
        ("1.1.3", Decimal(1), None, "không chấm", ""),
    ]


def test_roman_groups_with_and_without_subtotals_are_not_criteria(registry: UnitRegistry) -> None:
    rows = [
        HEADING,
        ["I", "NHÓM CHỈ ĐẠO, ĐIỀU HÀNH", "22", "21", "", ""],
        ["1", "Công tác chỉ đạo", "12", "", "", ""],  # a field without its own subtotal
        ["1.1", "Kế hoạch", "12", "11", "", ""],
        ["II.", "NHÓM THỂ CHẾ", "10", "", "", ""],
        ["2", "Văn bản", "10", "10", "", ""],
        ["Tổng điểm", "", "22", "21", "", ""],
    ]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.name, r.self_points) for r in result.rows] == [
        ("1", "Công tác chỉ đạo", None),
        ("1.1", "Kế hoạch", Decimal(11)),
        ("2", "Văn bản", Decimal(10)),
    ]
    assert result.stated_total == Decimal(21)


def test_codes_written_in_the_name_beside_an_empty_code_column(registry: UnitRegistry) -> None:
    rows = [
        HEADING,
        ["", "I. CÔNG TÁC CHỈ ĐẠO", "", "", "", ""],
        ["", "1.1. Kế hoạch cải cách hành chính", "3", "3", "", ""],
        ["", "15 văn bản được ban hành đúng hạn", "", "", "", ""],  # a count, not criterion 15: it wraps 1.1
        ["1.2", "1.2. Báo cáo", "2", "2", "", ""],  # the code twice: once in the name is dropped
    ]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.name) for r in result.rows] == [("1.1", "Kế hoạch cải cách hành chính 15 văn bản được ban hành đúng hạn"), ("1.2", "Báo cáo")]


def test_not_applicable_and_dash_cells(registry: UnitRegistry) -> None:
    rows = [HEADING, ["2.1", "a", "1", "Không áp dụng", "", ""], ["2.2", "b", "1", "-", "", ""], ["2.3", "c", "1", "KAD", "", ""]]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.self_points, r.not_applicable) for r in result.rows] == [("2.1", None, True), ("2.2", None, False), ("2.3", None, True)]


def test_a_title_wrapped_inside_its_words_still_gives_the_year(registry: UnitRegistry) -> None:
    lines = [*HEADER[:6], "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH", "CHÍNH NĂM 2019", "Nơi nhận:", "- Vụ Pháp chế;"]
    result = interpret(document(lines, grid(0, [HEADING, ["1", "x", "1", "1", "", ""]])), registry)
    assert (result.year, result.unit_code) == (2019, "hq-quang-ninh")
    assert header.assessment_year(["Quảng Ninh, ngày 10 tháng 01 năm 2020", "CHỈ SỐ CCHC", "ngày 5 tháng 1 năm 2020"]) is None


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("CỤC HẢI QUAN TỈNH KHÁNH HOÀ", "hq-khanh-hoa"),  # the old tone placement
        ("Cục Hải quan tỉnh Khánh Hòa", "hq-khanh-hoa"),
        ("CỤC HẢI QUAN GIA LAI - KOM TUM", "hq-gia-lai-kon-tum"),  # a typo
        ("Cục HQ TP. Hồ Chí Minh", "hq-ho-chi-minh"),
    ],
)
def test_the_unit_as_units_write_it(registry: UnitRegistry, line: str, unit: str) -> None:
    lines = ["TỔNG CỤC HẢI QUAN", line, "BÁO CÁO TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019"]
    assert interpret(document(lines, grid(0, [HEADING, ["1", "x", "1", "1", "", ""]])), registry).unit_code == unit


def test_an_unknown_unit_names_the_closest_candidates(registry: UnitRegistry) -> None:
    lines = ["CỤC HẢI QUAN TỈNH QUẢNG TÂY", "BÁO CÁO TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019"]
    with pytest.raises(DocumentError) as info:
        interpret(document(lines, grid(0, [HEADING, ["1", "x", "1", "1", "", ""]])), registry)
    assert info.value.reason is Reason.UNIT_UNKNOWN
    assert info.value.message.startswith("the header names no registered unit (closest: ")
    assert "Cục Hải quan tỉnh Quảng Nam" in info.value.message


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Số 05-NQ/TU", "05-NQ/TU"),
        ("SỐ: 673/QĐUBND", "673/QĐ-UBND"),
        ("Số: 25 / BC – HQQN", "25/BC-HQQN"),
        ("Số:123/QĐ-HQĐNg", "123/QĐ-HQĐNg"),
        ("Số điện thoại: 0236 3821 123", None),
    ],
)
def test_document_number_as_written(line: str, number: str | None) -> None:
    assert header.document_number([line]) == number


# --- the later rounds' documents: explanations (giải trình) and council sheets (Hội đồng thẩm định) ------


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Điểm đề nghị sau giải trình", "explanation"),
        ("Điểm giải trình", "explanation"),
        ("Điểm sau giải trình", "explanation"),
        ("Điểm thẩm định sau giải trình", "explanation"),
        ("ĐIỂM ĐỀ NGHỊ", "explanation"),
        ("Điểm Hội đồng thống nhất", "council"),
        ("Điểm Hội đồng", "council"),
        ("Điểm HĐTĐ", "council"),
        ("ĐIỂM HĐTĐ\nTHỐNG NHẤT", "council"),
        ("Điểm do Hội đồng thẩm định chấm", "council"),
        ("Điểm thống nhất", "council"),
        ("Hội đồng", "council"),
        ("HĐTĐ", "council"),
        ("Thẩm định", "appraisal"),
        # Their comment columns stay notes: no "điểm" before the round's name.
        ("Nội dung giải trình", "note"),
        ("Giải trình", "note"),
        ("Ý kiến giải trình", "note"),
        ("Ý kiến Hội đồng", "note"),
        ("Ý kiến của Hội đồng thẩm định", "note"),
        ("Ý kiến thẩm định", "note"),
        ("Ý kiến HĐTĐ", "note"),
    ],
)
def test_column_role_of_the_later_rounds(label: str, role: str) -> None:
    assert column_role(label) == role


@pytest.mark.parametrize(
    ("label", "round_"),
    [
        ("Nội dung giải trình", "explanation"),
        ("Ý kiến giải trình", "explanation"),
        ("Ý kiến Hội đồng", "council"),
        ("Ý kiến HĐTĐ", "council"),
        ("Ý kiến thẩm định", None),
        ("Yêu cầu giải trình", None),
        ("Ghi chú của thẩm định", None),
        ("Ghi chú", None),
        ("Tiêu chí", None),
    ],
)
def test_the_round_a_comment_column_answers(label: str, round_: str | None) -> None:
    assert note_round(label) == round_


EXPLANATION_HEADING = ["STT", "Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Điểm đề nghị sau giải trình", "Nội dung giải trình"]
COUNCIL_HEADING = [
    "STT",
    "Tiêu chí",
    "Điểm tối đa",
    "Điểm tự chấm",
    "Điểm thẩm định",
    "Ý kiến thẩm định",
    "Điểm Hội đồng thống nhất",
    "Ý kiến Hội đồng",
]


def test_an_explanation_reads_the_score_asked_for_and_the_units_answer(registry: UnitRegistry) -> None:
    rows = [
        EXPLANATION_HEADING,
        ["3", "Cải cách thủ tục hành chính", "10", "", "", "", ""],
        ["3.1.2", "Công khai thủ tục", "3", "3", "2", "3", "Đã bổ sung Quyết định số 12/QĐ-HQQN"],
        ["4.1.1", "Sắp xếp tổ chức", "2", "2", "1", "", ""],  # a deduction the unit accepts
    ]
    result = interpret(document(HEADER, grid(0, rows)), registry)
    assert [(r.code, r.appraisal_points, r.explanation_points, r.council_points, r.round_notes) for r in result.rows] == [
        ("3", None, None, None, {}),
        ("3.1.2", Decimal(2), Decimal(3), None, {"explanation": "Đã bổ sung Quyết định số 12/QĐ-HQQN"}),
        ("4.1.1", Decimal(1), None, None, {}),
    ]


def test_a_council_sheet_over_a_two_row_heading_reads_the_councils_scores(registry: UnitRegistry) -> None:
    heading = [
        ["STT", "Tiêu chí", "Điểm", "", "", "Ý kiến thẩm định", "Ý kiến Hội đồng"],
        ["", "", "Tự chấm", "Thẩm định", "Hội đồng", "", ""],
    ]
    rows = [
        ["4.1.1", "Sắp xếp tổ chức", "2", "1", "1,5", "Trễ hạn", "Trừ 0,5 điểm"],
        ["4.1.2", "Quy chế làm việc", "1", "1", "không chấm", "", ""],
    ]
    table = find_score_table([grid(0, heading + rows)])
    assert table is not None and table.columns == {"code": 0, "name": 1, "self": 2, "appraisal": 3, "council": 4, "note": 5}
    result = interpret(document(HEADER, grid(0, heading + rows)), registry)
    assert [(r.code, r.appraisal_points, r.council_points, r.council_text, r.note, r.round_notes) for r in result.rows] == [
        ("4.1.1", Decimal(1), Decimal("1.5"), "", "Trễ hạn\nTrừ 0,5 điểm", {"council": "Trừ 0,5 điểm"}),
        ("4.1.2", Decimal(1), None, "không chấm", "", {}),
    ]
    single = interpret(document(HEADER, grid(0, [COUNCIL_HEADING, ["4.1.1", "x", "2", "2", "1", "", "1,5", ""]])), registry)
    assert [(r.appraisal_points, r.council_points) for r in single.rows] == [(Decimal(1), Decimal("1.5"))]
