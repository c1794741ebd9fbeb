"""Document numbers and dates in Vietnamese text: "Quyết định số 123/QĐ-HQĐNg ngày 27/7/2018", "05-NQ/TU"."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from schemas.records import EvidenceRef
from schemas.vietnamese import fold, nfc

# Every dash extraction gives (hyphen, non-breaking hyphen, figure dash, en/em dash, minus), made plain.
DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00ad": "-"})

_UPPER = "A-ZĐÂĂÊÔƠƯ"
# A symbol part: two capitals first (not "3/Luật"), then letters of any case ("HQĐNg", "TTr"), digits and &.
_PART = rf"[{_UPPER}][{_UPPER}\d][\w&]*"
# "123/QĐ-HQĐNg", "673/2019/QĐ-UBND", "2231/SNV-CCHC&PC", "05-NQ/TU", "18/BCTĐ-STP"; spaces around / and -.
NUMBER = re.compile(
    rf"(?<![\w/.-])(?P<number>\d{{1,5}}[a-z]?(?:\s*/\s*(?:19|20)\d\d)?\s*[/-]\s*{_PART}(?:\s*[/-]\s*{_PART})*)",
)
# The document kinds a number is cited with, folded ("Kế hoạch số 03/KH-..."): the words just before "số".
_KINDS = frozenset(
    (
        "bao cao tham dinh",
        "chuong trinh hanh dong",
        "quyet dinh",
        "ke hoach",
        "bao cao",
        "cong van",
        "to trinh",
        "thong bao",
        "nghi quyet",
        "chuong trinh",
        "chi thi",
        "huong dan",
        "van ban",
        "thong tu",
        "nghi dinh",
        "ket luan",
        "bien ban",
        "giay moi",
        "quy che",
        "de an",
        "cong dien",
    )
)
# Kinds of document that open a symbol ("QĐ-UBND"): when a hyphen was lost ("QĐUBND") it goes back after them.
SYMBOL_KINDS = ("BCTĐ", "CTr", "TTr", "QĐ", "KH", "BC", "TB", "NQ", "CT", "HD", "HĐ", "KL", "BB", "GM", "QC", "ĐA", "CV", "TT")
_DATE_WORDS = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
_DATE_DIGITS = re.compile(r"\b(\d{1,2}) (\d{1,2}) ((?:19|20)\d\d)\b")  # "27/7/2018" folded
# Up to five words ending in "ngày" ("của UBND tỉnh ban hành ngày"), then the date.
_DATE_AFTER = re.compile(r"^(?:(?:\w+ ){0,5}?ngay )?(?:(\d{1,2}) thang (\d{1,2}) nam (\d{4})|(\d{1,2}) (\d{1,2}) ((?:19|20)\d\d))\b")
_NUMBER_MARKS = ("/", "-", *(chr(code) for code in DASHES))  # what every document number holds
DATE_WINDOW = 60  # characters after a number where its date may be written


# Numbers repeat: a unit cites its plan in many rows, and every link looks its number up again.
@lru_cache(maxsize=1 << 12)
def canonical_number(text: str) -> str:
    """A document number as one string: plain hyphens, no spaces, a hyphen lost after the kind restored.

    canonical_number("673 / QĐUBND") == "673/QĐ-UBND"; canonical_number("05–NQ/TU") == "05-NQ/TU".
    """
    number = "".join(nfc(text).translate(DASHES).split()).rstrip(".-")
    if "-" in number:
        return number
    head, _, symbol = number.rpartition("/")
    if not head:
        return number
    for kind in SYMBOL_KINDS:
        rest = symbol[len(kind) :]
        if symbol.startswith(kind) and len(rest) >= 2 and rest[0].isupper():
            return f"{head}/{kind}-{rest}"
    return number


@lru_cache(maxsize=1 << 12)
def number_key(number: str) -> str:
    """What two spellings of one number share: "123/QĐ-HQĐNg" and "123/QD-HQDNG" match."""
    return fold(canonical_number(number)).replace(" ", "")


def parse_references(text: str) -> list[EvidenceRef]:
    """Every document number `text` cites, in order and once each, with its kind and date when written."""
    if not any(dash in text for dash in _NUMBER_MARKS):  # every number has a / or a dash: most cells have none
        return []
    flat = "\n".join(nfc(line) for line in text.translate(DASHES).split("\n"))
    matches = list(NUMBER.finditer(flat))
    refs: list[EvidenceRef] = []
    seen: set[str] = set()
    for index, match in enumerate(matches):
        number = canonical_number(match.group("number"))
        key = number_key(number)
        if key in seen:
            continue
        seen.add(key)
        start = _citation_start(flat, match.start())
        # Its date follows it, before the next number or the next item of a list.
        end = min(matches[index + 1].start() if index + 1 < len(matches) else len(flat), match.end() + DATE_WINDOW)
        tail = flat[match.end() : end].split(";")[0]
        refs.append(
            EvidenceRef(
                number=number,
                kind=_kind_before(flat[start : match.start()]),
                issued_on=_date_after(tail),
                text=flat[start : match.end()].strip(),
            )
        )
    return refs


def _citation_start(text: str, position: int) -> int:
    """Where the words citing a number start: after the previous ; , ( + or line, at most 60 characters back."""
    floor = max(0, position - 60)
    cut = max(text.rfind(mark, floor, position) for mark in (";", ",", "(", "\n", "+"))
    return cut + 1 if cut >= 0 else floor


def _kind_before(words: str) -> str | None:
    """The document kind written before the number ("Kế hoạch số", "Quyết định"), as written."""
    tokens = [token for token in words.replace(":", " ").split() if fold(token)]
    if tokens and fold(tokens[-1]) == "so":
        tokens.pop()
    for count in range(min(4, len(tokens)), 0, -1):
        candidate = " ".join(tokens[-count:])
        if fold(candidate) in _KINDS:
            return candidate
    return None


def _date_after(tail: str) -> date | None:
    """The date written right after a number: "ngày 27/7/2018", ", ban hành ngày 27 tháng 7 năm 2018", "(27/7/2018)"."""
    match = _DATE_AFTER.match(fold(tail))
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups() if g is not None)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def first_date(text: str) -> date | None:
    """The first valid date written in `text`: "ngày 27 tháng 7 năm 2018", "27/7/2018", "27-07-2018"."""
    folded = fold(text)
    for match in sorted([*_DATE_WORDS.finditer(folded), *_DATE_DIGITS.finditer(folded)], key=lambda m: m.start()):
        day, month, year = map(int, match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None
