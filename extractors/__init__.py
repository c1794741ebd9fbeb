"""Extractors: document bytes in, typed records out (no Prefect, no database)."""

from __future__ import annotations

from extractors.detect import detect_kind
from extractors.docx_reader import read_docx
from extractors.extract import extract_document
from extractors.interpret import interpret
from extractors.numbers import parse_points
from extractors.pdf_reader import read_pdf

__all__ = ["detect_kind", "extract_document", "interpret", "parse_points", "read_docx", "read_pdf"]
