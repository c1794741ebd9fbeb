"""The OCR entry point extract.py looks up: importable only where Tesseract and its Vietnamese model are installed."""

from __future__ import annotations

from extractors.ocr_engine import INSTALL_HINT, ocr_available

if not ocr_available():
    # extract.scanned_pdf_reader() takes an ImportError to mean "no OCR engine here" and rejects scans clearly.
    raise ImportError(f"OCR is not available: {INSTALL_HINT}")

from extractors.ocr_reader import read_scanned_head, read_scanned_pdf  # noqa: E402
from extractors.ocr_review import DEFAULT_REVIEW_THRESHOLD, needs_review, review_threshold  # noqa: E402

__all__ = ["DEFAULT_REVIEW_THRESHOLD", "needs_review", "read_scanned_head", "read_scanned_pdf", "review_threshold"]
