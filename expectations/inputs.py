"""What validation needs from an ingest run besides the forms: each form's file name and its evidence links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from schemas.records import DocumentOutcome, EvidenceDocument, EvidenceLink


@dataclass(frozen=True)
class PackageInputs:
    """Per form sha256: the inbox path that names it to the unit, and its citations linked to its package."""

    documents: dict[str, str] = field(default_factory=dict)
    links: dict[str, list[EvidenceLink]] = field(default_factory=dict)


def package_inputs(outcomes: Sequence[DocumentOutcome], extra_evidence: dict[str, list[EvidenceDocument]] | None = None) -> PackageInputs:
    """Name every form of `outcomes` and link its citations to the evidence files of the same package.

    `extra_evidence` adds, per package, evidence files read in earlier runs (a unit that resends only its
    form keeps the evidence it sent before).
    """
    from extractors.evidence import link_evidence  # pdfplumber and python-docx load only where documents are read

    evidence: dict[str, list[EvidenceDocument]] = defaultdict(list)
    for package, docs in (extra_evidence or {}).items():
        evidence[package].extend(docs)
    for outcome in outcomes:
        if outcome.evidence is not None:
            evidence[outcome.document.package].append(outcome.evidence)
    inputs = PackageInputs()
    for outcome in outcomes:
        if outcome.form is not None:
            inputs.documents[outcome.form.sha256] = outcome.document.path
            inputs.links[outcome.form.sha256] = link_evidence(outcome.form, evidence.get(outcome.document.package, []))
    return inputs
