"""A seeded inbox, one defect per submission, through extraction, validation and the reports units act on.

Each submission is a real form (DOCX or PDF from forms + samples.generate.package_for, some edited in
Word's table afterwards) extracted with extractors.extract_document, its evidence files linked with
extractors.evidence.link_evidence. Defects no form can carry (an unregistered unit, NFD text, a low OCR
confidence) are made on the extracted record.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.table import _Row

from expectations import applicable_max
from expectations.validate import validate_batch
from extractors import extract_document
from extractors.evidence import link_evidence
from forms import Format, write_form
from reports import build_reports
from reports.model import unit_feedback
from samples.generate import Evidence, evidence_bytes, package_for
from samples.scores import sample_totals
from schemas.framework import Framework
from schemas.records import EvidenceDocument, Finding, SelfAssessment, Severity
from schemas.units import Unit, UnitRegistry
from tests.test_reports import chromium_screenshot, docx_text, html_text, is_blank

E, W = Severity.ERROR, Severity.WARNING
ON_TIME = datetime(2020, 1, 20, 10, 0)
NAME, MAX, SELF, EVIDENCE = 1, 2, 3, 4  # columns of the form's score table (forms.layout.COLUMNS)


def _rows(table, code: str):
    return [row for row in table.rows if row.cells[0].text == code]


def set_cell(code: str, column: int, text: str) -> Callable[[object], None]:
    def edit(table) -> None:
        (row,) = _rows(table, code) if code else [r for r in table.rows if r.cells[NAME].text == "Tổng cộng"]
        row.cells[column].text = text

    return edit


def remove_row(code: str) -> Callable[[object], None]:
    def edit(table) -> None:
        (row,) = _rows(table, code)
        row._tr.getparent().remove(row._tr)

    return edit


def copy_row(code: str, new_code: str | None = None) -> Callable[[object], None]:
    """Repeat a criterion's row right under it, as a unit pasting twice would; with `new_code`, renumbered."""

    def edit(table) -> None:
        (row,) = _rows(table, code)
        twin = copy.deepcopy(row._tr)
        row._tr.addnext(twin)
        if new_code is not None:
            _Row(twin, table).cells[0].text = new_code

    return edit


@dataclass
class Seed:
    """One submission of the inbox and the exact findings (rule, criterion, severity) it must raise."""

    name: str
    unit: str
    fmt: Format
    expected: set[tuple[str, str | None, Severity]]
    scores: dict[str, Decimal | None] = field(default_factory=dict)  # leaves; None: the cell is left blank
    full_marks: bool = False  # every leaf at its maximum before `scores` apply
    subtotal_off: tuple[str, Decimal] | None = None  # (parent, offset): its printed subtotal is off by offset
    evidence: dict[str, str | None] = field(default_factory=dict)  # None: no evidence cited
    table_edits: tuple[Callable[[object], None], ...] = ()  # DOCX only: edits in Word's table
    extra_evidence: tuple[Evidence, ...] = ()
    record: Callable[[SelfAssessment], SelfAssessment] | None = None
    received: datetime = ON_TIME
    document_number: str | None = None


def _renamed(unit_code: str, unit_text: str) -> Callable[[SelfAssessment], SelfAssessment]:
    return lambda form: form.model_copy(update={"unit_code": unit_code, "unit_text": unit_text})


def _row_update(code: str, **update: object) -> Callable[[SelfAssessment], SelfAssessment]:
    def apply(form: SelfAssessment) -> SelfAssessment:
        rows = [r.model_copy(update=update) if r.code == code else r for r in form.rows]
        return form.model_copy(update={"rows": rows})

    return apply


OLD_DECISION = Evidence(
    "Quyết định",
    "kiện toàn Ban chỉ đạo cải cách hành chính",
    "120/QĐ-HQBD",
    date(2018, 12, 20),
    "docx",
    "quyet-dinh-120-2018.docx",
    "Kiện toàn Ban chỉ đạo cải cách hành chính của đơn vị.",
)

