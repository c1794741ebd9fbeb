"""Facts a document's header and title state: assessment year, document number and date, what it is."""

from __future__ import annotations

import re
from datetime import date

from schemas.vietnamese import fold

# The title names the index: "... CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019" (folded, so also "CCHC").
_INDEX = re.compile(r"\b(?:cai cach hanh chinh|cchc)\b")
_YEAR_AFTER_NAM = re.compile(r"\bnam (\d{4})\b")
_YEAR_ALONE = re.compile(r"^nam (\d{4})$")
# "Số: 25/BC-HQĐNg", "Số 673/2019/QĐ-UBND", "Số: 2231/SNV-CCHC&PC": a number, then slash-separated parts.
_NUMBER = re.compile(r"^Số\s*[:.]?\s*(\d+[\w]*(?:\s*/\s*[\w&.-]+)+)", re.IGNORECASE)
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})
_DATE_WORDS = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
_DATE_DIGITS = re.compile(r"\bngay (\d{1,2}) (\d{1,2}) (\d{4})\b")  # folding turns "10/01/2020" into "10 01 2020"
_PLACE_DATE = re.compile(r"^[^,]{2,60},\s*ngày\b", re.IGNORECASE)
_SELF_ASSESSMENT = re.compile(r"\b(?:tu danh gia|cham diem)\b")
_INDEX_NAME = re.compile(r"\bchi so (?:cai cach hanh chinh|cchc)\b")
# How far (in folded characters) "tự đánh giá" may stand from "chỉ số cải cách hành chính" in a title.
_TITLE_WINDOW = 80
TITLE_LINES = 20


def names_index(line: str) -> bool:
    """Whether a line names the PAR index (cải cách hành chính, CCHC): the title does."""
    return _INDEX.search(fold(line)) is not None


def assessment_year(lines: list[str]) -> int | None:
    """The year the title assesses: the 4-digit year after "năm" on the line naming the PAR index.

    The title often wraps before the year ("... CHỈ SỐ CẢI CÁCH HÀNH CHÍNH" / "NĂM 2019"), so a line
    that is only "Năm 2019" right after it counts too.
    """
    folded = [fold(line) for line in lines]
    for index, line in enumerate(folded):
        found = _INDEX.search(line)
        if found is None:
            continue
        year = _YEAR_AFTER_NAM.search(line, found.end())
        if year is not None:
            return int(year.group(1))
        following = folded[index + 1] if index + 1 < len(folded) else ""
        alone = _YEAR_ALONE.match(following)
        if alone is not None:
            return int(alone.group(1))
    return None


def document_number(lines: list[str]) -> str | None:
    """The document's own number from its "Số: 25/BC-HQĐNg" line, hyphens made plain; None if blank."""
    for line in lines:
        match = _NUMBER.match(line.strip().translate(_HYPHENS))
        if match is not None:
            return re.sub(r"\s*/\s*", "/", match.group(1)).rstrip(".-")
    return None


def document_date(lines: list[str]) -> date | None:
    """The signing date from the "<place>, ngày 10 tháng 01 năm 2020" line (or "ngày 10/01/2020")."""
    candidates = [line for line in lines if _PLACE_DATE.match(line.strip())]
    candidates += [line for line in lines if fold(line).startswith("ngay ")]
    for line in candidates:
        folded = fold(line)
        match = _DATE_WORDS.search(folded) or _DATE_DIGITS.search(folded)
        if match is None:
            continue
        day, month, year = map(int, match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def says_self_assessment(lines: list[str]) -> bool:
    """Whether the title says this is a self-assessment of the PAR index ("tự đánh giá, chấm điểm chỉ số CCHC").

    Only the first TITLE_LINES lines count, and not a "V/v" subject line or a guide ("hướng dẫn"):
    the letter that explains how to self-assess is evidence, not a self-assessment.
    """
    title = " ".join(
        folded
        for folded in (fold(line) for line in lines[:TITLE_LINES])
        if not folded.startswith(("v v ", "ve viec ")) and "huong dan" not in folded
    )
    for index in _INDEX_NAME.finditer(title):
        window = title[max(0, index.start() - _TITLE_WINDOW) : index.end() + _TITLE_WINDOW]
        if _SELF_ASSESSMENT.search(window):
            return True
    return False
