"""The pipeline end to end through its plain step functions, one step timed at a time, as flows/ingest.py chains them."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.corpus import PROGRAM, YEAR, FormEntry, load_corpus
from schemas.records import DocumentOutcome


class Clock:
    """Wall and CPU seconds per named step, in the order the steps ran, and the process's memory at its end:
    resident (VmRSS) and the high-water mark so far (VmHWM), in MB, so that growth can be put on a step."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.memory: dict[str, dict[str, float]] = {}
        self.trace: list[tuple[str, float, float]] = []  # (step, VmRSS, VmHWM) at the end of every lap, slices apart
        self._last = time.perf_counter()
        self._last_cpu = time.process_time()

    def skip(self) -> None:
        """Leave the time since the last lap out of every step (the benchmark's own bookkeeping)."""
        self._last, self._last_cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.steps[name] = round(self.steps.get(name, 0.0) + now - self._last, 3)
        self.cpu[name] = round(self.cpu.get(name, 0.0) + cpu - self._last_cpu, 3)
        self.memory[name] = _memory_mb()
        self.trace.append((name, self.memory[name].get("vmrss", 0.0), self.memory[name].get("vmhwm", 0.0)))
        self._last, self._last_cpu = now, cpu


def _memory_mb() -> dict[str, float]:
    with open("/proc/self/status", encoding="ascii") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return {name.lower(): round(int(value.split()[0]) / 1024, 1) for name, value in fields.items()}


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


