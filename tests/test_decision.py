"""The published decision DOCX, read back as a user would: header, body, signature, one appendix per block."""

from __future__ import annotations

import os
import re
import time
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypedDict

import docx
import pdfplumber
import pytest
from docx.shared import Length

from core.errors import RankingError
from publishing.content import decision_content
from publishing.decision import decision_number, head_title, roman, vietnamese_date, write_decision
from publishing.pdf import render_pdf
from publishing.ranking import UnitTotal, rank_units
from schemas.framework import framework_for
from schemas.units import registry_for

# Provincial scores of Decision 3751/QĐ-TCHQ where known; the other units get illustrative scores.
KNOWN_2019 = {
    "hq-ho-chi-minh": "89",
    "hq-da-nang": "89",
    "hq-dong-nai": "89",
    "hq-ha-noi": "88.5",
    "hq-hai-phong": "88.5",
    "hq-gia-lai-kon-tum": "88.5",
    "hq-khanh-hoa": "88",
    "hq-nghe-an": "88",
    "hq-quang-ninh": "88",
}


@pytest.fixture(scope="module")
def framework():
    return framework_for("tchq", 2019)


@pytest.fixture(scope="module")
def ranking(framework):
    registry = registry_for("tchq")
    lower = {"cuc-hq-tinh": Decimal(86), "cuc-truc-thuoc": Decimal(76), "vu-chuc-nang": Decimal(66)}
    totals = [
        UnitTotal(u.block, u.code, u.short_name, Decimal(KNOWN_2019.get(u.code, lower[u.block] - Decimal("0.5") * (i % 4))))
        for i, u in enumerate(registry.units)
    ]
    return rank_units(framework, totals)


@pytest.fixture(scope="module")
def published(framework, ranking, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("decision") / "3751-QD-TCHQ.docx"
    return write_decision(framework, ranking, path, decision_no="3751", signed_on=date(2020, 12, 30), signer="Nguyễn Văn Cẩn")


def _cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs]


# --- the decision document -----------------------------------------------------------------------


def test_header_reads_like_an_administrative_decision(published):
    document = docx.Document(published)
    left, right = document.tables[0].rows[0].cells
    assert [line for line in _cell_lines(left) if line] == ["BỘ TÀI CHÍNH", "TỔNG CỤC HẢI QUAN", "Số: 3751/QĐ-TCHQ"]
    assert [line for line in _cell_lines(right) if line] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 30 tháng 12 năm 2020",
    ]
    bold = {p.text: all(r.bold for r in p.runs) for p in left.paragraphs + right.paragraphs if p.text}
    assert bold["TỔNG CỤC HẢI QUAN"] and bold["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"] and bold["Độc lập - Tự do - Hạnh phúc"]
    date_line = next(p for p in right.paragraphs if p.text.startswith("Hà Nội"))
    assert all(r.italic for r in date_line.runs)
    # The header table is borderless.
    borders = document.tables[0]._tbl.tblPr.find(docx.oxml.ns.qn("w:tblBorders"))
    assert {e.get(docx.oxml.ns.qn("w:val")) for e in borders} == {"nil"}


def test_body_has_title_authority_grounds_and_articles(published):
    texts = [p.text for p in docx.Document(published).paragraphs]
    assert "QUYẾT ĐỊNH" in texts and "QUYẾT ĐỊNH:" in texts
    assert texts.index("QUYẾT ĐỊNH") < texts.index("TỔNG CỤC TRƯỞNG TỔNG CỤC HẢI QUAN") < texts.index("QUYẾT ĐỊNH:")
    assert (
        "Về việc phê duyệt và công bố Chỉ số cải cách hành chính ngành Hải quan năm 2019 của các đơn vị thuộc và trực thuộc Tổng cục Hải quan"
    ) in texts
    grounds = [t for t in texts if t.startswith("Căn cứ")]
    assert any("Quyết định số 1500/QĐ-TCHQ" in t for t in grounds)
    article_1 = next(t for t in texts if t.startswith("Điều 1."))
    assert "phê duyệt và công bố".lower() in article_1.lower() and "Phụ lục I, II, III kèm theo" in article_1
    assert any(t.startswith("Điều 2.") and "hiệu lực" in t for t in texts)
    assert any(t.startswith("Điều 3.") and t.endswith("thi hành Quyết định này./.") for t in texts)


def test_signature_block_and_recipients(published):
    document = docx.Document(published)
    recipients, signature = document.tables[1].rows[0].cells
    assert _cell_lines(recipients)[0] == "Nơi nhận:"
    assert "- Như Điều 3;" in _cell_lines(recipients)
    signature_lines = [line for line in _cell_lines(signature) if line]
    assert signature_lines == ["KT. TỔNG CỤC TRƯỞNG", "PHÓ TỔNG CỤC TRƯỞNG", "Nguyễn Văn Cẩn"]


