"""Extractors: document bytes in, typed records out (no Prefect, no database).

The names below load with their module on first use (PEP 562): a run that only lists its inbox (a night
with nothing new) needs the archive reader, not pdfplumber and python-docx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Named like its module, so imported now: the module's first import would otherwise bind the package's
# `interpret` to the module instead of the function (light: no PDF or Word library).
from extractors.interpret import interpret

if TYPE_CHECKING:
    from extractors.archives import ArchiveMember, expand_archive
    from extractors.detect import detect_kind
    from extractors.docx_reader import read_docx
    from extractors.evidence import evidence_document, link_evidence
    from extractors.extract import extract_document, read_document
    from extractors.legacy import convert_doc_to_docx
    from extractors.limits import ArchiveLimits, ExtractionLimits
    from extractors.numbers import parse_points
    from extractors.pdf_reader import read_pdf
    from extractors.references import parse_references
    from extractors.xlsx_reader import read_xlsx

_HOME = {
    "ArchiveLimits": "limits",
    "ArchiveMember": "archives",
    "ExtractionLimits": "limits",
    "convert_doc_to_docx": "legacy",
    "detect_kind": "detect",
    "evidence_document": "evidence",
    "expand_archive": "archives",
    "extract_document": "extract",
    "link_evidence": "evidence",
    "parse_points": "numbers",
    "parse_references": "references",
    "read_docx": "docx_reader",
    "read_document": "extract",
    "read_pdf": "pdf_reader",
    "read_xlsx": "xlsx_reader",
}
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


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'extractors' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"extractors.{home}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