SEEDS = (
    Seed("clean-docx", "hq-ha-noi", "docx", set()),
    Seed("clean-pdf", "hq-hai-phong", "pdf", set()),
    # "Không áp dụng" where the framework allows it: no finding, a smaller applicable maximum.
    Seed(
        "na-allowed",
        "hq-da-nang",
        "docx",
        set(),
        scores={"7.2.2": Decimal(0)},
        evidence={"7.2.2": None},
        table_edits=(set_cell("7.2.2", SELF, "Không áp dụng"),),
    ),
    Seed("over-max", "hq-bac-ninh", "pdf", {("score.range", "1.1.1", E)}, scores={"1.1.1": Decimal("2.5")}),
    Seed("off-step", "hq-khanh-hoa", "docx", {("score.step", "2.1.1", E)}, scores={"2.1.1": Decimal("0.3")}),
    Seed("blank-score", "hq-nghe-an", "pdf", {("score.missing", "1.1.2", E)}, scores={"1.1.2": None}),
    Seed("row-removed", "hq-quang-ninh", "docx", {("criterion.missing", "3.2.1", E)}, table_edits=(remove_row("3.2.1"),)),
    Seed("row-twice", "hq-can-tho", "docx", {("criterion.duplicate", "1.1.1", E)}, table_edits=(copy_row("1.1.1"),)),
    Seed("unknown-code", "hq-ha-tinh", "docx", {("criterion.unknown", "1.6", E)}, table_edits=(copy_row("1.5", "1.6"),)),
    Seed(
        "na-forbidden",
        "hq-lang-son",
        "docx",
        {("criterion.not_applicable", "1.1.1", E)},
        scores={"1.1.1": Decimal(0)},
        evidence={"1.1.1": None},
        table_edits=(set_cell("1.1.1", SELF, "Không áp dụng"),),
    ),
    Seed("wrong-subtotal", "hq-quang-binh", "pdf", {("subtotal.mismatch", "1.1", W)}, subtotal_off=("1.1", Decimal("-0.5"))),
    Seed("wrong-total", "hq-quang-ngai", "docx", {("total.mismatch", None, W)}, table_edits=(set_cell("", SELF, "80"),)),
    Seed(
        "over-block-max",
        "hq-tay-ninh",
        "pdf",
        {("score.range", "1.1.1", E), ("total.max", None, E)},
        full_marks=True,
        scores={"1.1.1": Decimal("1.5")},
    ),
    Seed("outdated-form", "hq-ba-ria-vung-tau", "docx", {("max.outdated", "1.2.1", E)}, table_edits=(set_cell("1.2.1", MAX, "2"),)),
    Seed("unregistered", "hq-ha-nam-ninh", "docx", {("unit.block", None, E)}, record=_renamed("hq-mat-trang", "Cục Hải quan tỉnh Mặt Trăng")),
    Seed("stray-block", "hq-long-an", "docx", {("unit.block", None, E)}, record=_renamed("hq-thu-nghiem", "Cục Hải quan thử nghiệm")),
    Seed("twice-first", "hq-kien-giang", "docx", {("unit.duplicate", None, W)}),
    Seed("twice-second", "hq-kien-giang", "pdf", {("unit.duplicate", None, W)}, document_number="99/BC-HQKG", received=datetime(2020, 1, 22, 9, 0)),
    Seed("late", "hq-thua-thien-hue", "docx", {("submission.late", None, W)}, received=datetime(2020, 2, 5, 14, 0)),
    Seed("no-evidence", "hq-binh-phuoc", "pdf", {("evidence.missing", "3.4.1", W)}, evidence={"3.4.1": None}),
    Seed(
        "evidence-not-sent", "hq-an-giang", "docx", {("evidence.not_found", "1.3.1", W)}, evidence={"1.3.1": "Kế hoạch số 99/KH-HQAG ngày 05/01/2019"}
    ),
    Seed(
        "evidence-of-2018",
        "hq-binh-duong",
        "docx",
        {("evidence.date", "1.3.1", W)},
        evidence={"1.3.1": OLD_DECISION.citation},
        extra_evidence=(OLD_DECISION,),
    ),
    Seed("garbled", "hq-quang-nam", "docx", {("text.garbled", "5.3", W)}, evidence={"5.3": "(cid:3)(cid:4)(cid:5) số 15"}),
    Seed(
        "decomposed",
        "hq-lao-cai",
        "docx",
        {("text.nfc", "5.1", W)},
        record=_row_update("5.1", name=unicodedata.normalize("NFD", "Vị trí việc làm và cơ cấu ngạch công chức")),
    ),
    Seed("blurred-scan", "hq-thanh-hoa", "docx", {("text.confidence", "6.2", W)}, record=_row_update("6.2", confidence=55.0)),
)


