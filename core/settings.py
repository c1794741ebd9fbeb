"""Settings, validated on construction: where the warehouse is, which program, where outputs go."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

DEFAULT_DB_URL = "sqlite:///parindex.db"
DEFAULT_MIN_CONFIDENCE = 80.0  # OCR confidence (0-100) below which a scanned row's score must be checked by eye


class Settings(BaseSettings):
    """parindex settings, from arguments or PARINDEX_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="PARINDEX_", extra="forbid")

    db_url: str = Field(DEFAULT_DB_URL, description="SQLAlchemy URL of the warehouse")
    program: str = Field("tchq", description="the index program, e.g. tchq")
    out_dir: Path = Field(Path("out"), description="where published documents are written")
    slice_documents: int = Field(
        250, ge=1, description="documents an ingest validates and loads before the next ones (whole packages), the next read meanwhile"
    )
    ocr_min_confidence: float = Field(
        DEFAULT_MIN_CONFIDENCE,
        ge=0,
        le=100,
        description="OCR confidence (0-100) below which a scanned score is reported for a check by eye (rule text.confidence)",
    )

    @field_validator("db_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"{value!r} is not a database URL (e.g. sqlite:///parindex.db, postgresql://user@host/db)") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported warehouse {url.get_backend_name()!r}: use sqlite or postgresql")
        return value


def redact(db_url: str) -> str:
    """The URL with its password hidden, for logs and artifacts."""
    return make_url(db_url).render_as_string(hide_password=True)


LIMIT_PREFIX = "PARINDEX_LIMIT_"


def limits_from_env(kind: type[T]) -> T:
    """Extraction or archive limits, each field overridable as PARINDEX_LIMIT_<FIELD> (e.g. PARINDEX_LIMIT_MAX_PAGES=500)."""
    defaults = kind()
    values: dict[str, object] = {}
    for spec in fields(kind):
        raw = os.environ.get(LIMIT_PREFIX + spec.name.upper())
        if raw is None:
            continue
        try:
            values[spec.name] = type(getattr(defaults, spec.name))(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{LIMIT_PREFIX}{spec.name.upper()} must be a number, not {raw!r}") from exc
    try:
        return replace(defaults, **values)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
