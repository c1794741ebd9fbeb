"""Schema migrations with Alembic: `parindex db upgrade`, applied by themselves on an embedded SQLite warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from parindex.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the warehouse schema to `revision`, in one transaction: a run killed mid-migration leaves it as it was."""
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
    previous = driver.isolation_level  # type: ignore[attr-defined]
    driver.isolation_level = None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        driver.isolation_level = previous  # type: ignore[attr-defined]


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between the models and `engine`'s schema (developers only)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def require_current(engine: Engine) -> None:
    """Refuse to work on a warehouse whose schema is not the code's."""
    found, wanted = current(engine), head()
    if found != wanted:
        url = engine.url.render_as_string(hide_password=True)
        raise ConfigurationError(f"warehouse {url} is at schema revision {found or 'none'}, the code needs {wanted}: run `parindex db upgrade`")
