"""The findings of a batch as units and the Office read them: per unit, per document, each with what is expected."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.settings import DEFAULT_MIN_CONFIDENCE
from expectations.rules import Rule, order, rule
from schemas.framework import Block, Framework
from schemas.records import Finding, SelfAssessment, Severity, path_in_package
from schemas.units import UnitRegistry
from schemas.vietnamese import format_points

SEVERITY_LABELS = {Severity.ERROR: "Lỗi", Severity.WARNING: "Lưu ý"}
GENERAL = "Chung"  # the criterion column of a finding about the whole form


@dataclass(frozen=True)
class FindingLine:
    """One finding as a letter lists it: where (criterion, page), what was found and what is expected."""

    rule: str
    severity: Severity
    title: str
    criterion_code: str | None
    criterion_name: str
    page: int | None
    found: str
    expected: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def where(self) -> str:
        return self.criterion_code or GENERAL


@dataclass(frozen=True)
class DocumentFeedback:
    """One form a unit sent, named as the unit knows it, with its findings in reading order."""

    sha256: str
    name: str
    findings: tuple[FindingLine, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)


@dataclass(frozen=True)
class UnitFeedback:
    """A unit's forms of the batch; the last one (latest received) is the one that counts."""

    unit_code: str
    unit_name: str
    block_id: str | None
    block_name: str
    documents: tuple[DocumentFeedback, ...]

    @property
    def current(self) -> DocumentFeedback:
        return self.documents[-1]

    @property
    def ready(self) -> bool:
        """Whether the unit's current form can be ranked: a registered unit and no error."""
        return self.block_id is not None and self.current.errors == 0

    @property
    def errors(self) -> int:
        return sum(d.errors for d in self.documents)

    @property
    def warnings(self) -> int:
        return sum(d.warnings for d in self.documents)


class _Blank(dict[str, Any]):
    """Template fields the finding's context cannot fill stay empty rather than failing a report."""

    def __missing__(self, key: str) -> str:
        return ""


def expected_text(entry: Rule, framework: Framework, block: Block | None, code: str | None, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> str:
    """What the unit is expected to do about one finding, with the criterion's maximum and step filled in."""
    criterion = block.criterion(code) if block is not None and code else None
    fields = _Blank(
        year=framework.year,
        block_name=block.name if block is not None else "",
        block_max=format_points(block.max_points) if block is not None else "",
        deadline=framework.deadline.strftime("%d/%m/%Y") if framework.deadline else "",
        min_confidence=format_points(min_confidence),
    )
    if criterion is not None:
        fields |= {"max": format_points(criterion.max_points), "step": format_points(criterion.step or framework.step)}
    return entry.expected.format_map(fields)


def finding_line(finding: Finding, framework: Framework, block: Block | None, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> FindingLine:
    entry = rule(finding.rule)
    code = finding.criterion_code
    criterion = block.criterion(code) if block is not None and code else None
    return FindingLine(
        rule=finding.rule,
        severity=Severity(finding.severity),
        title=entry.title,
        criterion_code=code,
        criterion_name=criterion.name if criterion is not None else "",
        page=finding.lineage.page if finding.lineage is not None else None,
        found=finding.message,
        expected=expected_text(entry, framework, block, code, min_confidence),
    )


def document_name(form: SelfAssessment, documents: Mapping[str, str]) -> str:
    """The form as its unit knows it: the file's name within its package (the package is the unit's own folder)."""
    if form.sha256 in documents:
        return path_in_package(documents[form.sha256])
    if form.document_number:
        return f"Báo cáo số {form.document_number}"
    return f"Tệp {form.sha256[:12]}"


def unit_feedback(
    forms: Sequence[SelfAssessment],
    findings: Mapping[str, Sequence[Finding]],
    framework: Framework,
    registry: UnitRegistry,
    *,
    documents: Mapping[str, str] | None = None,
    received_at: Mapping[str, datetime] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> list[UnitFeedback]:
    """Every unit with a form in the batch, in registry order (unknown units last), its forms oldest first.

    `findings` maps a form's sha256 to its findings (validate_batch's result, or the warehouse's open
    findings); `documents` names each form (its file in the inbox); `received_at` orders a unit's forms.
    """
    names = documents or {}
    unique: dict[str, SelfAssessment] = {}
    for form in forms:
        unique.setdefault(form.sha256, form)
    by_unit: dict[str, list[SelfAssessment]] = defaultdict(list)
    for form in unique.values():
        by_unit[form.unit_code].append(form)
    position = {unit.code: i for i, unit in enumerate(registry.units)}
    received = received_at or {}
    result: list[UnitFeedback] = []
    for unit_code in sorted(by_unit, key=lambda c: (position.get(c, len(position)), c)):
        unit_forms = by_unit[unit_code]
        # Python's sort is stable: without received times the batch order stands.
        unit_forms.sort(key=lambda f: received[f.sha256].timestamp() if f.sha256 in received else 0.0)
        try:
            unit = registry.get(unit_code)
            unit_name, block_id = unit.name, unit.block
        except KeyError:
            unit_name, block_id = unit_forms[0].unit_text or unit_code, None
        block = next((b for b in framework.blocks if b.id == block_id), None)
        documents_feedback = tuple(
            DocumentFeedback(
                sha256=form.sha256,
                name=document_name(form, names),
                findings=tuple(finding_line(f, framework, block, min_confidence) for f in sorted(findings.get(form.sha256, ()), key=order)),
            )
            for form in unit_forms
        )
        result.append(
            UnitFeedback(
                unit_code=unit_code,
                unit_name=unit_name,
                block_id=block_id if block is not None else None,
                block_name=block.name if block is not None else "",
                documents=documents_feedback,
            )
        )
    return result
