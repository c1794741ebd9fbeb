"""The tables the expectation suites validate, built from self-assessment records with plain pandas.

Everything a check compares against (the framework's maximum and step of each criterion, whether a
code is in the block's tree, how often a form lists each leaf, the sum under each parent, how late a
form came) is computed here, so the suites stay plain GX expectations over columns. Points become
floats only here: half and quarter points are exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from expectations.scoring import children_sums, computed_total, leaf_total, not_applicable_allowed
from schemas.framework import Block, Framework
from schemas.records import EvidenceLink, LinkStatus, ScoreRow, SelfAssessment
from schemas.units import UnitRegistry

SCORE_ROWS = "score_rows"
COVERAGE = "coverage"
SUBMISSIONS = "submissions"
CITATIONS = "citations"

# Received times with a zone are read on the agency's calendar: a form sent at 23:30 local time is on time.
AGENCY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Text a PDF font without a Unicode map leaves behind, and the character decoders put for bytes they cannot read.
_GARBLED = re.compile(r"\(cid:\d+\)|\ufffd")

# Column → dtype of each table; the same columns whether the table has rows or not.
SCORE_ROW_COLUMNS = {
    "sha256": "str",
    "row_id": "int64",  # position of the row in SelfAssessment.rows
    "criterion_code": "str",
    "is_known_criterion": "bool",
    "is_leaf": "bool",
    "has_self_text": "bool",
    "not_applicable": "bool",  # the cell says "Không áp dụng"
    "na_allowed": "bool",  # the framework lets this criterion be not applicable
    "self_points": "float64",
    "max_points": "float64",  # the framework's maximum, not the printed one; leaves only
    "step": "float64",
    "step_remainder": "float64",
    "printed_max": "float64",  # the maximum the form prints
    "criterion_max": "float64",  # the framework's maximum of any known criterion, parents included
    "children_sum": "float64",  # parents: the sum of the leaves under them, when all are scored
    "evidence_required": "bool",  # a scored leaf whose criterion requires evidence
    "has_evidence": "bool",  # the row cites evidence or explains itself in its note
    "confidence": "float64",  # OCR only
    "is_nfc": "bool",
    "is_garbled": "bool",
}
COVERAGE_COLUMNS = {"sha256": "str", "criterion_code": "str", "occurrences": "int64"}
SUBMISSION_COLUMNS = {
    "sha256": "str",
    "unit_code": "str",
    "year": "int64",
    "block_id": "str",  # missing when the unit is not in the registry
    "leaf_total": "float64",  # missing when the block is not a block of the framework
    "block_max": "float64",
    "stated_total": "float64",  # the form's "Tổng cộng" row
    "computed_total": "float64",  # missing while a leaf is missing or unscored
    "days_late": "float64",  # missing without a received time or a deadline
    "text_layer": "str",  # schemas.records.TextLayer: where the form's text came from
}
CITATION_COLUMNS = {
    "sha256": "str",
    "citation_id": "int64",  # position in the form's list of cited references
    "criterion_code": "str",
    "found": "bool",  # the package holds the cited document
    "cited_year": "float64",  # missing when the citation gives no date
}

# The columns that map a failing row back to its form (and criterion) in GX's unexpected_index_list.
INDEX_COLUMNS = {
    SCORE_ROWS: ["sha256", "row_id", "criterion_code"],
    COVERAGE: ["sha256", "criterion_code"],
    SUBMISSIONS: ["sha256"],
    CITATIONS: ["sha256", "citation_id", "criterion_code"],
}


@dataclass(frozen=True)
class ValidationFrames:
    """The tables of one batch, keyed by table name in `tables`."""

    score_rows: pd.DataFrame
    coverage: pd.DataFrame
    submissions: pd.DataFrame
    citations: pd.DataFrame

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            SCORE_ROWS: self.score_rows,
            COVERAGE: self.coverage,
            SUBMISSIONS: self.submissions,
            CITATIONS: self.citations,
        }


def unit_block_id(form: SelfAssessment, registry: UnitRegistry) -> str | None:
    """The block the registry puts the form's unit in, or None for a unit it does not know."""
    try:
        return registry.get(form.unit_code).block
    except KeyError:
        return None


def form_block(form: SelfAssessment, framework: Framework, registry: UnitRegistry) -> Block | None:
    """The framework block the form is scored in, or None when the unit or its block is unknown."""
    block_id = unit_block_id(form, registry)
    return framework.blocks_by_id.get(block_id) if block_id is not None else None


def received_on(moment: datetime) -> date:
    """The calendar day a form was received: in Vietnam's time zone when the time carries a zone."""
    return moment.astimezone(AGENCY_ZONE).date() if moment.tzinfo is not None else moment.date()


def garbled_tokens(row: ScoreRow) -> list[str]:
    """The unreadable tokens in a row's texts ("(cid:12)", "\ufffd"), each once, in order."""
    found = _GARBLED.findall(" ".join(_texts(row)))
    return list(dict.fromkeys(found))


