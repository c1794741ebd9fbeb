"""The pipeline end to end through its plain step functions, one step timed at a time, as flows/ingest.py chains them."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.corpus import PROGRAM, YEAR, FormEntry, load_corpus
from schemas.records import DocumentOutcome


class Clock:
    """Seconds per named step, in the order the steps ran."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(self.steps.get(name, 0.0) + now - self._last, 3)
        self._last = now


def score_accuracy(outcomes: Iterable[DocumentOutcome], forms: Mapping[str, FormEntry]) -> dict[str, Any]:
    """Share of printed score cells the pipeline read exactly, per form format; forms not read count as misses."""
    read = {o.document.path: o.form for o in outcomes if o.form is not None}
    cells: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    units_right: Counter[str] = Counter()
    for path, entry in forms.items():
        form = read.get(path)
        got = {row.code: row.self_points for row in form.rows} if form is not None else {}
        cells[entry.fmt] += len(entry.printed)
        exact[entry.fmt] += sum(1 for code, points in entry.printed.items() if got.get(code) == Decimal(points))
        units_right[entry.fmt] += form is not None and form.unit_code == entry.unit
    return {
        fmt: {"forms": sum(1 for e in forms.values() if e.fmt == fmt), "units_right": units_right[fmt], "cells": cells[fmt], "exact": exact[fmt]}
        for fmt in sorted(cells)
    }


def pipeline_steps(inbox: str, db_url: str, corpus: str | None = None, rerun: bool = True) -> dict[str, Any]:
    """Run discover → extract → validate → load → rank over `inbox` into the (fresh) warehouse at `db_url`.

    Heavy imports are timed apart ("imports"): every process pays them once whatever N is. With
    `rerun`, the unchanged inbox is ingested a second time, as the nightly run does when nothing came.
    """
    started = time.perf_counter()
    import expectations.validate  # noqa: F401 - pandas, pdfplumber and python-docx load here, not inside a step
    import extractors  # noqa: F401
    import great_expectations  # noqa: F401 - validate_forms imports it lazily: once per process, whatever N is
    from parindex import pipeline
    from parindex.sources import fingerprint, open_source
    from schemas.framework import framework_for
    from schemas.records import DocumentStatus
    from schemas.units import registry_for
    from warehouse import load
    from warehouse.db import make_engine
    from warehouse.lock import warehouse_lock

    imports = round(time.perf_counter() - started, 3)
    source = open_source(inbox)
    clock = Clock()
    engine = make_engine(db_url, auto_migrate=True)
    clock.lap("migrate")

    known = load.known_files(engine)
    documents, _ = fingerprint(source, source.scan(), known)
    clock.lap("discover")
    pairs, shas = load.known_documents(engine, documents), load.known_contents(engine, (d.sha256 for d in documents))
    to_read, duplicates = pipeline.split_new(documents, pairs, shas)
    clock.lap("known")
    outcomes = [pipeline.extract_outcome(d, source.read(d.path), PROGRAM) for d in to_read]
    outcomes += [DocumentOutcome(document=d, status=DocumentStatus.DUPLICATE) for d in duplicates]
    clock.lap("extract")
    forms = [o.form for o in outcomes if o.form is not None]
    findings = pipeline.validate_forms(forms, PROGRAM) if forms else {}
    clock.lap("validate")
    with warehouse_lock(engine, "ingest"):
        load.load_outcomes(engine, outcomes, findings, registry_for(PROGRAM), lambda year: framework_for(PROGRAM, year))
    clock.lap("load")
    ranking = pipeline.ranking_from_warehouse(engine, PROGRAM, YEAR)
    clock.lap("rank")
    result: dict[str, Any] = {
        "imports": imports,
        "steps": clock.steps,
        "seconds": round(sum(v for k, v in clock.steps.items() if k != "migrate"), 3),
        "files": len(documents),
        "statuses": dict(Counter(o.status.value for o in outcomes)),
        "forms": len(forms),
        "forms_by_kind": dict(Counter(o.kind.value for o in outcomes if o.form is not None and o.kind is not None)),
        "invalid": sum(1 for f in forms if any(x.severity == "error" for x in findings.get(f.sha256, []))),
        "ranked": len(ranking),
    }
    if corpus is not None:
        result["accuracy"] = score_accuracy(outcomes, {f.path: f for f in load_corpus(Path(corpus)).forms})
    del outcomes, forms, findings
    if rerun:
        begun = time.perf_counter()
        again, untouched = fingerprint(source, source.scan(), load.known_files(engine))
        pairs = load.known_documents(engine, again) if again else set()
        fresh, _ = pipeline.split_new(again, pairs, load.known_contents(engine, (d.sha256 for d in again)))
        result["rerun"] = {"seconds": round(time.perf_counter() - begun, 3), "unchanged": untouched, "new": len(fresh)}
    engine.dispose()
    return result
