"""Rounds read from documents: two self-assessment versions, an appraisal workbook, an explanation and a council
sheet in one inbox, through the plain pipeline steps, give the final ranking and each value's lineage."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from forms import write_form
from pipeline.inbox import discover
from pipeline.steps import extract_outcome, ranking_from_warehouse, validate_outcomes
from samples.generate import Package, evidence_bytes, package_for, write_file
from samples.rounds import RoundScores, appraisal_xlsx, council_pdf, explanation_docx
from schemas.framework import Framework, framework_for
from schemas.records import DocumentKind, DocumentOutcome, DocumentStatus, InboxDocument, Round, RoundSheet, Severity
from schemas.units import UnitRegistry
from warehouse.db import make_engine
from warehouse.load import load_outcomes
from warehouse.queries import lineage

# Hà Nội's deductions: the appraisal takes 1 point off 3.1.2 and 1 off 4.1.1; the unit explains 3.1.2 and gets
# its point back; the council gives half a point of 4.1.1 back.
LOWERED = {"3.1.2": Decimal(1), "4.1.1": Decimal(1)}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, framework: Framework, registry: UnitRegistry) -> tuple[Path, RoundScores, dict[str, Decimal]]:
    """hq-ha-noi/ with versions 1 and 2 of its form and its evidence, hq-da-nang/ with its form, and the three round documents."""
    root = tmp_path_factory.mktemp("inbox")
    ha_noi, da_nang = registry.get("hq-ha-noi"), registry.get("hq-da-nang")
    first = package_for(framework, ha_noi, 0, Decimal(87))
    second = package_for(framework, ha_noi, 0, Decimal("88.5"))
    other = package_for(framework, da_nang, 2, Decimal(88))
    write_file(root / "hq-ha-noi" / "tu-danh-gia-v1.docx", write_form(first.form, "docx"), date(2020, 1, 12))
    write_file(root / "hq-ha-noi" / "tu-danh-gia-v2.docx", write_form(second.form, "docx"), date(2020, 1, 20))
    write_evidence_files(root / "hq-ha-noi", second, date(2020, 1, 12))
    write_file(root / "hq-da-nang" / "tu-danh-gia.docx", write_form(other.form, "docx"), date(2020, 1, 15))
    write_evidence_files(root / "hq-da-nang", other, date(2020, 1, 15))
    own = {code: Decimal(points) for code, points in (second.form.scores or {}).items()}
    assert all(own[code] >= points for code, points in LOWERED.items())  # the deductions fit the unit's scores
    scores = RoundScores(
        framework=framework,
        unit=ha_noi,
        self_scores=own,
        appraisal={code: own[code] - points for code, points in LOWERED.items()},
        appraisal_notes={"3.1.2": "Thiếu tài liệu kiểm chứng", "4.1.1": "Báo cáo gửi trễ hạn"},
        explanation={"3.1.2": own["3.1.2"]},
        explanation_notes={"3.1.2": "Đơn vị đã bổ sung Quyết định số 12/QĐ-HQHN ngày 20/3/2019"},
        council={"4.1.1": own["4.1.1"] - Decimal("0.5")},
        council_notes={"4.1.1": "Hội đồng thống nhất trừ 0,5 điểm"},
    )
    write_file(root / "tham-dinh" / "hq-ha-noi.xlsx", appraisal_xlsx(scores), date(2020, 2, 20))
    write_file(root / "giai-trinh" / "hq-ha-noi.docx", explanation_docx(scores), date(2020, 2, 27))
    write_file(root / "hoi-dong" / "hq-ha-noi.pdf", council_pdf(scores), date(2020, 3, 10))
    totals = {"hq-ha-noi": sum(own.values(), Decimal(0)), "hq-da-nang": sum((Decimal(p) for p in (other.form.scores or {}).values()), Decimal(0))}
    return root, scores, totals


def test_every_round_read_from_its_document_makes_the_final_ranking(inbox, db_url, registry: UnitRegistry) -> None:
    root, scores, totals = inbox
    documents = discover(root)
    assert {d.path.rsplit(".", 1)[-1] for d in documents} == {"docx", "pdf", "xlsx"}  # the inbox takes Excel files in
    outcomes = [extract_outcome(d, (root / d.path).read_bytes(), "tchq") for d in documents]
    assert not [o for o in outcomes if o.status is DocumentStatus.REJECTED], [(o.document.path, o.message) for o in outcomes]
    sheets = {o.document.path: (o.kind, o.round_sheet.round, o.round_sheet.unit_code) for o in outcomes if o.round_sheet is not None}
    assert sheets == {
        "tham-dinh/hq-ha-noi.xlsx": (DocumentKind.XLSX, Round.APPRAISAL, "hq-ha-noi"),
        "giai-trinh/hq-ha-noi.docx": (DocumentKind.DOCX, Round.EXPLANATION, "hq-ha-noi"),
        "hoi-dong/hq-ha-noi.pdf": (DocumentKind.PDF, Round.COUNCIL, "hq-ha-noi"),
    }
    assert sorted(o.document.path for o in outcomes if o.form is not None) == [
        "hq-da-nang/tu-danh-gia.docx",
        "hq-ha-noi/tu-danh-gia-v1.docx",
        "hq-ha-noi/tu-danh-gia-v2.docx",
    ]
    findings, links = validate_outcomes(outcomes, "tchq")
    assert not [f for batch in findings.values() for f in batch if f.severity is Severity.ERROR], findings

    engine = make_engine(db_url)
    load_outcomes(engine, outcomes, findings, registry, lambda year: framework_for("tchq", year), links)

    # Version 2, less the point the appraisal kept off 4.1.1 and the half point the council gave back.
    ranking = {r.unit_code: r.points for r in ranking_from_warehouse(engine, "tchq", 2019)}
    assert ranking == {"hq-ha-noi": totals["hq-ha-noi"] - Decimal("0.5"), "hq-da-nang": totals["hq-da-nang"]}

    own = scores.self_scores
    trail = [(e.round, e.points, e.document_path, e.current) for e in lineage(engine, "tchq", 2019, "hq-ha-noi", "3.1.2")]
    assert trail == [
        ("self", _first_version_score(outcomes, "3.1.2"), "hq-ha-noi/tu-danh-gia-v1.docx", False),
        ("self", own["3.1.2"], "hq-ha-noi/tu-danh-gia-v2.docx", True),
        ("appraisal", own["3.1.2"] - 1, "tham-dinh/hq-ha-noi.xlsx", True),
        ("explanation", own["3.1.2"], "giai-trinh/hq-ha-noi.docx", True),
    ]
    by_round = {e.round: e for e in lineage(engine, "tchq", 2019, "hq-ha-noi", "4.1.1")}
    assert by_round["council"].points == own["4.1.1"] - Decimal("0.5") and "explanation" not in by_round
    sha = {d.path: d.sha256 for d in documents}
    # Where each value was read: the workbook's sheet and row, the Word table's row, the PDF's page and row.
    appraisal, council = by_round["appraisal"], by_round["council"]
    assert (appraisal.sha256, appraisal.page, appraisal.note) == (sha["tham-dinh/hq-ha-noi.xlsx"], 1, "Báo cáo gửi trễ hạn")
    assert appraisal.row == _xlsx_row_of(root / "tham-dinh" / "hq-ha-noi.xlsx", "4.1.1") - 1
    assert (council.sha256, council.page, council.row, council.note) == (sha["hoi-dong/hq-ha-noi.pdf"], 1, 2, "Hội đồng thống nhất trừ 0,5 điểm")
    explained = lineage(engine, "tchq", 2019, "hq-ha-noi", "3.1.2")[-1]
    assert (explained.sha256, explained.page, explained.row) == (sha["giai-trinh/hq-ha-noi.docx"], None, 2)
    assert explained.note == "Đơn vị đã bổ sung Quyết định số 12/QĐ-HQHN ngày 20/3/2019"  # the unit's answer, not the appraisers' comment


def write_evidence_files(folder: Path, package: Package, received_on: date) -> None:
    for item in package.evidence:
        write_file(folder / item.filename, evidence_bytes(item, package.unit, package.form.framework.agency), received_on)


def _first_version_score(outcomes: list[DocumentOutcome], code: str) -> Decimal | None:
    form = next(o.form for o in outcomes if o.document.path == "hq-ha-noi/tu-danh-gia-v1.docx")
    assert form is not None
    return next(r.self_points for r in form.rows if r.code == code)


def _xlsx_row_of(path: Path, code: str) -> int:
    """Excel's row number of a criterion in the appraisal workbook, as openpyxl sees it."""
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True).worksheets[0]
    return next(row[0].row for row in sheet.iter_rows() if row and row[0].value == code)