def pipeline_steps(inbox: str, db_url: str, corpus: str | None = None, rerun: bool = True, sent_before: str | None = None) -> dict[str, Any]:
    """Run discover → extract → validate → load → rank over `inbox` into the (fresh) warehouse at `db_url`.

    `sent_before`: an inbox an earlier run took in first, untimed (its result under "sent_before"), e.g. the
    evidence of the packages whose forms `inbox` holds: the forms then link to it as they do in production.

    Documents are read as the ingest flow reads them (parindex.pipeline.read_outcome): in a reader process
    with PARINDEX_ISOLATION=child (the default), in this process with `none`. CPU seconds count this
    process only, so they are comparable with the raw bound's under `none` alone.
    Heavy imports are timed apart ("imports"): every process pays them once whatever N is. With
    `rerun`, the unchanged inbox is ingested a second time, as the nightly run does when nothing came.
    """
    started = time.perf_counter()
    import extractors.extract  # noqa: F401 - pandas, pdfplumber and python-docx load here, not inside a step
    from expectations.validate import load_great_expectations
    from parindex import pipeline
    from parindex.memory import release_memory
    from parindex.settings import Settings
    from parindex.sources import fingerprint, open_source, read_file, scan_with_archives
    from schemas.framework import framework_for
    from schemas.records import DocumentStatus
    from schemas.units import registry_for
    from warehouse import load
    from warehouse.db import make_engine
    from warehouse.evidence import stored_evidence
    from warehouse.lock import warehouse_lock

    # validate_outcomes loads GX lazily, once per process whatever N is (and sets what is loaded aside).
    load_great_expectations()
    imports = round(time.perf_counter() - started, 3)
    first_run = pipeline_steps(sent_before, db_url, rerun=False) if sent_before is not None else None
    source = open_source(inbox)
    clock = Clock()
    engine = make_engine(db_url, auto_migrate=True)
    clock.lap("migrate")

    known = load.known_files(engine)
    documents, _ = fingerprint(source, scan_with_archives(source), known)
    clock.lap("discover")
    pairs, shas = load.known_documents(engine, documents), load.known_contents(engine, (d.sha256 for d in documents))
    to_read, duplicates = pipeline.split_new(documents, pairs, shas)
    clock.lap("known")
    by_kind: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    statuses: Counter[str] = Counter()
    forms_by_kind: Counter[str] = Counter()
    accuracy: dict[str, Counter[str]] = defaultdict(Counter)
    manifest = {f.path: f for f in load_corpus(Path(corpus)).forms} if corpus is not None else None
    forms_read = invalid = 0
    # As the ingest flow: slices of whole packages ($PARINDEX_SLICE_DOCUMENTS), each read, validated and loaded.
    slices = pipeline.package_slices(to_read, Settings().slice_documents) or [[]]
    for index, part in enumerate(slices):
        outcomes = []
        for document in part:
            wall, cpu = time.perf_counter(), time.process_time()
            outcome = pipeline.read_outcome(document, read_file(source, document.path), PROGRAM)  # as $PARINDEX_ISOLATION says
            tally = by_kind[f"{'form' if outcome.form is not None else outcome.status.value} {document.name.rsplit('.', 1)[-1].lower()}"]
            tally[0], tally[1], tally[2] = tally[0] + 1, tally[1] + time.perf_counter() - wall, tally[2] + time.process_time() - cpu
            outcomes.append(outcome)
        if index == len(slices) - 1:
            outcomes += [DocumentOutcome(document=d, status=DocumentStatus.DUPLICATE) for d in duplicates]
        clock.lap("extract")
        forms = [o.form for o in outcomes if o.form is not None]
        if forms:
            earlier = stored_evidence(engine, pipeline.form_packages(outcomes))
            findings, links = pipeline.validate_outcomes(outcomes, PROGRAM, stored_evidence=earlier)
        else:
            findings, links = {}, {}
        clock.lap("validate")
        with warehouse_lock(engine, "ingest"):
            load.load_outcomes(engine, outcomes, findings, registry_for(PROGRAM), lambda year: framework_for(PROGRAM, year), links)
        clock.lap("load")
        statuses.update(o.status.value for o in outcomes)
        forms_by_kind.update(o.kind.value for o in outcomes if o.form is not None and o.kind is not None)
        forms_read += len(forms)
        invalid += sum(1 for f in forms if any(x.severity == "error" for x in findings.get(f.sha256, [])))
        if manifest is not None:
            paths = {d.path for d in part}
            for fmt, counts in score_accuracy(outcomes, {p: f for p, f in manifest.items() if p in paths}).items():
                accuracy[fmt].update(counts)
        clock.skip()
        del outcomes, forms, findings, links
        if index < len(slices) - 1:
            release_memory()  # as the ingest flow does between slices
        clock.lap("release")
    ranking = pipeline.ranking_from_warehouse(engine, PROGRAM, YEAR)
    clock.lap("rank")
    result: dict[str, Any] = {
        "imports": imports,
        "steps": clock.steps,
        "seconds": round(sum(v for k, v in clock.steps.items() if k != "migrate"), 3),
        "cpu": round(sum(v for k, v in clock.cpu.items() if k != "migrate"), 3),
        "steps_cpu": clock.cpu,
        "steps_memory": clock.memory,
        "memory_trace": clock.trace,
        "slices": len(slices),
        "files": len(documents),
        "statuses": dict(statuses),
        "forms": forms_read,
        "extract_by_kind": {kind: {"files": n, "seconds": round(w, 3), "cpu": round(c, 3)} for kind, (n, w, c) in sorted(by_kind.items())},
        "forms_by_kind": dict(forms_by_kind),
        "invalid": invalid,
        "ranked": len(ranking),
    }
    if first_run is not None:
        result["sent_before"] = {key: first_run[key] for key in ("seconds", "files", "statuses")}
    if manifest is not None:
        result["accuracy"] = {fmt: dict(counts) for fmt, counts in sorted(accuracy.items())}
    if rerun:
        begun = time.perf_counter()
        again, untouched = fingerprint(source, scan_with_archives(source), load.known_files(engine))
        pairs = load.known_documents(engine, again) if again else set()
        fresh, _ = pipeline.split_new(again, pairs, load.known_contents(engine, (d.sha256 for d in again)))
        result["rerun"] = {"seconds": round(time.perf_counter() - begun, 3), "unchanged": untouched, "new": len(fresh)}
    engine.dispose()
    return result
