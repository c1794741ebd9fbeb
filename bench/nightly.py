"""The nightly run when nothing came: an inbox of many files the warehouse already knows, ingested again."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

PER_PACKAGE = 10
FILE_BYTES = 2048


def known_inbox(root: Path, documents: int, zipped: bool = False) -> Path:
    """An inbox of `documents` small files, PER_PACKAGE per package: a folder each, or a .zip each when `zipped`.

    Written once and reused (the files keep their modification times, which the warehouse records).
    """
    import zipfile

    inbox = root / "inbox"
    marker = root / f".complete-{documents}-{'zip' if zipped else 'folders'}"
    if marker.is_file():
        return inbox
    packages = -(-documents // PER_PACKAGE)
    for package in range(packages):
        members = range(package * PER_PACKAGE, min(documents, (package + 1) * PER_PACKAGE))
        files = {f"tai-lieu-{index % PER_PACKAGE:02d}.pdf": _content(index) for index in members}
        name = f"don-vi-{package:05d}"
        if zipped:
            inbox.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(inbox / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                for member, data in files.items():
                    archive.writestr(member, data)
        else:
            (inbox / name).mkdir(parents=True, exist_ok=True)
            for member, data in files.items():
                (inbox / name / member).write_bytes(data)
    marker.touch()
    return inbox


def _content(index: int) -> bytes:
    line = f"Tài liệu kiểm chứng số {index}\n".encode()
    return (line * (FILE_BYTES // len(line) + 1))[:FILE_BYTES]


def record_known(inbox: Path, db_url: str) -> int:
    """Record every document of `inbox` (zip members too) in the warehouse as already read, with bulk inserts."""
    from pipeline.sources import fingerprint, open_source, scan_with_archives
    from warehouse.db import make_engine
    from warehouse.models import Document

    source = open_source(str(inbox))
    documents, _ = fingerprint(source, scan_with_archives(source))
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {
            "path": d.path,
            "package": d.package,
            "sha256": d.sha256,
            "size": d.size,
            "kind": "pdf",
            "status": "archive" if d.path.endswith(".zip") else "evidence",
            "mtime": d.mtime,
            "received_at": datetime.fromtimestamp(d.mtime, UTC).replace(tzinfo=None),
            "ingested_at": now,
        }
        for d in documents
    ]
    engine = make_engine(db_url, auto_migrate=True)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Document), rows[start : start + 5000])
    engine.dispose()
    return len(rows)


def nightly_steps(inbox: str, db_url: str) -> dict[str, Any]:
    """Time the no-change path of the plain steps: open the warehouse, list its known files, scan, compare."""
    started = time.perf_counter()
    from pipeline import steps
    from pipeline.sources import fingerprint, open_source, scan_with_archives
    from warehouse.db import make_engine
    from warehouse.load import known_contents, known_documents, known_files

    imports = round(time.perf_counter() - started, 3)
    begun = time.perf_counter()
    engine = make_engine(db_url)
    opened = time.perf_counter()
    known = known_files(engine)
    listed = time.perf_counter()
    source = open_source(inbox)
    documents, unchanged = fingerprint(source, scan_with_archives(source), known)
    scanned = time.perf_counter()
    pairs = known_documents(engine, documents) if documents else set()
    to_read, _ = steps.split_new(documents, pairs, known_contents(engine, (d.sha256 for d in documents)) if documents else set())
    ended = time.perf_counter()
    engine.dispose()
    return {
        "imports": imports,
        "seconds": round(ended - begun, 3),
        "steps": {
            "open": round(opened - begun, 3),
            "known_files": round(listed - opened, 3),
            "scan": round(scanned - listed, 3),
            "compare": round(ended - scanned, 3),
        },
        "known": len(known),
        "unchanged": unchanged,
        "new": len(to_read),
    }
