"""The warehouse on SQLite and PostgreSQL: every document recorded, loads idempotent, versions kept."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from core.errors import WarehouseError
from pipeline.steps import ranking_from_warehouse, split_new
from schemas.records import (
    DocumentKind,
    DocumentOutcome,
    DocumentStatus,
    Finding,
    InboxDocument,
    Lineage,
    ScoreRow,
    SelfAssessment,
    Severity,
)
from warehouse import migrate
from warehouse.db import make_engine
from warehouse.load import known_contents, known_documents, load_outcome
from warehouse.models import Document, FindingRow, Score, Submission
from warehouse.queries import current_submissions, document_statuses


def _doc(path: str, sha: str, mtime: float = 1_578_000_000.0) -> InboxDocument:
    return InboxDocument(path=path, package=path.split("/")[0], size=100, mtime=mtime, sha256=sha)


def _form(framework, unit_code: str, sha: str, deduct: str = "0", block_id: str = "cuc-hq-tinh") -> SelfAssessment:
    block = framework.block(block_id)
    rows = []
    for i, leaf in enumerate(block.leaves()):
        points = leaf.max_points - (Decimal(deduct) if i == 0 else 0)
        rows.append(
            ScoreRow(
                code=leaf.code,
                max_points=leaf.max_points,
                self_points=points,
                self_text=str(points),
                lineage=Lineage(sha256=sha, page=1, table=1, row=i + 1),
            )
        )
    return SelfAssessment(sha256=sha, unit_code=unit_code, unit_text=unit_code, year=2019, rows=rows)


def _loaded(doc: InboxDocument, form: SelfAssessment) -> DocumentOutcome:
    return DocumentOutcome(document=doc, status=DocumentStatus.LOADED, kind=DocumentKind.DOCX, form=form)


def _counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one() for m in (Document, Submission, Score, FindingRow)}


def test_reloading_the_same_outcomes_writes_nothing(db_url, framework, registry):
    engine = make_engine(db_url)
    form_doc = _doc("hq-da-nang/form.docx", "a" * 64)
    outcomes = [
        _loaded(form_doc, _form(framework, "hq-da-nang", "a" * 64, deduct="1")),
        DocumentOutcome(document=_doc("hq-da-nang/kh.pdf", "b" * 64), status=DocumentStatus.EVIDENCE, kind=DocumentKind.PDF),
        DocumentOutcome(document=_doc("junk.pdf", "c" * 64), status=DocumentStatus.REJECTED, reason="damaged", message="not a PDF"),
    ]
    for outcome in outcomes:
        load_outcome(engine, outcome, [], framework, registry)
    first = _counts(engine)
    assert first == {"documents": 3, "submissions": 1, "scores": 50, "findings": 0}
    for outcome in outcomes:
        load_outcome(engine, outcome, [], framework, registry)
    assert _counts(engine) == first

    [current] = current_submissions(engine, "tchq", 2019)
    assert (current.unit_code, current.block_id, current.points, current.status) == ("hq-da-nang", "cuc-hq-tinh", Decimal(89), "valid")
    statuses = {(r.path, r.status, r.reason) for r in document_statuses(engine)}
    assert statuses == {("hq-da-nang/form.docx", "loaded", None), ("hq-da-nang/kh.pdf", "evidence", None), ("junk.pdf", "rejected", "damaged")}
    assert known_documents(engine, [form_doc, _doc("other.pdf", "d" * 64)]) == {(form_doc.path, form_doc.sha256)}
    assert known_contents(engine, ["a" * 64, "e" * 64]) == {"a" * 64}


def test_status_says_which_form_each_evidence_file_answers(db_url, framework, registry):
    """Staff read `parindex status`: an evidence file names its package's form and the citations it answers."""
    from schemas.records import EvidenceDocument, EvidenceLink, EvidenceRef, Lineage, LinkStatus, TextLayer

    engine = make_engine(db_url)
    form = _form(framework, "hq-da-nang", "a" * 64)
    cite = [
        EvidenceLink(
            criterion_code=code,
            reference=EvidenceRef(number="03/KH-HQĐNg"),
            status=LinkStatus.FOUND,
            evidence_sha256="b" * 64,
            lineage=Lineage(sha256="a" * 64, table=0, row=row),
        )
        for row, code in enumerate(("1.1.1", "1.1.2"), start=1)
    ]
    evidence = [
        DocumentOutcome(document=_doc("hq-da-nang/ke-hoach.pdf", "b" * 64), status=DocumentStatus.EVIDENCE, kind=DocumentKind.PDF),
        DocumentOutcome(document=_doc("hq-da-nang/anh.pdf", "c" * 64), status=DocumentStatus.EVIDENCE, kind=DocumentKind.PDF),
        DocumentOutcome(  # scanned: its header alone was read
            document=_doc("hq-ha-noi/bao-cao.pdf", "d" * 64),
            status=DocumentStatus.EVIDENCE,
            kind=DocumentKind.PDF,
            evidence=EvidenceDocument(sha256="d" * 64, kind=DocumentKind.PDF, pages=12, text_layer=TextLayer.OCR_HEADER),
        ),
        DocumentOutcome(document=_doc("hq-hue/ke-hoach.pdf", "e" * 64), status=DocumentStatus.EVIDENCE, kind=DocumentKind.PDF),
        DocumentOutcome(document=_doc("hq-hue/form.docx", "f" * 64), status=DocumentStatus.REJECTED, reason="unit_unknown", message="?"),
    ]
    for outcome in evidence:
        load_outcome(engine, outcome, [], framework, registry)
    load_outcome(engine, _loaded(_doc("hq-da-nang/tu-danh-gia.docx", "a" * 64), form), [], framework, registry, cite)
    notes = {r.path: r.note for r in document_statuses(engine)}
    assert notes == {
        "hq-da-nang/tu-danh-gia.docx": "",
        "hq-da-nang/ke-hoach.pdf": "evidence of tu-danh-gia.docx: answers 2 citations",
        "hq-da-nang/anh.pdf": "evidence of tu-danh-gia.docx: cited by none of its rows",
        "hq-ha-noi/bao-cao.pdf": "evidence without a form; header read by OCR, 11 more pages not read",
        "hq-hue/ke-hoach.pdf": "evidence; no form of its package could be read (see the rejected files)",
        "hq-hue/form.docx": "",
    }


