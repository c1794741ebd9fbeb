"""Schema migrations with Alembic: `parindex db upgrade`, applied by themselves on an embedded SQLite warehouse."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

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
    """Bring the warehouse schema to `revision`, in one transaction."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


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
