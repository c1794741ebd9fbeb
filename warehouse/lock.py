"""A lock held in the warehouse: two ingest runs at once cannot both load (and double-load) an inbox."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import ParindexError
from warehouse.models import PipelineLock


class LockBusy(ParindexError):
    """Another run holds the lock."""


def _alive(owner: str) -> bool:
    """Whether the process that took the lock still runs; a lock of a dead process on this host is stale."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: trust the lock
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def warehouse_lock(engine: Engine, name: str = "ingest") -> Iterator[str]:
    """Hold the named lock for the block's duration; raise LockBusy if a live run holds it."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    with Session(engine) as session, session.begin():
        held = session.get(PipelineLock, name)
        if held is not None and not _alive(held.owner):
            session.delete(held)  # left behind by a killed run
            session.flush()
        elif held is not None:
            raise LockBusy(f"another {name} run holds the warehouse lock since {held.acquired_at:%Y-%m-%d %H:%M} UTC ({held.owner})")
    try:
        with Session(engine) as session, session.begin():
            session.add(PipelineLock(name=name, owner=owner, acquired_at=datetime.now(UTC).replace(tzinfo=None)))
    except IntegrityError as exc:
        raise LockBusy(f"another {name} run took the warehouse lock just now") from exc
    try:
        yield owner
    finally:
        with Session(engine) as session, session.begin():
            session.execute(delete(PipelineLock).where(PipelineLock.name == name, PipelineLock.owner == owner))


def lock_holder(engine: Engine, name: str = "ingest") -> str | None:
    with Session(engine) as session:
        return session.scalar(select(PipelineLock.owner).where(PipelineLock.name == name))