def test_lineage_of_every_score_is_kept(db_url, framework, registry):
    engine = make_engine(db_url)
    load_outcome(engine, _loaded(_doc("u/f.docx", "a" * 64), _form(framework, "hq-ha-noi", "a" * 64)), [], framework, registry)
    with Session(engine) as s:
        rows = s.execute(select(Score.criterion_code, Score.page, Score.table_index, Score.row_index).order_by(Score.row_index)).all()
    assert rows[0] == ("1.1.1", 1, 1, 1) and rows[-1] == ("7.4.2", 1, 1, 50)


def test_resubmission_is_a_new_version_and_becomes_current(db_url, framework, registry):
    engine = make_engine(db_url)
    load_outcome(
        engine, _loaded(_doc("u/v1.docx", "1" * 64, mtime=1_578_000_000), _form(framework, "hq-ha-noi", "1" * 64, "1")), [], framework, registry
    )
    load_outcome(
        engine, _loaded(_doc("u/v2.docx", "2" * 64, mtime=1_578_100_000), _form(framework, "hq-ha-noi", "2" * 64, "0.5")), [], framework, registry
    )
    [current] = current_submissions(engine, "tchq", 2019)
    assert (current.version, current.points, current.document_path) == (2, Decimal("89.5"), "u/v2.docx")
    assert _counts(engine)["submissions"] == 2  # the older version is kept


