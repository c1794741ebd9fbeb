"""Ranking exports read back as a machine or a user would: JSON, CSV, the publication JSON, XLSX, the terminal table."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypedDict

import openpyxl
import pytest

from core.errors import RankingError
from publishing.exports import (
    COLUMNS,
    display_width,
    field_codes,
    publication_json,
    ranking_csv,
    ranking_json,
    ranking_rows,
    ranking_table,
)
from publishing.ranking import UnitTotal, rank_units
from publishing.workbook import HEADER_ROW, ranking_xlsx, sheet_title
from tests.publishing_samples import sample_unit_totals


@pytest.fixture(scope="module")
def ranking(framework, registry):
    return rank_units(framework, sample_unit_totals(framework, registry))


def test_json_round_trips_with_the_documented_keys(ranking):
    rows = json.loads(ranking_json(ranking))
    assert len(rows) == len(ranking)
    assert all(list(row) == [*COLUMNS, "field_indices"] for row in rows)
    first = rows[0]
    assert {k: first[k] for k in COLUMNS} == {
        "block": "cuc-hq-tinh",
        "block_name": "Cục Hải quan tỉnh, thành phố",
        "unit_code": "hq-da-nang",
        "unit_name": "Đà Nẵng",
        "points": 89.0,
        "max_points": 90.0,
        "applicable_max": 90.0,
        "index": 98.89,
        "tier": "Tốt",
        "rank": 1,
    }
    assert list(first["field_indices"]) == ["1", "2", "3", "4", "5", "6", "7"]
    assert "Đà Nẵng" in ranking_json(ranking)  # not escaped as \\u0110
    assert rows == ranking_rows(ranking)


def test_csv_uses_dots_for_machines_and_a_column_per_field(ranking):
    rows = list(csv.DictReader(io.StringIO(ranking_csv(ranking))))
    assert tuple(rows[0]) == (*COLUMNS, *(f"index_{code}" for code in "1234567"))
    gia_lai = next(r for r in rows if r["unit_code"] == "hq-gia-lai-kon-tum")
    assert (gia_lai["points"], gia_lai["max_points"], gia_lai["index"], gia_lai["tier"], gia_lai["rank"]) == ("88.5", "90", "98.33", "Tốt", "2")
    assert [Decimal(r["points"]) for r in rows] == [line.points for line in ranking]
    assert [Decimal(r["index_3"]) for r in rows] == [line.field_indices["3"] for line in ranking]


def test_csv_without_field_scores_has_no_field_columns(framework):
    ranking = rank_units(framework, [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal("88.5"))])
    header, row = ranking_csv(ranking).splitlines()
    assert header.split(",") == list(COLUMNS)
    assert row.endswith(",88.5,90,90,98.33,Tốt,1")
    assert field_codes(ranking) == []


def test_field_codes_sort_numerically(framework):
    line = rank_units(framework, [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(88))])[0]
    tens = line.model_copy(update={"field_indices": {"10": Decimal(1), "2": Decimal(1), "1": Decimal(1)}})
    assert field_codes([tens]) == ["1", "2", "10"]


class _PublicationArgs(TypedDict):
    decision_no: str
    signed_on: date
    cutoff: datetime
    inputs_hash: str


def test_publication_json_says_what_was_published(framework, ranking):
    kwargs: _PublicationArgs = {
        "decision_no": "3751",
        "signed_on": date(2020, 12, 30),
        "cutoff": datetime(2020, 12, 20, 17),
        "inputs_hash": "ab" * 32,
    }
    text = publication_json(framework, ranking, **kwargs)
    assert text == publication_json(framework, ranking, **kwargs)
    data = json.loads(text)
    assert (data["program"], data["year"], data["decision"], data["signed_on"], data["cutoff"]) == (
        "tchq",
        2019,
        "3751/QĐ-TCHQ",
        "2020-12-30",
        "2020-12-20T17:00:00",
    )
    assert data["inputs_hash"] == "ab" * 32 and data["illustrative"] is True and data["ranking_rule"] == "dense"
    assert [t["name"] for t in data["tiers"]] == ["Tốt", "Khá", "Trung bình", "Yếu"]
    assert [b["id"] for b in data["blocks"]] == ["cuc-hq-tinh", "cuc-truc-thuoc", "vu-chuc-nang"]
    assert [f["code"] for f in data["blocks"][0]["fields"]] == list("1234567")
    assert data["ranking"] == ranking_rows(ranking)
    draft = json.loads(publication_json(framework, ranking, decision_no=None, signed_on=None, cutoff=None, inputs_hash=""))
    assert draft["decision"] is None and draft["cutoff"] is None


# --- the workbook --------------------------------------------------------------------------------


def test_workbook_has_a_sheet_per_block_with_numbers_as_numbers(framework, ranking, tmp_path):
    path = tmp_path / "ranking.xlsx"
    path.write_bytes(ranking_xlsx(framework, ranking))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Cục Hải quan tỉnh, thành phố", "Các Cục thuộc Tổng cục Hải quan", "Các Vụ và Văn phòng Tổng cục"]
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value.startswith("Chỉ số cải cách hành chính ngành Hải quan năm 2019")
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header[:8] == ["STT", "Mã đơn vị", "Đơn vị", "Điểm", "Điểm tối đa áp dụng", "Chỉ số (%)", "Xếp loại", "Xếp hạng"]
    assert header[8].startswith("Lĩnh vực 1: Công tác chỉ đạo") and len(header) == 15
    first = [c.value for c in sheet[HEADER_ROW + 1]]
    assert first[:8] == [1, "hq-da-nang", "Đà Nẵng", 89, 90, 98.89, "Tốt", 1]
    gia_lai = [c.value for c in sheet[HEADER_ROW + 4]]
    assert gia_lai[2:6] == ["Gia Lai - Kon Tum", 88.5, 90, 98.33]
    assert (sheet.cell(HEADER_ROW + 4, 4).number_format, sheet.cell(HEADER_ROW + 4, 6).number_format) == ("General", "0.00")
    assert [type(sheet.cell(HEADER_ROW + 1, column).value) for column in (4, 5)] == [int, int]  # 89 and 90, never "89.0"
    assert sheet.max_row == HEADER_ROW + 35
    assert sheet.freeze_panes == f"D{HEADER_ROW + 1}"


def test_workbook_bytes_are_reproducible(framework, ranking):
    signed = datetime(2020, 12, 30, tzinfo=UTC)
    data = ranking_xlsx(framework, ranking, stamp=signed)
    assert data == ranking_xlsx(framework, ranking, stamp=signed)
    # openpyxl's Workbook.save would stamp "modified" with the clock; the signing date is kept instead.
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    assert core.count("2020-12-30T00:00:00Z") == 2
    assert {info.date_time for info in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(2020, 12, 30, 0, 0, 0)}
    with pytest.raises(RankingError, match="nothing to publish"):
        ranking_xlsx(framework, [])


def test_sheet_titles_follow_excel_rules(framework):
    block = framework.blocks[0]
    taken: set[str] = set()
    long = block.model_copy(update={"name": "Khối: đơn vị [thí điểm] / năm 2019 và các năm sau đó"})
    first = sheet_title(long, taken)
    assert len(first) <= 31 and not set("[]:*?/\\") & set(first)
    assert first == "Khối đơn vị thí điểm năm 2019"  # cut between words
    second = sheet_title(long, taken)
    assert second == "Khối đơn vị thí điểm năm (2)" and len(second) <= 31


# --- the terminal table --------------------------------------------------------------------------


def test_terminal_table_is_aligned_and_vietnamese(ranking):
    text = ranking_table(ranking)
    sections = text.strip().split("\n\n")
    assert len(sections) == 3
    assert sections[0].splitlines()[0] == "Khối Cục Hải quan tỉnh, thành phố (tối đa 90 điểm, 35 đơn vị)"
    assert sections[0].splitlines()[1].split() == ["Hạng", "Đơn", "vị", "Điểm", "Chỉ", "số", "Xếp", "loại", "Mã", "đơn", "vị"]
    assert "88,5/90" in text and "98,33" in text and "88.5" not in text
    for section in sections:
        rows = section.splitlines()[1:]
        # Every row puts its unit code at the same display column, however many diacritics precede it.
        codes = [line.rsplit("  ", 1) for line in rows[2:]]
        starts = {display_width(head) for head, _ in codes}
        assert len(starts) == 1
    gia_lai = next(line for line in sections[0].splitlines() if "Gia Lai - Kon Tum" in line)
    assert gia_lai.split()[0] == "2"


def test_terminal_table_without_tiers_has_no_tier_column(framework):
    plain = framework.model_copy(update={"tiers": ()})
    text = ranking_table(rank_units(plain, [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal("88.5"))]))
    assert text.splitlines()[1].split() == ["Hạng", "Đơn", "vị", "Điểm", "Mã", "đơn", "vị"]


def test_display_width_counts_what_a_terminal_shows():
    assert display_width("Đà Nẵng") == 7
    assert display_width(unicodedata.normalize("NFD", "Đà Nẵng")) == 7  # combining marks take no column
    assert display_width("海关") == 4
