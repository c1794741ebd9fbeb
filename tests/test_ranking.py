"""Ranking rules: dense and competition ranks, Vietnamese tie order, blocks kept apart."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from parindex.errors import ConfigurationError
from publishing.ranking import UnitTotal, competition_rank, dense_rank, rank_units, vietnamese_sort_key
from schemas.framework import framework_for
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
    ranks_by_points = {}
    for line in ranking:
        ranks_by_points.setdefault(line.points, set()).add(line.rank)
    assert {str(p): r for p, r in ranks_by_points.items()} == {
        "89": {1}, "88.5": {2}, "88": {3}, "87.5": {4}, "87": {5}, "86.5": {6}, "86": {7}
    }
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
    assert [(l.block_id, l.unit_code, l.rank) for l in ranking] == [
        ("cuc-hq-tinh", "hq-ha-noi", 1),
        ("cuc-truc-thuoc", "cuc-quan-ly-rui-ro", 1),
        ("cuc-truc-thuoc", "cuc-kiem-dinh-hai-quan", 2),
        ("vu-chuc-nang", "van-phong", 1),
        ("vu-chuc-nang", "vu-phap-che", 2),
    ]
    assert [l.max_points for l in ranking] == [Decimal(90), Decimal(80), Decimal(80), Decimal(70), Decimal(70)]
    assert ranking[1].block_name == "Các Cục thuộc Tổng cục Hải quan"


def test_every_registered_unit_ranks_in_its_own_block(framework, registry):
    totals = [UnitTotal(u.block, u.code, u.short_name, Decimal(60)) for u in registry.units]
    ranking = rank_units(framework, totals)
    assert len(ranking) == len(registry.units)
    assert {l.rank for l in ranking} == {1}
    assert [l.block_id for l in ranking] == sorted(
        (l.block_id for l in ranking), key=[b.id for b in framework.blocks].index
    )


def test_vietnamese_order_puts_d_stroke_after_d_and_tones_after_letters():
    names = ["Đồng Nai", "Dương Minh", "Đà Nẵng", "Cần Thơ", "Cà Mau", "Hải Phòng", "Hà Tĩnh", "Hà Nội", "Hà Nam Ninh"]
    assert sorted(names, key=vietnamese_sort_key) == [
        "Cà Mau", "Cần Thơ", "Dương Minh", "Đà Nẵng", "Đồng Nai", "Hà Nam Ninh", "Hà Nội", "Hà Tĩnh", "Hải Phòng"
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
    with pytest.raises(ValueError, match="more than one total"):
        rank_units(framework, twice)
    with pytest.raises(ValueError, match="outside 0..90"):
        rank_units(framework, [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal("90.5"))])


def test_empty_totals_give_an_empty_ranking(framework):
    assert rank_units(framework, []) == []
