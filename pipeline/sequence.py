"""The ingest's step sequence, written once: list → new → read → validate → load, slice after slice.

The ingest flow runs each step as a Prefect task, the benchmark times each in its own process; both hand
their way of running a step to `run_ingest`, which alone decides the order and what is kept between slices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.memory import release_memory, set_aside_loaded
from pipeline.steps import NewDocuments, form_packages, package_slices
from schemas.records import DocumentOutcome, DocumentStatus, EvidenceDocument, EvidenceLink, Finding, InboxDocument

Findings = dict[str, list[Finding]]
Links = dict[str, list[EvidenceLink]]
StoredEvidence = dict[str, list[tuple[str, EvidenceDocument]]]


class IngestSteps:
    """How one ingest runs each step; `run_ingest` calls them in order. The hooks do nothing by default."""

    def find_new(self) -> NewDocuments:
        """The inbox's files the warehouse has not recorded."""
        raise NotImplementedError

    def read(self, documents: list[InboxDocument], after: Sequence[InboxDocument]) -> Callable[[], list[DocumentOutcome]]:
        """Start reading `documents` (`after`: those of the slices still to come); the callable returns their outcomes."""
        raise NotImplementedError

    def evidence_before(self, packages: list[str]) -> StoredEvidence:
        """The evidence earlier runs read for `packages`."""
        raise NotImplementedError

    def validate(self, outcomes: list[DocumentOutcome], earlier: StoredEvidence) -> tuple[Findings, Links]:
        """Findings and evidence links per form."""
        raise NotImplementedError

    def load(self, outcomes: list[DocumentOutcome], findings: Findings, links: Links) -> None:
        """Write the outcomes to the warehouse."""
        raise NotImplementedError

    def sliced(self, part: list[InboxDocument], outcomes: list[DocumentOutcome], findings: Findings) -> None:
        """A slice is loaded."""

    def released(self) -> None:
        """What a loaded slice left is released, before the next slice is validated."""


@dataclass
class IngestResult:
    """What one ingest did: files seen and unchanged, and each new file's status."""

    seen: int = 0
    unchanged: int = 0
    slices: int = 0
    forms: int = 0
    invalid_submissions: int = 0  # forms kept out of the ranking by an error
    statuses: Counter[str] = field(default_factory=Counter)
    rows: list[dict[str, str | None]] = field(default_factory=list)


def run_ingest(steps: IngestSteps, slice_documents: int) -> IngestResult:
    """Bring every new inbox file into the warehouse with a recorded status, through `steps`.

    New files are taken in slices of whole packages (`slice_documents` at most), each validated and loaded
    before the next; the next slice's reading starts before this one is validated, so a parallel reader goes
    on meanwhile and memory holds two slices' outcomes at most. Copies of content already read are recorded
    after the content they copy.
    """
    new = steps.find_new()
    if new.to_read:  # what is loaded by now is kept out of the collections reading sets off
        set_aside_loaded()
    result = IngestResult(seen=new.seen, unchanged=new.unchanged)
    slices = package_slices(new.to_read, slice_documents) or [[]]
    result.slices = len(slices)
    start = 0
    reading = steps.read(slices[0], new.to_read[len(slices[0]) :])
    for index, part in enumerate(slices):
        start += len(part)
        last = index == len(slices) - 1
        following = None if last else steps.read(slices[index + 1], new.to_read[start + len(slices[index + 1]) :])
        outcomes = in_order(reading(), part)
        if last:
            outcomes += [DocumentOutcome(document=d, status=DocumentStatus.DUPLICATE) for d in new.duplicates]
        forms = [o.form for o in outcomes if o.form is not None]
        findings, links = steps.validate(outcomes, steps.evidence_before(form_packages(outcomes))) if forms else ({}, {})
        if outcomes:
            steps.load(outcomes, findings, links)
        steps.sliced(part, outcomes, findings)
        result.statuses.update(o.status.value for o in outcomes)
        result.forms += len(forms)
        result.invalid_submissions += sum(1 for f in forms if any(x.severity == "error" for x in findings.get(f.sha256, [])))
        result.rows += [{"path": o.document.path, "status": o.status.value, "reason": o.reason, "message": o.message} for o in outcomes]
        del outcomes, forms, findings, links  # the slice's outcomes go before the next slice's arrive
        if following is not None:
            release_memory()
            steps.released()
            reading = following
    result.rows.sort(key=lambda row: row["path"] or "")
    return result


def in_order(outcomes: list[DocumentOutcome], documents: list[InboxDocument]) -> list[DocumentOutcome]:
    """The outcomes of `documents` in the documents' order, however they were read: a unit's versions load in the order received."""
    position = {document.path: index for index, document in enumerate(documents)}
    return sorted(outcomes, key=lambda outcome: position[outcome.document.path])
