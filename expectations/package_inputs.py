"""What validation needs from an ingest run besides the forms: each form's file name and its evidence links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from schemas.records import DocumentOutcome, EvidenceDocument, EvidenceLink


@dataclass(frozen=True)
class PackageInputs:
    """Per form sha256: the inbox path that names it to the unit, and its citations linked to its package."""

    documents: dict[str, str] = field(default_factory=dict)
    links: dict[str, list[EvidenceLink]] = field(default_factory=dict)


def package_inputs(
    outcomes: Sequence[DocumentOutcome], stored_evidence: Mapping[str, Sequence[tuple[str, EvidenceDocument]]] | None = None
) -> PackageInputs:
    """Name every form of `outcomes` and link its citations to the evidence files of the same package.

    `stored_evidence` adds, per package, the (path, file) of evidence read in earlier runs: a form sent after
    its evidence, or resent alone, links as if the package had come whole. A package's files are taken in
    path order, wherever they were read, so the links do not depend on which run read which file.
    """
    from extractors.evidence import link_evidence  # pdfplumber and python-docx load only where documents are read

    evidence: dict[str, list[tuple[str, EvidenceDocument]]] = defaultdict(list)
    for package, files in (stored_evidence or {}).items():
        evidence[package].extend(files)
    for outcome in outcomes:
        if outcome.evidence is not None:
            evidence[outcome.document.package].append((outcome.document.path, outcome.evidence))
    in_path_order = {package: [file for _, file in sorted(files, key=lambda item: item[0])] for package, files in evidence.items()}
    inputs = PackageInputs()
    for outcome in outcomes:
        if outcome.form is not None:
            inputs.documents[outcome.form.sha256] = outcome.document.path
            inputs.links[outcome.form.sha256] = link_evidence(outcome.form, in_path_order.get(outcome.document.package, []))
    return inputs