@pytest.fixture(scope="module")
def stray_registry(registry: UnitRegistry) -> UnitRegistry:
    """The TCHQ registry plus a unit whose block the 2019 framework does not have."""
    stray = Unit(code="hq-thu-nghiem", name="Cục Hải quan thử nghiệm", short_name="Thử nghiệm", block="khoi-moi")
    return UnitRegistry(program=registry.program, units=(*registry.units, stray))


def _scores(seed: Seed, framework: Framework, base: dict[str, Decimal]) -> dict[str, Decimal]:
    """The leaf scores the form prints; a parent given too is printed as given (forms.FormContent)."""
    block = framework.block("cuc-hq-tinh")
    scores = {leaf.code: leaf.max_points for leaf in block.leaves()} if seed.full_marks else dict(base)
    for code, value in seed.scores.items():
        if value is None:
            scores.pop(code)
        else:
            scores[code] = value
    if seed.subtotal_off is not None:
        parent, offset = seed.subtotal_off
        field = parent.split(".")[0]

        def leaf_sum(code: str) -> Decimal:
            criterion = block.criterion(code)
            assert criterion is not None, code
            return sum((scores[c.code] for c in criterion.walk() if c.is_leaf), Decimal(0))

        # The field keeps the right sum, so only the parent's subtotal is wrong.
        scores |= {parent: leaf_sum(parent) + offset, field: leaf_sum(field)}
    return scores


def _evidence(seed: Seed, base: dict[str, str]) -> dict[str, str]:
    cited = dict(base)
    for code, text in seed.evidence.items():
        if text is None:
            cited.pop(code, None)
        else:
            cited[code] = text
    return cited


def _form_bytes(seed: Seed, content) -> bytes:
    data = write_form(content, seed.fmt)
    if not seed.table_edits:
        return data
    assert seed.fmt == "docx", f"{seed.name}: table edits need a Word form"
    document = docx.Document(io.BytesIO(data))
    for edit in seed.table_edits:
        edit(document.tables[1])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Submission:
    seed: Seed
    form: SelfAssessment
    path: str
    evidence: list[EvidenceDocument]


def _submit(seed: Seed, framework: Framework, registry: UnitRegistry) -> Submission:
    unit = registry.get(seed.unit)
    position = list(registry.units).index(unit)
    package = package_for(framework, unit, position, sample_totals("tchq", 2019)[unit.code])
    content = dataclasses.replace(
        package.form,
        scores=_scores(seed, framework, dict(package.form.scores or {})),
        evidence=_evidence(seed, dict(package.form.evidence)),
        document_number=seed.document_number or package.form.document_number,
    )
    path = f"{unit.code}/{seed.name}.{seed.fmt}"
    form = extract_document(_form_bytes(seed, content), path)
    assert isinstance(form, SelfAssessment), f"{seed.name}: not read as a form"
    evidence = []
    for item in (*package.evidence, *seed.extra_evidence):
        document = extract_document(evidence_bytes(item, unit, framework.agency), item.filename)
        assert isinstance(document, EvidenceDocument), f"{seed.name}: {item.filename} not read as evidence"
        evidence.append(document)
    return Submission(seed, seed.record(form) if seed.record else form, path, evidence)


@pytest.fixture(scope="module")
def inbox(framework, registry) -> list[Submission]:
    return [_submit(seed, framework, registry) for seed in SEEDS]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("quality")


@pytest.fixture(scope="module")
def findings(inbox, framework, stray_registry, out_dir) -> dict[str, list[Finding]]:
    """The whole inbox in one validation run, as the ingest flow makes it, Data Docs included."""
    return validate_batch(
        [s.form for s in inbox],
        framework,
        stray_registry,
        {s.form.sha256: s.seed.received for s in inbox},
        links={s.form.sha256: link_evidence(s.form, s.evidence) for s in inbox},
        documents={s.form.sha256: s.path for s in inbox},
        data_docs_dir=out_dir / "data-docs",
    )


