"""Scores as units write them: "1,5", "1.5", "1,50", "1,5 điểm", or a mark for "not applicable"."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from schemas.vietnamese import fold

# Folded spellings of an empty or "not applicable" cell (Không áp dụng, KAD, K/A, N/A, dashes).
_NOT_APPLICABLE = {"", "khong ap dung", "kad", "k a", "n a"}
_DASHES = {"-", "–", "—", "‒", "−"}

# One number with at most one separator, then an optional "điểm" (or its abbreviation "đ").
_POINTS = re.compile(r"^([+-]?)(\d+)(?:[.,](\d+))?\s*(?:điểm|đ)?\.?$", re.IGNORECASE)


def parse_points(text: str) -> Decimal | None:
    """The score a cell states, None for an empty or not-applicable cell; ValueError for anything else.

    Comma and dot are both read as the decimal separator: scores are at most 100, so a dot can never
    be a thousands separator, and "1.500" is 1,5 (a spreadsheet's three decimals), not 1500. A number
    with both separators ("1.000,5") is therefore not a score. Trailing zeros are dropped ("1,50" → 1.5),
    so equal scores compare and print alike.
    """
    cleaned = unicodedata.normalize("NFC", text).replace("\u00a0", " ").strip()
    if cleaned in _DASHES or fold(cleaned) in _NOT_APPLICABLE:
        return None
    match = _POINTS.match(cleaned)
    if match is None:
        raise ValueError(f"not a score: {text!r} (expected a number such as 1,5 or 1.5, or empty / 'Không áp dụng')")
    sign, whole, fraction = match.groups()
    value = Decimal(f"{sign}{whole}.{fraction or '0'}")
    return _canonical(value)


def _canonical(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