def test_one_ruled_appendix_table_per_block(published, framework, ranking):
    document = docx.Document(published)
    appendices = document.tables[2:]
    assert len(appendices) == len(framework.blocks) == 3
    texts = [p.text for p in document.paragraphs]
    for index, block in enumerate(framework.blocks, start=1):
        assert f"Phụ lục {roman(index)}" in texts
        assert f"KHỐI {block.name.upper()}" in texts
    assert texts.count("KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NGÀNH HẢI QUAN NĂM 2019") == 3
    assert "(Kèm theo Quyết định số 3751/QĐ-TCHQ ngày 30 tháng 12 năm 2020 của Tổng cục trưởng Tổng cục Hải quan)" in texts
    appendix_titles = [p for p in document.paragraphs if p.text.startswith("Phụ lục ")]
    assert all(p.paragraph_format.page_break_before for p in appendix_titles)

    for table, block in zip(appendices, framework.blocks, strict=True):
        lines = [line for line in ranking if line.block_id == block.id]
        rows = [[c.text for c in row.cells] for row in table.rows]
        # The framework has tiers, so the index and the tier stand between the points and the rank.
        assert rows[0] == ["STT", "Đơn vị", "Điểm", "Chỉ số (%)", "Xếp loại", "Xếp hạng"]
        assert len(rows) == len(lines) + 1
        assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, len(lines) + 1)]
        assert [r[1] for r in rows[1:]] == [line.unit_name for line in lines]
        assert [r[5] for r in rows[1:]] == [str(line.rank) for line in lines]
        assert all(r[2].endswith(f"/{block.max_points}") for r in rows[1:])
        assert all(re.fullmatch(r"\d{2,3},\d\d", r[3]) for r in rows[1:])
        assert {r[4] for r in rows[1:]} <= {tier.name for tier in framework.tiers}
        assert table.style is not None and table.style.name == "Table Grid"

    provincial = [[c.text for c in row.cells] for row in appendices[0].rows]
    assert provincial[1:4] == [
        ["1", "Đà Nẵng", "89/90", "98,89", "Tốt", "1"],
        ["2", "Đồng Nai", "89/90", "98,89", "Tốt", "1"],
        ["3", "TP. Hồ Chí Minh", "89/90", "98,89", "Tốt", "1"],
    ]
    assert provincial[4] == ["4", "Gia Lai - Kon Tum", "88,5/90", "98,33", "Tốt", "2"]


def test_without_tiers_the_appendix_keeps_points_and_rank_only(framework, ranking, tmp_path):
    plain = framework.model_copy(update={"tiers": ()})
    document = docx.Document(str(write_decision(plain, ranking, tmp_path / "plain.docx", decision_no="3751")))
    rows = [[c.text for c in row.cells] for row in document.tables[2].rows]
    assert rows[0] == ["STT", "Đơn vị", "Điểm", "Xếp hạng"]
    assert rows[1] == ["1", "Đà Nẵng", "89/90", "1"]
    assert round(document.tables[2].columns[0].width.mm) == 15


def _mm(length: Length | None) -> int:
    assert length is not None
    return round(length.mm)