def test_the_latest_round_with_values_decides_what_a_sheet_is(framework: Framework) -> None:
    from pipeline.steps import round_sheet_of
    from tests.test_warehouse import _form

    form = _form(framework, "hq-ha-noi", "7" * 64)
    first, second = form.rows[0].code, form.rows[1].code

    def sheet_of(changes: dict[str, dict[str, object]]) -> RoundSheet | None:
        return round_sheet_of(form.model_copy(update={"rows": [r.model_copy(update=changes.get(r.code, {})) for r in form.rows]}))

    appraisal = {"appraisal_points": Decimal(0), "note": "Thiếu tài liệu\nĐã bổ sung"}
    explained = {**appraisal, "explanation_points": Decimal("0.5"), "round_notes": {"explanation": "Đã bổ sung"}}
    sheet = sheet_of({first: explained, second: appraisal})
    # An explanation restates the appraisal: only the rows the unit answered are its round, with its answer as the note.
    assert sheet is not None and sheet.round is Round.EXPLANATION
    assert [(r.code, r.points, r.note) for r in sheet.rows] == [(first, Decimal("0.5"), "Đã bổ sung")]
    sheet = sheet_of({first: explained, second: {**appraisal, "council_points": Decimal(1)}})
    assert sheet is not None and sheet.round is Round.COUNCIL
    assert [(r.code, r.points, r.note) for r in sheet.rows] == [
        (second, Decimal(1), "Thiếu tài liệu\nĐã bổ sung")
    ]  # no council note column: every note
    sheet = sheet_of({first: {**appraisal, "council_text": "không chấm"}})  # a council column without a number is no council sheet
    assert sheet is not None and sheet.round is Round.APPRAISAL and [r.code for r in sheet.rows] == [first]


def test_an_appraisal_issued_by_a_registered_unit_is_credited_to_the_unit_it_appraised(inbox) -> None:
    """Vụ Tổ chức cán bộ appraises a field of Hà Nội's: its name heads the sheet, Hà Nội's is under the title."""
    _, scores, _ = inbox
    data = appraisal_xlsx(scores, issuer="VỤ TỔ CHỨC CÁN BỘ")
    document = InboxDocument(
        path="tham-dinh/vu-tccb.xlsx", package="tham-dinh", size=len(data), mtime=1_582_000_000.0, sha256=hashlib.sha256(data).hexdigest()
    )
    outcome = extract_outcome(document, data, "tchq")
    assert outcome.round_sheet is not None, outcome.message
    assert (outcome.round_sheet.round, outcome.round_sheet.unit_code) == (Round.APPRAISAL, "hq-ha-noi")
