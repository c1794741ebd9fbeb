"""The inbox: every file units sent, found and fingerprinted. The pipeline never changes it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from schemas.records import InboxDocument

_CHUNK = 1 << 20


@dataclass(frozen=True)
class InboxFile:
    """A file of the inbox before its content is read: where it is, its size and modification time."""

    path: str
    package: str
    size: int
    mtime: float


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scan(inbox: Path) -> list[InboxFile]:
    """Every regular file below `inbox` (hidden files and folders, and links, skipped), in a stable order
    (by path, one folder level after another), without reading it.

    A file's package is its first folder under the inbox: a unit sends one folder with its form
    and evidence; a file at the top level is a package of its own. One directory listing per folder
    and one stat per file: a nightly run lists every file the units ever sent.
    """
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} is not a folder")
    found: list[InboxFile] = []
    _walk(str(inbox), "", found)
    return found


def _walk(folder: str, prefix: str, found: list[InboxFile]) -> None:
    with os.scandir(folder) as listing:
        entries = sorted((e for e in listing if not e.name.startswith(".") and not e.is_symlink()), key=lambda e: e.name)
    for entry in entries:
        relative = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, relative + "/", found)
        elif entry.is_file(follow_symlinks=False):
            stat = entry.stat(follow_symlinks=False)
            found.append(InboxFile(relative, relative.split("/", 1)[0], stat.st_size, stat.st_mtime))


def discover(inbox: Path) -> list[InboxDocument]:
    """Every file of the inbox with its content hash."""
    return [InboxDocument(path=f.path, package=f.package, size=f.size, mtime=f.mtime, sha256=sha256_of(inbox / f.path)) for f in scan(inbox)]