def _texts(row: ScoreRow) -> tuple[str, ...]:
    return (row.name, row.self_text, row.evidence, row.note, row.appraisal_text)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _table(records: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    # Text columns keep the dtype pandas infers: astype("str") turns None into "None" before pandas 3.
    typed = {name: dtype for name, dtype in columns.items() if dtype != "str"}
    return pd.DataFrame.from_records(records, columns=list(columns)).astype(typed)


def _score_row(form: SelfAssessment, row_id: int, row: ScoreRow, block: Block, allowed: set[str], sums: Mapping[str, Decimal]) -> dict[str, object]:
    criterion = block.criterion(row.code)
    leaf = criterion if criterion is not None and criterion.is_leaf else None
    step = leaf.step if leaf is not None else None
    # The points a leaf is scored with; a parent's points are a subtotal, checked against children_sum.
    leaf_points = row.self_points if leaf is not None else None
    return {
        "sha256": form.sha256,
        "row_id": row_id,
        "criterion_code": row.code,
        "is_known_criterion": criterion is not None,
        "is_leaf": leaf is not None,
        "has_self_text": bool(row.self_text.strip()),
        "not_applicable": row.not_applicable,
        "na_allowed": row.code in allowed,
        "self_points": _float(row.self_points),
        "max_points": _float(leaf.max_points) if leaf is not None else None,
        "step": _float(step),
        "step_remainder": float(leaf_points % step) if leaf_points is not None and step else None,
        "printed_max": _float(row.max_points),
        "criterion_max": _float(criterion.max_points) if criterion is not None else None,
        "children_sum": _float(sums.get(row.code)) if leaf is None else None,
        "evidence_required": leaf is not None and leaf_points is not None and leaf.evidence_required and leaf_points > 0,
        "has_evidence": bool(row.evidence.strip() or row.note.strip()),
        "confidence": row.confidence,
        "is_nfc": all(unicodedata.is_normalized("NFC", text) for text in _texts(row)),
        "is_garbled": bool(garbled_tokens(row)),
    }


def score_rows_frame(forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry) -> pd.DataFrame:
    """One row per score row of every form whose block is known."""
    records: list[dict[str, object]] = []
    for form in forms:
        block = form_block(form, framework, registry)
        if block is None:
            continue
        allowed, sums = not_applicable_allowed(block), children_sums(form, block)
        records.extend(_score_row(form, i, row, block, allowed, sums) for i, row in enumerate(form.rows))
    return _table(records, SCORE_ROW_COLUMNS)


def coverage_frame(forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry) -> pd.DataFrame:
    """One row per form × leaf criterion of its block, with how many rows of the form carry its code."""
    records: list[dict[str, object]] = []
    for form in forms:
        block = form_block(form, framework, registry)
        if block is None:
            continue
        counts = Counter(r.code for r in form.rows)
        records.extend({"sha256": form.sha256, "criterion_code": leaf.code, "occurrences": counts[leaf.code]} for leaf in block.leaves())
    return _table(records, COVERAGE_COLUMNS)


def days_late(form: SelfAssessment, framework: Framework, received_at: Mapping[str, datetime]) -> int | None:
    """Days between the framework's deadline and the day the form was received; None when either is unknown."""
    moment = received_at.get(form.sha256)
    if moment is None or framework.deadline is None:
        return None
    return (received_on(moment) - framework.deadline).days


def submissions_frame(
    forms: Sequence[SelfAssessment],
    framework: Framework,
    registry: UnitRegistry,
    received_at: Mapping[str, datetime] | None = None,
) -> pd.DataFrame:
    """One row per form: its unit and year, the unit's block, totals against the block, and lateness."""
    records: list[dict[str, object]] = []
    for form in forms:
        block = form_block(form, framework, registry)
        late = days_late(form, framework, received_at or {})
        records.append(
            {
                "sha256": form.sha256,
                "unit_code": form.unit_code,
                "year": form.year,
                "block_id": unit_block_id(form, registry),
                "leaf_total": _float(leaf_total(form, block)) if block is not None else None,
                "block_max": _float(block.max_points) if block is not None else None,
                "stated_total": _float(form.stated_total),
                "computed_total": _float(computed_total(form, block)) if block is not None else None,
                "days_late": None if late is None else float(late),
                "text_layer": form.text_layer.value,
            }
        )
    return _table(records, SUBMISSION_COLUMNS)


def citations_frame(forms: Sequence[SelfAssessment], links: Mapping[str, Sequence[EvidenceLink]] | None) -> pd.DataFrame:
    """One row per reference a form cites, for the forms whose citations were linked to their package."""
    records: list[dict[str, object]] = []
    for form in forms:
        for citation_id, cited in enumerate((links or {}).get(form.sha256, ())):
            records.append(
                {
                    "sha256": form.sha256,
                    "citation_id": citation_id,
                    "criterion_code": cited.criterion_code,
                    # "Mentioned" is not enough: another file names the document, but the document itself was not sent.
                    "found": cited.status is LinkStatus.FOUND,
                    "cited_year": float(cited.reference.issued_on.year) if cited.reference.issued_on is not None else None,
                }
            )
    return _table(records, CITATION_COLUMNS)


def build_frames(
    forms: Sequence[SelfAssessment],
    framework: Framework,
    registry: UnitRegistry,
    received_at: Mapping[str, datetime] | None = None,
    links: Mapping[str, Sequence[EvidenceLink]] | None = None,
) -> ValidationFrames:
    """Every table of the batch; forms whose block is unknown only appear in `submissions` and `citations`."""
    return ValidationFrames(
        score_rows=score_rows_frame(forms, framework, registry),
        coverage=coverage_frame(forms, framework, registry),
        submissions=submissions_frame(forms, framework, registry, received_at),
        citations=citations_frame(forms, links),
    )
