"""Whether extracted text can be trusted: glyphs without Unicode, and Vietnamese that lost its diacritics."""

from __future__ import annotations

import re

from schemas.vietnamese import fold

# pdfminer writes "(cid:12)" for a glyph its font does not map to Unicode; U+FFFD is the same loss elsewhere.
CID = re.compile(r"\(cid:\d+\)")
REPLACEMENT = "\ufffd"
# Of the glyphs: above it the text layer is unreadable. Subset fonts often map ASCII but lose every
# Vietnamese letter ("C(cid:1)C H(cid:2)I QUAN"): ~10 % of the glyphs, and nothing can be matched.
# A few symbol-font bullets stay well below.
GARBLED_SHARE = 0.05

# Frequent Vietnamese syllables, folded: prose without diacritics is full of them, English is not.
_SYLLABLES = frozenset(
    "va cua cac nam ngay thang so quyet dinh nhung trong duoc theo cho co khong nguoi cong tac hanh chinh"
    " van ban bo tinh thanh pho huyen xa uy nhan dan hoi dong ke hoach bao cao chi thi ve viec voi tai den"
    " mot cuc quan thue kinh te phat trien quy che ly nay da thuc hien tren nhu dieu khoan muc tieu"
    " chuc nang nhiem vu giai doan dung lam sau truoc".split()
)
MIN_WORDS = 40  # fewer words than this say too little either way
SYLLABLE_SHARE = 0.2  # of the words, for text to read as Vietnamese
DIACRITIC_SHARE = 0.01  # of the letters: Vietnamese prose has ~25 %, a layer that lost them ~0 %
_WORD = re.compile(r"[^\W\d_]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_ASCII_LETTERS = re.compile(r"[a-zA-Z]+")


def garbled_glyphs(text: str) -> int:
    """How many glyphs of `text` have no Unicode: "(cid:NN)" tokens and U+FFFD."""
    if "(cid:" not in text and REPLACEMENT not in text:  # asked for every glyph of a PDF: most are plain
        return 0
    return len(CID.findall(text)) + text.count(REPLACEMENT)


def lacks_diacritics(text: str) -> bool:
    """Whether `text` is Vietnamese written without diacritics, as an OCR layer that lost them gives it."""
    letters = _NOT_LETTER.sub("", text)
    # Every Vietnamese letter beyond ASCII carries a mark (đ too): counted first, as plain string work, so
    # text that has its marks is told at once, before its words are folded.
    if len(_ASCII_LETTERS.sub("", letters)) >= DIACRITIC_SHARE * len(letters):
        return False
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return False
    return sum(fold(word) in _SYLLABLES for word in words) / len(words) >= SYLLABLE_SHARE
