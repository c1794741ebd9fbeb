"""Settings, validated on construction: where the warehouse is, which program, where outputs go."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DB_URL = "sqlite:///parindex.db"


class Settings(BaseSettings):
    """parindex settings, from arguments or PARINDEX_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="PARINDEX_", extra="forbid")

    db_url: str = Field(DEFAULT_DB_URL, description="SQLAlchemy URL of the warehouse")
    program: str = Field("tchq", description="the index program, e.g. tchq")
    out_dir: Path = Field(Path("out"), description="where published documents are written")

    @field_validator("db_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"PARINDEX_DB_URL is not a database URL: {exc}") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported warehouse {url.get_backend_name()!r}: use sqlite or postgresql")
        return value


def redact(db_url: str) -> str:
    """The URL with its password hidden, for logs and artifacts."""
    return make_url(db_url).render_as_string(hide_password=True)
