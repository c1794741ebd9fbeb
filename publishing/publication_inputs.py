"""What a publication is computed from, as canonical JSON, and its SHA-256: the inputs hash stored on a snapshot."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from publishing.ranking import UnitTotal
from schemas.framework import Framework


def _number(value: Decimal) -> str:
    """A decimal as canonical text: 88.50, 88.5 and 8.85E1 all become "88.5", 89.0 becomes "89"."""
    text = format(Decimal(value).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def framework_digest(framework: Framework) -> str:
    """SHA-256 of the framework as loaded (criteria, maxima, steps, tiers, ranking rule): its version."""
    return hashlib.sha256(framework.model_dump_json().encode("utf-8")).hexdigest()


def canonical_inputs(framework: Framework, totals: Iterable[UnitTotal], cutoff: datetime | date | None = None) -> dict[str, Any]:
    """The inputs in a fixed shape and order: framework version, data cut-off, every unit's scores.

    Units are sorted by code and leaf scores by criterion code, and numbers are canonical text, so the
    same inputs always give the same JSON whatever order or number formatting they arrived in.
    """
    units = []
    for total in sorted(totals, key=lambda t: t.unit_code):
        units.append(
            {
                "unit": total.unit_code,
                "name": total.unit_name,
                "block": total.block_id,
                "points": _number(total.points),
                "applicable_max": None if total.applicable_max is None else _number(total.applicable_max),
                "fields": {code: _number(v) for code, v in sorted(total.fields().items())},
                "field_max": {code: _number(v) for code, v in sorted(total.field_max.items())},
                "leaves": {code: _number(v) for code, v in sorted(total.leaf_points.items())},
            }
        )
    return {
        "program": framework.program,
        "year": framework.year,
        "framework": framework_digest(framework),
        "cutoff": cutoff.isoformat() if cutoff else None,
        "units": units,
    }


def inputs_hash(framework: Framework, totals: Iterable[UnitTotal], cutoff: datetime | date | None = None) -> str:
    """SHA-256 (hex) of the canonical JSON of the inputs: equal inputs, equal hash; any changed score, a new one."""
    text = json.dumps(canonical_inputs(framework, totals, cutoff), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
