"""The published decision DOCX and the ranking exports, read back as a user or a machine would."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from publishing import decision as decision_module
from publishing.decision import decision_number, head_title, roman, vietnamese_date, write_decision_docx
from publishing.exports import COLUMNS, display_width, ranking_csv, ranking_json, ranking_rows, ranking_table
from publishing.ranking import UnitTotal, rank_units
from schemas.framework import framework_for
from schemas.units import registry_for

# Provincial scores of Decision 3751/QĐ-TCHQ where known; the other units get illustrative scores.
KNOWN_2019 = {
    "hq-ho-chi-minh": "89", "hq-da-nang": "89", "hq-dong-nai": "89",
    "hq-ha-noi": "88.5", "hq-hai-phong": "88.5", "hq-gia-lai-kon-tum": "88.5",
    "hq-khanh-hoa": "88", "hq-nghe-an": "88", "hq-quang-ninh": "88",
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
    return write_decision_docx(
        framework, ranking, path, decision_no="3751", signed_on=date(2020, 12, 30), signer="Nguyễn Văn Cẩn"
    )


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
        "Về việc phê duyệt và công bố Chỉ số cải cách hành chính ngành Hải quan năm 2019 "
        "của các đơn vị thuộc và trực thuộc Tổng cục Hải quan"
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
    assert (
        "(Kèm theo Quyết định số 3751/QĐ-TCHQ ngày 30 tháng 12 năm 2020 của Tổng cục trưởng Tổng cục Hải quan)"
        in texts
    )
    appendix_titles = [p for p in document.paragraphs if p.text.startswith("Phụ lục ")]
    assert all(p.paragraph_format.page_break_before for p in appendix_titles)

    for table, block in zip(appendices, framework.blocks, strict=True):
        lines = [line for line in ranking if line.block_id == block.id]
        rows = [[c.text for c in row.cells] for row in table.rows]
        assert rows[0] == ["STT", "Đơn vị", "Điểm", "Xếp hạng"]
        assert len(rows) == len(lines) + 1
        assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, len(lines) + 1)]
        assert [r[1] for r in rows[1:]] == [line.unit_name for line in lines]
        assert [r[3] for r in rows[1:]] == [str(line.rank) for line in lines]
        assert all(r[2].endswith(f"/{block.max_points}") for r in rows[1:])
        assert table.style.name == "Table Grid"

    provincial = [[c.text for c in row.cells] for row in appendices[0].rows]
    assert provincial[1:4] == [["1", "Đà Nẵng", "89/90", "1"], ["2", "Đồng Nai", "89/90", "1"], ["3", "TP. Hồ Chí Minh", "89/90", "1"]]
    assert provincial[4] == ["4", "Gia Lai - Kon Tum", "88,5/90", "2"]


def test_page_setup_and_font(published):
    document = docx.Document(published)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    sizes = {r.font.size.pt for p in document.paragraphs for r in p.runs if r.font.size}
    assert sizes <= {13, 14}
    assert {r.font.name for p in document.paragraphs for r in p.runs} == {"Times New Roman"}
    assert round(document.tables[2].columns[0].width.mm) == 15


def test_core_properties_are_fixed_by_the_signing_date(published):
    properties = docx.Document(published).core_properties
    assert properties.created.date() == properties.modified.date() == date(2020, 12, 30)
    assert properties.author == "Tổng cục Hải quan"
    assert properties.language == "vi-VN"


def test_writing_twice_gives_identical_bytes(framework, ranking, tmp_path, monkeypatch):
    kwargs = {"decision_no": "3751", "signed_on": date(2020, 12, 30), "signer": "Nguyễn Văn Cẩn"}
    first = write_decision_docx(framework, ranking, tmp_path / "a.docx", **kwargs).read_bytes()
    later = time.time() + 3 * 86400  # python-docx would stamp zip members and core.xml with "now"
    monkeypatch.setattr(time, "time", lambda: later)
    second = write_decision_docx(framework, ranking, tmp_path / "b.docx", **kwargs).read_bytes()
    assert first == second
    undated_1 = write_decision_docx(framework, ranking, tmp_path / "c.docx").read_bytes()
    undated_2 = write_decision_docx(framework, ranking, tmp_path / "d.docx").read_bytes()
    assert undated_1 == undated_2 != first


def test_draft_without_number_or_date_leaves_blanks(framework, ranking, tmp_path):
    document = docx.Document(write_decision_docx(framework, ranking, tmp_path / "draft.docx"))
    left, right = document.tables[0].rows[0].cells
    assert any(re.fullmatch(r"Số: {4,}/QĐ-TCHQ", line) for line in _cell_lines(left))
    assert any(re.fullmatch(r"Hà Nội, ngày {4,}tháng {4,}năm {4,}", line) for line in _cell_lines(right))
    assert document.core_properties.created.year == 1980


def test_write_is_atomic(framework, ranking, tmp_path, monkeypatch):
    target = tmp_path / "out" / "decision.docx"
    write_decision_docx(framework, ranking, target, decision_no="3751", signed_on=date(2020, 12, 30))
    before = target.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(decision_module.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_decision_docx(framework, ranking, target, decision_no="9999", signed_on=date(2021, 1, 5))
    assert target.read_bytes() == before  # the old decision is untouched
    assert os.listdir(target.parent) == ["decision.docx"]  # and no temporary file is left behind


def test_only_blocks_with_units_get_an_appendix(framework, ranking, tmp_path):
    single = [line for line in ranking if line.block_id == "vu-chuc-nang"]
    document = docx.Document(write_decision_docx(framework, single, tmp_path / "one.docx", decision_no="1"))
    assert len(document.tables) == 3
    texts = [p.text for p in document.paragraphs]
    assert "Phụ lục I" in texts and "KHỐI CÁC VỤ VÀ VĂN PHÒNG TỔNG CỤC HẢI QUAN" in texts
    assert any("(chi tiết tại Phụ lục kèm theo Quyết định này)" in t for t in texts)
    with pytest.raises(ValueError, match="nothing to publish"):
        write_decision_docx(framework, [], tmp_path / "empty.docx")


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


# --- exports -------------------------------------------------------------------------------------


def test_json_round_trips_with_the_documented_keys(ranking):
    rows = json.loads(ranking_json(ranking))
    assert len(rows) == len(ranking)
    assert all(list(row) == list(COLUMNS) for row in rows)
    assert rows[0] == {
        "block": "cuc-hq-tinh",
        "block_name": "Cục Hải quan tỉnh, thành phố",
        "unit_code": "hq-da-nang",
        "unit_name": "Đà Nẵng",
        "points": 89.0,
        "max_points": 90.0,
        "rank": 1,
    }
    assert "Đà Nẵng" in ranking_json(ranking)  # not escaped as \\u0110
    assert rows == ranking_rows(ranking)


def test_csv_uses_dots_for_machines(ranking):
    rows = list(csv.DictReader(io.StringIO(ranking_csv(ranking))))
    assert tuple(rows[0]) == COLUMNS
    gia_lai = next(r for r in rows if r["unit_code"] == "hq-gia-lai-kon-tum")
    assert (gia_lai["points"], gia_lai["max_points"], gia_lai["rank"]) == ("88.5", "90", "2")
    assert [Decimal(r["points"]) for r in rows] == [line.points for line in ranking]


def test_terminal_table_is_aligned_and_vietnamese(ranking):
    text = ranking_table(ranking)
    sections = text.strip().split("\n\n")
    assert len(sections) == 3
    assert sections[0].splitlines()[0] == "Khối Cục Hải quan tỉnh, thành phố (tối đa 90 điểm, 35 đơn vị)"
    assert "88,5/90" in text and "88.5" not in text
    for section in sections:
        rows = section.splitlines()[1:]
        # Every row puts its unit code at the same display column, however many diacritics precede it.
        codes = [line.rsplit("  ", 1) for line in rows[2:]]
        starts = {display_width(head) for head, _ in codes}
        assert len(starts) == 1
    gia_lai = next(line for line in sections[0].splitlines() if "Gia Lai - Kon Tum" in line)
    assert gia_lai.split()[0] == "2"


def test_display_width_counts_what_a_terminal_shows():
    assert display_width("Đà Nẵng") == 7
    assert display_width(unicodedata.normalize("NFD", "Đà Nẵng")) == 7  # combining marks take no column
    assert display_width("海关") == 4
