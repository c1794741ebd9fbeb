"""Ranking rules: dense and competition ranks, Vietnamese tie order, blocks kept apart."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
import yaml

from core.errors import ConfigurationError, RankingError
from publishing.index import format_index, index_of, tier_of
from publishing.ranking import UnitTotal, competition_rank, dense_rank, rank_units, total_from_leaves, vietnamese_sort_key
from schemas.framework import FRAMEWORKS_DIR, framework_for, parse_framework
from schemas.records import RankedUnit
from schemas.units import registry_for
from schemas.vietnamese import fold

# The provincial block of Decision 3751/QĐ-TCHQ (2019) as far as the sources go, plus three lower scores.
PUBLISHED_2019 = {
    "89": ["TP. Hồ Chí Minh", "Đồng Nai", "Đà Nẵng"],
    "88.5": ["Hải Phòng", "Hà Nội", "Gia Lai - Kon Tum"],
    "88": ["Quảng Ninh", "Khánh Hòa", "Nghệ An"],
    "87.5": ["Tây Ninh", "Quảng Ngãi", "Cần Thơ", "Quảng Bình", "Lạng Sơn", "Hà Tĩnh"],
    "87": ["Long An", "Kiên Giang", "Hà Nam Ninh", "Bà Rịa - Vũng Tàu"],
    "86.5": ["Thừa Thiên Huế", "Bắc Ninh"],
    "86": ["Lào Cai"],
}


@pytest.fixture(scope="module")
def framework():
    return framework_for("tchq", 2019)


@pytest.fixture(scope="module")
def registry():
    return registry_for("tchq")


def provincial_totals(registry) -> list[UnitTotal]:
    by_name = {u.short_name: u for u in registry.in_block("cuc-hq-tinh")}
    return [
        UnitTotal(block_id="cuc-hq-tinh", unit_code=by_name[name].code, unit_name=name, points=Decimal(points))
        for points, names in PUBLISHED_2019.items()
        for name in names
    ]


def test_dense_rank_building_block():
    values = [Decimal(v) for v in ("89", "89", "89", "88.5", "88", "88")]
    assert dense_rank(values) == [1, 1, 1, 2, 3, 3]
    # Ranks come back in the input positions, whatever the order.
    assert dense_rank([Decimal("87"), Decimal("89"), Decimal("87.0")]) == [2, 1, 2]
    assert dense_rank([]) == []


def test_competition_rank_building_block():
    values = [Decimal(v) for v in ("89", "89", "89", "88.5", "88", "88", "87")]
    assert competition_rank(values) == [1, 1, 1, 4, 5, 5, 7]
    assert competition_rank([Decimal("87"), Decimal("89"), Decimal("87")]) == [2, 1, 2]


def test_dense_ranking_reproduces_decision_3751(framework, registry):
    ranking = rank_units(framework, provincial_totals(registry))
    assert len(ranking) == 22
    ranks_by_points: dict[Decimal, set[int]] = {}
    for line in ranking:
        ranks_by_points.setdefault(line.points, set()).add(line.rank)
    assert {str(p): r for p, r in ranks_by_points.items()} == {"89": {1}, "88.5": {2}, "88": {3}, "87.5": {4}, "87": {5}, "86.5": {6}, "86": {7}}
    assert [line.rank for line in ranking] == sorted(line.rank for line in ranking)
    assert all(line.max_points == Decimal(90) for line in ranking)
    assert {line.block_name for line in ranking} == {"Cục Hải quan tỉnh, thành phố"}


def test_ties_listed_in_vietnamese_alphabetical_order(framework, registry):
    names = [line.unit_name for line in rank_units(framework, provincial_totals(registry))]
    assert names[:3] == ["Đà Nẵng", "Đồng Nai", "TP. Hồ Chí Minh"]
    assert names[3:6] == ["Gia Lai - Kon Tum", "Hà Nội", "Hải Phòng"]
    assert names[9:15] == ["Cần Thơ", "Hà Tĩnh", "Lạng Sơn", "Quảng Bình", "Quảng Ngãi", "Tây Ninh"]
    assert names[15:19] == ["Bà Rịa - Vũng Tàu", "Hà Nam Ninh", "Kiên Giang", "Long An"]
    assert names[19:] == ["Bắc Ninh", "Thừa Thiên Huế", "Lào Cai"]


def test_competition_ranking_leaves_gaps(framework, registry):
    competition = framework.model_copy(update={"ranking": "competition"})
    ranking = rank_units(competition, provincial_totals(registry))
    assert [line.rank for line in ranking] == [1, 1, 1, 4, 4, 4, 7, 7, 7] + [10] * 6 + [16] * 4 + [20, 20, 22]


def test_blocks_ranked_apart_in_framework_order(framework):
    totals = [
        UnitTotal("vu-chuc-nang", "vu-phap-che", "Vụ Pháp chế", Decimal("69")),
        UnitTotal("cuc-truc-thuoc", "cuc-kiem-dinh-hai-quan", "Cục Kiểm định hải quan", Decimal("70")),
        UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal("88.5")),
        UnitTotal("vu-chuc-nang", "van-phong", "Văn phòng Tổng cục Hải quan", Decimal("70")),
        UnitTotal("cuc-truc-thuoc", "cuc-quan-ly-rui-ro", "Cục Quản lý rủi ro", Decimal("78.5")),
    ]
    ranking = rank_units(framework, totals)
    assert [(line.block_id, line.unit_code, line.rank) for line in ranking] == [
        ("cuc-hq-tinh", "hq-ha-noi", 1),
        ("cuc-truc-thuoc", "cuc-quan-ly-rui-ro", 1),
        ("cuc-truc-thuoc", "cuc-kiem-dinh-hai-quan", 2),
        ("vu-chuc-nang", "van-phong", 1),
        ("vu-chuc-nang", "vu-phap-che", 2),
    ]
    assert [line.max_points for line in ranking] == [Decimal(90), Decimal(80), Decimal(80), Decimal(70), Decimal(70)]
    assert ranking[1].block_name == "Các Cục thuộc Tổng cục Hải quan"


def test_every_registered_unit_ranks_in_its_own_block(framework, registry):
    totals = [UnitTotal(u.block, u.code, u.short_name, Decimal(60)) for u in registry.units]
    ranking = rank_units(framework, totals)
    assert len(ranking) == len(registry.units)
    assert {line.rank for line in ranking} == {1}
    assert [line.block_id for line in ranking] == sorted((line.block_id for line in ranking), key=[b.id for b in framework.blocks].index)


def test_vietnamese_order_puts_d_stroke_after_d_and_tones_after_letters():
    names = ["Đồng Nai", "Dương Minh", "Đà Nẵng", "Cần Thơ", "Cà Mau", "Hải Phòng", "Hà Tĩnh", "Hà Nội", "Hà Nam Ninh"]
    assert sorted(names, key=vietnamese_sort_key) == [
        "Cà Mau",
        "Cần Thơ",
        "Dương Minh",
        "Đà Nẵng",
        "Đồng Nai",
        "Hà Nam Ninh",
        "Hà Nội",
        "Hà Tĩnh",
        "Hải Phòng",
    ]
    # Folding alone would put Đà Nẵng ("da nang") before Dương Minh ("duong minh"): the reason for a real key.
    assert sorted(["Dương Minh", "Đà Nẵng"], key=fold) == ["Đà Nẵng", "Dương Minh"]
    # Letters: a < ă < â, o < ô < ơ, u < ư; tones: ngang < huyền < hỏi < ngã < sắc < nặng.
    assert sorted(["â", "ă", "a"], key=vietnamese_sort_key) == ["a", "ă", "â"]
    assert sorted(["ơ", "ô", "o", "ư", "u"], key=vietnamese_sort_key) == ["o", "ô", "ơ", "u", "ư"]
    assert sorted(["Bạ", "Bá", "Bã", "Bả", "Bà", "Ba"], key=vietnamese_sort_key) == ["Ba", "Bà", "Bả", "Bã", "Bá", "Bạ"]
    # Letters decide before tones, and a word break before any letter.
    assert sorted(["Hàm Tân", "Hải Phòng", "Hà Nội"], key=vietnamese_sort_key) == ["Hà Nội", "Hải Phòng", "Hàm Tân"]


def test_sort_key_ignores_case_normal_form_and_tone_placement():
    decomposed = unicodedata.normalize("NFD", "Khánh Hòa")
    assert vietnamese_sort_key(decomposed)[:2] == vietnamese_sort_key("Khánh Hòa")[:2]
    assert vietnamese_sort_key("KHÁNH HÒA")[:2] == vietnamese_sort_key("Khánh Hòa")[:2]
    # Old and new tone placement (Hoà / Hòa) are the same letters and the same tone.
    assert vietnamese_sort_key("Khánh Hoà")[:2] == vietnamese_sort_key("Khánh Hòa")[:2]


def test_unknown_block_duplicate_unit_and_impossible_points_are_refused(framework):
    with pytest.raises(ConfigurationError, match="no block"):
        rank_units(framework, [UnitTotal("khoi-la", "x", "X", Decimal(1))])
    twice = [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(88))] * 2
    with pytest.raises(RankingError, match="more than one total"):
        rank_units(framework, twice)
    with pytest.raises(RankingError, match="outside 0..90"):
        rank_units(framework, [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal("90.5"))])


def test_empty_totals_give_an_empty_ranking(framework):
    assert rank_units(framework, []) == []


# --- index, tiers and field sub-indices ------------------------------------------------------------


def test_index_is_points_over_the_applicable_maximum_with_two_decimals(framework, registry):
    ranking = rank_units(framework, provincial_totals(registry))
    by_name = {line.unit_name: line for line in ranking}
    assert by_name["Đà Nẵng"].index == Decimal("98.89")  # 89/90
    assert by_name["Hà Nội"].index == Decimal("98.33")  # 88,5/90
    assert by_name["Lào Cai"].index == Decimal("95.56")  # 86/90: 95.555… rounds half up
    assert all(line.applicable_max == 90 for line in ranking)
    assert index_of(Decimal("0.5"), Decimal(3)) == Decimal("16.67")
    assert index_of(Decimal(1), Decimal(8)) == Decimal("12.50")  # 12.5 exactly, written with two decimals
    assert [format_index(v) for v in (Decimal("98.33"), Decimal(100), Decimal("12.5"))] == ["98,33", "100,00", "12,50"]
    with pytest.raises(RankingError, match="positive maximum"):
        index_of(Decimal(0), Decimal(0))


def test_tiers_follow_the_framework_thresholds(framework):
    assert [(t.name, t.min_index) for t in framework.tiers] == [("Tốt", 90), ("Khá", 80), ("Trung bình", 70), ("Yếu", 0)]
    assert [tier_of(framework.tiers, Decimal(v)) for v in ("100", "90.00", "89.99", "80", "70", "69.99", "0")] == [
        "Tốt",
        "Tốt",
        "Khá",
        "Khá",
        "Trung bình",
        "Yếu",
        "Yếu",
    ]
    assert tier_of((), Decimal(100)) is None
    totals = [
        UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(81)),  # 90,00: the printed index decides
        UnitTotal("cuc-hq-tinh", "hq-hai-phong", "Hải Phòng", Decimal("80.5")),  # 89,44
        UnitTotal("cuc-hq-tinh", "hq-lao-cai", "Lào Cai", Decimal(60)),  # 66,67
    ]
    assert [(line.index, line.tier) for line in rank_units(framework, totals)] == [
        (Decimal("90.00"), "Tốt"),
        (Decimal("89.44"), "Khá"),
        (Decimal("66.67"), "Yếu"),
    ]
    untiered = framework.model_copy(update={"tiers": ()})
    assert {line.tier for line in rank_units(untiered, totals)} == {None}


def test_badly_ordered_or_out_of_range_tiers_are_reported_together():
    data = yaml.safe_load((FRAMEWORKS_DIR / "tchq-2019.yaml").read_text(encoding="utf-8"))
    data["tiers"] = [{"name": "Khá", "min_index": 80}, {"name": "Tốt", "min_index": 90}, {"name": "Khá", "min_index": 120}]
    with pytest.raises(ConfigurationError) as error:
        parse_framework(data, "tiers.yaml")
    message = str(error.value)
    assert "min_index 120 is outside 0..100" in message
    assert "tiers must be listed highest first: Tốt (90) comes after Khá (80)" in message
    assert "tier Khá appears more than once" in message


def test_field_sub_indices_come_from_the_leaf_scores(framework):
    block = framework.block("cuc-hq-tinh")
    leaves = {leaf.code: leaf.max_points for leaf in block.leaves()}
    leaves["1.1.1"] = Decimal(0)  # field 1 (12 points) loses 1 point
    leaves["2.1.1"] = Decimal("0.5")  # field 2 (10 points) loses 1 point
    total = total_from_leaves(block, "hq-ha-noi", "Hà Nội", leaves)
    assert total.points == 88 and total.applicable_max == 90 and total.field_max == {}
    assert total.field_points["1"] == 11 and total.field_points["2"] == 9 and total.field_points["7"] == block.criteria[6].max_points
    line = rank_units(framework, [total])[0]
    assert line.field_indices["1"] == Decimal("91.67") and line.field_indices["2"] == Decimal("90.00")
    assert line.field_indices["3"] == Decimal("100.00") and list(line.field_indices) == list("1234567")
    assert line.index == Decimal("97.78")


def test_criteria_that_do_not_apply_lower_the_maximum_and_ranking_follows_the_index(framework):
    block = framework.block("cuc-hq-tinh")
    full = {leaf.code: leaf.max_points for leaf in block.leaves()}
    field_3 = [leaf for leaf in block.leaves() if leaf.code.startswith("3.")]
    skipped = [leaf.code for leaf in field_3]
    partial = {code: points for code, points in full.items() if code not in skipped}
    partial["1.1.1"] = Decimal(0)
    # Without field 3 the unit scores (90 - field 3 - 1) of (90 - field 3): fewer points, a higher index than 88/90.
    reduced = total_from_leaves(block, "hq-ha-noi", "Hà Nội", partial, not_applicable=skipped)
    field_3_max = block.criteria[2].max_points
    assert reduced.applicable_max == 90 - field_3_max and reduced.field_max == {"3": 0}
    other = UnitTotal("cuc-hq-tinh", "hq-hai-phong", "Hải Phòng", Decimal(88))
    first, second = rank_units(framework, [other, reduced])
    assert (first.unit_name, second.unit_name) == ("Hà Nội", "Hải Phòng")
    assert first.points < second.points and first.index > second.index
    assert first.applicable_max == 90 - field_3_max and "3" not in first.field_indices
    with pytest.raises(RankingError, match="are not criteria scored in block"):
        total_from_leaves(block, "hq-ha-noi", "Hà Nội", {"9.9.9": Decimal(1)})


def test_fields_that_disagree_with_the_total_are_refused(framework):
    wrong = UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(88), field_points={"1": Decimal(12), "2": Decimal(10)})
    with pytest.raises(RankingError, match="fields add up to 22, but the total is 88"):
        rank_units(framework, [wrong])
    above = UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(13), field_points={"1": Decimal(13)})
    with pytest.raises(RankingError, match="field 1: 13 points is outside 0..12"):
        rank_units(framework, [above])
    unknown = UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(1), field_points={"8": Decimal(1)})
    with pytest.raises(RankingError, match="has no field 8"):
        rank_units(framework, [unknown])
    too_high = UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(1), applicable_max=Decimal(91))
    with pytest.raises(RankingError, match="applicable maximum 91 is outside"):
        rank_units(framework, [too_high])


def test_records_without_index_fields_still_load():
    """Callers that predate the index (a stored snapshot, the flows' results) still build RankedUnits."""
    line = RankedUnit(block_id="b", block_name="B", unit_code="u", unit_name="U", points=Decimal("88.5"), max_points=Decimal(90), rank=2)
    assert (line.applicable_max, line.index, line.tier, line.field_indices) == (Decimal(90), Decimal("98.33"), None, {})
    assert index_of(line.points, line.applicable_max) == line.index
    assert RankedUnit.model_validate_json(line.model_dump_json()) == line
