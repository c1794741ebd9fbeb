"""Extractors: document bytes in, typed records out (no Prefect, no database)."""

from __future__ import annotations

from extractors.archives import ArchiveMember, expand_archive
from extractors.detect import detect_kind
from extractors.docx_reader import read_docx
from extractors.evidence import evidence_document, link_evidence
from extractors.extract import extract_document, read_document
from extractors.interpret import interpret
from extractors.legacy import convert_doc_to_docx
from extractors.limits import ArchiveLimits, ExtractionLimits
from extractors.numbers import parse_points
from extractors.pdf_reader import read_pdf
from extractors.references import parse_references
from extractors.xlsx_reader import read_xlsx

__all__ = [
    "ArchiveLimits",
    "ArchiveMember",
    "ExtractionLimits",
    "convert_doc_to_docx",
    "detect_kind",
    "evidence_document",
    "expand_archive",
    "extract_document",
    "interpret",
    "link_evidence",
    "parse_points",
    "parse_references",
    "read_docx",
    "read_document",
    "read_pdf",
    "read_xlsx",
]
