"""The tables the expectation suites validate, built from self-assessment records with plain pandas.

Everything a check compares against (the framework's maximum and step of each criterion, whether a
code is in the block's tree, how often a form lists each leaf) is computed here, so the suites stay
plain GX expectations over columns. Points become floats only here: half and quarter points are exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from schemas.framework import Block, Framework
from schemas.records import SelfAssessment
from schemas.units import UnitRegistry

SCORE_ROWS = "score_rows"
COVERAGE = "coverage"
SUBMISSIONS = "submissions"

# Column → dtype of each table; the same columns whether the table has rows or not.
SCORE_ROW_COLUMNS = {
    "sha256": "str",
    "row_id": "int64",  # position of the row in SelfAssessment.rows
    "criterion_code": "str",
    "is_known_criterion": "bool",
    "is_leaf": "bool",
    "has_self_text": "bool",
    "self_points": "float64",
    "max_points": "float64",  # the framework's maximum, not the printed one; leaves only
    "step": "float64",
    "step_remainder": "float64",
}
COVERAGE_COLUMNS = {"sha256": "str", "criterion_code": "str", "occurrences": "int64"}
SUBMISSION_COLUMNS = {
    "sha256": "str",
    "unit_code": "str",
    "block_id": "str",  # missing when the unit is not in the registry
    "leaf_total": "float64",  # missing when the block is not a block of the framework
    "block_max": "float64",
}

# The columns that map a failing row back to its form (and criterion) in GX's unexpected_index_list.
INDEX_COLUMNS = {
    SCORE_ROWS: ["sha256", "row_id", "criterion_code"],
    COVERAGE: ["sha256", "criterion_code"],
    SUBMISSIONS: ["sha256"],
}


@dataclass(frozen=True)
class ValidationFrames:
    """The three tables of one batch, keyed by table name in `tables`."""

    score_rows: pd.DataFrame
    coverage: pd.DataFrame
    submissions: pd.DataFrame

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {SCORE_ROWS: self.score_rows, COVERAGE: self.coverage, SUBMISSIONS: self.submissions}


def unit_block_id(form: SelfAssessment, registry: UnitRegistry) -> str | None:
    """The block the registry puts the form's unit in, or None for a unit it does not know."""
    try:
        return registry.get(form.unit_code).block
    except KeyError:
        return None


def form_block(form: SelfAssessment, framework: Framework, registry: UnitRegistry) -> Block | None:
    """The framework block the form is scored in, or None when the unit or its block is unknown."""
    block_id = unit_block_id(form, registry)
    return next((b for b in framework.blocks if b.id == block_id), None)


def leaf_total(form: SelfAssessment, block: Block) -> Decimal:
    """The sum of the form's self scores on the block's leaf criteria (stated subtotals left out)."""
    leaves = {c.code for c in block.leaves()}
    return sum((r.self_points for r in form.rows if r.code in leaves and r.self_points is not None), Decimal(0))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _table(records: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    # Text columns keep the dtype pandas infers: astype("str") turns None into "None" before pandas 3.
    typed = {name: dtype for name, dtype in columns.items() if dtype != "str"}
    return pd.DataFrame.from_records(records, columns=list(columns)).astype(typed)


def score_rows_frame(forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry) -> pd.DataFrame:
    """One row per score row of every form whose block is known."""
    records: list[dict[str, object]] = []
    for form in forms:
        block = form_block(form, framework, registry)
        if block is None:
            continue
        criteria = {c.code: c for c in block.walk()}
        for row_id, row in enumerate(form.rows):
            criterion = criteria.get(row.code)
            leaf = criterion if criterion is not None and criterion.is_leaf else None
            step = leaf.step if leaf is not None else None
            scored = leaf is not None and row.self_points is not None
            records.append({
                "sha256": form.sha256,
                "row_id": row_id,
                "criterion_code": row.code,
                "is_known_criterion": criterion is not None,
                "is_leaf": leaf is not None,
                "has_self_text": bool(row.self_text.strip()),
                "self_points": _float(row.self_points),
                "max_points": _float(leaf.max_points) if leaf is not None else None,
                "step": _float(step),
                "step_remainder": float(row.self_points % step) if scored and step else None,
            })
    return _table(records, SCORE_ROW_COLUMNS)


def coverage_frame(forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry) -> pd.DataFrame:
    """One row per form × leaf criterion of its block, with how many rows of the form carry its code."""
    records: list[dict[str, object]] = []
    for form in forms:
        block = form_block(form, framework, registry)
        if block is None:
            continue
        counts = Counter(r.code for r in form.rows)
        records.extend(
            {"sha256": form.sha256, "criterion_code": leaf.code, "occurrences": counts[leaf.code]}
            for leaf in block.leaves()
        )
    return _table(records, COVERAGE_COLUMNS)


def submissions_frame(forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry) -> pd.DataFrame:
    """One row per form: its unit, the unit's block, and the leaf total against the block's maximum."""
    records: list[dict[str, object]] = []
    for form in forms:
        block = form_block(form, framework, registry)
        records.append({
            "sha256": form.sha256,
            "unit_code": form.unit_code,
            "block_id": unit_block_id(form, registry),
            "leaf_total": _float(leaf_total(form, block)) if block is not None else None,
            "block_max": _float(block.max_points) if block is not None else None,
        })
    return _table(records, SUBMISSION_COLUMNS)


def build_frames(forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry) -> ValidationFrames:
    """Every table of the batch; forms whose block is unknown only appear in `submissions`."""
    return ValidationFrames(
        score_rows=score_rows_frame(forms, framework, registry),
        coverage=coverage_frame(forms, framework, registry),
        submissions=submissions_frame(forms, framework, registry),
    )
