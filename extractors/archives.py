"""A .zip a unit sends is one submission package: its members, safely unpacked in memory, names repaired."""

from __future__ import annotations

import io
import lzma
import posixpath
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from core.errors import DocumentError, Reason
from extractors.limits import DEFAULT_ARCHIVE_LIMITS, ArchiveLimits

_UTF8_FLAG = 0x800  # general purpose bit 11: the name is UTF-8
_ENCRYPTED_FLAG = 0x1
_CHUNK = 1 << 16
RATIO_FLOOR = 1 << 20  # members smaller than this (uncompressed) are never a bomb, whatever their ratio
# What archivers and file managers add that no unit sent on purpose.
_JUNK_DIRS = {"__MACOSX"}
_JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
# What zipfile lets through from a damaged zip: its own errors and those of the decompressors
# (zlib.error, LZMAError; bz2 raises OSError) and of reading past the end.
UNPACK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError)


@dataclass(frozen=True)
class ArchiveMember:
    """One file of a package archive: its path inside the archive (nested zips as "a.zip/b.pdf") and bytes."""

    path: str
    data: bytes


def expand_archive(data: bytes, name: str, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS) -> list[ArchiveMember]:
    """Every file of a .zip (and of the zips inside it, to limits.max_depth), in archive order.

    DocumentError: DAMAGED for a broken zip, ENCRYPTED for password-protected members, UNSAFE_ARCHIVE for
    absolute or "../" paths, links, zip bombs or nesting too deep, TOO_LARGE past the size and count limits.
    Names that an archiver wrote in a legacy code page come out as UTF-8 Vietnamese.
    """
    budget = _Budget(limits)
    try:
        return _expand(data, "", 0, budget)
    except DocumentError as exc:
        exc.add_note(f"archive: {name}")
        raise


@dataclass
class _Budget:
    limits: ArchiveLimits
    members: int = 0
    total: int = 0


def _expand(data: bytes, prefix: str, depth: int, budget: _Budget) -> list[ArchiveMember]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except NotImplementedError as exc:  # "zip file version 6.5": a version zipfile cannot read
        where = f" {prefix.rstrip('/')}" if prefix else ""
        raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"zip archive{where} of a kind zip readers do not know: {exc}") from exc
    except UNPACK_ERRORS as exc:
        where = f" {prefix.rstrip('/')}" if prefix else ""
        raise DocumentError(Reason.DAMAGED, f"damaged zip archive{where}: {exc}") from exc
    members: list[ArchiveMember] = []
    seen: set[str] = set()
    with archive:
        files = [info for info in archive.infolist() if not info.is_dir()]
        if budget.members + len(files) > budget.limits.max_members:
            raise DocumentError(Reason.TOO_LARGE, f"the archive holds more than {budget.limits.max_members} files")
        for info in files:
            path = _safe_path(info)
            if path is None:
                continue  # a folder, or an archiver's junk
            full = f"{prefix}{path}"
            if full in seen:
                raise DocumentError(Reason.UNSAFE_ARCHIVE, f"the archive holds two files named {full!r}")
            seen.add(full)
            content = _read_member(archive, info, full, budget)
            if _is_zip(full, content):
                if depth + 1 > budget.limits.max_depth:
                    raise DocumentError(
                        Reason.UNSAFE_ARCHIVE,
                        f"{full}: archives nested more than {budget.limits.max_depth} deep",
                    )
                members.extend(_expand(content, f"{full}/", depth + 1, budget))
            else:
                members.append(ArchiveMember(path=full, data=content))
    return members


def _safe_path(info: zipfile.ZipInfo) -> str | None:
    """The member's path, repaired and checked; None for folders and junk; DocumentError if it escapes."""
    name = repair_name(info)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise DocumentError(Reason.UNSAFE_ARCHIVE, f"{name!r} is a symbolic link")
    if info.is_dir() or name.endswith("/"):
        return None
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise DocumentError(Reason.UNSAFE_ARCHIVE, f"{name!r} has an absolute path")
    parts = [part for part in cleaned.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise DocumentError(Reason.UNSAFE_ARCHIVE, f"{name!r} points outside the archive")
    if not parts or any(part in _JUNK_DIRS for part in parts) or parts[-1] in _JUNK_FILES or parts[-1].startswith("._"):
        return None
    return posixpath.join(*parts)


def repair_name(info: zipfile.ZipInfo) -> str:
    """A member's name as the sender wrote it, in NFC.

    Without the UTF-8 flag, zipfile decodes names as CP437. Windows' own zip writes them in the ANSI
    code page (CP1258 on Vietnamese Windows), other tools write UTF-8 without setting the flag, and some
    names went through Latin-1 on the way: the raw bytes are tried as UTF-8, then as CP1258.
    """
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return unicodedata.normalize("NFC", _undo_latin1(name))
    raw = name.encode("cp437")
    for codec in ("utf-8", "cp1258"):
        try:
            return unicodedata.normalize("NFC", _undo_latin1(raw.decode(codec)))
        except UnicodeDecodeError:
            continue
    return name


def _undo_latin1(name: str) -> str:
    """UTF-8 bytes once decoded as Latin-1/CP1252 ("BÃ¡o cÃ¡o" for "Báo cáo"), decoded right."""
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = name.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return repaired if repaired != name else name
    return name


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, budget: _Budget) -> bytes:
    """The member's bytes, read in chunks so that a lying header cannot make us inflate past the limits."""
    limits = budget.limits
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise DocumentError(Reason.ENCRYPTED, f"{path} is password-protected in the archive: send it without a password")
    budget.members += 1
    if info.file_size > limits.max_member_bytes:
        raise DocumentError(Reason.TOO_LARGE, f"{path} is {info.file_size / 2**20:.1f} MB: at most {limits.max_member_bytes / 2**20:g} MB per file")
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                _check_size(path, size, info.compress_size, budget)
                chunks.append(chunk)
    except NotImplementedError as exc:
        raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"{path} is packed with a method zip readers do not know: {exc}") from exc
    except UNPACK_ERRORS as exc:
        raise DocumentError(Reason.DAMAGED, f"{path} cannot be unpacked: {exc}") from exc
    budget.total += size
    if budget.total > limits.max_total_bytes:
        raise DocumentError(Reason.TOO_LARGE, f"the archive unpacks to more than {limits.max_total_bytes / 2**20:g} MB")
    return b"".join(chunks)


def _check_size(path: str, size: int, compressed: int, budget: _Budget) -> None:
    limits = budget.limits
    if size > limits.max_member_bytes:
        raise DocumentError(Reason.TOO_LARGE, f"{path} unpacks to more than {limits.max_member_bytes / 2**20:g} MB")
    if budget.total + size > limits.max_total_bytes:
        raise DocumentError(Reason.TOO_LARGE, f"the archive unpacks to more than {limits.max_total_bytes / 2**20:g} MB")
    if size > RATIO_FLOOR and size / max(compressed, 1) > limits.max_ratio:
        raise DocumentError(
            Reason.UNSAFE_ARCHIVE,
            f"{path} inflates more than {limits.max_ratio:g} times (a zip bomb?)",
        )


def _is_zip(path: str, content: bytes) -> bool:
    """A nested package archive: a .zip member that is a zip, not a Word file (also a zip inside)."""
    return path.lower().endswith(".zip") and content[:4] == b"PK\x03\x04"