def test_page_setup_and_font(published):
    document = docx.Document(published)
    section = document.sections[0]
    assert (_mm(section.page_width), _mm(section.page_height)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [_mm(m) for m in margins] == [20, 20, 30, 15]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    sizes = {r.font.size.pt for p in document.paragraphs for r in p.runs if r.font.size}
    assert sizes <= {13, 14}
    assert {r.font.name for p in document.paragraphs for r in p.runs} == {"Times New Roman"}
    widths = [round(column.width.mm) for column in document.tables[2].columns]
    assert widths[0] == 14 and sum(widths) == 165  # the text width between the margins


def test_core_properties_are_fixed_by_the_signing_date(published):
    properties = docx.Document(published).core_properties
    assert properties.created.date() == properties.modified.date() == date(2020, 12, 30)
    assert properties.author == "Tổng cục Hải quan"
    assert properties.language == "vi-VN"


class _DecisionArgs(TypedDict):
    decision_no: str
    signed_on: date
    signer: str


def test_writing_twice_gives_identical_bytes(framework, ranking, tmp_path, monkeypatch):
    kwargs: _DecisionArgs = {"decision_no": "3751", "signed_on": date(2020, 12, 30), "signer": "Nguyễn Văn Cẩn"}
    first = write_decision(framework, ranking, tmp_path / "a.docx", **kwargs).read_bytes()
    later = time.time() + 3 * 86400  # python-docx would stamp zip members and core.xml with "now"
    monkeypatch.setattr(time, "time", lambda: later)
    second = write_decision(framework, ranking, tmp_path / "b.docx", **kwargs).read_bytes()
    assert first == second
    undated_1 = write_decision(framework, ranking, tmp_path / "c.docx").read_bytes()
    undated_2 = write_decision(framework, ranking, tmp_path / "d.docx").read_bytes()
    assert undated_1 == undated_2 != first


def test_draft_without_number_or_date_leaves_blanks(framework, ranking, tmp_path):
    document = docx.Document(str(write_decision(framework, ranking, tmp_path / "draft.docx")))
    left, right = document.tables[0].rows[0].cells
    assert any(re.fullmatch(r"Số: {4,}/QĐ-TCHQ", line) for line in _cell_lines(left))
    assert any(re.fullmatch(r"Hà Nội, ngày {4,}tháng {4,}năm {4,}", line) for line in _cell_lines(right))
    assert document.core_properties.created.year == 1980


def test_write_is_atomic(framework, ranking, tmp_path, monkeypatch):
    target = tmp_path / "out" / "decision.docx"
    write_decision(framework, ranking, target, decision_no="3751", signed_on=date(2020, 12, 30))
    before = target.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("core.atomic_files.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_decision(framework, ranking, target, decision_no="9999", signed_on=date(2021, 1, 5))
    assert target.read_bytes() == before  # the old decision is untouched
    assert os.listdir(target.parent) == ["decision.docx"]  # and no temporary file is left behind


def test_only_blocks_with_units_get_an_appendix(framework, ranking, tmp_path):
    single = [line for line in ranking if line.block_id == "vu-chuc-nang"]
    document = docx.Document(str(write_decision(framework, single, tmp_path / "one.docx", decision_no="1")))
    assert len(document.tables) == 3
    texts = [p.text for p in document.paragraphs]
    assert "Phụ lục I" in texts and "KHỐI CÁC VỤ VÀ VĂN PHÒNG TỔNG CỤC HẢI QUAN" in texts
    assert any("(chi tiết tại Phụ lục kèm theo Quyết định này)" in t for t in texts)
    with pytest.raises(RankingError, match="nothing to publish"):
        write_decision(framework, [], tmp_path / "empty.docx")


def test_document_conventions():
    assert vietnamese_date(date(2020, 12, 30)) == "ngày 30 tháng 12 năm 2020"
    assert vietnamese_date(date(2021, 2, 5)) == "ngày 05 tháng 02 năm 2021"  # Nghị định 30: 05, 01 and 02
    assert vietnamese_date(date(2021, 3, 5)) == "ngày 05 tháng 3 năm 2021"
    assert [roman(i) for i in (1, 2, 3, 4, 9, 14)] == ["I", "II", "III", "IV", "IX", "XIV"]
    assert head_title("Tổng cục Hải quan") == "Tổng cục trưởng"
    assert head_title("Cục Hải quan tỉnh Quảng Ninh") == "Cục trưởng"
    assert head_title("Ủy ban nhân dân tỉnh Khánh Hòa") == "Chủ tịch"
    fw = framework_for("tchq", 2019)
    assert decision_number(fw, "3751") == "3751/QĐ-TCHQ"
    assert decision_number(fw, "3751/QĐ-TCHQ") == "3751/QĐ-TCHQ"
    assert decision_number(fw.model_copy(update={"decision": None}), "12") == "12/QĐ-TCHQ"


# --- the PDF, drawn from the same content -----------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def published_pdf(framework, ranking, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("decision-pdf") / "3751-QD-TCHQ.pdf"
    return write_decision(framework, ranking, path, decision_no="3751", signed_on=date(2020, 12, 30), signer="Nguyễn Văn Cẩn")


def test_pdf_says_everything_the_docx_says(published, published_pdf):
    """Both writers draw one content model, so every line and table cell of the DOCX is in the PDF."""
    with pdfplumber.open(published_pdf) as pdf:
        text = _words(" ".join(page.extract_text() or "" for page in pdf.pages))
        # Ruled tables come back cell by cell, wrapped cells ("Chỉ số\n(%)") in one piece.
        cells = {_words(cell or "") for page in pdf.pages for table in page.extract_tables() for row in table for cell in row}
    document = docx.Document(published)
    lines = [p.text for p in document.paragraphs]
    lines += [p.text for table in document.tables[:2] for cell in table._cells for p in cell.paragraphs]
    assert [line for line in map(_words, lines) if line and line not in text] == []
    appendix_cells = {_words(cell.text) for table in document.tables[2:] for cell in table._cells}
    assert appendix_cells - cells == set()
    assert len(appendix_cells) > 100


def test_pdf_is_a4_with_embedded_vietnamese_fonts_and_page_numbers(published_pdf):
    with pdfplumber.open(published_pdf) as pdf:
        assert all((round(p.width * 25.4 / 72), round(p.height * 25.4 / 72)) == (210, 297) for p in pdf.pages)
        fonts = {c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars}
        assert fonts <= {"DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"}
        # Subset prefixes ("ABCDEF+DejaVuSerif") mean the fonts are embedded, not referenced.
        assert all("+" in c["fontname"] for c in pdf.pages[0].chars)
        first_top = [w["text"] for w in pdf.pages[0].extract_words() if w["top"] < 60]
        second_top = [w["text"] for w in pdf.pages[1].extract_words() if w["top"] < 60]
        assert first_top == [] and second_top == ["2"]  # numbered from the second page, at the top
        assert pdf.metadata["Title"].startswith("Quyết định về việc phê duyệt")
        assert pdf.metadata["Author"] == "Tổng cục Hải quan"


def test_pdf_is_reproducible(framework, ranking):
    content = decision_content(framework, ranking, decision_no="3751", signed_on=date(2020, 12, 30))
    assert render_pdf(content) == render_pdf(content)
