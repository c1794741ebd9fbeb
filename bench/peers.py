"""Peers on the same PDF forms: parindex's reader, plain pdfplumber defaults and camelot (lattice); accuracy and pages per second."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bench.corpus import PROGRAM, FormEntry, load_corpus
from schemas.vietnamese import fold, nfc

Table = Sequence[Sequence[str | None]]
PEERS = ("parindex", "pdfplumber", "camelot")
MAX_LISTED = 20  # forms listed one by one in a result (the layout variants), not the corpus's hundreds


def _points(text: str | None) -> Decimal | None:
    """A score cell as a plain reader would take it: "3,5" and "3.5" are 3.5, anything else is no number."""
    if not text:
        return None
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None


def _self_column(row: Sequence[str | None]) -> int | None:
    for index, cell in enumerate(row):
        words = fold(" ".join((cell or "").split()))
        if "tu danh gia" in words or "tu cham" in words:
            return index
    return None


def scores_from_tables(tables: Iterable[Table]) -> dict[str, Decimal | None]:
    """Score per criterion code read from raw tables: the self-score column is the one headed "tự đánh giá".

    The same rule for every peer: the code is the first cell, the column is found from its heading
    (a table continuing on the next page without a heading keeps the last column found).
    """
    scores: dict[str, Decimal | None] = {}
    column: int | None = None
    for table in tables:
        for row in table:
            heading = _self_column(row)
            if heading is not None:
                column = heading
                continue
            if column is None or not row or column >= len(row):
                continue
            code = nfc(" ".join((row[0] or "").split()))
            if code and code not in scores:
                scores[code] = _points(row[column])
    return scores


def _pdfplumber_tables(path: Path) -> list[Table]:
    import pdfplumber

    tables: list[Table] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            try:
                tables.extend(page.extract_tables())  # default settings: ruling lines in both directions
            finally:
                page.close()
    return tables


def _camelot_tables(path: Path) -> list[Table]:
    import camelot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no tables found" on pages without a table is a warning
        found = camelot.read_pdf(str(path), pages="all", flavor="lattice")
    return [table.df.values.tolist() for table in found]


def _parindex_scores(path: Path) -> dict[str, Decimal | None]:
    from extractors import extract_document
    from schemas.records import SelfAssessment

    result = extract_document(path.read_bytes(), path.name, program=PROGRAM)
    if not isinstance(result, SelfAssessment):
        return {}
    return {row.code: row.self_points for row in result.rows}


def reader(peer: str) -> Callable[[Path], dict[str, Decimal | None]]:
    """The function that reads one PDF form's scores the way `peer` would."""
    if peer == "parindex":
        return _parindex_scores
    if peer == "pdfplumber":
        return lambda path: scores_from_tables(_pdfplumber_tables(path))
    if peer == "camelot":
        return lambda path: scores_from_tables(_camelot_tables(path))
    raise ValueError(f"unknown peer {peer!r}: expected one of {', '.join(PEERS)}")


def build_variants(root: Path, only: Sequence[str] | None = None) -> Path:
    """The PDF layout variants of samples.variants (columns reordered, two-row headings, unruled, LibreOffice…)
    as a corpus folder: inbox/<variant>.pdf and a manifest of the self scores each prints. Written once.

    `only` names the variants to write (all PDF variants when None).
    """
    import json

    from bench.corpus import CORPUS_VERSION, MANIFEST
    from samples.variants import VARIANTS, build_variant
    from schemas.framework import framework_for
    from schemas.units import registry_for

    if (root / MANIFEST).is_file():
        return root
    framework, registry = framework_for(PROGRAM, 2019), registry_for(PROGRAM)
    forms = []
    for spec in VARIANTS:
        if spec.fmt != "pdf" or (only is not None and spec.name not in only):
            continue
        variant = build_variant(spec, framework, registry)
        path = root / "inbox" / f"{spec.name}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(variant.data)
        printed = {r.code: str(r.self_points) for r in variant.rows if r.self_points is not None and not r.not_applicable}
        forms.append({"path": path.name, "fmt": "pdf", "unit": variant.unit_code, "block": spec.block, "printed": printed})
    saved = {"version": CORPUS_VERSION, "submissions": len(forms), "files": len(forms), "forms": forms}
    (root / MANIFEST).write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
    return root


def pdf_forms(corpus: str, limit: int | None = None) -> list[FormEntry]:
    forms = [f for f in load_corpus(Path(corpus)).forms if f.fmt == "pdf"]
    return forms[:limit] if limit else forms


def page_count(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def peer_run(peer: str, corpus: str, limit: int | None = None) -> dict[str, Any]:
    """Read the corpus's PDF forms with `peer`: exact score cells against the printed ones, pages per second."""
    read = reader(peer)
    if peer == "camelot":
        import camelot  # noqa: F401 - imported before the clock, as for the others
    elif peer == "pdfplumber":
        import pdfplumber  # noqa: F401
    else:
        import extractors.extract  # noqa: F401
    forms = pdf_forms(corpus, limit)
    inbox = Path(corpus) / "inbox"
    pages = sum(page_count(inbox / f.path) for f in forms)
    cells = exact = 0
    by_form: dict[str, list[int]] = {}
    started = time.perf_counter()
    for form in forms:
        got = read(inbox / form.path)
        right = sum(1 for code, points in form.printed.items() if got.get(code) == Decimal(points))
        cells, exact = cells + len(form.printed), exact + right
        by_form[Path(form.path).stem] = [right, len(form.printed)]
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "peer": peer,
        "forms": len(forms),
        "pages": pages,
        "seconds": round(seconds, 3),
        "pages_per_second": round(pages / seconds, 2) if seconds else None,
        "cells": cells,
        "exact": exact,
    }
    if len(forms) <= MAX_LISTED:
        result["by_form"] = by_form
    return result
