"""Ranking rules: units ranked within their block, ties sharing a rank and listed in Vietnamese order."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from core.errors import RankingError
from publishing.index import field_indices, field_of, field_sums, index_of, tier_of
from schemas.framework import Block, Framework
from schemas.records import RankedUnit

# Vietnamese dictionary order of letters: a modified vowel (ă, â, ê, ô, ơ, ư) and đ are letters of
# their own, sorted right after their base letter. f, j, w, z only occur in foreign names.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Ranks: 0 a word break, 1-10 the digits, then the letters, then anything else by code point.
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET, start=11)}
_OTHER_BASE = 11 + len(_ALPHABET)
# The five tone marks in dictionary order (ngang < huyền < hỏi < ngã < sắc < nặng), as in CLDR's
# "vi" tailoring; a tone only decides between names that are equal letter for letter.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a new letter rather than a tone: breve (ă), circumflex (â ê ô), horn (ơ ư).
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


@dataclass(frozen=True, slots=True)
class UnitTotal:
    """A unit's final total in one block: what the ranking is computed from.

    Only the first four are needed. `leaf_points` (criterion code → score of every leaf) gives the
    field sub-indices and is what the publication's inputs hash covers; `field_points` may be given
    instead. `applicable_max` and `field_max` lower the maxima where criteria do not apply to the unit
    (None and missing fields: the framework's); total_from_leaves derives all of them.
    """

    block_id: str
    unit_code: str
    unit_name: str
    points: Decimal
    applicable_max: Decimal | None = None
    field_points: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)
    field_max: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)
    leaf_points: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)

    def fields(self) -> dict[str, Decimal]:
        """Points per field: as given, or added up from the leaf scores."""
        return dict(self.field_points) if self.field_points else field_sums(self.leaf_points)


def total_from_leaves(
    block: Block, unit_code: str, unit_name: str, leaf_points: Mapping[str, Decimal], not_applicable: Iterable[str] = ()
) -> UnitTotal:
    """A unit's total built from its leaf scores: points, points per field and applicable maxima.

    A leaf missing from `leaf_points` scored 0; leaves listed in `not_applicable` ("Không áp dụng") are
    taken out of the unit's maximum and its field's. Raises RankingError for a code that is not a leaf of
    `block`.
    """
    leaves = {leaf.code: leaf for leaf in block.leaves()}
    skipped = set(not_applicable)
    unknown = sorted((set(leaf_points) | skipped) - set(leaves))
    if unknown:
        raise RankingError(f"unit {unit_code}: {', '.join(unknown)} are not criteria scored in block {block.id}")
    scores = {code: Decimal(leaf_points.get(code, 0)) for code in leaves if code not in skipped}
    field_points = {field.code: Decimal(0) for field in block.criteria}
    field_points.update(field_sums(scores))
    full = {field.code: field.max_points for field in block.criteria}
    field_max = dict(full)
    for code in skipped:
        field_max[field_of(code)] -= leaves[code].max_points
    return UnitTotal(
        block_id=block.id,
        unit_code=unit_code,
        unit_name=unit_name,
        points=sum(scores.values(), Decimal(0)),
        applicable_max=sum(field_max.values(), Decimal(0)),
        field_points=field_points,
        field_max={code: m for code, m in field_max.items() if m != full[code]},
        leaf_points=scores,
    )


def _letters(text: str) -> list[tuple[str, int]]:
    """Split `text` into (letter, tone) pairs: letters with their shape marks, tones set apart."""
    pairs: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in _TONES:
            if pairs:
                letter, _ = pairs[-1]
                pairs[-1] = (letter, _TONES[ch])
        elif ch in _LETTER_MARKS and pairs:
            letter, tone = pairs[-1]
            pairs[-1] = (unicodedata.normalize("NFC", letter + ch), tone)
        elif not unicodedata.combining(ch):
            pairs.append((ch, 0))
    return pairs


def vietnamese_sort_key(name: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """A key that sorts names in Vietnamese dictionary order.

    Three levels, like a dictionary: letters first (a < ă < â < b … d < đ …, case and tones
    ignored, a word break before any digit or letter so "Hà Nam" < "Hàm", punctuation ignored);
    then the tone of each word in the order ngang, huyền, hỏi, ngã, sắc, nặng (per word, so the old
    and new placements "Hoà" and "Hòa" are equal); then the text itself, so that equal keys only
    come from equal names.
    """
    primary: list[int] = []
    tones: list[int] = [0]
    for letter, tone in _letters(name):
        if letter.isspace():
            if primary and primary[-1] != 0:
                primary.append(0)
                tones.append(0)
            continue
        if letter in _LETTER_RANK:
            primary.append(_LETTER_RANK[letter])
        elif letter.isdecimal():
            primary.append(1 + unicodedata.decimal(letter))
        elif letter.isalpha():
            primary.append(_OTHER_BASE + ord(letter))
        else:
            continue  # punctuation: "Gia Lai - Kon Tum" sorts as "Gia Lai Kon Tum"
        tones[-1] = max(tones[-1], tone)
    if primary and primary[-1] == 0:
        primary.pop()
        tones.pop()
    return tuple(primary), tuple(tones), unicodedata.normalize("NFC", name)


def dense_rank(values: Sequence[Decimal | Fraction]) -> list[int]:
    """Dense ranks, highest value first: ties share a rank and the next value gets the next rank.

    [89, 89, 89, 88.5] → [1, 1, 1, 2]. Ranks are returned in the positions of `values`.
    """
    distinct = sorted(set(values), reverse=True)
    rank_of = {value: rank for rank, value in enumerate(distinct, start=1)}
    return [rank_of[value] for value in values]


def competition_rank(values: Sequence[Decimal | Fraction]) -> list[int]:
    """Standard competition ("1224") ranks, highest value first: a tie leaves a gap after it.

    [89, 89, 89, 88.5] → [1, 1, 1, 4]. Ranks are returned in the positions of `values`.
    """
    rank_of: dict[Decimal | Fraction, int] = {}
    for position, value in enumerate(sorted(values, reverse=True), start=1):
        rank_of.setdefault(value, position)
    return [rank_of[value] for value in values]


def _applicable_max(block: Block, total: UnitTotal) -> Decimal:
    maximum = block.max_points if total.applicable_max is None else Decimal(total.applicable_max)
    if not Decimal(0) < maximum <= block.max_points:
        raise RankingError(f"unit {total.unit_code}: applicable maximum {maximum} is outside 0..{block.max_points} of block {block.id}")
    return maximum


def _checked_fields(block: Block, total: UnitTotal) -> dict[str, Decimal]:
    """Points per field, checked against the total: a decision must not print sub-indices that disagree."""
    fields = total.fields()
    if fields and sum(fields.values(), Decimal(0)) != total.points:
        raise RankingError(f"unit {total.unit_code}: fields add up to {sum(fields.values(), Decimal(0))}, but the total is {total.points}")
    try:
        return field_indices(block, fields, total.field_max)
    except RankingError as exc:
        raise RankingError(f"unit {total.unit_code}: {exc}") from exc


def rank_units(framework: Framework, totals: Iterable[UnitTotal]) -> list[RankedUnit]:
    """Rank units within each block of `framework` by their index (points over applicable maximum), highest first.

    Where every unit of a block is scored out of the block's maximum this is the order of points. The
    exact ratio decides, not the two-decimal index printed. The framework's rule decides ties (dense or
    competition ranking); tied units are listed in Vietnamese alphabetical order of their names. Each
    line carries the index, the tier (the framework's bands) and the sub-index of every field the unit
    has points for. Blocks come in framework order and a block with no totals yields no lines. A total
    for an unknown block raises ConfigurationError; a unit given twice, points outside 0..the applicable
    maximum or fields that do not add up to the total raise RankingError, because a decision must never
    publish them.
    """
    by_block: dict[str, list[tuple[UnitTotal, Decimal, dict[str, Decimal]]]] = {}
    seen: set[str] = set()
    for total in totals:
        block = framework.block(total.block_id)
        if total.unit_code in seen:
            raise RankingError(f"unit {total.unit_code} has more than one total")
        seen.add(total.unit_code)
        maximum = _applicable_max(block, total)
        if not Decimal(0) <= total.points <= maximum:
            raise RankingError(f"unit {total.unit_code}: {total.points} points is outside 0..{maximum} of block {block.id}")
        by_block.setdefault(block.id, []).append((total, maximum, _checked_fields(block, total)))

    rank = dense_rank if framework.ranking == "dense" else competition_rank
    ranking: list[RankedUnit] = []
    for block in framework.blocks:
        members = sorted(
            by_block.get(block.id, []),
            key=lambda m: (-Fraction(m[0].points) / Fraction(m[1]), vietnamese_sort_key(m[0].unit_name), m[0].unit_code),
        )
        ranks = rank([Fraction(t.points) / Fraction(maximum) for t, maximum, _ in members])
        for (t, maximum, fields), r in zip(members, ranks, strict=True):
            index = index_of(t.points, maximum)
            ranking.append(
                RankedUnit(
                    block_id=block.id,
                    block_name=block.name,
                    unit_code=t.unit_code,
                    unit_name=t.unit_name,
                    points=t.points,
                    max_points=block.max_points,
                    rank=r,
                    applicable_max=maximum,
                    index=index,
                    tier=tier_of(framework.tiers, index),
                    field_indices=fields,
                )
            )
    return ranking
