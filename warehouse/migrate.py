"""Schema migrations with Alembic: `parindex db upgrade`, applied by themselves on an embedded SQLite warehouse.

Every run opens the warehouse, and the schema is nearly always the code's already: that is one query on
Alembic's version table against HEAD, and Alembic (its import and its scripts, a large part of a nightly
run with nothing new) loads only when there is a migration to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from core.errors import WarehouseError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0004"  # the newest migration's revision: a new migration moves it (tests/test_warehouse.py holds it to Alembic's)
VERSION_TABLE = "alembic_version"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision of the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The warehouse's schema revision, None before its first migration."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one_or_none()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the warehouse schema to `revision`, in one transaction: a run killed mid-migration leaves it as it was."""
    if revision in ("head", HEAD) and current(engine) == HEAD:
        return
    from alembic import command

    config = _config()
    with engine.connect() as connection, _ddl_in_transaction(connection), connection.begin():
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _ddl_in_transaction(connection: Connection) -> Iterator[None]:
    """pysqlite opens a transaction before DML only, so each CREATE TABLE commits by itself and a killed first
    migration left a half-made warehouse that no later run could migrate. Here the BEGIN is ours (see upgrade)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    previous = driver.isolation_level
    driver.isolation_level = None
    try:
        yield
    finally:
        driver.isolation_level = previous


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between the models and `engine`'s schema (developers only)."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def require_current(engine: Engine) -> None:
    """Refuse to work on a warehouse whose schema is not the code's."""
    found = current(engine)
    if found != HEAD:
        url = engine.url.render_as_string(hide_password=True)
        raise WarehouseError(f"warehouse {url} is at schema revision {found or 'none'}, the code needs {HEAD}: run `parindex db upgrade`")
