"""Every file of the shared corpus (../shared/corpus) through extract_document: no crash, no hang, a stable outcome.

The outcome of each file (what it was read as and its key numbers, or the exact reason it was refused)
is pinned in tests/golden/corpus/outcomes.json; PARINDEX_REGEN_GOLDEN=1 rewrites it. OCR is turned off
here so the outcomes do not depend on the OCR engine being installed (its own tests cover scans).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from core.errors import DocumentError
from extractors import ExtractionLimits, evidence_document, extract_document, read_document
from extractors.pdf_text import read_pdf_lines
from schemas.records import EvidenceDocument, SelfAssessment
from tests.conftest import CORPUS

GOLDEN = Path(__file__).parent / "golden" / "corpus" / "outcomes.json"
REGENERATE = os.environ.get("PARINDEX_REGEN_GOLDEN") == "1"
LIMITS = ExtractionLimits(max_seconds=60.0, max_ocr_pages=0)  # generous: CI machines are shared
HANG = 60.0  # seconds: past this a document is hanging, whatever its limits say
SUFFIXES = {".pdf", ".docx", ".doc", ".zip"}
FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.suffix.lower() in SUFFIXES) if CORPUS.is_dir() else []


def outcome(data: bytes, name: str) -> dict[str, object]:
    """What extraction made of one file, as plain data: the kind of result and its key numbers, or the reason."""
    try:
        result = extract_document(data, name, limits=LIMITS)
    except DocumentError as exc:
        return {"result": "rejected", "reason": exc.reason.value, "message": exc.message}
    if isinstance(result, SelfAssessment):
        return {
            "result": "self_assessment",
            "unit": result.unit_code,
            "year": result.year,
            "rows": len(result.rows),
            "stated_total": None if result.stated_total is None else str(result.stated_total),
        }
    assert isinstance(result, EvidenceDocument)
    return {
        "result": "evidence",
        "kind": result.kind.value,
        "pages": result.pages,
        "text_layer": result.text_layer.value,
        "text_lines": len(result.text.splitlines()),
        "document_number": result.document_number,
        "document_date": None if result.document_date is None else result.document_date.isoformat(),
        "references": [ref.number for ref in result.references],
    }


def _within(seconds: float, data: bytes, name: str) -> tuple[dict[str, object], float]:
    """The outcome, computed in a daemon thread so that a hang fails the test instead of blocking the run."""
    box: dict[str, dict[str, object] | BaseException] = {}

    def run() -> None:
        try:
            box["outcome"] = outcome(data, name)
        except BaseException as exc:  # a crash is reported as such below
            box["crash"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    elapsed = time.monotonic() - started
    if worker.is_alive():
        pytest.fail(f"{name}: still extracting after {seconds:g} s")
    if "crash" in box:
        crash = box["crash"]
        assert isinstance(crash, BaseException)
        raise AssertionError(f"{name}: extract_document crashed instead of raising DocumentError") from crash
    result = box["outcome"]
    assert isinstance(result, dict)
    return result, elapsed


def _pinned() -> dict[str, dict[str, object]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}


def test_the_pinned_outcomes_name_every_corpus_file(corpus: Path) -> None:
    assert FILES, f"no documents under {corpus}"
    if REGENERATE:  # files gone from the corpus leave the golden file
        GOLDEN.write_text(_dumps({name: got for name, got in _pinned().items() if name in FILES}), encoding="utf-8")
    assert sorted(_pinned()) == FILES, "the corpus changed: files added or removed (PARINDEX_REGEN_GOLDEN=1 rewrites the outcomes)"


@pytest.mark.parametrize("name", FILES or [pytest.param("", marks=pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}"))])
def test_each_corpus_file_has_its_pinned_outcome(corpus: Path, name: str) -> None:
    got, elapsed = _within(HANG, (corpus / name).read_bytes(), name)
    assert elapsed <= LIMITS.max_seconds + 10, f"{name}: {elapsed:.0f} s, over the per-document time limit"
    if REGENERATE:
        GOLDEN.write_text(_dumps({**_pinned(), name: got}), encoding="utf-8")
    pinned = _pinned()
    assert name in pinned, f"{name}: no pinned outcome (PARINDEX_REGEN_GOLDEN=1 writes it)"
    assert got == pinned[name], f"{name}: differs from tests/golden/corpus/outcomes.json"


def _dumps(outcomes: dict[str, dict[str, object]]) -> str:
    return json.dumps(outcomes, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


PDFS = [name for name in FILES if name.endswith(".pdf")]
# Read by their text, though the full reader refuses them: why that is right.
READ_BY_TEXT_ONLY = {
    "pdf_hostile/bad-color-space-crashes-pdfminer.pdf": "pdfminer fails on a colour space its pages do not need for text; pdfium reads the text",
}


def _facts(doc: EvidenceDocument) -> tuple[object, ...]:
    """What evidence is used for: its own number and date, and the numbers it cites (links are made of these)."""
    return doc.document_number, doc.document_date, sorted(ref.number for ref in doc.references), doc.kind, doc.pages, doc.text_layer


@pytest.mark.parametrize("name", PDFS or [pytest.param("", marks=pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}"))])
def test_evidence_read_by_its_text_has_the_facts_of_the_full_reading(corpus: Path, name: str) -> None:
    """Where pypdfium2's text is trusted, the evidence it gives is what pdfplumber's whole reading gives, so
    the links (found / mentioned / missing) are the same both ways."""
    data = (corpus / name).read_bytes()
    text = read_pdf_lines(data, "0" * 64, LIMITS)
    if text is None:
        return  # the full reader reads it: its outcome is pinned above
    try:
        full = read_document(data, "0" * 64, LIMITS)
    except DocumentError as exc:
        assert name in READ_BY_TEXT_ONLY, f"{name}: read by its text, refused by the full reader ({exc.message})"
        return
    assert name not in READ_BY_TEXT_ONLY, f"{name}: the full reader reads it now"
    assert _facts(evidence_document(text)) == _facts(evidence_document(full))


def test_the_corpus_has_evidence_read_by_its_text(corpus: Path) -> None:
    """The comparison above compares something: born-digital PDFs of the corpus are read by their text."""
    read = [name for name in PDFS if read_pdf_lines((corpus / name).read_bytes(), "0" * 64, LIMITS) is not None]
    assert "pdf_vi/udhr-vietnamese-serif12.pdf" in read and "pdf_tables/ca-warn-report-16p-ruled-multipage.pdf" in read
    assert len(read) >= len(PDFS) // 2
