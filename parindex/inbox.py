"""The inbox: every file units sent, found and fingerprinted. The pipeline never changes it."""

from __future__ import annotations

import hashlib
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
    """Every regular file below `inbox` (hidden files and links skipped), in a stable order, without reading it.

    A file's package is its first folder under the inbox: a unit sends one folder with its form
    and evidence; a file at the top level is a package of its own.
    """
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} is not a folder")
    found = []
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox)
        if path.is_symlink() or not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        stat = path.stat()
        package = relative.parts[0] if len(relative.parts) > 1 else relative.as_posix()
        found.append(InboxFile(relative.as_posix(), package, stat.st_size, stat.st_mtime))
    return found


def discover(inbox: Path) -> list[InboxDocument]:
    """Every file of the inbox with its content hash."""
    return [
        InboxDocument(path=f.path, package=f.package, size=f.size, mtime=f.mtime, sha256=sha256_of(inbox / f.path)) for f in scan(inbox)
    ]
