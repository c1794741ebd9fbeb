"""The nightly run when nothing came: an inbox of many files the warehouse already knows, ingested again."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

PER_PACKAGE = 10
FILE_BYTES = 2048


def known_inbox(root: Path, documents: int) -> Path:
    """An inbox of `documents` small files, PER_PACKAGE per package folder; written once and reused."""
    inbox = root / "inbox"
    marker = root / f".complete-{documents}"
    if marker.is_file():
        return inbox
    for index in range(documents):
        path = inbox / f"don-vi-{index // PER_PACKAGE:05d}" / f"tai-lieu-{index % PER_PACKAGE:02d}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        line = f"Tài liệu kiểm chứng số {index}\n".encode()
        path.write_bytes((line * (FILE_BYTES // len(line) + 1))[:FILE_BYTES])
    marker.touch()
    return inbox


def record_known(inbox: Path, db_url: str) -> int:
    """Record every file of `inbox` in the warehouse's documents table as already read (bulk inserts)."""
    from parindex.inbox import scan, sha256_of
    from warehouse.db import make_engine
    from warehouse.models import Document

    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {
            "path": f.path, "package": f.package, "sha256": sha256_of(inbox / f.path), "size": f.size, "kind": "pdf",
            "status": "evidence", "mtime": f.mtime, "received_at": datetime.fromtimestamp(f.mtime, UTC).replace(tzinfo=None),
            "ingested_at": now,
        }
        for f in scan(inbox)
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
    from parindex import pipeline
    from parindex.sources import fingerprint, open_source
    from warehouse.db import make_engine
    from warehouse.load import known_contents, known_documents, known_files

    imports = round(time.perf_counter() - started, 3)
    begun = time.perf_counter()
    engine = make_engine(db_url)
    opened = time.perf_counter()
    known = known_files(engine)
    listed = time.perf_counter()
    source = open_source(inbox)
    documents, unchanged = fingerprint(source, source.scan(), known)
    scanned = time.perf_counter()
    pairs = known_documents(engine, documents) if documents else set()
    to_read, _ = pipeline.split_new(documents, pairs, known_contents(engine, (d.sha256 for d in documents)) if documents else set())
    ended = time.perf_counter()
    engine.dispose()
    return {
        "imports": imports,
        "seconds": round(ended - begun, 3),
        "steps": {"open": round(opened - begun, 3), "known_files": round(listed - opened, 3),
                  "scan": round(scanned - listed, 3), "compare": round(ended - scanned, 3)},
        "known": len(known),
        "unchanged": unchanged,
        "new": len(to_read),
    }
