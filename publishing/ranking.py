"""Ranking rules: units ranked within their block, ties sharing a rank and listed in Vietnamese order."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from schemas.framework import Framework
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
    """A unit's final total in one block: what the ranking is computed from."""

    block_id: str
    unit_code: str
    unit_name: str
    points: Decimal


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


def dense_rank(values: Sequence[Decimal]) -> list[int]:
    """Dense ranks, highest value first: ties share a rank and the next value gets the next rank.

    [89, 89, 89, 88.5] → [1, 1, 1, 2]. Ranks are returned in the positions of `values`.
    """
    distinct = sorted(set(values), reverse=True)
    rank_of = {value: rank for rank, value in enumerate(distinct, start=1)}
    return [rank_of[value] for value in values]


def competition_rank(values: Sequence[Decimal]) -> list[int]:
    """Standard competition ("1224") ranks, highest value first: a tie leaves a gap after it.

    [89, 89, 89, 88.5] → [1, 1, 1, 4]. Ranks are returned in the positions of `values`.
    """
    rank_of: dict[Decimal, int] = {}
    for position, value in enumerate(sorted(values, reverse=True), start=1):
        rank_of.setdefault(value, position)
    return [rank_of[value] for value in values]


def rank_units(framework: Framework, totals: Iterable[UnitTotal]) -> list[RankedUnit]:
    """Rank units within each block of `framework` by points, highest first.

    The framework's rule decides ties (dense or competition ranking); tied units are listed in
    Vietnamese alphabetical order of their names. Blocks come in framework order and a block with no
    totals yields no lines. A total for an unknown block raises ConfigurationError; a unit given twice,
    or points outside 0..the block's maximum, raise ValueError, because a decision must never
    publish them.
    """
    by_block: dict[str, list[UnitTotal]] = {}
    seen: set[str] = set()
    for total in totals:
        block = framework.block(total.block_id)
        if total.unit_code in seen:
            raise ValueError(f"unit {total.unit_code} has more than one total")
        seen.add(total.unit_code)
        if not Decimal(0) <= total.points <= block.max_points:
            raise ValueError(
                f"unit {total.unit_code}: {total.points} points is outside 0..{block.max_points} of block {block.id}"
            )
        by_block.setdefault(block.id, []).append(total)

    rank = dense_rank if framework.ranking == "dense" else competition_rank
    ranking: list[RankedUnit] = []
    for block in framework.blocks:
        members = sorted(
            by_block.get(block.id, []),
            key=lambda t: (-t.points, vietnamese_sort_key(t.unit_name), t.unit_code),
        )
        ranks = rank([t.points for t in members])
        ranking.extend(
            RankedUnit(
                block_id=block.id,
                block_name=block.name,
                unit_code=t.unit_code,
                unit_name=t.unit_name,
                points=t.points,
                max_points=block.max_points,
                rank=r,
            )
            for t, r in zip(members, ranks, strict=True)
        )
    return ranking
