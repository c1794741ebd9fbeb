"""Data-quality validation of self-assessments: GX suites (JSON, in git) and the runner that applies them.

Importing this package does not import Great Expectations; only running a validation does.
"""

from __future__ import annotations

from expectations.rules import RULES, Rule
from expectations.scoring import applicable_max, not_applicable_leaves
from expectations.validate import validate_batch

__all__ = ["RULES", "Rule", "applicable_max", "not_applicable_leaves", "validate_batch"]
