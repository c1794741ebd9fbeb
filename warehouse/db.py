"""Engines for the warehouse URL: SQLite (embedded default) or PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from core.errors import WarehouseError
from core.settings import Settings
from warehouse import migrate

# Values in one IN (...) list of a query: well below SQLite's 32,766 parameters and PostgreSQL's 65,535.
IN_LIST_MOST = 500


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL syncs at checkpoints, not at each commit (a document is a commit): a killed
    # process loses nothing committed; a power cut may lose the last documents' records, never half of one,
    # and their files, still in the inbox unrecorded, are read again by the next run.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(db_url: str, *, auto_migrate: bool | None = None, existing: bool = False) -> Engine:
    """An engine for `db_url` whose schema is the code's.

    An embedded SQLite warehouse is created and migrated on the spot, unless `existing` (a command that
    only reads must not leave an empty warehouse behind); a PostgreSQL one must have been upgraded with
    `parindex db upgrade` (auto_migrate=True forces it, as tests do). `postgresql://` means psycopg 3.
    WarehouseError when it cannot be opened, naming it.
    """
    url = make_url(db_url)
    embedded = url.get_backend_name() == "sqlite"
    if embedded:
        _check_sqlite_file(url, existing)
    engine = create_engine(url, pool_pre_ping=True)
    if embedded:
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        if auto_migrate if auto_migrate is not None else embedded:
            migrate.upgrade(engine)
        else:
            migrate.require_current(engine)
    except OperationalError as exc:
        engine.dispose()
        detail = str(exc.orig or exc).strip().splitlines()[0]
        raise WarehouseError(f"cannot open the warehouse {url.render_as_string(hide_password=True)}: {detail}") from exc
    return engine


def _check_sqlite_file(url: URL, existing: bool) -> None:
    """Name the file, where SQLite would only say it is "unable to open database file"."""
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        return
    path = Path(url.database)
    if existing and not path.is_file():
        raise WarehouseError(f"no warehouse at {path}: ingest an inbox first (`parindex ingest`), or name the warehouse with --db")
    if not path.parent.is_dir():
        raise WarehouseError(f"cannot create the warehouse {path}: the folder {path.parent} does not exist")


@contextmanager
def warehouse(db_url: str | None = None) -> Iterator[Engine]:
    """The warehouse of `db_url`, or of the settings ($PARINDEX_DB_URL): credentials never travel as parameters."""

    engine = make_engine(db_url or Settings().db_url)
    try:
        yield engine
    finally:
        engine.dispose()
