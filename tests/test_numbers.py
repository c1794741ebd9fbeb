"""parse_points: every way units write a score, the not-applicable marks, and what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extractors.numbers import parse_points


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,5", Decimal("1.5")),
        ("1.5", Decimal("1.5")),
        ("1,50", Decimal("1.5")),
        ("1,5 điểm", Decimal("1.5")),
        ("1,5 ĐIỂM", Decimal("1.5")),
        ("1,5đ", Decimal("1.5")),
        ("2", Decimal("2")),
        (" 10 ", Decimal("10")),
        ("100,00", Decimal("100")),
        ("0", Decimal("0")),
        ("0,25", Decimal("0.25")),
        ("88,5", Decimal("88.5")),
        ("1.500", Decimal("1.5")),  # a dot is never a thousands separator: scores are at most 100
        ("1,5\u00a0điểm", Decimal("1.5")),
        ("-1", Decimal("-1")),  # a number all the same: validation says it is below 0
    ],
)
def test_parse_points_reads_scores(text: str, expected: Decimal) -> None:
    value = parse_points(text)
    assert value == expected
    assert str(value) == str(expected)  # canonical form: "1,50" and "1,5" are stored alike


def test_parse_points_reads_decomposed_text() -> None:
    assert parse_points("1,5 \u0111i\u0065\u0302\u0309m") == Decimal("1.5")  # "điểm" in NFD


@pytest.mark.parametrize("text", ["", "   ", "-", "–", "—", "Không áp dụng", "không áp dụng", "KHÔNG ÁP DỤNG", "KAD", "K/A", "N/A"])
def test_parse_points_not_applicable_is_none(text: str) -> None:
    assert parse_points(text) is None


@pytest.mark.parametrize("text", ["abc", "1.000,5", "89/90", "1,5%", "1..5", ".5", "x", "1,5 2", "Có"])
def test_parse_points_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="not a score") as info:
        parse_points(text)
    assert repr(text) in str(info.value)
