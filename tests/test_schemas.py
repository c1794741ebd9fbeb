"""Framework files and the unit registry: they load, add up, and say clearly what is wrong."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from core.errors import ConfigurationError, DocumentError, Reason
from schemas.framework import FRAMEWORKS_DIR, framework_for, parse_framework
from schemas.units import parse_registry
from schemas.vietnamese import fold, format_points, nfc


def test_shipped_framework_has_three_blocks_of_seven_fields(framework):
    assert [(b.id, b.max_points) for b in framework.blocks] == [
        ("cuc-hq-tinh", Decimal(90)),
        ("cuc-truc-thuoc", Decimal(80)),
        ("vu-chuc-nang", Decimal(70)),
    ]
    for block in framework.blocks:
        assert [f.code for f in block.criteria] == ["1", "2", "3", "4", "5", "6", "7"]
        assert all(c.step == Decimal("0.5") for c in block.walk())
    assert framework.illustrative and framework.ranking == "dense"


def _raw() -> dict[str, Any]:
    return yaml.safe_load((FRAMEWORKS_DIR / "tchq-2019.yaml").read_text(encoding="utf-8"))


def test_children_that_do_not_add_up_are_named():
    data = _raw()
    data["blocks"][0]["criteria"][0]["children"][0]["children"][0]["max_points"] = 2
    with pytest.raises(ConfigurationError) as err:
        parse_framework(data, "tchq-2019.yaml")
    text = str(err.value)
    assert "block cuc-hq-tinh, criterion 1.1: children add up to 4, but max_points is 3" in text


def test_block_total_and_duplicate_codes_are_named():
    data = _raw()
    data["blocks"][2]["max_points"] = 75
    data["blocks"][1]["criteria"][1]["children"][1]["code"] = "2.1"
    with pytest.raises(ConfigurationError) as err:
        parse_framework(data, "f.yaml")
    text = str(err.value)
    assert "block vu-chuc-nang: fields add up to 70, but max_points is 75" in text
    assert "block cuc-truc-thuoc: criterion code 2.1 appears more than once" in text


def test_missing_keys_are_reported_with_their_place():
    data = _raw()
    del data["blocks"][0]["criteria"][0]["name"]
    with pytest.raises(ConfigurationError, match=r"blocks\.0\.criteria\.0\.name: Field required"):
        parse_framework(data, "f.yaml")


def test_max_off_the_step_is_reported():
    data = _raw()
    leaf = data["blocks"][0]["criteria"][0]["children"][0]["children"][0]
    leaf["step"] = 0.75
    with pytest.raises(ConfigurationError, match="criterion 1.1.1: max_points 1 is not a multiple of step 0.75"):
        parse_framework(data, "f.yaml")


def test_registry_has_every_2019_unit(registry):
    blocks = {b: len(registry.in_block(b)) for b in ("cuc-hq-tinh", "cuc-truc-thuoc", "vu-chuc-nang")}
    assert blocks == {"cuc-hq-tinh": 35, "cuc-truc-thuoc": 8, "vu-chuc-nang": 6}


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("CỤC HẢI QUAN THÀNH PHỐ HỒ CHÍ MINH", "hq-ho-chi-minh"),
        ("Cục Hải quan TP.HCM", "hq-ho-chi-minh"),
        ("TP. Hồ Chí Minh", "hq-ho-chi-minh"),
        ("Cục Hải quan Gia Lai - Kom Tum", "hq-gia-lai-kon-tum"),
        ("Gia Lai-Kon Tum", "hq-gia-lai-kon-tum"),
        ("Cục HQ Khánh Hoà", "hq-khanh-hoa"),
        ("CỤC HẢI QUAN TỈNH KHÁNH HÒA", "hq-khanh-hoa"),
        ("Cục Hải quan tỉnh Bà Rịa- Vũng Tàu", "hq-ba-ria-vung-tau"),
        ("CỤC KIỂM ĐỊNH HẢI QUAN", "cuc-kiem-dinh-hai-quan"),
        ("Vụ Pháp chế", "vu-phap-che"),
    ],
)
def test_unit_names_as_units_write_them(registry, written, code):
    assert registry.match(written).code == code


def test_header_lines_that_are_not_the_unit_are_passed_over(registry):
    lines = ["TỔNG CỤC HẢI QUAN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Hà Nội, ngày 10 tháng 01 năm 2020", "CỤC HẢI QUAN TỈNH QUẢNG NlNH"]
    unit, line = registry.find(lines)
    assert (unit.code, line) == ("hq-quang-ninh", "CỤC HẢI QUAN TỈNH QUẢNG NlNH")


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (["TỔNG CỤC HẢI QUAN", "CỤC HẢI QUAN THÀNH PHỐ HỒ", "CHÍ MINH", "Số: 12/BC-HQHCM"], "hq-ho-chi-minh"),
        (["TỔNG CỤC HẢI QUAN", "CỤC HẢI QUAN TỈNH BÀ RỊA -", "VŨNG TÀU"], "hq-ba-ria-vung-tau"),
        (["CỤC HẢI QUAN", "TỈNH QUẢNG", "NlNH"], "hq-quang-ninh"),  # wrapped over three lines, with a typo
        # the agency and motto columns both wrapped, their lines interleaved (a LibreOffice export without Times New Roman)
        (
            ["TỔNG CỤC HẢI QUAN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT", "CỤC HẢI QUAN TỈNH ĐỒNG", "NAM", "NAI", "Độc lập - Tự do - Hạnh phúc"],
            "hq-dong-nai",
        ),
        # ... where joining the lines as they stand would make "Quảng Nam", another unit
        (["TỔNG CỤC HẢI QUAN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT", "CỤC HẢI QUAN TỈNH QUẢNG", "NAM", "NGÃI"], "hq-quang-ngai"),
        (["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỤC HẢI QUAN TỈNH QUẢNG", "NAM"], "hq-quang-nam"),  # the motto whole
    ],
)
def test_a_unit_name_wrapped_over_header_lines_is_found(registry, lines, code):
    assert registry.find(lines)[0].code == code


def test_a_single_line_naming_a_unit_wins_over_joined_lines(registry):
    unit, line = registry.find(["CỤC HẢI QUAN TỈNH QUẢNG", "CỤC HẢI QUAN TỈNH QUẢNG NINH"])
    assert (unit.code, line) == ("hq-quang-ninh", "CỤC HẢI QUAN TỈNH QUẢNG NINH")


def test_unknown_unit_names_the_closest_candidates(registry):
    with pytest.raises(DocumentError) as err:
        registry.find(["TỔNG CỤC HẢI QUAN", "CỤC HẢI QUAN TỈNH BÌNH THUẬN"])
    assert err.value.reason is Reason.UNIT_UNKNOWN
    assert str(err.value).startswith("unit_unknown: the header names no registered unit (closest: ")


def test_registry_rejects_a_name_given_to_two_units():
    data = {
        "program": "x",
        "units": [
            {"code": "a", "name": "Cục Hải quan tỉnh A", "short_name": "A", "block": "b"},
            {"code": "b", "name": "Cục Hải quan tỉnh B", "short_name": "B", "block": "b", "aliases": ["a"]},
        ],
    }
    with pytest.raises(ConfigurationError, match="name 'a' is given to both a and b"):
        parse_registry(data)


@pytest.mark.parametrize("code", ["../../etc/x", "a/b", "HQ-Ha-Noi", "hq ha noi", "hq--ha-noi", ""])
def test_codes_that_become_file_names_are_slugs(code):
    """Unit, block and program codes name published files ("thu-phan-hoi-<unit>-2019.docx"): never a path."""
    data = {"program": "x", "units": [{"code": code, "name": "Cục Hải quan tỉnh A", "short_name": "A", "block": "b"}]}
    with pytest.raises(ConfigurationError, match=r"units\.0\.code: String should match pattern"):
        parse_registry(data)


def test_a_block_id_that_is_not_a_slug_is_refused():
    data = yaml.safe_load((FRAMEWORKS_DIR / "tchq-2019.yaml").read_text(encoding="utf-8"))
    data["blocks"][0]["id"] = "../cuc-hq-tinh"
    with pytest.raises(ConfigurationError, match=r"blocks\.0\.id: String should match pattern"):
        parse_framework(data)


def test_vietnamese_text_helpers():
    assert fold("Khánh Hoà") == fold("KHÁNH HÒA") == "khanh hoa"
    assert fold("Đồng Nai") == "dong nai"
    assert nfc("Kha\u0301nh  Hòa ") == "Khánh Hòa"
    assert [format_points(v) for v in (Decimal("88.5"), Decimal("89.00"), 90, Decimal("0.25"), Decimal("100"))] == ["88,5", "89", "90", "0,25", "100"]


def test_limits_come_from_the_environment_and_are_checked(monkeypatch):
    from core.settings import limits_from_env
    from extractors import ArchiveLimits, ExtractionLimits

    monkeypatch.setenv("PARINDEX_LIMIT_MAX_PAGES", "12")
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_DEPTH", "1")
    assert limits_from_env(ExtractionLimits).max_pages == 12 and limits_from_env(ExtractionLimits).max_bytes == ExtractionLimits().max_bytes
    assert limits_from_env(ArchiveLimits).max_depth == 1
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_SECONDS", "-3")
    with pytest.raises(ConfigurationError, match="ExtractionLimits.max_seconds must be a positive number, got -3.0"):
        limits_from_env(ExtractionLimits)
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="PARINDEX_LIMIT_MAX_SECONDS must be a number, not 'soon'"):
        limits_from_env(ExtractionLimits)


def test_the_ocr_review_threshold_is_a_checked_setting(monkeypatch):
    from pydantic import ValidationError

    from core.settings import Settings

    monkeypatch.setenv("PARINDEX_OCR_MIN_CONFIDENCE", "92.5")
    assert Settings().ocr_min_confidence == 92.5
    monkeypatch.setenv("PARINDEX_OCR_MIN_CONFIDENCE", "150")
    with pytest.raises(ValidationError, match="ocr_min_confidence\n  Input should be less than or equal to 100"):
        Settings()


def test_criterion_and_block_lookups_follow_a_copy_with_another_tree() -> None:
    """Lookups are indexed once per tree; a model_copy with other criteria or blocks gets its own index."""
    framework = framework_for("tchq", 2019)
    block = framework.blocks[0]
    assert block.criterion("2.1") is not None and framework.block(framework.blocks[1].id) is framework.blocks[1]  # indexed now

    first_field = block.model_copy(update={"criteria": block.criteria[:1]})
    assert first_field.criterion("2.1") is None and first_field.criterion("1.1") is not None
    assert first_field.leaf_codes == {c.code for c in first_field.walk() if c.is_leaf} < block.leaf_codes
    one_block = framework.model_copy(update={"blocks": framework.blocks[:1]})
    with pytest.raises(ConfigurationError, match="has no block"):
        one_block.block(framework.blocks[1].id)
    assert first_field == block.model_copy(update={"criteria": block.criteria[:1]}) and block == framework_for("tchq", 2019).blocks[0]
