"""Sample submissions for the demo, the tests and the benchmarks: totals per unit and a generated inbox."""

from __future__ import annotations

from samples.generate import Evidence, Package, generate_inbox, package_for, unit_place, unit_symbol
from samples.scores import allocate, sample_totals

__all__ = [
    "Evidence",
    "Package",
    "allocate",
    "generate_inbox",
    "package_for",
    "sample_totals",
    "unit_place",
    "unit_symbol",
]
