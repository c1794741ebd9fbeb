"""Ranking snapshots: what was published, from which inputs; never changed once written."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from schemas.records import RankedUnit
from warehouse.models import RankingEntry, RankingSnapshot


def save_snapshot(
    engine: Engine,
    *,
    program: str,
    year: int,
    framework_version: str,
    inputs_hash: str,
    cutoff: datetime | None,
    decision_no: str | None,
    signed_on: date | None,
    ranking: Sequence[RankedUnit],
    files: Mapping[str, str],
) -> int:
    """Freeze a published ranking as a new snapshot and return its id."""
    with Session(engine) as session, session.begin():
        snapshot = RankingSnapshot(
            program=program,
            year=year,
            framework_version=framework_version,
            inputs_hash=inputs_hash,
            cutoff=cutoff,
            decision_no=decision_no,
            signed_on=signed_on,
            created_at=datetime.now(UTC).replace(tzinfo=None),
            files=json.dumps(dict(sorted(files.items())), ensure_ascii=False),
        )
        session.add(snapshot)
        session.flush()
        session.add_all(
            RankingEntry(
                snapshot_id=snapshot.id,
                block_id=r.block_id,
                unit_code=r.unit_code,
                points=r.points,
                applicable_max=r.applicable_max,
                index=r.index,
                tier=r.tier,
                rank=r.rank,
            )
            for r in ranking
        )
        return snapshot.id


def snapshots(engine: Engine, program: str, year: int) -> list[RankingSnapshot]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(RankingSnapshot).where(RankingSnapshot.program == program, RankingSnapshot.year == year).order_by(RankingSnapshot.id)
            )
        )
