"""Where inbox documents come from: a local folder by default, or any fsspec URL (s3://, gcs://, memory://…)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from core.errors import DocumentError
from core.settings import limits_from_env
from extractors.archives import expand_archive
from extractors.limits import ArchiveLimits
from pipeline.inbox import InboxFile, scan, sha256_of
from schemas.records import InboxDocument

log = logging.getLogger(__name__)


class DocumentSource(Protocol):
    """A read-only collection of files: the pipeline lists and reads, and never writes or deletes."""

    def scan(self) -> list[InboxFile]: ...

    def read(self, path: str) -> bytes: ...

    def sha256(self, path: str) -> str: ...


class LocalFolder:
    """An inbox folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def scan(self) -> list[InboxFile]:

        return scan(self.root)

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def sha256(self, path: str) -> str:
        return sha256_of(self.root / path)


class FsspecFolder:
    """An inbox behind an fsspec URL, e.g. s3://bucket/inbox (credentials from the environment, as fsspec reads them)."""

    def __init__(self, url: str) -> None:
        import fsspec

        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.root = self.root.rstrip("/")

    def scan(self) -> list[InboxFile]:
        found = []
        # In the local folder's order: by path, one folder level after another ("hq/x" before "hq-2/x").
        for name, info in sorted(self.fs.find(self.root, detail=True).items(), key=lambda item: item[0].split("/")):
            relative = name[len(self.root) :].lstrip("/")
            parts = relative.split("/")
            if info.get("type") != "file" or any(p.startswith(".") for p in parts):
                continue
            mtime = info.get("mtime") or info.get("LastModified") or info.get("created") or 0.0
            mtime = mtime.timestamp() if hasattr(mtime, "timestamp") else float(mtime)
            found.append(InboxFile(relative, parts[0] if len(parts) > 1 else relative, int(info.get("size") or 0), mtime))
        return found

    def read(self, path: str) -> bytes:
        data: bytes = self.fs.cat_file(f"{self.root}/{path}")  # fsspec is untyped: cat_file gives the whole file's bytes
        return data

    def sha256(self, path: str) -> str:
        return hashlib.sha256(self.read(path)).hexdigest()


ARCHIVE = ".zip"
_INSIDE = ARCHIVE + "/"


def is_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE)


def scan_with_archives(source: DocumentSource) -> list[InboxFile]:
    """The source's files, and for each readable .zip its members as files of their own.

    A .zip is one submission package: its members' paths are "<zip path>/<member>" and their package is
    the zip. A zip that cannot be opened safely lists no members; ingest records why on the zip itself.
    """

    limits = limits_from_env(ArchiveLimits)
    files: list[InboxFile] = []
    for f in source.scan():
        files.append(f)
        if not is_archive(f.path):
            continue
        data = source.read(f.path)  # a source that cannot be read fails the scan, as it does for any file
        try:
            members = expand_archive(data, f.path, limits)
        except DocumentError:
            continue
        except Exception:  # a defect of ours on one zip must not stop the batch: extract_outcome records it on the zip
            log.exception("cannot list the members of %s", f.path)
            continue
        files.extend(InboxFile(f"{f.path}/{m.path}", f.path, len(m.data), f.mtime) for m in members)
    return files


def read_file(source: DocumentSource, path: str) -> bytes:
    """The bytes of an inbox file, or of an archive member named "<zip path>/<member>"."""
    split = path.lower().find(_INSIDE)
    if split < 0:
        return source.read(path)

    archive, member = path[: split + len(ARCHIVE)], path[split + len(_INSIDE) :]
    for m in expand_archive(source.read(archive), archive, limits_from_env(ArchiveLimits)):
        if m.path == member:
            return m.data
    raise FileNotFoundError(f"{member} is not in {archive}")


def open_source(location: str) -> DocumentSource:
    """The source a flow parameter names: a folder path, or a URL with a scheme fsspec knows."""
    if "://" in location and not location.startswith("file://"):
        return FsspecFolder(location)
    return LocalFolder(Path(location.removeprefix("file://")))


def fingerprint(
    source: DocumentSource, files: list[InboxFile], known: Mapping[str, tuple[int, float]] | None = None
) -> tuple[list[InboxDocument], int]:
    """Hash the files that may have changed; a file whose path, size and mtime are known is skipped unread.

    Returns the hashed documents and how many files were skipped that way.
    """
    known = known or {}
    documents, skipped = [], 0
    for f in files:
        seen = known.get(f.path)
        if seen is not None and seen[0] == f.size and abs(seen[1] - f.mtime) < 1e-6:
            skipped += 1
            continue
        digest = source.sha256(f.path) if _INSIDE not in f.path.lower() else hashlib.sha256(read_file(source, f.path)).hexdigest()
        documents.append(InboxDocument(path=f.path, package=f.package, size=f.size, mtime=f.mtime, sha256=digest))
    return documents, skipped
