"""A data-quality run as Prefect artifact content (plain data): a markdown report and a table of findings."""

from __future__ import annotations

from collections.abc import Sequence

from reports.model import UnitFeedback
from reports.summary import office_summary
from schemas.framework import Framework
from schemas.units import UnitRegistry

TABLE_LIMIT = 1000  # rows: a table artifact is for browsing, the letters and the warehouse hold everything


def quality_markdown(feedback: Sequence[UnitFeedback], framework: Framework, registry: UnitRegistry, links: Sequence[tuple[str, str]] = ()) -> str:
    """The run in a few lines: counts, units kept out of the ranking, findings per rule; `links` are (label, url)."""
    summary = office_summary(feedback, framework, registry)
    lines = [
        f"# Data quality {framework.program}-{framework.year}",
        "",
        f"- forms checked: {summary.documents}",
        f"- units ready to be ranked: {summary.ready} of {summary.units}",
        f"- errors: {summary.errors}, warnings: {summary.warnings}",
        f"- units that sent nothing yet: {summary.missing}",
    ]
    blocked = [u for u in feedback if not u.ready]
    if blocked:
        lines += ["", "## Kept out of the ranking", ""]
        lines += [f"- {u.unit_name} (`{u.unit_code}`): {u.current.errors} errors" for u in blocked]
    if summary.rules:
        lines += ["", "## Findings per rule", "", "| rule | severity | findings | units |", "|---|---|---:|---:|"]
        lines += [f"| `{r.rule}` {r.title} | {r.severity.value} | {r.findings} | {r.units} |" for r in summary.rules]
    if links:
        lines += ["", "## Reports", ""] + [f"- [{label}]({url})" for label, url in links]
    return "\n".join(lines) + "\n"


def quality_table(feedback: Sequence[UnitFeedback], limit: int = TABLE_LIMIT) -> list[dict[str, str | int | None]]:
    """One row per finding (errors first, then by unit), at most `limit` rows, for create_table_artifact."""
    rows = [
        {
            "unit": unit.unit_code,
            "document": document.name,
            "severity": line.severity.value,
            "rule": line.rule,
            "criterion": line.criterion_code,
            "page": line.page,
            "message": line.found,
        }
        for unit in feedback
        for document in unit.documents
        for line in document.findings
    ]
    rows.sort(key=lambda r: r["severity"] != "error")  # stable: unit order kept within each severity
    return rows[:limit]
