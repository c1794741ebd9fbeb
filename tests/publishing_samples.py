"""The 2019 sample totals with leaf scores, as the publishing tests rank and publish them."""

from __future__ import annotations

from publishing.ranking import UnitTotal, total_from_leaves
from samples.scores import allocate, sample_totals
from schemas.framework import Framework
from schemas.units import UnitRegistry

# The provincial groups of Decision 3751/QĐ-TCHQ (2019): rank → (points, units as the decision names them).
PUBLISHED_GROUPS = {
    1: ("89", {"Đà Nẵng", "Đồng Nai", "TP. Hồ Chí Minh"}),
    2: ("88,5", {"Hà Nội", "Hải Phòng", "Gia Lai - Kon Tum"}),
    3: ("88", {"Khánh Hòa", "Nghệ An", "Quảng Ninh"}),
    4: ("87,5", {"Cần Thơ", "Hà Tĩnh", "Lạng Sơn", "Quảng Bình", "Quảng Ngãi", "Tây Ninh"}),
    5: ("87", {"Bà Rịa - Vũng Tàu", "Hà Nam Ninh", "Kiên Giang", "Long An"}),
}


def sample_unit_totals(framework: Framework, registry: UnitRegistry) -> list[UnitTotal]:
    """Every unit's total built from leaf scores that add up to its 2019 sample total (the published ones where known)."""
    totals = sample_totals(framework.program, framework.year)
    out = []
    for unit in registry.units:
        block = framework.block(unit.block)
        leaves = allocate(block, totals[unit.code], seed=f"{framework.program}-{framework.year}-{unit.code}")
        out.append(total_from_leaves(block, unit.code, unit.short_name, leaves))
    return out
