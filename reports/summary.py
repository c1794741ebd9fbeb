"""The Office's summary of a data-quality run: findings per rule and per unit, which units are ready, with charts."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.atomic_files import write_atomically
from expectations.rules import RULES, rule
from reports.model import SEVERITY_LABELS, UnitFeedback
from reports.summary_charts import findings_chart, readiness_chart
from reports.templating import render
from schemas.framework import Framework
from schemas.records import Severity
from schemas.units import Unit, UnitRegistry


@dataclass(frozen=True)
class RuleCount:
    """How often one rule fired in the batch, and in how many units."""

    rule: str
    title: str
    severity: Severity
    findings: int
    units: int

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


@dataclass(frozen=True)
class BlockStatus:
    """A block's units: those that sent a form (with its status) and those that sent nothing yet."""

    block_id: str
    block_name: str
    units: tuple[UnitFeedback, ...]
    missing: tuple[Unit, ...]

    @property
    def ready(self) -> int:
        return sum(u.ready for u in self.units)


@dataclass(frozen=True)
class OfficeSummary:
    """Everything the summary page shows."""

    program_name: str
    agency: str
    year: int
    generated_on: date | None
    documents: int
    errors: int
    warnings: int
    rules: tuple[RuleCount, ...]
    blocks: tuple[BlockStatus, ...]
    unregistered: tuple[UnitFeedback, ...]  # forms from units the registry does not know

    @property
    def units(self) -> int:
        return sum(len(b.units) for b in self.blocks) + len(self.unregistered)

    @property
    def ready(self) -> int:
        return sum(b.ready for b in self.blocks)

    @property
    def missing(self) -> int:
        return sum(len(b.missing) for b in self.blocks)


def rule_counts(feedback: Sequence[UnitFeedback]) -> tuple[RuleCount, ...]:
    """Findings per rule over every form of the batch, in catalogue order (errors first)."""
    findings: dict[str, int] = {}
    units: dict[str, set[str]] = {}
    for unit in feedback:
        for document in unit.documents:
            for line in document.findings:
                findings[line.rule] = findings.get(line.rule, 0) + 1
                units.setdefault(line.rule, set()).add(unit.unit_code)
    known = [r for r in RULES if r in findings] + sorted(r for r in findings if r not in RULES)
    return tuple(RuleCount(rule=r, title=rule(r).title, severity=rule(r).severity, findings=findings[r], units=len(units[r])) for r in known)


def office_summary(feedback: Sequence[UnitFeedback], framework: Framework, registry: UnitRegistry, generated_on: date | None = None) -> OfficeSummary:
    """The summary of one batch's feedback against the registry: who is ready, who has errors, who sent nothing."""
    sent = {u.unit_code for u in feedback}
    blocks = tuple(
        BlockStatus(
            block_id=block.id,
            block_name=block.name,
            units=tuple(u for u in feedback if u.block_id == block.id),
            missing=tuple(u for u in registry.in_block(block.id) if u.code not in sent),
        )
        for block in framework.blocks
    )
    return OfficeSummary(
        program_name=framework.program_name,
        agency=framework.agency,
        year=framework.year,
        generated_on=generated_on,
        documents=sum(len(u.documents) for u in feedback),
        errors=sum(u.errors for u in feedback),
        warnings=sum(u.warnings for u in feedback),
        rules=rule_counts(feedback),
        blocks=blocks,
        unregistered=tuple(u for u in feedback if u.block_id is None),
    )


def summary_html(summary: OfficeSummary, data_docs_href: str | None = None) -> str:
    """The summary as one self-contained HTML page (lang="vi"), its charts inline SVG."""
    rules_svg = findings_chart(
        [f"{r.title} ({r.rule})" for r in summary.rules],
        [r.findings if r.severity is Severity.ERROR else 0 for r in summary.rules],
        [r.findings if r.severity is Severity.WARNING else 0 for r in summary.rules],
    )
    blocks_svg = readiness_chart(
        [b.block_name for b in summary.blocks],
        [b.ready for b in summary.blocks],
        [len(b.units) - b.ready for b in summary.blocks],
        [len(b.missing) for b in summary.blocks],
    )
    return render("summary.html.j2", summary=summary, rules_svg=rules_svg, blocks_svg=blocks_svg, data_docs_href=data_docs_href)


def summary_path(out_dir: Path, year: int) -> Path:
    return Path(out_dir) / f"tong-hop-kiem-tra-du-lieu-{year}.html"


def write_summary(
    feedback: Sequence[UnitFeedback],
    framework: Framework,
    registry: UnitRegistry,
    out_dir: Path,
    *,
    data_docs: Path | None = None,
    generated_on: date | None = None,
) -> Path:
    """Write ``tong-hop-kiem-tra-du-lieu-<year>.html`` under `out_dir`, linking the Data Docs index if given."""
    path = summary_path(out_dir, framework.year)
    href = Path(os.path.relpath(data_docs, path.parent)).as_posix() if data_docs is not None else None
    return write_atomically(path, summary_html(office_summary(feedback, framework, registry, generated_on), href).encode("utf-8"))
