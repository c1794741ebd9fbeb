"""A package that arrives in parts: evidence read in one run, its form in a later one, links as if sent together."""

from __future__ import annotations

import pytest

from pipeline.inbox import discover
from pipeline.steps import extract_outcome, validate_outcomes
from samples.generate import generate_inbox
from schemas.framework import framework_for
from schemas.records import DocumentOutcome, DocumentStatus, Finding, LinkStatus
from warehouse.db import make_engine
from warehouse.evidence_store import stored_evidence
from warehouse.load import load_outcomes

UNIT = "hq-da-nang"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> list[DocumentOutcome]:
    """One unit's package as read: its form and its evidence files, in path order."""
    inbox = generate_inbox(tmp_path_factory.mktemp("inbox"))[0].parent.parent
    outcomes = [extract_outcome(d, (inbox / d.path).read_bytes(), "tchq") for d in discover(inbox) if d.package == UNIT]
    assert [o.status for o in outcomes].count(DocumentStatus.LOADED) == 1 and [o.status for o in outcomes].count(DocumentStatus.EVIDENCE) >= 2
    return outcomes


def _findings(findings: dict[str, list[Finding]]) -> list[tuple[str, str | None]]:
    return sorted((f.rule, f.criterion_code) for batch in findings.values() for f in batch)


def test_evidence_read_in_an_earlier_run_is_kept_whole(package, db_url, registry) -> None:
    engine = make_engine(db_url)
    evidence = [o for o in package if o.evidence is not None]
    load_outcomes(engine, evidence, {}, registry, lambda year: framework_for("tchq", year))

    stored = stored_evidence(engine, [UNIT, "hq-khong-co"])
    assert stored == {UNIT: [(o.document.path, o.evidence) for o in evidence]}
    assert all(file.references for _, file in stored[UNIT])  # the numbers they carry, their own first
    assert stored_evidence(engine, ["hq-khong-co"]) == {}
    engine.dispose()


def test_a_form_sent_after_its_evidence_links_to_it_as_if_sent_together(package, db_url, registry) -> None:
    together_findings, together_links = validate_outcomes(package, "tchq")
    form = [o for o in package if o.form is not None]
    assert {link.status for links in together_links.values() for link in links} == {LinkStatus.FOUND}

    alone_findings, _ = validate_outcomes(form, "tchq")  # what the form alone would be told: its evidence was not sent
    assert {rule for rule, _ in _findings(alone_findings)} == {"evidence.not_found"}

    engine = make_engine(db_url)
    load_outcomes(engine, [o for o in package if o.evidence is not None], {}, registry, lambda year: framework_for("tchq", year))
    later_findings, later_links = validate_outcomes(form, "tchq", stored_evidence=stored_evidence(engine, [UNIT]))
    engine.dispose()
    assert later_links == together_links
    assert _findings(later_findings) == _findings(together_findings)


def test_a_packages_evidence_is_taken_in_path_order_whichever_run_read_it(package) -> None:
    """Two files that are one document (a copy under another name, rescanned): which one a citation links to
    depends on the files' paths only, not on the order they were read in nor on which run read them."""
    from expectations.package_inputs import package_inputs

    first, second = [o for o in package if o.evidence is not None][:2]
    rescan = first.evidence.model_copy(update={"sha256": "f" * 64})
    copy = second.model_copy(update={"evidence": rescan})  # at the second file's path
    form = [o for o in package if o.form is not None]
    linked = package_inputs([first, copy, *form]).links
    assert {link.evidence_sha256 for links in linked.values() for link in links} >= {rescan.sha256}
    assert package_inputs([copy, first, *form]).links == linked
    assert package_inputs([first, *form], {UNIT: [(copy.document.path, rescan)]}).links == linked
    assert package_inputs(form, {UNIT: [(copy.document.path, rescan), (first.document.path, first.evidence)]}).links == linked
