"""Reports of a data-quality run: a letter to each unit, the Office's summary, GX Data Docs, Prefect artifact content.

Importing this package does not import Great Expectations; only building Data Docs without a site does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from core.settings import DEFAULT_MIN_CONFIDENCE
from reports.artifacts import quality_markdown, quality_table
from reports.letters import write_letters
from reports.model import UnitFeedback, unit_feedback
from reports.summary import write_summary
from schemas.framework import Framework
from schemas.records import EvidenceLink, Finding, SelfAssessment
from schemas.units import UnitRegistry

LETTERS_DIR = "thu-phan-hoi"
DATA_DOCS_DIR = "data-docs"


@dataclass(frozen=True)
class ReportPaths:
    """Where a run's reports were written."""

    letters: list[Path]  # DOCX and HTML, one pair per unit
    summary: Path
    data_docs: Path | None  # the Data Docs index.html


def build_reports(
    forms: Sequence[SelfAssessment],
    findings: Mapping[str, Sequence[Finding]],
    framework: Framework,
    registry: UnitRegistry,
    out_dir: Path,
    *,
    documents: Mapping[str, str] | None = None,
    received_at: Mapping[str, datetime] | None = None,
    links: Mapping[str, Sequence[EvidenceLink]] | None = None,
    data_docs: Path | None = None,
    build_data_docs: bool = True,
    signed_on: date | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    signer: str = "",
) -> ReportPaths:
    """Letters under ``<out_dir>/thu-phan-hoi/``, the summary and (unless given or switched off) Data Docs.

    `data_docs` is the index.html of the site the validation run already built (validate_batch's
    data_docs_dir); without it, and with `build_data_docs`, the batch is validated again into
    ``<out_dir>/data-docs/``. The letters and the summary always show `findings` as given.
    """
    out_dir = Path(out_dir)
    if data_docs is None and build_data_docs:
        from reports.datadocs import build_data_docs as build_site

        data_docs, _ = build_site(
            forms,
            framework,
            registry,
            out_dir / DATA_DOCS_DIR,
            received_at=received_at,
            links=links,
            documents=documents,
            min_confidence=min_confidence,
        )
    feedback = unit_feedback(forms, findings, framework, registry, documents=documents, received_at=received_at, min_confidence=min_confidence)
    letters = write_letters(feedback, framework, out_dir / LETTERS_DIR, signed_on=signed_on, signer=signer)
    summary = write_summary(feedback, framework, registry, out_dir, data_docs=data_docs, generated_on=signed_on)
    return ReportPaths(letters=letters, summary=summary, data_docs=data_docs)


__all__ = [
    "ReportPaths",
    "UnitFeedback",
    "build_reports",
    "quality_markdown",
    "quality_table",
    "unit_feedback",
    "write_letters",
    "write_summary",
]