def _unit(submission: Submission) -> str:
    return submission.form.unit_code


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_each_submission_raises_exactly_its_findings(inbox, findings, seed):
    (submission,) = [s for s in inbox if s.seed is seed]
    found = {(f.rule, f.criterion_code, f.severity) for f in findings[submission.form.sha256]}
    assert found == seed.expected


def test_the_inbox_raises_exactly_the_seeded_findings(inbox, findings):
    found = {(f.rule, _unit(s), f.criterion_code, f.severity) for s in inbox for f in findings[s.form.sha256]}
    expected = {(rule, _unit(s), code, severity) for s in inbox for rule, code, severity in s.seed.expected}
    assert found == expected
    assert sum(not s.seed.expected for s in inbox) == 3 and all(not findings[s.form.sha256] for s in inbox if not s.seed.expected)


def test_not_applicable_is_read_from_the_form_and_shrinks_the_maximum(inbox, framework):
    (allowed,) = [s for s in inbox if s.seed.name == "na-allowed"]
    row = next(r for r in allowed.form.rows if r.code == "7.2.2")
    assert row.not_applicable and row.self_points is None and row.self_text == ""
    assert applicable_max(allowed.form, framework.block("cuc-hq-tinh")) == Decimal(87)
    (blank,) = [s for s in inbox if s.seed.name == "blank-score"]
    assert not next(r for r in blank.form.rows if r.code == "1.1.2").not_applicable  # blank is not "not applicable"


def test_findings_point_at_the_page_of_a_pdf(inbox, findings):
    (pdf,) = [s for s in inbox if s.seed.name == "over-max"]
    (finding,) = findings[pdf.form.sha256]
    assert finding.lineage is not None and finding.lineage.page == 1


def test_data_docs_index_exists(findings, out_dir):
    index = out_dir / "data-docs" / "index.html"
    assert index.is_file() and "citations" in index.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reports(inbox, findings, framework, stray_registry, out_dir):
    return build_reports(
        [s.form for s in inbox],
        findings,
        framework,
        stray_registry,
        out_dir,
        documents={s.form.sha256: s.path for s in inbox},
        received_at={s.form.sha256: s.seed.received for s in inbox},
        data_docs=out_dir / "data-docs" / "index.html",
        signed_on=date(2020, 2, 10),
    )


def test_every_unit_gets_a_letter_naming_each_of_its_defects(inbox, findings, reports, framework, stray_registry):
    feedback = {u.unit_code: u for u in unit_feedback([s.form for s in inbox], findings, framework, stray_registry)}
    assert len(reports.letters) == 2 * len(feedback)
    for unit_code, unit in feedback.items():
        docx_path = next(p for p in reports.letters if p.name == f"thu-phan-hoi-{unit_code}-2019.docx")
        written, page = docx_text(docx_path), html_text(docx_path.with_suffix(".html"))
        for text in (written, page):
            assert f"Kính gửi: {unit.unit_name}." in text
            for document in unit.documents:
                for line in document.findings:
                    assert line.found in text and line.expected in text, f"{unit_code}: {line.rule} not in its letter"
            ready = "đủ điều kiện đưa vào xếp hạng" in text and "chưa đủ điều kiện" not in text
            assert ready == unit.ready, unit_code


def test_a_letter_reads_as_the_office_wrote_it(reports):
    path = next(p for p in reports.letters if p.name == "thu-phan-hoi-hq-tay-ninh-2019.docx")
    text = docx_text(path)
    assert "VĂN PHÒNG" in text and "Kính gửi: Cục Hải quan tỉnh Tây Ninh." in text
    assert "Tiêu chí 1.1.1: điểm tự đánh giá 1,5 vượt điểm tối đa 1." in text and "Điểm tự đánh giá từ 0 đến 1." in text
    assert "Tổng điểm tự đánh giá không vượt 90 điểm." in text
    assert "có 2 lỗi nên chưa đủ điều kiện đưa vào xếp hạng" in text
    assert re.search(r"Hà Nội, ngày 10 tháng 02 năm 2020", text)


def test_the_office_summary_renders_in_chromium(reports, tmp_path):
    page = reports.summary.read_text(encoding="utf-8")
    assert '<html lang="vi">' in page and "<svg" in page and "Sẵn sàng xếp hạng" in page
    assert "criterion.not_applicable" in page and "data-docs/index.html" in page
    png = chromium_screenshot(reports.summary, tmp_path)
    assert not is_blank(png)
