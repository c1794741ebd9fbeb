"""expand_archive: a submission package sent as a .zip, unpacked in memory within limits, names repaired."""

from __future__ import annotations

import stat
import unicodedata
import zipfile

import pytest

from core.errors import DocumentError, Reason
from extractors import ArchiveLimits, ArchiveMember, expand_archive
from tests.zips import make_zip

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(name: str) -> bytes:
    """`name` as Vietnamese Windows writes it: letters with their shape (ư, ơ, â ...), tone marks combining."""
    out = b""
    for ch in name:
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in decomposed if m in _TONES)
        shape = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
        out += (shape + tones).encode("cp1258")
    return out


def _raw_name_zip(raw: bytes, data: bytes = b"%PDF-1.7") -> bytes:
    """A zip whose member name is the given bytes, flag bit 11 off (zipfile would set it for non-ASCII)."""
    placeholder = b"N" * len(raw)
    packed = make_zip([(placeholder.decode("ascii"), data)], zipfile.ZIP_STORED)
    return packed.replace(placeholder, raw)


def test_members_in_order_with_folders_and_junk_left_out() -> None:
    data = make_zip(
        [
            ("hq-da-nang/", b""),
            ("hq-da-nang/tu-danh-gia.docx", b"PK-docx"),
            ("hq-da-nang/minh-chung/KH-03.pdf", b"%PDF-1.7 a"),
            ("__MACOSX/hq-da-nang/._KH-03.pdf", b"junk"),
            ("hq-da-nang/.DS_Store", b"junk"),
            ("hq-da-nang/Thumbs.db", b"junk"),
        ]
    )
    assert expand_archive(data, "goi.zip", ArchiveLimits()) == [
        ArchiveMember("hq-da-nang/tu-danh-gia.docx", b"PK-docx"),
        ArchiveMember("hq-da-nang/minh-chung/KH-03.pdf", b"%PDF-1.7 a"),
    ]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Báo cáo tự đánh giá.pdf".encode(), "Báo cáo tự đánh giá.pdf"),  # UTF-8 without the flag
        (_cp1258("Báo cáo tự đánh giá.pdf"), "Báo cáo tự đánh giá.pdf"),  # Vietnamese Windows' code page
        ("Kế hoạch CCHC.docx".encode().decode("latin-1").encode("utf-8"), "Kế hoạch CCHC.docx"),  # UTF-8 read as Latin-1 once
    ],
    ids=["utf8-unflagged", "cp1258", "double-encoded"],
)
def test_mis_decoded_names_are_repaired(raw: bytes, name: str) -> None:
    (member,) = expand_archive(_raw_name_zip(raw), "goi.zip")
    assert member.path == name


def test_utf8_names_stay_as_they_are() -> None:
    (member,) = expand_archive(make_zip([("Tờ trình số 12.pdf", b"%PDF")]), "goi.zip")
    assert member.path == "Tờ trình số 12.pdf"


def test_nested_zips_are_expanded_to_the_depth_limit() -> None:
    inner = make_zip([("KH-03.pdf", b"%PDF inner")])
    middle = make_zip([("minh-chung.zip", inner), ("bao-cao.docx", b"PK docx")])
    members = expand_archive(make_zip([("goi/ho-so.zip", middle)]), "goi.zip", ArchiveLimits(max_depth=2))
    assert members == [
        ArchiveMember("goi/ho-so.zip/minh-chung.zip/KH-03.pdf", b"%PDF inner"),
        ArchiveMember("goi/ho-so.zip/bao-cao.docx", b"PK docx"),
    ]
    with pytest.raises(DocumentError) as info:
        expand_archive(make_zip([("goi/ho-so.zip", middle)]), "goi.zip", ArchiveLimits(max_depth=1))
    assert (info.value.reason, info.value.message) == (Reason.UNSAFE_ARCHIVE, "goi/ho-so.zip/minh-chung.zip: archives nested more than 1 deep")


