"""Engines for the warehouse URL: SQLite (embedded default) or PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from warehouse import migrate

# Values in one IN (...) list of a query: well below SQLite's 32,766 parameters and PostgreSQL's 65,535.
IN_LIST_MOST = 500


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL syncs at checkpoints, not at each commit (a document is a commit): a killed
    # process loses nothing committed; a power cut may lose the last documents' records, never half of one,
    # and their files, still in the inbox unrecorded, are read again by the next run.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(db_url: str, *, auto_migrate: bool | None = None) -> Engine:
    """An engine for `db_url` whose schema is the code's.

    An embedded SQLite warehouse is migrated on the spot; a PostgreSQL one must have been upgraded
    with `parindex db upgrade` (auto_migrate=True forces it, as tests do). `postgresql://` means psycopg 3.
    """
    url = make_url(db_url)
    embedded = url.get_backend_name() == "sqlite"
    engine = create_engine(url, pool_pre_ping=True)
    if embedded:
        event.listen(engine, "connect", _sqlite_pragmas)
    if auto_migrate if auto_migrate is not None else embedded:
        migrate.upgrade(engine)
    else:
        migrate.require_current(engine)
    return engine


@contextmanager
def warehouse(db_url: str | None = None) -> Iterator[Engine]:
    """The warehouse of `db_url`, or of the settings ($PARINDEX_DB_URL): credentials never travel as parameters."""
    from parindex.settings import Settings

    engine = make_engine(db_url or Settings().db_url)
    try:
        yield engine
    finally:
        engine.dispose()
