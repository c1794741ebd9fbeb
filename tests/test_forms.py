"""The self-assessment form writers (DOCX, PDF) and the evidence document writer."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import TypedDict

import docx
import pdfplumber
import pytest

from forms import COLUMNS, TOTAL_LABEL, FormContent, blank_form, write_evidence, write_form
from forms.evidence_writer import split_title
from forms.layout import date_line, form_layout, printed_scores
from schemas.framework import framework_for
from schemas.units import registry_for
from schemas.vietnamese import nfc

LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
PLAN = "Kế hoạch số 15/KH-HQĐNg ngày 10/01/2019"
REPORT = "Báo cáo số 120/BC-HQĐNg ngày 16/12/2019"


@pytest.fixture(scope="module")
def framework():
    return framework_for("tchq", 2019)


@pytest.fixture(scope="module")
def filled(framework) -> FormContent:
    """Đà Nẵng at full marks except 1.1.1 (0,5 of 1) and 2.1.1 (1 of 1,5): 89 of 90."""
    block = framework.block("cuc-hq-tinh")
    scores = {leaf.code: leaf.max_points for leaf in block.leaves()}
    scores["1.1.1"] = Decimal("0.5")
    scores["2.1.1"] = Decimal("1")
    return FormContent(
        framework=framework,
        block=block,
        unit=registry_for("tchq").get("hq-da-nang"),
        scores=scores,
        evidence={"1.1.1": f"{PLAN}; {REPORT}", "1.2.2": REPORT},
        document_number="25/BC-HQĐNg",
        place="Đà Nẵng",
        signed_on=date(2020, 1, 8),
    )


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def score_table_docx(data: bytes) -> list[list[str]]:
    tables = [t for t in docx_tables(data) if t[0] == list(COLUMNS)]
    assert len(tables) == 1, "exactly one table starts with the six column titles"
    return tables[0]


def pdf_pages(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """Each page's text, and each page's ruled tables as whitespace-folded NFC cells."""
    texts, tables = [], []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            texts.append(nfc(page.extract_text()))
            for table in page.extract_tables(LINES):
                tables.append([[nfc(cell or "") for cell in row] for row in table])
            page.close()
    return texts, tables


def test_blank_docx_has_the_six_columns_and_a_row_per_criterion(framework):
    block = framework.block("cuc-hq-tinh")
    rows = score_table_docx(write_form(blank_form(framework, block.id), "docx"))
    assert [row[0] for row in rows[1:-1]] == [c.code for c in block.walk()]
    assert [row[1] for row in rows[1:-1]] == [c.name for c in block.walk()]
    assert rows[-1][:3] == ["", TOTAL_LABEL, "90"]
    assert all(row[3] == "" for row in rows[1:]), "a blank form has no self scores"
    assert rows[1 + [c.code for c in block.walk()].index("2.1.1")][2] == "1,5"


def test_blank_docx_header_leaves_unit_number_and_date_to_fill_in(framework):
    header = docx_tables(write_form(blank_form(framework, "vu-chuc-nang"), "docx"))[0]
    left, right = header[0]
    assert left.split("\n") == ["TỔNG CỤC HẢI QUAN", "........................", "Số:        /BC-........"]
    assert right.split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "......, ngày ... tháng ... năm ..."]


def test_blank_pdf_carries_embedded_vietnamese_text_and_ruled_tables(framework):
    block = framework.block("cuc-hq-tinh")
    data = write_form(blank_form(framework, block.id), "pdf")
    texts, tables = pdf_pages(data)
    assert "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019" in texts[0]
    assert "Khối: Cục Hải quan tỉnh, thành phố" in texts[0]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        fonts = {char["fontname"].split("+")[-1] for char in pdf.pages[0].chars}
    assert fonts <= {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}
    assert len(texts) > 1, "the table spans several pages"
    assert len(tables) == len(texts), "one ruled table per page, nothing else ruled"
    assert all(table[0] == list(COLUMNS) for table in tables), "the header row repeats on every page"
    codes = [row[0] for table in tables for row in table[1:]]
    assert codes == [c.code for c in block.walk()] + [""]
    assert tables[-1][-1][:3] == ["", TOTAL_LABEL, "90"]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_filled_form_writes_scores_subtotals_and_total_the_vietnamese_way(filled, fmt):
    data = write_form(filled, fmt)
    if fmt == "docx":
        rows = score_table_docx(data)[1:]
        text = "\n".join(cell for row in docx_tables(data)[0] for cell in row)
    else:
        texts, tables = pdf_pages(data)
        rows = [row for table in tables for row in table[1:]]
        text = texts[0]
    by_code = {row[0]: row for row in rows}
    assert by_code["1.1.1"][3] == "0,5"
    assert by_code["1.1"][3] == "2,5"
    assert by_code["1"][3] == "11,5"
    assert by_code["2.1.1"][2:4] == ["1,5", "1"]
    assert by_code["1.1.1"][4] == f"{PLAN}; {REPORT}"
    assert by_code["1.2.2"][4] == REPORT
    assert by_code["1.3.1"][4] == ""
    assert rows[-1][1:4] == [TOTAL_LABEL, "90", "89"]
    assert "CỤC HẢI QUAN THÀNH PHỐ ĐÀ NẴNG" in text
    assert "Số: 25/BC-HQĐNg" in text
    assert "Đà Nẵng, ngày 08 tháng 01 năm 2020" in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_same_content_gives_the_same_bytes(filled, fmt):
    assert write_form(filled, fmt) == write_form(filled, fmt)


def test_field_rows_and_total_are_bold(filled):
    layout = form_layout(filled)
    assert [row.cells[0] for row in layout.rows if row.bold] == [f.code for f in filled.block.criteria] + [""]


def test_a_given_parent_score_is_printed_instead_of_the_subtotal(filled):
    wrong = FormContent(**{**filled.__dict__, "scores": {**filled.scores, "1.1": Decimal("3")}})
    printed = printed_scores(wrong)
    assert printed["1.1"] == Decimal("3")
    assert printed["1"] == Decimal("12"), "fields add the subtotals as printed"


def test_form_content_rejects_codes_the_block_lacks(framework):
    with pytest.raises(ValueError, match="9.9"):
        FormContent(framework=framework, block=framework.block("vu-chuc-nang"), scores={"9.9": Decimal(1)})


def test_write_form_rejects_an_unknown_format(framework):
    with pytest.raises(ValueError, match="xlsx"):
        write_form(blank_form(framework, "vu-chuc-nang"), "xlsx")  # type: ignore[arg-type]  # a format outside the Literal on purpose: it must be refused


@pytest.mark.parametrize(
    ("place", "signed_on", "expected"),
    [
        ("Đà Nẵng", date(2020, 1, 8), "Đà Nẵng, ngày 08 tháng 01 năm 2020"),
        ("Hà Nội", date(2019, 12, 16), "Hà Nội, ngày 16 tháng 12 năm 2019"),
        ("Huế", date(2019, 3, 5), "Huế, ngày 05 tháng 3 năm 2019"),
        ("Huế", None, "Huế, ngày ... tháng ... năm ..."),
    ],
)
def test_date_line_pads_days_below_10_and_months_below_3(place, signed_on, expected):
    assert date_line(place, signed_on) == expected


def test_split_title_separates_kind_and_subject():
    assert split_title("Kế hoạch cải cách hành chính năm 2019") == ("KẾ HOẠCH", "Cải cách hành chính năm 2019")
    assert split_title("KẾ HOẠCH") == ("KẾ HOẠCH", "")
    assert split_title("Thông tin khác") == ("THÔNG TIN KHÁC", "")


class _EvidenceArgs(TypedDict):
    kind_title: str
    number: str
    signed_on: date
    issuer: str
    place: str
    body: str


EVIDENCE = _EvidenceArgs(
    kind_title="Kế hoạch cải cách hành chính năm 2019",
    number="15/KH-HQĐNg",
    signed_on=date(2019, 1, 10),
    issuer="Cục Hải quan thành phố Đà Nẵng",
    place="Đà Nẵng",
    body="Thực hiện Kế hoạch của Tổng cục Hải quan & Bộ Tài chính.\n\nMục tiêu: hoàn thành đúng hạn.",
)


def test_evidence_docx_has_numbered_header_title_and_body_but_no_score_table():
    data = write_evidence(**EVIDENCE, fmt="docx")
    document = docx.Document(io.BytesIO(data))
    left, right = (cell.text for cell in document.tables[0].rows[0].cells)
    assert left.split("\n")[1:] == ["CỤC HẢI QUAN THÀNH PHỐ ĐÀ NẴNG", "Số: 15/KH-HQĐNg"]
    assert right.endswith("Đà Nẵng, ngày 10 tháng 01 năm 2019")
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[:2] == ["KẾ HOẠCH", "Cải cách hành chính năm 2019"]
    assert "Thực hiện Kế hoạch của Tổng cục Hải quan & Bộ Tài chính." in paragraphs
    assert all(t[0] != list(COLUMNS) for t in docx_tables(data))


def test_evidence_pdf_has_numbered_header_title_and_body_but_no_ruled_table():
    data = write_evidence(**EVIDENCE, fmt="pdf")
    texts, tables = pdf_pages(data)
    assert tables == []
    for expected in (
        "Số: 15/KH-HQĐNg",
        "Đà Nẵng, ngày 10 tháng 01 năm 2019",
        "KẾ HOẠCH",
        "Cải cách hành chính năm 2019",
        "Tổng cục Hải quan & Bộ Tài chính",
    ):
        assert expected in texts[0]
    assert write_evidence(**EVIDENCE, fmt="pdf") == data
