"""Shared fixtures: the shipped framework and registry, the shared corpus, warehouses on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from schemas.framework import Framework, framework_for
from schemas.units import UnitRegistry, registry_for
from warehouse.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
PG_URL = os.environ.get("PARINDEX_TEST_PG_URL")


@pytest.fixture(scope="session")
def framework() -> Framework:
    return framework_for("tchq", 2019)


@pytest.fixture(scope="session")
def registry() -> UnitRegistry:
    return registry_for("tchq")


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API for every flow test of the session (its start costs ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}: the corpus tests need ../shared/corpus beside the project")
    return CORPUS


def _pg_schema_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need PARINDEX_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # a configured but unreachable server is a failure, not a skip
        admin.dispose()
        raise RuntimeError(f"PostgreSQL at PARINDEX_TEST_PG_URL is not reachable: {exc}") from exc
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        make_engine(url, auto_migrate=True).dispose()  # as `parindex db upgrade` would
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty warehouse URL on each dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
    else:
        yield from _pg_schema_url()


@pytest.fixture(params=DIALECTS)
def fresh_warehouses(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """On each dialect, a function giving a new empty warehouse URL at every call (all removed afterwards)."""
    with ExitStack() as stack:
        count = iter(range(1_000_000))

        def fresh() -> str:
            if request.param == "sqlite":
                return f"sqlite:///{tmp_path / f'warehouse-{next(count)}.db'}"
            return stack.enter_context(contextmanager(_pg_schema_url)())

        yield fresh
