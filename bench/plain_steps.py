"""The pipeline end to end through its plain step functions in this process, each step timed, in the ingest flow's sequence."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.corpus import PROGRAM, YEAR, FormEntry, load_corpus
from core.settings import Settings
from pipeline import steps
from pipeline.sequence import Findings, IngestSteps, Links, StoredEvidence, run_ingest
from pipeline.steps import NewDocuments
from schemas.framework import framework_for
from schemas.records import DocumentOutcome, InboxDocument
from schemas.units import registry_for


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


class _TimedSteps(IngestSteps):
    """The ingest's steps called in this process, each timed on `clock`, every document read as the flow reads it."""

    def __init__(self, inbox: str, engine: Engine, clock: Clock, manifest: Mapping[str, FormEntry] | None) -> None:
        from pipeline.sources import open_source

        self.source, self.engine, self.clock, self.manifest = open_source(inbox), engine, clock, manifest
        self.by_kind: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self.forms_by_kind: Counter[str] = Counter()
        self.accuracy: dict[str, Counter[str]] = defaultdict(Counter)
        self.files = 0

    def find_new(self) -> NewDocuments:
        new = steps.new_documents(self.source, self.engine)
        self.files = new.seen
        self.clock.lap("discover")
        return new

    def read(self, documents: list[InboxDocument], after: Sequence[InboxDocument]) -> Callable[[], list[DocumentOutcome]]:
        return lambda: self._read(documents)

    def _read(self, documents: list[InboxDocument]) -> list[DocumentOutcome]:
        from pipeline.sources import read_file

        outcomes = []
        for document in documents:
            wall, cpu = time.perf_counter(), time.process_time()
            outcome = steps.read_outcome(document, read_file(self.source, document.path), PROGRAM)  # as $PARINDEX_ISOLATION says
            tally = self.by_kind[f"{'form' if outcome.form is not None else outcome.status.value} {document.name.rsplit('.', 1)[-1].lower()}"]
            tally[0], tally[1], tally[2] = tally[0] + 1, tally[1] + time.perf_counter() - wall, tally[2] + time.process_time() - cpu
            outcomes.append(outcome)
        self.clock.lap("extract")
        return outcomes

    def evidence_before(self, packages: list[str]) -> StoredEvidence:
        from warehouse.evidence_store import stored_evidence

        return stored_evidence(self.engine, packages)

    def validate(self, outcomes: list[DocumentOutcome], earlier: StoredEvidence) -> tuple[Findings, Links]:
        validated = steps.validate_outcomes(outcomes, PROGRAM, stored_evidence=earlier)
        self.clock.lap("validate")
        return validated

    def load(self, outcomes: list[DocumentOutcome], findings: Findings, links: Links) -> None:
        from warehouse.load import load_outcomes
        from warehouse.lock import warehouse_lock

        with warehouse_lock(self.engine, "ingest"):
            load_outcomes(self.engine, outcomes, findings, registry_for(PROGRAM), lambda year: framework_for(PROGRAM, year), links)
        self.clock.lap("load")

    def sliced(self, part: list[InboxDocument], outcomes: list[DocumentOutcome], findings: Findings) -> None:
        self.forms_by_kind.update(o.kind.value for o in outcomes if o.form is not None and o.kind is not None)
        if self.manifest is not None:
            paths = {d.path for d in part}
            for fmt, counts in score_accuracy(outcomes, {p: f for p, f in self.manifest.items() if p in paths}).items():
                self.accuracy[fmt].update(counts)
        self.clock.skip()

    def released(self) -> None:
        self.clock.lap("release")


def pipeline_steps(inbox: str, db_url: str, corpus: str | None = None, rerun: bool = True, sent_before: str | None = None) -> dict[str, Any]:
    """Run discover → extract → validate → load → rank over `inbox` into the (fresh) warehouse at `db_url`,
    through the ingest's step sequence (pipeline.sequence.run_ingest), each step timed.

    `sent_before`: an inbox an earlier run took in first, untimed (its result under "sent_before"), e.g. the
    evidence of the packages whose forms `inbox` holds: the forms then link to it as they do in production.

    Documents are read as the ingest flow reads them (pipeline.steps.read_outcome): in a reader process
    with PARINDEX_ISOLATION=child (the default), in this process with `none`. CPU seconds count this
    process only, so they are comparable with the raw bound's under `none` alone.
    Heavy imports are timed apart ("imports"): every process pays them once whatever N is. With
    `rerun`, the unchanged inbox is ingested a second time, as the nightly run does when nothing came.
    """
    started = time.perf_counter()
    import extractors.extract  # noqa: F401 - pandas, pdfplumber and python-docx load here, not inside a step
    from expectations.validate import load_great_expectations
    from warehouse.db import make_engine

    load_great_expectations()  # once per process whatever N is
    imports = round(time.perf_counter() - started, 3)
    first_run = pipeline_steps(sent_before, db_url, rerun=False) if sent_before is not None else None
    clock = Clock()
    engine = make_engine(db_url, auto_migrate=True)
    clock.lap("migrate")
    manifest = {f.path: f for f in load_corpus(Path(corpus)).forms} if corpus is not None else None
    timed = _TimedSteps(inbox, engine, clock, manifest)
    done = run_ingest(timed, Settings().slice_documents)
    ranking = steps.ranking_from_warehouse(engine, PROGRAM, YEAR)
    clock.lap("rank")
    result: dict[str, Any] = {
        "imports": imports,
        "steps": clock.steps,
        "seconds": round(sum(v for k, v in clock.steps.items() if k != "migrate"), 3),
        "cpu": round(sum(v for k, v in clock.cpu.items() if k != "migrate"), 3),
        "steps_cpu": clock.cpu,
        "steps_memory": clock.memory,
        "memory_trace": clock.trace,
        "slices": done.slices,
        "files": timed.files,
        "statuses": dict(done.statuses),
        "forms": done.forms,
        "extract_by_kind": {kind: {"files": n, "seconds": round(w, 3), "cpu": round(c, 3)} for kind, (n, w, c) in sorted(timed.by_kind.items())},
        "forms_by_kind": dict(timed.forms_by_kind),
        "invalid": done.invalid_submissions,
        "ranked": len(ranking),
    }
    if first_run is not None:
        result["sent_before"] = {key: first_run[key] for key in ("seconds", "files", "statuses")}
    if manifest is not None:
        result["accuracy"] = {fmt: dict(counts) for fmt, counts in sorted(timed.accuracy.items())}
    if rerun:
        begun = time.perf_counter()
        again = steps.new_documents(timed.source, engine)
        result["rerun"] = {"seconds": round(time.perf_counter() - begun, 3), "unchanged": again.unchanged, "new": len(again.to_read)}
    engine.dispose()
    return result