def test_a_submission_with_errors_is_kept_out_of_the_ranking(db_url, framework, registry):
    engine = make_engine(db_url)
    good = _form(framework, "hq-da-nang", "a" * 64)
    bad = _form(framework, "hq-dong-nai", "b" * 64)
    finding = Finding(
        sha256="b" * 64, rule="score.range", severity=Severity.ERROR, message="Tiêu chí 1.1.1: …", criterion_code="1.1.1", lineage=bad.rows[0].lineage
    )
    load_outcome(engine, _loaded(_doc("a/f.docx", "a" * 64), good), [], framework, registry)
    load_outcome(engine, _loaded(_doc("b/f.docx", "b" * 64), bad), [finding], framework, registry)
    by_unit = {s.unit_code: (s.status, s.errors) for s in current_submissions(engine, "tchq", 2019)}
    assert by_unit == {"hq-da-nang": ("valid", 0), "hq-dong-nai": ("invalid", 1)}
    ranking = ranking_from_warehouse(engine, "tchq", 2019)
    assert [(r.unit_code, r.points, r.max_points, r.rank) for r in ranking] == [("hq-da-nang", Decimal(90), Decimal(90), 1)]
    with Session(engine) as s:
        stored = s.execute(select(FindingRow.rule, FindingRow.criterion_code, FindingRow.page, FindingRow.row_index)).one()
    assert tuple(stored) == ("score.range", "1.1.1", 1, 1)


def test_same_content_at_another_path_is_a_duplicate_of_the_first(db_url, framework, registry):
    engine = make_engine(db_url)
    first = load_outcome(engine, _loaded(_doc("a/f.docx", "a" * 64), _form(framework, "hq-da-nang", "a" * 64)), [], framework, registry)
    copy = load_outcome(engine, DocumentOutcome(document=_doc("copy/f.docx", "a" * 64), status=DocumentStatus.DUPLICATE), [], framework, registry)
    with Session(engine) as s:
        document = s.get(Document, copy)
        assert document is not None and document.duplicate_of == first


def test_split_new_skips_known_files_and_spots_copies():
    docs = [_doc("a/1.pdf", "1" * 64), _doc("a/2.pdf", "2" * 64), _doc("b/2.pdf", "2" * 64), _doc("c/3.pdf", "3" * 64)]
    to_read, duplicates = split_new(docs, known={("a/1.pdf", "1" * 64)}, known_shas={"1" * 64, "3" * 64})
    assert [d.path for d in to_read] == ["a/2.pdf"]
    assert [d.path for d in duplicates] == ["b/2.pdf", "c/3.pdf"]


# --- the schema's revision -------------------------------------------------------------------------------


def test_the_code_s_schema_revision_is_the_newest_migration() -> None:
    assert migrate.HEAD == migrate.head()


def test_an_embedded_warehouse_behind_the_code_is_migrated_when_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = create_engine(url)
    assert migrate.current(engine) is None
    migrate.upgrade(engine, "0003")
    assert migrate.current(engine) == "0003"
    assert migrate.current(make_engine(url)) == migrate.HEAD
    migrate.require_current(engine)


def test_a_warehouse_behind_the_code_is_refused_where_it_is_not_migrated_by_itself(db_url: str) -> None:
    engine = make_engine(db_url, auto_migrate=True)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    with pytest.raises(WarehouseError) as info:
        make_engine(db_url, auto_migrate=False)
    url = engine.url.render_as_string(hide_password=True)
    assert str(info.value) == f"warehouse {url} is at schema revision 0003, the code needs {migrate.HEAD}: run `parindex db upgrade`"


def test_opening_a_current_warehouse_loads_no_alembic(tmp_path: Path) -> None:
    """A run opens the warehouse once or more: at the code's revision, that is one query, not Alembic's import."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    make_engine(url).dispose()
    probe = f"import sys; from warehouse.db import make_engine; make_engine({url!r}); print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[]"
