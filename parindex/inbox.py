"""The inbox: every file units sent, found and fingerprinted. The pipeline never changes it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from schemas.records import InboxDocument

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def discover(inbox: Path) -> list[InboxDocument]:
    """Every regular file below `inbox` (hidden files skipped), in a stable order.

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
        found.append(
            InboxDocument(
                path=relative.as_posix(),
                package=relative.parts[0] if len(relative.parts) > 1 else relative.as_posix(),
                size=stat.st_size,
                mtime=stat.st_mtime,
                sha256=sha256_of(path),
            )
        )
    return found
