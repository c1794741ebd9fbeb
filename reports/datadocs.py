"""The GX Data Docs site of a validation run, built into a folder the caller chooses (GX is imported only here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from core.settings import DEFAULT_MIN_CONFIDENCE
from schemas.framework import Framework
from schemas.records import EvidenceLink, Finding, SelfAssessment
from schemas.units import UnitRegistry


def data_docs_index(out_dir: Path) -> Path:
    """The site's entry page inside `out_dir`."""
    return Path(out_dir) / "index.html"


def build_data_docs(
    forms: Sequence[SelfAssessment],
    framework: Framework,
    registry: UnitRegistry,
    out_dir: Path,
    *,
    received_at: Mapping[str, datetime] | None = None,
    links: Mapping[str, Sequence[EvidenceLink]] | None = None,
    documents: Mapping[str, str] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> tuple[Path, dict[str, list[Finding]]]:
    """Validate the batch with Data Docs written to `out_dir`; the site's index.html and the run's findings.

    Prefer passing `data_docs_dir` to the validation run the pipeline already makes (validate_batch): the
    site then shows that very run. This runs the same validation again for callers that only have forms.
    """
    from expectations.validate import validate_batch  # GX costs seconds to import: only here

    findings = validate_batch(
        forms,
        framework,
        registry,
        received_at,
        links=links,
        documents=documents,
        min_confidence=min_confidence,
        data_docs_dir=Path(out_dir),
    )
    return data_docs_index(out_dir), findings
