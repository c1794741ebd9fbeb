"""Warehouses for the benchmarks: a fresh SQLite file, or a PostgreSQL schema of their own, created and dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def sqlite_url(path: Path) -> str:
    """The URL of a new, empty SQLite warehouse at `path` (an earlier one and its WAL files are removed)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


@contextmanager
def pg_schema(base_url: str, prefix: str = "bench") -> Iterator[str]:
    """A URL whose search_path is a new schema on `base_url`'s server; the schema is dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def pg_available(base_url: str) -> str | None:
    """None when PostgreSQL answers at `base_url`, else why not."""
    try:
        engine = create_engine(base_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: skip the PostgreSQL measurements, saying why
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None
