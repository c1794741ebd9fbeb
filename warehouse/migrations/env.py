"""Alembic environment: run migrations on the connection parindex hands over (never from an ini file)."""

from __future__ import annotations

from alembic import context

from warehouse.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
