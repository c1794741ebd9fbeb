"""Versions, rounds and lineage: the ranking uses each criterion's latest round, and every value is traceable."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from pipeline.steps import ranking_from_warehouse, round_sheet_of
from schemas.records import DocumentKind, DocumentOutcome, DocumentStatus, Finding, Lineage, Round, RoundScore, RoundSheet, Severity
from tests.test_warehouse import _doc, _form, _loaded
from warehouse.db import make_engine
from warehouse.load import load_outcome
from warehouse.lock import LockBusy, lock_holder, warehouse_lock
from warehouse.queries import findings_of, lineage

JAN, FEB, MAR, APR = 1_578_000_000.0, 1_580_600_000.0, 1_583_100_000.0, 1_585_800_000.0


def _sheet(doc_sha: str, unit: str, round_: Round, changes: dict[str, str]) -> RoundSheet:
    rows = [
        RoundScore(code=c, points=Decimal(v), note="Thiếu tài liệu kiểm chứng", lineage=Lineage(sha256=doc_sha, page=2, table=1, row=i + 3))
        for i, (c, v) in enumerate(changes.items())
    ]
    return RoundSheet(sha256=doc_sha, unit_code=unit, year=2019, round=round_, rows=rows)


def _sheet_outcome(path: str, sheet: RoundSheet, mtime: float) -> DocumentOutcome:
    return DocumentOutcome(document=_doc(path, sheet.sha256, mtime), status=DocumentStatus.LOADED, kind=DocumentKind.PDF, round_sheet=sheet)


def test_versions_appraisal_and_council_make_the_final_ranking(db_url, framework, registry):
    engine = make_engine(db_url)
    load = lambda outcome, findings=(): load_outcome(engine, outcome, findings, framework, registry)  # noqa: E731
    load(_loaded(_doc("hq-ha-noi/v1.docx", "1" * 64, JAN), _form(framework, "hq-ha-noi", "1" * 64, "1")))  # 89
    load(_loaded(_doc("hq-ha-noi/v2.docx", "2" * 64, FEB), _form(framework, "hq-ha-noi", "2" * 64, "0")))  # 90
    load(_loaded(_doc("hq-da-nang/f.docx", "3" * 64, JAN), _form(framework, "hq-da-nang", "3" * 64, "0.5")))  # 89.5
    # the appraisal lowers two criteria of Hà Nội (2 → 1 and 3 → 2), the council gives half a point back
    load(_sheet_outcome("tham-dinh/hq-ha-noi.pdf", _sheet("4" * 64, "hq-ha-noi", Round.APPRAISAL, {"3.1.2": "2", "4.1.1": "1"}), MAR))
    load(_sheet_outcome("hoi-dong/hq-ha-noi.pdf", _sheet("5" * 64, "hq-ha-noi", Round.COUNCIL, {"4.1.1": "1.5"}), APR))

    ranking = {r.unit_code: (r.points, r.rank) for r in ranking_from_warehouse(engine, "tchq", 2019)}
    assert ranking == {"hq-da-nang": (Decimal("89.5"), 1), "hq-ha-noi": (Decimal("88.5"), 2)}

    before_v2 = datetime(2020, 1, 15)  # a cut-off before the resubmission: version 1 counts, no later rounds
    points_then = {r.unit_code: r.points for r in ranking_from_warehouse(engine, "tchq", 2019, cutoff=before_v2)}
    assert points_then == {"hq-da-nang": Decimal("89.5"), "hq-ha-noi": Decimal(89)}

    trail = [(e.round, e.points, e.document_path, e.current) for e in lineage(engine, "tchq", 2019, "hq-ha-noi", "4.1.1")]
    assert trail == [
        ("self", Decimal(2), "hq-ha-noi/v1.docx", False),
        ("self", Decimal(2), "hq-ha-noi/v2.docx", True),
        ("appraisal", Decimal(1), "tham-dinh/hq-ha-noi.pdf", True),
        ("council", Decimal("1.5"), "hoi-dong/hq-ha-noi.pdf", True),
    ]
    entry = lineage(engine, "tchq", 2019, "hq-ha-noi", "3.1.2")[-1]
    assert (entry.round, entry.sha256, entry.page, entry.row, entry.note) == ("appraisal", "4" * 64, 2, 3, "Thiếu tài liệu kiểm chứng")
    assert len(lineage(engine, "tchq", 2019, "hq-ha-noi")) == 2 * 50 + 3


def test_a_form_with_appraisal_scores_is_an_appraisal_sheet(framework):
    form = _form(framework, "hq-ha-noi", "6" * 64)
    assert round_sheet_of(form) is None
    rows = [r.model_copy(update={"appraisal_points": Decimal(0)}) if r.code == "1.1.1" else r for r in form.rows]
    sheet = round_sheet_of(form.model_copy(update={"rows": rows}))
    assert sheet is not None and sheet.round is Round.APPRAISAL
    assert [(r.code, r.points) for r in sheet.rows] == [("1.1.1", Decimal(0))]


def test_a_resubmission_resolves_the_findings_it_fixes(db_url, framework, registry):
    engine = make_engine(db_url)
    first = _form(framework, "hq-ha-noi", "1" * 64)
    findings = [
        Finding(sha256="1" * 64, rule="score.range", severity=Severity.ERROR, message="…", criterion_code="1.1.1"),
        Finding(sha256="1" * 64, rule="criterion.missing", severity=Severity.ERROR, message="…", criterion_code="7.4.2"),
    ]
    load_outcome(engine, _loaded(_doc("u/v1.docx", "1" * 64, JAN), first), findings, framework, registry)
    second = _form(framework, "hq-ha-noi", "2" * 64)
    load_outcome(
        engine, _loaded(_doc("u/v2.docx", "2" * 64, FEB), second), [findings[1].model_copy(update={"sha256": "2" * 64})], framework, registry
    )
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from warehouse.models import Submission

    with Session(engine) as s:
        v1, v2 = s.scalars(select(Submission.id).order_by(Submission.version)).all()
    assert sorted((f.rule, f.status, f.resolved_by) for f in findings_of(engine, v1)) == [
        ("criterion.missing", "open", None),
        ("score.range", "resolved", v2),
    ]
    assert [(f.rule, f.status) for f in findings_of(engine, v2)] == [("criterion.missing", "open")]

    # A third version without the finding two versions carried resolves it on both, and leaves what was resolved alone.
    load_outcome(engine, _loaded(_doc("u/v3.docx", "3" * 64, MAR), _form(framework, "hq-ha-noi", "3" * 64)), [], framework, registry)
    with Session(engine) as s:
        v3 = s.scalars(select(Submission.id).where(Submission.version == 3)).one()
    assert sorted((f.rule, f.status, f.resolved_by) for f in findings_of(engine, v1)) == [
        ("criterion.missing", "resolved", v3),
        ("score.range", "resolved", v2),
    ]
    assert [(f.rule, f.status, f.resolved_by) for f in findings_of(engine, v2)] == [("criterion.missing", "resolved", v3)]
    assert all(f.resolved_at is not None for v in (v1, v2) for f in findings_of(engine, v))


def test_the_warehouse_lock_admits_one_run_and_outlives_no_dead_process(db_url):
    engine = make_engine(db_url)
    with warehouse_lock(engine, "ingest") as owner:
        assert lock_holder(engine) == owner
        with pytest.raises(LockBusy, match="another ingest run holds the warehouse lock since"):
            with warehouse_lock(engine, "ingest"):
                pass
    assert lock_holder(engine) is None
    # a run killed while holding the lock: its process is gone, so the next run takes the lock over
    code = f"import os; from warehouse.db import make_engine; from warehouse.lock import warehouse_lock; e = make_engine({db_url!r}); w = warehouse_lock(e); w.__enter__(); os._exit(9)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    assert lock_holder(engine) is not None
    with warehouse_lock(engine, "ingest"):
        pass


def test_reference_data_is_stored_once_per_framework_version(db_url, framework, registry):
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from warehouse.models import CriterionRow, FrameworkVersion, UnitAlias, UnitMembership
    from warehouse.reference import sync_framework, sync_units

    engine = make_engine(db_url)
    first = sync_framework(engine, framework)
    assert sync_framework(engine, framework) == first
    sync_units(engine, registry, 2019)
    sync_units(engine, registry, 2019)
    edited = framework.model_copy(update={"decision": "1500/QĐ-TCHQ (sửa đổi)"})
    assert sync_framework(engine, edited) != first
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(FrameworkVersion)) == 2
        leaves = s.scalar(select(func.count()).select_from(CriterionRow).where(CriterionRow.framework_id == first, CriterionRow.is_leaf.is_(True)))
        assert leaves == 50 + 22 + 15
        assert s.scalar(select(func.count()).select_from(UnitMembership)) == 49
        assert s.scalar(select(func.count()).select_from(UnitAlias)) == sum(len(u.aliases) for u in registry.units)


def test_an_appraisal_sheet_document_becomes_the_appraisal_round(db_url, framework, registry):
    """A Word appraisal sheet ("Điểm thẩm định" column) read from bytes lowers the unit's final scores."""
    from pipeline.steps import extract_outcome
    from samples.variants import VARIANTS, build_variant

    spec = next(s for s in VARIANTS if s.fmt == "docx" and any(role == "appraisal" for role, _ in s.columns))
    variant = build_variant(spec, framework, registry)
    block = framework.block(spec.block)
    leaves = {c.code for c in block.leaves()}
    outcome = extract_outcome(_doc(f"tham-dinh/{spec.name}.docx", "9" * 64, MAR), variant.data, "tchq")
    sheet = outcome.round_sheet
    assert outcome.status is DocumentStatus.LOADED and sheet is not None and sheet.round is Round.APPRAISAL
    appraised = {r.code: r.appraisal_points for r in variant.rows if r.code in leaves and r.appraisal_points is not None}
    assert {r.code: r.points for r in sheet.rows if r.code in leaves} == appraised

    engine = make_engine(db_url)
    self_form = _form(framework, variant.unit_code, "8" * 64, block_id=spec.block)
    load_outcome(engine, _loaded(_doc("u/self.docx", "8" * 64, JAN), self_form), [], framework, registry)
    load_outcome(engine, outcome, [], framework, registry)
    [ranked] = ranking_from_warehouse(engine, "tchq", 2019)
    full = {c.code: c.max_points for c in block.leaves()}
    assert ranked.points == sum((appraised.get(code, points) for code, points in full.items()), Decimal(0))
