"""Reference data in the warehouse: each framework version with its criteria tree, and the units with their blocks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from schemas.framework import Framework
from schemas.units import UnitRegistry
from warehouse.models import BlockRow, CriterionRow, FrameworkVersion, UnitAlias, UnitMembership, UnitRow


def framework_version(framework: Framework) -> str:
    """A content hash of the resolved framework: editing the file makes a new version."""
    canonical = json.dumps(framework.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def sync_framework(engine: Engine, framework: Framework) -> int:
    """Store `framework` (once per version) and return its id."""
    version = framework_version(framework)
    with Session(engine) as session, session.begin():
        existing = session.scalar(
            select(FrameworkVersion.id).where(
                FrameworkVersion.program == framework.program, FrameworkVersion.year == framework.year, FrameworkVersion.version == version
            )
        )
        if existing is not None:
            return existing
        row = FrameworkVersion(
            program=framework.program,
            program_name=framework.program_name,
            year=framework.year,
            version=version,
            decision=framework.decision,
            ranking=framework.ranking,
            loaded_at=datetime.now(UTC).replace(tzinfo=None),
        )
        session.add(row)
        session.flush()
        for block in framework.blocks:
            session.add(BlockRow(framework_id=row.id, block_id=block.id, name=block.name, max_points=block.max_points))
            parents = {child.code: node.code for node in block.walk() for child in node.children}
            session.add_all(
                CriterionRow(
                    framework_id=row.id,
                    block_id=block.id,
                    code=c.code,
                    parent_code=parents.get(c.code),
                    name=c.name,
                    max_points=c.max_points,
                    step=c.step,
                    is_leaf=c.is_leaf,
                )
                for c in block.walk()
            )
        return row.id


def sync_units(engine: Engine, registry: UnitRegistry, year: int) -> None:
    """Store the registry's units, aliases and their block for `year`; existing rows are updated in place."""
    with Session(engine) as session, session.begin():
        stored = {u.code: u for u in session.scalars(select(UnitRow).where(UnitRow.program == registry.program))}
        for unit in registry.units:
            row = stored.get(unit.code)
            if row is None:
                row = UnitRow(program=registry.program, code=unit.code, name=unit.name, short_name=unit.short_name)
                session.add(row)
                session.flush()
            elif (row.name, row.short_name) != (unit.name, unit.short_name):
                row.name, row.short_name = unit.name, unit.short_name
            aliases = set(session.scalars(select(UnitAlias.alias).where(UnitAlias.unit_id == row.id)))
            session.add_all(UnitAlias(unit_id=row.id, alias=a) for a in sorted(set(unit.aliases) - aliases))
            membership = session.scalar(select(UnitMembership).where(UnitMembership.unit_id == row.id, UnitMembership.year == year))
            if membership is None:
                session.add(UnitMembership(unit_id=row.id, year=year, block_id=unit.block))
            elif membership.block_id != unit.block:
                membership.block_id = unit.block
