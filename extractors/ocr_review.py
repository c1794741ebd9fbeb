"""Which OCR-read score rows a person must check: those read with a confidence below the review threshold."""

from __future__ import annotations

from schemas.records import ScoreRow

# Measured on generated scans (docs/OCR.md): every misread score cell came out below this.
DEFAULT_REVIEW_THRESHOLD = 80.0


def review_threshold(value: float | int | str | None = None) -> float:
    """A review threshold (0 to 100) from a setting; None gives the default. ValueError names a bad value."""
    if value is None:
        return DEFAULT_REVIEW_THRESHOLD
    try:
        threshold = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"OCR review threshold must be a number from 0 to 100, got {value!r}") from exc
    if not 0 <= threshold <= 100:
        raise ValueError(f"OCR review threshold must be from 0 to 100, got {threshold:g}")
    return threshold


def needs_review(row: ScoreRow, threshold: float = DEFAULT_REVIEW_THRESHOLD) -> bool:
    """Whether a row's scores were read by OCR too unsurely to be trusted without a person checking them.

    Rows of born-digital documents (no confidence) never need it; an OCR row does when the weakest
    of its code and score cells was read with a confidence below `threshold`.
    """
    return row.confidence is not None and row.confidence < threshold
