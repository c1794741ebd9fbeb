"""Facts a document's header and title state: assessment year, document number and date, what it is."""

from __future__ import annotations

import re
from datetime import date

from extractors import references
from schemas.vietnamese import fold

# The title names the index: "... CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019" (folded, so also "CCHC").
_INDEX = re.compile(r"\b(?:cai cach hanh chinh|cchc)\b")
_YEAR_AFTER_NAM = re.compile(r"\bnam (\d{4})\b")
# How far (in folded characters) the year may stand after the index's name: "... CCHC của <unit> năm 2019".
_YEAR_WINDOW = 70
_DATE_BEFORE = re.compile(r"thang \d{1,2} $")
# "Số: 25/BC-HQĐNg", "Số 673/2019/QĐ-UBND", "SỐ: 2231/SNV-CCHC&PC": the number follows "Số".
_NUMBER_PREFIX = re.compile(r"^Số\s*[:.]?\s*", re.IGNORECASE)
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


def title_index(lines: list[str]) -> int | None:
    """The line the title starts on: it names the index, alone or with the next line (a title wrapped
    inside "cải cách hành / chính", as narrow PDF exports set it)."""
    folded = [fold(line) for line in lines]
    for index, line in enumerate(folded):
        if _INDEX.search(line) or (index + 1 < len(folded) and _INDEX.search(f"{line} {folded[index + 1]}")):
            return index
    return None


def assessment_year(lines: list[str]) -> int | None:
    """The year the title assesses: the 4-digit year after "năm" following the words naming the PAR index.

    Titles wrap anywhere ("... CẢI CÁCH HÀNH" / "CHÍNH NĂM 2019", or "NĂM 2019" alone), so the lines are
    read as one text; the "ngày 10 tháng 01 năm 2020" of a date line is not a title's year.
    """
    text = " ".join(fold(line) for line in lines)
    for found in _INDEX.finditer(text):
        for year in _YEAR_AFTER_NAM.finditer(text, found.end(), found.end() + _YEAR_WINDOW):
            if not _DATE_BEFORE.search(text, max(0, year.start() - 12), year.start()):
                return int(year.group(1))
    return None


def document_number(lines: list[str]) -> str | None:
    """The document's own number from its "Số: 25/BC-HQĐNg" line ("Số 05-NQ/TU", "Số: 673/QĐUBND" → "673/QĐ-UBND"),
    hyphens made plain and a hyphen lost by extraction restored; None while the number is left blank."""
    for line in lines:
        prefix = _NUMBER_PREFIX.match(line.strip())
        if prefix is None:
            continue
        match = references.NUMBER.match(line.strip().translate(references.DASHES), prefix.end())
        if match is not None:
            return references.canonical_number(match.group("number"))
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
        folded for folded in (fold(line) for line in lines[:TITLE_LINES]) if not folded.startswith(("v v ", "ve viec ")) and "huong dan" not in folded
    )
    for index in _INDEX_NAME.finditer(title):
        window = title[max(0, index.start() - _TITLE_WINDOW) : index.end() + _TITLE_WINDOW]
        if _SELF_ASSESSMENT.search(window):
            return True
    return False
