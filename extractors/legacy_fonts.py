"""Vietnamese typed in pre-Unicode fonts (TCVN3/ABC ".VnTime", VNI "VNI-Times"), turned back into Unicode.

Such fonts draw Vietnamese letters in the places of Latin-1 symbols, so a PDF made from them extracts as
"Céng hoµ" (TCVN3) or "Coäng hoøa" (VNI) for "Cộng hoà". The tables below are written from the two
standards' byte layouts: TCVN 5712:1993 VN3 (one byte per letter; capitals with tone marks only exist in
the ".VnTimeH"-style capital fonts) and VNI Windows (a base letter followed by a byte drawing its marks).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache


class LegacyEncoding(StrEnum):
    TCVN3 = "tcvn3"
    VNI = "vni"


def _table(letters: str, codes: str) -> dict[str, str]:
    encoded = bytes.fromhex(codes).decode("latin-1")
    letters = letters.replace(" ", "")
    if len(encoded) != len(letters):
        raise AssertionError("legacy font table is misaligned")
    return dict(zip(encoded, letters, strict=True))


# TCVN3 (ABC): the byte of each letter, written as Latin-1 (what a PDF without a real Unicode map gives).
_TCVN3 = _table(
    "àáảãạ ăằắẳẵặ âầấẩẫậ đ èéẻẽẹ êềếểễệ ìíỉĩị òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ ưừứửữự ỳýỷỹỵ ĂÂĐÊÔƠƯ",
    "B5B8B6B7B9 A8BBBEBCBDC6 A9C7CAC8C9CB AE CCD0CECFD1 AAD2D5D3D4D6 D7DDD8DCDE DFE3E1E2E4 ABE5E8E6E7E9"
    "ACEAEDEBECEE EFF3F1F2F4 ADF5F8F6F7F9 FAFDFBFCFE A1A2A7A3A4A5A6",
)

# VNI: a letter is its base letter plus one byte carrying its marks ("a" + "ù" = "á", "a" + "á" = "ấ"),
# except ì í ỉ ĩ ị ỵ đ ơ ư, which have bytes of their own. Marks become combining characters; NFC joins them.
_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
_VNI_LOWER = {
    "ø": _GRAVE,
    "ù": _ACUTE,
    "û": _HOOK,
    "õ": _TILDE,
    "ï": _DOT,
    "â": _CIRCUMFLEX,
    "á": _CIRCUMFLEX + _ACUTE,
    "à": _CIRCUMFLEX + _GRAVE,
    "å": _CIRCUMFLEX + _HOOK,
    "ã": _CIRCUMFLEX + _TILDE,
    "ä": _CIRCUMFLEX + _DOT,
    "ê": _BREVE,
    "é": _BREVE + _ACUTE,
    "è": _BREVE + _GRAVE,
    "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
    "ì": "ì",
    "í": "í",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
    "ñ": "đ",
    "ô": "ơ",
    "ö": "ư",
}
# Capital letters take the capital form of the same byte (Latin-1 capitals sit 0x20 below).
_VNI = _VNI_LOWER | {key.upper(): value.upper() for key, value in _VNI_LOWER.items()}

_TABLES = {LegacyEncoding.TCVN3: _TCVN3, LegacyEncoding.VNI: _VNI}

# Font names after the subset tag ("ABCDEF+"): ".VnTime", ".VnTimeH,Bold", "VnArial"; "VNI-Times", "VNI-Helve-Condense".
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_TCVN3_FONT = re.compile(r"^\.?Vn(?!I)[A-Z]")
_VNI_FONT = re.compile(r"^VNI[-_ ]?[A-Z]")

# Symbols TCVN3 text is full of and Vietnamese Unicode text never has (à á ả ã ạ ă â đ ê ô ơ ư ...).
_TCVN3_ONLY = set("µ¸¶·¹¨»¾¼½©®ª«¬\xad¡¢§£¤¥¦×Þß÷þ")
# Latin-1 letters VNI text is full of and Vietnamese never uses (đ ư the grave/dot/hook marks ...).
_VNI_ONLY = set("øûïöñëüåäæîØÛÏÖÑËÜÅÄÆÎ")
_TCVN3_SIGNS = re.compile(f"[{re.escape(''.join(sorted(_TCVN3_ONLY)))}]")
_VNI_SIGNS = re.compile(f"[{re.escape(''.join(sorted(_VNI_ONLY)))}]")
_NOT_LETTER = re.compile(r"[\W\d_]+")
MIN_SIGNS = 5  # fewer signs than this prove nothing
MIN_SHARE = 0.02  # of the letters


@lru_cache(maxsize=512)  # asked for every glyph of every page, of a few font names
def font_encoding(fontname: str) -> tuple[LegacyEncoding, bool] | None:
    """The legacy encoding a PDF font name says its text is in, and whether it is a capitals-only font."""
    name = _SUBSET.sub("", fontname or "")
    if _VNI_FONT.match(name):
        return LegacyEncoding.VNI, False
    if _TCVN3_FONT.match(name):
        family = re.split(r"[,\-]", name, maxsplit=1)[0]
        return LegacyEncoding.TCVN3, family.endswith("H")
    return None


def decode_glyphs(text: str, encoding: LegacyEncoding, *, capitals: bool = False) -> str:
    """The Unicode of legacy glyphs, not yet normalised (VNI marks stay combining characters until NFC)."""
    table = _TABLES[encoding]
    decoded = "".join(table.get(ch, ch) for ch in text)
    return decoded.upper() if capitals else decoded


def decode(text: str, encoding: LegacyEncoding, *, capitals: bool = False) -> str:
    """Text typed in a legacy font, as NFC Unicode: decode("Coäng hoøa", VNI) == "Cộng hòa"."""
    return unicodedata.normalize("NFC", decode_glyphs(text, encoding, capitals=capitals))


def sniff(text: str) -> LegacyEncoding | None:
    """The legacy encoding `text` reads as, from the symbols each leaves in Latin-1, or None for Unicode."""
    # Counted by re, in C: a document's text is long.
    letters = len(_NOT_LETTER.sub("", text)) or 1
    tcvn3 = len(_TCVN3_SIGNS.findall(text))
    vni = len(_VNI_SIGNS.findall(text))
    if tcvn3 >= MIN_SIGNS and tcvn3 / letters >= MIN_SHARE:  # VNI text never has these
        return LegacyEncoding.TCVN3
    if vni >= MIN_SIGNS and vni / letters >= MIN_SHARE:
        return LegacyEncoding.VNI
    return None
