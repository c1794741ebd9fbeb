"""The index: points over the applicable maximum as a percentage, its sub-indices per field, and tiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from core.errors import RankingError
from schemas.framework import Block, Tier

CENT = Decimal("0.01")


def index_of(points: Decimal, maximum: Decimal) -> Decimal:
    """points / maximum × 100 with two decimals, halves rounded up as published (88,5/90 → 98.33).

    Raises RankingError for a maximum that is not positive: a unit with nothing applicable has no index.
    """
    if maximum <= 0:
        raise RankingError(f"an index needs a positive maximum, not {maximum}")
    return (Decimal(points) * 100 / Decimal(maximum)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_index(index: Decimal) -> str:
    """An index the Vietnamese way, always with two decimals: 98.33 → "98,33", 100 → "100,00"."""
    return f"{Decimal(index).quantize(CENT, rounding=ROUND_HALF_UP):f}".replace(".", ",")


def tier_of(tiers: Sequence[Tier], index: Decimal) -> str | None:
    """The first tier (highest first) whose threshold the published index reaches; None below all or without tiers.

    The rounded index decides, so a reader checking the table against the thresholds always agrees.
    """
    for tier in tiers:
        if index >= tier.min_index:
            return tier.name
    return None


def field_of(code: str) -> str:
    """The field (lĩnh vực) a criterion belongs to: the first part of its dotted code, "3.2.1" → "3"."""
    return code.split(".", 1)[0]


def field_sums(leaf_points: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Leaf scores added up per field: {"1.1.1": 1, "1.2": 2, "2.1.1": 1.5} → {"1": 3, "2": 1.5}."""
    sums: dict[str, Decimal] = {}
    for code, points in leaf_points.items():
        field = field_of(code)
        sums[field] = sums.get(field, Decimal(0)) + Decimal(points)
    return sums


def field_indices(block: Block, field_points: Mapping[str, Decimal], field_max: Mapping[str, Decimal] | None = None) -> dict[str, Decimal]:
    """The sub-index of every field the unit has points for, in the block's field order.

    `field_max` holds applicable maxima lower than the framework's (criteria that do not apply to the
    unit); a field whose applicable maximum is zero has no sub-index. Raises RankingError for a field the
    block does not have or points above the field's maximum.
    """
    maxima = {field.code: field.max_points for field in block.criteria}
    for code, maximum in (field_max or {}).items():
        if code not in maxima:
            raise RankingError(f"block {block.id} has no field {code}")
        if not Decimal(0) <= maximum <= maxima[code]:
            raise RankingError(f"field {code}: applicable maximum {maximum} is outside 0..{maxima[code]}")
        maxima[code] = Decimal(maximum)
    unknown = sorted(set(field_points) - set(maxima))
    if unknown:
        raise RankingError(f"block {block.id} has no field {', '.join(unknown)}")
    indices: dict[str, Decimal] = {}
    for field in block.criteria:
        if field.code not in field_points or maxima[field.code] == 0:
            continue
        points = Decimal(field_points[field.code])
        if not Decimal(0) <= points <= maxima[field.code]:
            raise RankingError(f"field {field.code}: {points} points is outside 0..{maxima[field.code]}")
        indices[field.code] = index_of(points, maxima[field.code])
    return indices
