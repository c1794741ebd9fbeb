"""Vietnamese text conventions: NFC, accent folding for matching, and the "88,5" number style."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """Return `text` in NFC with runs of white space folded to one space."""
    # str.split() splits on exactly what \s matches (str.isspace), without a regular expression's cost.
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """A matching key: lower case, no diacritics, đ→d, punctuation and spacing folded.

    Folding makes "Khánh Hòa" and "Khánh Hoà" (old and new tone placement) and "KHÁNH HÒA" equal.
    """
    # The same short strings (words before a document number, unit names, headings) are folded over and
    # over: those are remembered; a whole page is not.
    return _fold_short(text) if len(text) <= _SHORT else _fold(text)


_SHORT = 64


@lru_cache(maxsize=1 << 13)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", bare).strip()


def format_points(value: Decimal | float | int) -> str:
    """Write a score the Vietnamese way: 88.5 → "88,5", 89 → "89", 0.25 → "0,25"."""
    text = format(Decimal(str(value)).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def numeric_date(day: date) -> str:
    """A date as Vietnamese documents write it in running text: "05/01/2019" (day first)."""
    return day.strftime("%d/%m/%Y")
