"""Turn each row an expectation rejected into a finding: the rule, severity and Vietnamese message of its suite."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from core.errors import ConfigurationError
from expectations.frames import (
    CITATIONS,
    COVERAGE,
    SCORE_ROWS,
    SUBMISSIONS,
    days_late,
    form_block,
    garbled_tokens,
    received_on,
    unit_block_id,
)
from expectations.scoring import children_sums, computed_total, leaf_total
from schemas.framework import Framework
from schemas.records import EvidenceLink, Finding, Lineage, SelfAssessment, Severity, TextLayer
from schemas.units import UnitRegistry
from schemas.vietnamese import format_points, numeric_date

T = TypeVar("T")
UNKNOWN_BLOCK = "chưa xác định"
# How a letter names a text layer that is not the unit's own Unicode text (rule text.layer).
_TEXT_LAYER_VI = {
    TextLayer.LEGACY_FONT: "dùng phông chữ cũ TCVN3 (ABC) hoặc VNI, đã được chuyển sang Unicode",
    TextLayer.NO_DIACRITICS: "có lớp chữ mất dấu tiếng Việt (tệp PDF nhận dạng chữ tự động)",
}


@dataclass(frozen=True)
class Failure:
    """One row an expectation rejected: its table, the expectation's meta and the row's index columns."""

    table: str
    meta: Mapping[str, Any]
    index: Mapping[str, str]


@dataclass(frozen=True)
class Batch:
    """What the messages may quote besides the form itself: the other forms, names, times, citations."""

    forms: Mapping[str, SelfAssessment]  # by sha256
    framework: Framework
    registry: UnitRegistry
    received_at: Mapping[str, datetime] = field(default_factory=dict)
    links: Mapping[str, Sequence[EvidenceLink]] = field(default_factory=dict)
    documents: Mapping[str, str] = field(default_factory=dict)  # sha256 → file name, for the unit to recognise
    # What every finding of one form quotes (its total, its parents' sums) is computed once per form.
    _per_form: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    def once(self, form: SelfAssessment, what: str, compute: Callable[[], T]) -> T:
        key = (form.sha256, what)
        if key not in self._per_form:
            self._per_form[key] = compute()
        cached: T = self._per_form[key]  # what compute() returned for this key
        return cached

    def document_name(self, form: SelfAssessment) -> str:
        """How a message names a form: its file name, else its number, else the start of its hash."""
        if form.sha256 in self.documents:
            return self.documents[form.sha256]
        if form.document_number:
            return f"văn bản số {form.document_number}"
        return f"tệp {form.sha256[:12]}"


def _points(value: Decimal | float | None) -> str:
    return "" if value is None else format_points(value)


def _form_fields(form: SelfAssessment, batch: Batch) -> dict[str, object]:
    return dict(batch.once(form, "form", lambda: _compute_form_fields(form, batch)))


def _compute_form_fields(form: SelfAssessment, batch: Batch) -> dict[str, object]:
    framework, registry = batch.framework, batch.registry
    block = form_block(form, framework, registry)
    block_id = unit_block_id(form, registry)
    unit = registry.get(form.unit_code).name if block_id is not None else (form.unit_text or form.unit_code)
    return {
        "unit": unit,
        "unit_code": form.unit_code,
        "block_id": block_id or UNKNOWN_BLOCK,
        "block_name": block.name if block is not None else UNKNOWN_BLOCK,
        "framework": framework.program_name,
        "year": framework.year,
        "total": _points(leaf_total(form, block)) if block is not None else "",
        "block_max": _points(block.max_points) if block is not None else "",
    }


def _score_row_fields(failure: Failure, form: SelfAssessment, batch: Batch) -> tuple[str, Lineage, dict[str, object]]:
    block = form_block(form, batch.framework, batch.registry)
    row = form.rows[int(failure.index["row_id"])]
    criterion = block.criterion(row.code) if block is not None else None
    confidence = "" if row.confidence is None else format_points(Decimal(str(round(row.confidence, 1))))
    children = batch.once(form, "children", lambda: children_sums(form, block)).get(row.code) if block is not None else None
    return (
        row.code,
        row.lineage,
        {
            "name": criterion.name if criterion is not None else row.name,
            "self": _points(row.self_points),
            "raw": row.self_text.strip(),
            "max": _points(criterion.max_points) if criterion is not None else "",
            "step": _points(criterion.step) if criterion is not None else "",
            "printed_max": _points(row.max_points),
            "children_sum": _points(children),
            "confidence": confidence,
            "garbled": ", ".join(garbled_tokens(row)),
        },
    )


def _coverage_fields(failure: Failure, form: SelfAssessment, batch: Batch) -> tuple[str, Lineage | None, dict[str, object]]:
    block = form_block(form, batch.framework, batch.registry)
    code = failure.index["criterion_code"]
    criterion = block.criterion(code) if block is not None else None
    rows = [r for r in form.rows if r.code == code]
    # A repeated criterion points at its second row: the first one a reader would call extra.
    lineage = rows[1].lineage if len(rows) > 1 else None
    return code, lineage, {"name": criterion.name if criterion is not None else "", "occurrences": len(rows)}


def _submission_fields(form: SelfAssessment, batch: Batch) -> dict[str, object]:
    block = form_block(form, batch.framework, batch.registry)
    same_unit = [f for f in batch.forms.values() if f.unit_code == form.unit_code and f.year == form.year]
    moment = batch.received_at.get(form.sha256)
    deadline = batch.framework.deadline
    return {
        "stated_total": _points(form.stated_total),
        "computed_total": _points(computed_total(form, block)) if block is not None else "",
        "count": len(same_unit),
        "documents": "; ".join(batch.document_name(f) for f in same_unit),
        "received_on": numeric_date(received_on(moment)) if moment is not None else "",
        "deadline": numeric_date(deadline) if deadline is not None else "",
        "days_late": days_late(form, batch.framework, batch.received_at) or "",
        "text_layer_vi": _TEXT_LAYER_VI.get(form.text_layer, form.text_layer.value),
    }


def _citation_fields(failure: Failure, form: SelfAssessment, batch: Batch) -> tuple[str, Lineage | None, dict[str, object]]:
    cited = batch.links[form.sha256][int(failure.index["citation_id"])]
    block = form_block(form, batch.framework, batch.registry)
    criterion = block.criterion(cited.criterion_code) if block is not None else None
    issued_on = cited.reference.issued_on
    return (
        cited.criterion_code,
        cited.lineage,
        {
            "name": criterion.name if criterion is not None else "",
            "reference": cited.reference.number,
            "cited_on": numeric_date(issued_on) if issued_on is not None else "",
        },
    )


def to_finding(failure: Failure, batch: Batch) -> Finding:
    """The finding one rejected row makes, its message filled from the suite's template."""
    form = batch.forms[failure.index["sha256"]]
    fields = _form_fields(form, batch)
    code: str | None = None
    lineage: Lineage | None = None
    if failure.table == SCORE_ROWS:
        code, lineage, extra = _score_row_fields(failure, form, batch)
    elif failure.table == COVERAGE:
        code, lineage, extra = _coverage_fields(failure, form, batch)
    elif failure.table == CITATIONS:
        code, lineage, extra = _citation_fields(failure, form, batch)
    elif failure.table == SUBMISSIONS:
        extra = _submission_fields(form, batch)
    else:
        raise ConfigurationError(f"no findings are defined for table {failure.table!r}")
    fields |= extra
    fields["code"] = code or ""
    try:
        rule, severity, template = failure.meta["rule"], Severity(failure.meta["severity"]), failure.meta["message"]
        message = template.format_map(fields)
    except (KeyError, ValueError) as exc:
        raise ConfigurationError(
            f"expectations/{failure.table}.json: meta {dict(failure.meta)} needs rule, severity (error|warning) "
            f"and a message using only {sorted(fields)}: {exc!r}"
        ) from exc
    return Finding(
        sha256=form.sha256,
        rule=rule,
        severity=severity,
        message=message,
        criterion_code=code,
        lineage=lineage,
    )
