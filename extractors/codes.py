"""Criterion codes as forms write them: "1", "1.1.", "Tiêu chí 1.1", a code opening the name, Roman group rows."""

from __future__ import annotations

import re

from schemas.vietnamese import fold, nfc

# "1", "1.1", "1.1.1", "1.1." and "Tiêu chí 1.1"; up to four levels.
_CODE = re.compile(r"^(?P<prefix>\D*?)\s*(?P<code>\d{1,2}(?:\.\d{1,3}){0,3})\.?$")
_CODE_PREFIXES = {"", "linh vuc", "tieu chi", "tieu chi thanh phan", "tc", "tctp", "lv", "muc"}
# A code opening the name: "1.1. Kế hoạch cải cách hành chính".
_LEADING_CODE = re.compile(r"^(?P<code>\d{1,2}(?:\.\d{1,3}){0,3})(?P<dot>\.?)\s+(?P<name>\S.*)$")
# Roman group rows some forms put above the fields: "I", "II.", "Phần III", or "IV. CÔNG TÁC ..." in the name.
_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
_GROUP = re.compile(rf"^(?:(?:Phần|Nhóm|Mục|PHẦN|NHÓM|MỤC)\s+)?(?P<roman>{_ROMAN})(?:[.):]|\.?$|[.):]?\s+\S)")


def parse_code(text: str) -> str | None:
    """A criterion code from a code cell: "1.1." → "1.1", "Tiêu chí 1.1" → "1.1"; None if it holds none."""
    match = _CODE.match(nfc(text))
    if match is None or fold(match.group("prefix")) not in _CODE_PREFIXES:
        return None
    return match.group("code")


def leading_code(name: str, *, dotted: bool = False) -> tuple[str, str] | None:
    """The code opening a name and the name after it: "1.1. Kế hoạch" → ("1.1", "Kế hoạch").

    `dotted` asks for a code with a dot ("1.1", "1."), so that wrapped text starting with a count
    ("15 văn bản được ban hành") is not taken for criterion 15.
    """
    match = _LEADING_CODE.match(name)
    if match is None or (dotted and "." not in match.group("code") and not match.group("dot")):
        return None
    return match.group("code"), match.group("name")


def is_group(text: str) -> bool:
    """Whether a code or name cell opens a Roman-numeral group ("I", "II.", "III. CẢI CÁCH THỂ CHẾ")."""
    match = _GROUP.match(nfc(text))
    return match is not None and bool(match.group("roman"))


def code_key(code: str) -> tuple[int, ...]:
    """A code as numbers, to compare positions: "1.10" comes after "1.9"."""
    return tuple(int(part) for part in code.split("."))
