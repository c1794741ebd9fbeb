"""A form's points against its block: leaf totals, subtotals, and the maximum that applies to the unit."""

from __future__ import annotations

from decimal import Decimal

from schemas.framework import Block, Criterion
from schemas.records import ScoreRow, SelfAssessment


def not_applicable_allowed(block: Block) -> set[str]:
    """The codes of every criterion the framework lets a unit mark "Không áp dụng" (a parent's flag covers its subtree)."""
    allowed: set[str] = set()

    def visit(node: Criterion, inherited: bool) -> None:
        flagged = inherited or node.may_be_not_applicable
        if flagged:
            allowed.add(node.code)
        for child in node.children:
            visit(child, flagged)

    for field in block.criteria:
        visit(field, False)
    return allowed


def first_rows(form: SelfAssessment) -> dict[str, ScoreRow]:
    """Each code's first row: a repeated criterion is reported once, and its first row is the one that counts."""
    rows: dict[str, ScoreRow] = {}
    for row in form.rows:
        rows.setdefault(row.code, row)
    return rows


def not_applicable_leaves(form: SelfAssessment, block: Block) -> list[str]:
    """The block's leaves the form marks "Không áp dụng" where the framework allows it, in framework order."""
    allowed = not_applicable_allowed(block)
    rows = first_rows(form)
    return [leaf.code for leaf in block.leaves() if leaf.code in allowed and leaf.code in rows and rows[leaf.code].not_applicable]


def applicable_max(form: SelfAssessment, block: Block) -> Decimal:
    """The block's maximum less the points of the leaves that rightly do not apply to the unit."""
    skipped = set(not_applicable_leaves(form, block))
    return block.max_points - sum((leaf.max_points for leaf in block.leaves() if leaf.code in skipped), Decimal(0))


def leaf_total(form: SelfAssessment, block: Block) -> Decimal:
    """The sum of the form's self scores on the block's leaf criteria (stated subtotals left out)."""
    leaves = block.leaf_codes
    return sum((r.self_points for r in form.rows if r.code in leaves and r.self_points is not None), Decimal(0))


def _leaf_sum(node: Criterion, rows: dict[str, ScoreRow]) -> Decimal | None:
    """The points under `node` from its leaves' first rows; None when a leaf has no row or no score.

    A leaf marked "Không áp dụng" counts 0 (whether or not it may be: that is another finding).
    """
    if node.is_leaf:
        row = rows.get(node.code)
        if row is None:
            return None
        if row.self_points is None:
            return Decimal(0) if row.not_applicable else None
        return row.self_points
    total = Decimal(0)
    for child in node.children:
        part = _leaf_sum(child, rows)
        if part is None:
            return None
        total += part
    return total


def children_sums(form: SelfAssessment, block: Block) -> dict[str, Decimal]:
    """The sum of the leaves under each parent criterion, where every leaf under it is scored."""
    rows = first_rows(form)
    sums: dict[str, Decimal] = {}
    for node in block.walk():
        if not node.is_leaf and (value := _leaf_sum(node, rows)) is not None:
            sums[node.code] = value
    return sums


def computed_total(form: SelfAssessment, block: Block) -> Decimal | None:
    """The total the leaves make, to compare with the stated total; None while a leaf is missing or unscored."""
    rows = first_rows(form)
    total = Decimal(0)
    for field in block.criteria:
        part = _leaf_sum(field, rows)
        if part is None:
            return None
        total += part
    return total
