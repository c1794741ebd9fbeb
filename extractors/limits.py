"""How much one document or archive may cost to read: sizes, pages, seconds, members; checked on construction."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

MB = 1 << 20


def _check_positive(limits: ExtractionLimits | ArchiveLimits) -> None:
    """Every numeric limit must be positive (zero only where a field says it switches something off)."""
    for spec in fields(limits):
        value = getattr(limits, spec.name)
        zero_allowed = spec.metadata.get("zero_allowed", False)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or (value == 0 and not zero_allowed):
            raise ValueError(f"{type(limits).__name__}.{spec.name} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class ExtractionLimits:
    """Budgets of one document. pdfminer can loop on a hostile file: the wall clock is checked between pages, and
    a reader that outlives it or its memory is stopped from outside (pipeline/isolation.py)."""

    max_bytes: int = 50 * MB
    max_pages: int = 300
    max_seconds: float = 120.0  # per document, checked between pages; the reader is killed soon past it (pipeline.isolation)
    max_memory_mb: int = 2048  # what reading one document may allocate, beyond the reader's own code
    conversion_timeout: float = 60.0  # LibreOffice converting one legacy .doc
    # Uncompressed / compressed size of one part of a Word file (a zip), as ArchiveLimits.max_ratio.
    max_ratio: float = 200.0
    # A scan longer than this is not OCR'd; 0 turns OCR off.
    max_ocr_pages: int = field(default=40, metadata={"zero_allowed": True})
    # 1: a scanned evidence file is read whole by OCR, as a form is; 0 (default): the header of its first page.
    ocr_whole_evidence: int = field(default=0, metadata={"zero_allowed": True})

    def __post_init__(self) -> None:
        _check_positive(self)


@dataclass(frozen=True)
class ArchiveLimits:
    """Budgets of one submitted .zip, nested zips included: what a zip bomb or a stray backup would blow."""

    max_members: int = 500
    max_member_bytes: int = 50 * MB
    max_total_bytes: int = 200 * MB
    max_ratio: float = 200.0  # uncompressed / compressed size of one member; text compresses ~10x
    max_depth: int = 2  # a zip inside the package zip is depth 1

    def __post_init__(self) -> None:
        _check_positive(self)


DEFAULT_LIMITS = ExtractionLimits()
DEFAULT_ARCHIVE_LIMITS = ArchiveLimits()