def _symlink() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("hq/link.pdf")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("members", "reason", "message"),
    [
        ([("../../etc/passwd", b"x")], Reason.UNSAFE_ARCHIVE, "'../../etc/passwd' points outside the archive"),
        ([("hq/../../x.pdf", b"x")], Reason.UNSAFE_ARCHIVE, "'hq/../../x.pdf' points outside the archive"),
        ([("/etc/passwd", b"x")], Reason.UNSAFE_ARCHIVE, "'/etc/passwd' has an absolute path"),
        ([("C:\\Windows\\x.pdf", b"x")], Reason.UNSAFE_ARCHIVE, "'C:\\\\Windows\\\\x.pdf' has an absolute path"),
        ([(_symlink(), b"/etc/passwd")], Reason.UNSAFE_ARCHIVE, "'hq/link.pdf' is a symbolic link"),
        ([("a.pdf", b"1"), ("a.pdf", b"2")], Reason.UNSAFE_ARCHIVE, "the archive holds two files named 'a.pdf'"),
    ],
    ids=["dot-dot", "dot-dot-inside", "absolute", "drive", "symlink", "duplicate"],
)
@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_unsafe_members_refuse_the_archive(members: list[tuple[str | zipfile.ZipInfo, bytes]], reason: Reason, message: str) -> None:
    with pytest.raises(DocumentError) as info:
        expand_archive(make_zip(members), "goi.zip")
    assert (info.value.reason, info.value.message) == (reason, message)
    assert "archive: goi.zip" in info.value.__notes__


@pytest.mark.parametrize(
    ("limits", "members", "reason", "message"),
    [
        (ArchiveLimits(max_members=2), [(f"{i}.pdf", b"x") for i in range(3)], Reason.TOO_LARGE, "the archive holds more than 2 files"),
        (ArchiveLimits(max_member_bytes=1000), [("big.pdf", b"x" * 1001)], Reason.TOO_LARGE, "big.pdf is 0.0 MB: at most 0.000953674 MB per file"),
        (
            ArchiveLimits(max_total_bytes=1500),
            [("a.pdf", b"a" * 1000), ("b.pdf", b"b" * 1000)],
            Reason.TOO_LARGE,
            "the archive unpacks to more than 0.00143051 MB",
        ),
        (
            ArchiveLimits(max_ratio=100),
            [("bomb.pdf", b"\0" * (3 << 20))],
            Reason.UNSAFE_ARCHIVE,
            "bomb.pdf inflates more than 100 times (a zip bomb?)",
        ),
    ],
    ids=["members", "member-size", "total-size", "ratio"],
)
def test_limits(limits: ArchiveLimits, members: list[tuple[str, bytes]], reason: Reason, message: str) -> None:
    with pytest.raises(DocumentError) as info:
        expand_archive(make_zip(members), "goi.zip", limits)
    assert (info.value.reason, info.value.message) == (reason, message)


def test_a_header_that_lies_about_the_size_is_never_inflated_past_it() -> None:
    data = make_zip([("bomb.pdf", b"\0" * (2 << 20))])
    # Both headers (local and central) now declare 10 bytes: zipfile stops there and the CRC fails.
    data = data.replace((2 << 20).to_bytes(4, "little"), (10).to_bytes(4, "little"))
    with pytest.raises(DocumentError) as info:
        expand_archive(data, "goi.zip", ArchiveLimits(max_member_bytes=1 << 20))
    assert (info.value.reason, info.value.message) == (Reason.DAMAGED, "bomb.pdf cannot be unpacked: Bad CRC-32 for file 'bomb.pdf'")


def test_encrypted_and_damaged_archives() -> None:
    encrypted = bytearray(make_zip([("mat.pdf", b"%PDF")], zipfile.ZIP_STORED))
    encrypted[6] |= 0x1  # local header flag
    central = bytes(encrypted).rfind(b"PK\x01\x02")
    encrypted[central + 8] |= 0x1  # central directory flag
    with pytest.raises(DocumentError) as info:
        expand_archive(bytes(encrypted), "goi.zip")
    assert (info.value.reason, info.value.message) == (Reason.ENCRYPTED, "mat.pdf is password-protected in the archive: send it without a password")
    with pytest.raises(DocumentError) as info:
        expand_archive(b"PK\x03\x04 truncated", "goi.zip")
    assert info.value.reason is Reason.DAMAGED and info.value.message.startswith("damaged zip archive: ")


@pytest.mark.parametrize("bad", [dict(max_members=0), dict(max_ratio=-1.0), dict(max_depth="2")])
def test_limits_are_checked_on_construction(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ArchiveLimits"):
        ArchiveLimits(**bad)  # type: ignore[arg-type]  # wrong values on purpose: the constructor must refuse them
