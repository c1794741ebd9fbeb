"""Validation of self-assessments with Great Expectations: one finding per defect, kept apart per form."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from core.errors import ConfigurationError
from expectations import applicable_max, frames
from expectations.rules import RULES
from expectations.scoring import children_sums, computed_total, not_applicable_allowed
from expectations.validate import SUITES_DIR, load_suite, run_suites, validate_batch
from schemas.framework import Criterion, Framework, framework_for, parse_framework
from schemas.records import EvidenceLink, EvidenceRef, Finding, Lineage, LinkStatus, ScoreRow, SelfAssessment, Severity, TextLayer
from schemas.units import Unit, UnitRegistry, registry_for

BLOCK = "cuc-hq-tinh"
E, W = Severity.ERROR, Severity.WARNING
ON_TIME = datetime(2020, 1, 15, 9, 30)
Expected = set[tuple[str, str | None, Severity]]


@pytest.fixture(scope="module")
def framework() -> Framework:
    return framework_for("tchq", 2019)


@pytest.fixture(scope="module")
def registry() -> UnitRegistry:
    """The TCHQ registry plus one unit whose block the 2019 framework does not have."""
    base = registry_for("tchq")
    stray = Unit(code="hq-thu-nghiem", name="Cục Hải quan thử nghiệm", short_name="Thử nghiệm", block="khoi-moi")
    return UnitRegistry(program=base.program, units=(*base.units, stray))


def _sha(name: str) -> str:
    return name.encode().hex().ljust(64, "0")[:64]


def citation(code: str) -> str:
    return f"Kế hoạch số 15/KH-HQ ngày 10/01/2019 (tiêu chí {code})"


def full_rows(sha256: str, framework: Framework, leaves: dict[str, Decimal | None] | None = None) -> list[ScoreRow]:
    """Every criterion of the block, leaves at their maximum (or as `leaves` says), parents summing their
    scored leaves as a form writer prints them, each leaf citing its evidence."""
    block = framework.block(BLOCK)
    points = {leaf.code: leaf.max_points for leaf in block.leaves()} | (leaves or {})

    def printed(node: Criterion) -> Decimal | None:
        if node.is_leaf:
            return points[node.code]
        parts = [p for p in (printed(c) for c in node.children) if p is not None]
        return sum(parts, Decimal(0)) if parts else None

    rows = []
    for i, criterion in enumerate(block.walk()):
        value = printed(criterion)
        rows.append(
            ScoreRow(
                code=criterion.code,
                name=criterion.name,
                max_points=criterion.max_points,
                self_points=value,
                self_text="",
                evidence=citation(criterion.code) if criterion.is_leaf else "",
                lineage=Lineage(sha256=sha256, page=1 + i // 40, table=0, row=i),
            )
        )
    return rows


def edit(rows: list[ScoreRow], code: str, **update: object) -> list[ScoreRow]:
    return [r.model_copy(update=update) if r.code == code else r for r in rows]


def _extra(sha256: str, code: str, points: str, row: int) -> ScoreRow:
    return ScoreRow(code=code, self_points=Decimal(points), lineage=Lineage(sha256=sha256, table=0, row=row))


def make_form(name: str, unit: str, rows: list[ScoreRow], **update: object) -> SelfAssessment:
    """A form whose "Tổng cộng" row states the sum of its leaves' first rows, as a unit's spreadsheet adds up."""
    leaves = {leaf.code for leaf in framework_for("tchq", 2019).block(BLOCK).leaves()}
    first: dict[str, ScoreRow] = {}
    for row in rows:
        first.setdefault(row.code, row)
    total = sum((r.self_points or Decimal(0) for code, r in first.items() if code in leaves), Decimal(0))
    form = SelfAssessment(sha256=_sha(name), unit_code=unit, unit_text=unit, year=2019, rows=rows, stated_total=total)
    return form.model_copy(update=update)


def link(row: ScoreRow, number: str = "15/KH-HQ", issued_on: date | None = date(2019, 1, 10), status: LinkStatus = LinkStatus.FOUND) -> EvidenceLink:
    return EvidenceLink(
        criterion_code=row.code,
        reference=EvidenceRef(number=number, kind="Kế hoạch", issued_on=issued_on),
        status=status,
        lineage=row.lineage,
    )


def all_found(form: SelfAssessment) -> list[EvidenceLink]:
    """The clean links of a form: every leaf's plan, found in its package and dated in 2019."""
    return [link(r) for r in form.rows if r.evidence]


def row_of(links: list[EvidenceLink], code: str) -> EvidenceLink:
    return next(x for x in links if x.criterion_code == code)


class Case:
    """One form with one kind of defect, the inputs the check needs, and the exact findings it must raise."""

    def __init__(
        self,
        name: str,
        unit: str,
        expected: Expected,
        rows: Callable[[list[ScoreRow]], list[ScoreRow]] | None = None,
        leaves: dict[str, Decimal | None] | None = None,
        received: datetime = ON_TIME,
        links: Callable[[list[EvidenceLink]], list[EvidenceLink]] | None = None,
        **update: object,
    ) -> None:
        self.name, self.unit, self.expected = name, unit, expected
        self.rows, self.leaves, self.received, self.links, self.update = rows, leaves, received, links, update

    def build(self, framework: Framework) -> tuple[SelfAssessment, datetime, list[EvidenceLink]]:
        rows = full_rows(_sha(self.name), framework, self.leaves)
        form = make_form(self.name, self.unit, self.rows(rows) if self.rows else rows, **self.update)
        links = all_found(form)
        return form, self.received, self.links(links) if self.links else links


def _case_list(sha: Callable[[str], str]) -> list[Case]:
    return [
        Case("clean", "hq-ha-noi", set()),
        Case("missing-empty", "hq-hai-phong", {("score.missing", "1.1.2", E)}, leaves={"1.1.2": None}),
        Case(
            "missing-unreadable",
            "hq-da-nang",
            {("score.missing", "1.1.3", E)},
            rows=lambda rs: edit(rs, "1.1.3", self_points=None, self_text="một điểm"),
        ),
        # Over the framework's maximum (1); 2.3.1 lowered so the total stays at 90.
        Case("over-max", "hq-dong-nai", {("score.range", "1.1.1", E)}, leaves={"1.1.1": Decimal("2.5"), "2.3.1": Decimal("0.5")}),
        Case("negative", "hq-ho-chi-minh", {("score.range", "1.2.1", E)}, leaves={"1.2.1": Decimal("-0.5")}),
        Case("step", "hq-khanh-hoa", {("score.step", "2.1.1", E)}, leaves={"2.1.1": Decimal("0.3")}),
        Case("absent", "hq-nghe-an", {("criterion.missing", "3.2.1", E)}, rows=lambda rs: [r for r in rs if r.code != "3.2.1"]),
        Case("duplicate", "hq-quang-ninh", {("criterion.duplicate", "1.1.1", E)}, rows=lambda rs: [*rs, _extra(sha("duplicate"), "1.1.1", "0", 200)]),
        Case("unknown-code", "hq-can-tho", {("criterion.unknown", "9.9", E)}, rows=lambda rs: [*rs, _extra(sha("unknown-code"), "9.9", "0", 201)]),
        Case("total", "hq-ha-tinh", {("score.range", "1.1.1", E), ("total.max", None, E)}, leaves={"1.1.1": Decimal("2.5")}),
        Case("unregistered-unit", "hq-mat-trang", {("unit.block", None, E)}),
        Case("stray-block", "hq-thu-nghiem", {("unit.block", None, E)}),
        Case("na-allowed", "hq-lang-son", set(), leaves={"7.2.2": None}, rows=lambda rs: edit(rs, "7.2.2", not_applicable=True, evidence="")),
        Case(
            "na-forbidden",
            "hq-quang-binh",
            {("criterion.not_applicable", "1.1.1", E)},
            leaves={"1.1.1": None},
            rows=lambda rs: edit(rs, "1.1.1", not_applicable=True, evidence=""),
        ),
        Case("subtotal", "hq-quang-ngai", {("subtotal.mismatch", "1.1", W)}, rows=lambda rs: edit(rs, "1.1", self_points=Decimal("2.5"))),
        Case("stated-total", "hq-tay-ninh", {("total.mismatch", None, W)}, stated_total=Decimal(89)),
        Case("outdated-max", "hq-ba-ria-vung-tau", {("max.outdated", "1.2.1", E)}, rows=lambda rs: edit(rs, "1.2.1", max_points=Decimal(2))),
        Case("late", "hq-ha-nam-ninh", {("submission.late", None, W)}, received=datetime(2020, 2, 3, 8, 0)),
        Case(
            "late-by-zone", "hq-kien-giang", {("submission.late", None, W)}, received=datetime(2020, 1, 31, 20, 0, tzinfo=UTC)
        ),  # 03:00 on 1 February in Hà Nội
        Case("last-day", "hq-long-an", set(), received=datetime(2020, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=7)))),
        Case("no-evidence", "hq-bac-ninh", {("evidence.missing", "4.2", W)}, rows=lambda rs: edit(rs, "4.2", evidence="")),
        # No evidence is needed for a zero, and a note explaining the score stands in for evidence.
        Case(
            "zero-or-explained",
            "hq-thua-thien-hue",
            set(),
            leaves={"4.2": Decimal(0)},
            rows=lambda rs: edit(edit(rs, "4.2", evidence=""), "5.3", evidence="", note="Giải trình: có biên bản họp"),
        ),
        Case(
            "evidence-not-found",
            "hq-binh-duong",
            {("evidence.not_found", "1.1.1", W)},
            links=lambda ls: [ls[0].model_copy(update={"status": LinkStatus.MISSING, "reference": EvidenceRef(number="99/KH-HQ")}), *ls[1:]],
        ),
        # Another file names the cited plan, but the plan itself was not sent.
        Case(
            "evidence-mentioned",
            "hq-binh-dinh",
            {("evidence.not_found", "2.2.1", W)},
            links=lambda ls: [x.model_copy(update={"status": LinkStatus.MENTIONED}) if x.criterion_code == "2.2.1" else x for x in ls],
        ),
        Case(
            "evidence-date",
            "hq-quang-nam",
            {("evidence.date", "1.3.1", W)},
            links=lambda ls: [
                *ls,
                row_of(ls, "1.3.1").model_copy(update={"reference": EvidenceRef(number="20/KH-HQ", issued_on=date(2018, 12, 20))}),
            ],
        ),
        Case("nfd", "hq-an-giang", {("text.nfc", "5.1", W)}, rows=lambda rs: edit(rs, "5.1", name=unicodedata.normalize("NFD", "Vị trí việc làm"))),
        Case("garbled", "hq-lao-cai", {("text.garbled", "5.3", W)}, rows=lambda rs: edit(rs, "5.3", evidence="(cid:3)(cid:4) số 15")),
        Case(
            "low-ocr",
            "hq-thanh-hoa",
            {("text.confidence", "6.2", W)},
            rows=lambda rs: [r.model_copy(update={"confidence": 62.5 if r.code == "6.2" else 96.0}) for r in rs],
        ),
        Case("legacy-font", "hq-ca-mau", {("text.layer", None, W)}, text_layer=TextLayer.LEGACY_FONT),
        Case("no-diacritics", "hq-dak-lak", {("text.layer", None, W)}, text_layer=TextLayer.NO_DIACRITICS),
        Case("scanned", "hq-dien-bien", set(), text_layer=TextLayer.OCR),  # OCR is judged row by row (text.confidence)
    ]


@pytest.fixture(scope="module")
def cases(framework: Framework) -> dict[str, tuple[Case, SelfAssessment]]:
    built = {}
    for case in _case_list(_sha):
        form, _, _ = case.build(framework)
        built[case.name] = (case, form)
    return built


@pytest.fixture(scope="module")
def batch_result(cases, framework, registry) -> dict[str, list[Finding]]:
    """One GX run over every case form at once, as the pipeline calls it."""
    received, links = {}, {}
    for case, form in cases.values():
        _, received[form.sha256], links[form.sha256] = case.build(framework)
    return validate_batch([f for _, f in cases.values()], framework, registry, received, links=links)


def _found(result: dict[str, list[Finding]], sha256: str) -> set[tuple[str, str | None, Severity]]:
    return {(f.rule, f.criterion_code, f.severity) for f in result[sha256]}


def _only(result: dict[str, list[Finding]], form: SelfAssessment) -> Finding:
    (finding,) = result[form.sha256]
    return finding


def test_full_form_is_clean(batch_result, cases, framework):
    _, clean = cases["clean"]
    leaves = {c.code for c in framework.block(BLOCK).leaves()}
    assert len(leaves) == 50 and leaves <= {r.code for r in clean.rows}
    assert batch_result[clean.sha256] == []


@pytest.mark.parametrize("name", [c.name for c in _case_list(_sha)])
def test_each_defect_raises_exactly_its_rule(batch_result, cases, name):
    case, form = cases[name]
    assert _found(batch_result, form.sha256) == case.expected


def test_every_rule_of_the_catalogue_is_exercised(batch_result, cases):
    """The cases above cover the whole catalogue but unit.duplicate, which has its own test."""
    raised = {f.rule for findings in batch_result.values() for f in findings}
    assert raised == set(RULES) - {"unit.duplicate"}
    assert set(batch_result) == {f.sha256 for _, f in cases.values()}
    for sha256, findings in batch_result.items():
        assert all(f.sha256 == sha256 and (f.lineage is None or f.lineage.sha256 == sha256) for f in findings)


def test_severity_comes_from_the_catalogue(batch_result):
    for findings in batch_result.values():
        for finding in findings:
            assert finding.severity is RULES[finding.rule].severity


def test_row_findings_keep_the_row_lineage(batch_result, cases):
    _, over = cases["over-max"]
    finding = _only(batch_result, over)
    assert finding.lineage == next(r.lineage for r in over.rows if r.code == "1.1.1")
    assert finding.lineage is not None and finding.lineage.page == 1 and finding.lineage.row == 2
    _, unknown = cases["unknown-code"]
    assert _only(batch_result, unknown).lineage == Lineage(sha256=unknown.sha256, table=0, row=201)
    _, duplicate = cases["duplicate"]
    assert _only(batch_result, duplicate).lineage == Lineage(sha256=duplicate.sha256, table=0, row=200)
    _, absent = cases["absent"]
    assert _only(batch_result, absent).lineage is None
    _, cited = cases["evidence-date"]
    assert _only(batch_result, cited).lineage == next(r.lineage for r in cited.rows if r.code == "1.3.1")


def test_messages_are_vietnamese_with_codes_and_points(batch_result, cases):
    def message(name: str) -> str:
        return _only(batch_result, cases[name][1]).message

    assert message("over-max") == "Tiêu chí 1.1.1: điểm tự đánh giá 2,5 vượt điểm tối đa 1."
    assert message("negative") == "Tiêu chí 1.2.1: điểm tự đánh giá -0,5 nhỏ hơn 0."
    assert message("step") == "Tiêu chí 2.1.1: điểm 0,3 không đúng bước chấm 0,5."
    assert message("absent") == "Thiếu tiêu chí 3.2.1 (Niêm yết công khai thủ tục hành chính tại trụ sở)."
    assert message("missing-empty") == "Tiêu chí 1.1.2: chưa có điểm tự đánh giá."
    assert message("missing-unreadable") == "Tiêu chí 1.1.3: không đọc được điểm tự đánh giá \u201cmột điểm\u201d."
    assert message("duplicate").startswith("Tiêu chí 1.1.1 (Ban hành kế hoạch") and "xuất hiện 2 lần" in message("duplicate")
    assert message("unknown-code") == "Mã tiêu chí 9.9 không có trong bộ tiêu chí của khối Cục Hải quan tỉnh, thành phố."
    assert "khối khoi-moi" in message("stray-block") and "năm 2019" in message("stray-block")
    assert "hq-mat-trang" in message("unregistered-unit")
    total = next(f for f in batch_result[cases["total"][1].sha256] if f.rule == "total.max")
    assert total.message == "Tổng điểm tự đánh giá các tiêu chí thành phần 91,5 vượt điểm tối đa của khối 90."
    assert message("na-forbidden") == (
        "Tiêu chí 1.1.1 (Ban hành kế hoạch cải cách hành chính năm đúng thời hạn) ghi \u201cKhông áp dụng\u201d, "
        "nhưng bộ tiêu chí không cho phép bỏ qua tiêu chí này."
    )
    assert message("subtotal") == "Tiêu chí 1.1: điểm ghi 2,5 khác tổng các tiêu chí thành phần 3."
    assert message("stated-total") == "Dòng \u201cTổng cộng\u201d ghi 89 điểm, nhưng tổng điểm các tiêu chí thành phần là 90."
    assert message("outdated-max") == "Tiêu chí 1.2.1: điểm tối đa in trên biểu mẫu là 2, theo bộ tiêu chí năm 2019 là 1."
    assert message("late") == "Hồ sơ nhận ngày 03/02/2020, chậm 3 ngày so với thời hạn 31/01/2020."
    assert message("late-by-zone") == "Hồ sơ nhận ngày 01/02/2020, chậm 1 ngày so với thời hạn 31/01/2020."
    assert message("no-evidence") == "Tiêu chí 4.2: tự chấm 3 điểm nhưng không nêu tài liệu kiểm chứng hoặc giải trình."
    assert message("evidence-not-found") == ("Tiêu chí 1.1.1: không tìm thấy văn bản \u201c99/KH-HQ\u201d trong các tệp tài liệu kiểm chứng gửi kèm.")
    assert message("evidence-date") == "Tiêu chí 1.3.1: văn bản \u201c20/KH-HQ\u201d đề ngày 20/12/2018, ngoài năm đánh giá 2019."
    assert message("nfd") == "Tiêu chí 5.1: văn bản không ở dạng Unicode dựng sẵn (NFC)."
    assert message("garbled") == "Tiêu chí 5.3: có ký tự không đọc được ((cid:3), (cid:4))."
    assert message("low-ocr") == "Tiêu chí 6.2: bản quét khó đọc (độ tin cậy nhận dạng 62,5%); điểm đọc được \u201c3\u201d cần đối chiếu."
    assert message("legacy-font") == (
        "Văn bản dùng phông chữ cũ TCVN3 (ABC) hoặc VNI, đã được chuyển sang Unicode: điểm đã được đọc lại, cần đối chiếu với bản gốc."
    )
    assert message("no-diacritics") == (
        "Văn bản có lớp chữ mất dấu tiếng Việt (tệp PDF nhận dạng chữ tự động): điểm đã được đọc lại, cần đối chiếu với bản gốc."
    )


def test_several_forms_of_a_unit_are_a_warning_naming_the_documents(framework, registry):
    first = make_form("first", "hq-dien-bien", full_rows(_sha("first"), framework))
    second = make_form("second", "hq-dien-bien", full_rows(_sha("second"), framework), document_number="07/BC-HQĐB")
    other = make_form("other", "hq-cao-bang", full_rows(_sha("other"), framework))
    result = validate_batch([first, second, other], framework, registry, documents={first.sha256: "hq-dien-bien/tu-danh-gia.docx"})
    assert result[other.sha256] == []
    for form in (first, second):
        (finding,) = result[form.sha256]
        assert (finding.rule, finding.severity, finding.criterion_code) == ("unit.duplicate", W, None)
        assert finding.message == ("Đơn vị gửi 2 bản tự đánh giá năm 2019 trong cùng đợt: hq-dien-bien/tu-danh-gia.docx; văn bản số 07/BC-HQĐB.")


def test_findings_are_ordered_form_level_first_then_by_criterion(framework, registry):
    sha256 = _sha("many")
    rows = full_rows(sha256, framework, {"3.1.1": Decimal("0.3"), "1.1.1": Decimal("2.5")})
    result = validate_batch([make_form("many", "hq-ha-noi", rows)] * 2, framework, registry)
    assert list(result) == [sha256]  # the same document twice is validated once
    assert [(f.rule, f.criterion_code) for f in result[sha256]] == [
        ("total.max", None),
        ("score.range", "1.1.1"),
        ("score.step", "3.1.1"),
    ]


def test_without_received_times_or_links_those_checks_stay_silent(cases, framework, registry):
    forms = [cases["late"][1], cases["evidence-not-found"][1]]
    assert validate_batch(forms, framework, registry) == {f.sha256: [] for f in forms}


def test_confidence_threshold_is_a_parameter(cases, framework, registry):
    _, scanned = cases["low-ocr"]
    assert validate_batch([scanned], framework, registry, min_confidence=60)[scanned.sha256] == []
    strict = validate_batch([scanned], framework, registry, min_confidence=97)[scanned.sha256]
    assert len(strict) == len(scanned.rows) and {f.rule for f in strict} == {"text.confidence"}


class _Threshold(TypedDict, total=False):
    min_confidence: float


def test_the_pipeline_passes_the_ocr_threshold_setting_on(cases):
    from pipeline.steps import validate_outcomes
    from tests.test_warehouse import _doc, _loaded

    _, scanned = cases["low-ocr"]  # 6.2 read at 62,5 %, every other row at 96 %
    outcomes = [_loaded(_doc("hq-thanh-hoa/tu-danh-gia.pdf", scanned.sha256), scanned)]

    def unsure(**threshold: Unpack[_Threshold]) -> list[str | None]:
        findings = validate_outcomes(outcomes, "tchq", **threshold)[0][scanned.sha256]  # its evidence is not in the package
        return [f.criterion_code for f in findings if f.rule == "text.confidence"]

    assert unsure() == ["6.2"]
    assert unsure(min_confidence=50) == []
    assert len(unsure(min_confidence=97)) == len(scanned.rows)


def test_empty_batch_needs_no_validation(framework, registry):
    assert validate_batch([], framework, registry) == {}


def test_only_failing_expectations_run_again_and_find_what_one_full_run_finds(tmp_path: Path, cases, framework, registry):
    # Without Data Docs, GX first only tells which expectations fail, then collects those ones' rows; the
    # Data Docs run collects every expectation's rows at once. Every rule the cases break, found both ways.
    received, links = {}, {}
    for case, form in cases.values():
        _, received[form.sha256], links[form.sha256] = case.build(framework)
    forms = [f for _, f in cases.values()]
    tables = frames.build_frames(forms, framework, registry, received, links).tables
    parameters = {"framework_blocks": [b.id for b in framework.blocks], "year": framework.year, "min_confidence": 80}
    twice = run_suites(tables, parameters)
    once = run_suites(tables, parameters, data_docs_dir=tmp_path / "docs")
    key = lambda failure: (failure.table, failure.meta["rule"], sorted(failure.index.items()))  # noqa: E731
    assert sorted(map(key, twice)) == sorted(map(key, once))
    assert len({(f.table, f.meta["rule"]) for f in twice}) > 10


def test_a_run_leaves_no_gx_context_behind(cases, framework, registry, monkeypatch):
    # GX would keep the latest context as its current one until the next run replaced it. Each context the
    # run makes is watched by a weak reference: scanning the heap (gc.get_objects) races with the reader
    # pools' threads, which CPython reports as a SystemError in them.
    import gc
    import weakref

    import great_expectations

    made: list[weakref.ref[object]] = []
    get_context = great_expectations.get_context

    def watched(*args, **kwargs):
        context = get_context(*args, **kwargs)
        made.append(weakref.ref(context))
        return context

    monkeypatch.setattr(great_expectations, "get_context", watched)
    _, over = cases["over-max"]
    validate_batch([over], framework, registry)
    gc.collect()
    assert made and all(ref() is None for ref in made)


def test_data_docs_come_from_the_same_run(tmp_path: Path, cases, framework, registry):
    _, over = cases["over-max"]
    result = validate_batch([over], framework, registry, data_docs_dir=tmp_path / "docs")
    assert [f.rule for f in result[over.sha256]] == ["score.range"]
    index = tmp_path / "docs" / "index.html"
    assert index.is_file() and "score_rows" in index.read_text(encoding="utf-8")
    # One validation page per table that had rows (no links were given, so no citations table).
    validated = {p.relative_to(tmp_path / "docs" / "validations").parts[0] for p in (tmp_path / "docs" / "validations").rglob("*.html")}
    assert validated == {"score_rows", "coverage", "submissions"}


# ---------------------------------------------------------------- applicability and scoring


def test_applicable_max_shrinks_only_for_allowed_criteria(cases, framework):
    block = framework.block(BLOCK)
    assert not_applicable_allowed(block) == {"3.3", "3.3.1", "3.3.2", "7.2.2"}
    assert applicable_max(cases["clean"][1], block) == Decimal(90)
    assert applicable_max(cases["na-allowed"][1], block) == Decimal(87)
    assert applicable_max(cases["na-forbidden"][1], block) == Decimal(90)  # an error, not a smaller maximum
    assert computed_total(cases["na-allowed"][1], block) == Decimal(87)
    assert computed_total(cases["absent"][1], block) is None
    assert children_sums(cases["missing-empty"][1], block).get("1.1") is None
    assert children_sums(cases["subtotal"][1], block)["1.1"] == Decimal(3)


def test_framework_reads_deadline_and_applicability(framework):
    assert framework.deadline == date(2020, 1, 31)
    assert framework.block("vu-chuc-nang").criterion("3.1").may_be_not_applicable
    assert not framework.block(BLOCK).criterion("1.1.1").may_be_not_applicable
    data = {
        "program": "x",
        "program_name": "X",
        "year": 2020,
        "agency": "A",
        "blocks": [{"id": "b", "name": "B", "max_points": 2, "criteria": [{"code": "1", "name": "N", "max_points": 2}]}],
    }
    bare = parse_framework(data)
    assert bare.deadline is None and not bare.blocks[0].criteria[0].may_be_not_applicable


def test_frames_use_the_frameworks_maximum_and_step(cases, framework, registry):
    over, step = cases["over-max"][1], cases["step"][1]
    outdated = cases["outdated-max"][1]
    table = frames.score_rows_frame([over, step, outdated], framework, registry).set_index(["sha256", "criterion_code"])
    assert table.loc[(over.sha256, "1.1.1"), "max_points"] == 1.0
    assert table.loc[(step.sha256, "2.1.1"), "step_remainder"] == pytest.approx(0.3)
    assert table.loc[(step.sha256, "1.1.1"), "step_remainder"] == 0.0
    assert bool(table.loc[(step.sha256, "1"), "is_known_criterion"]) and not bool(table.loc[(step.sha256, "1"), "is_leaf"])
    assert table.loc[(step.sha256, "1"), "criterion_max"] == 12.0 and table.loc[(step.sha256, "1"), "children_sum"] == 12.0
    assert table.loc[(outdated.sha256, "1.2.1"), "printed_max"] == 2.0
    coverage = frames.coverage_frame([cases["absent"][1], cases["duplicate"][1]], framework, registry)
    assert len(coverage) == 2 * len(framework.block(BLOCK).leaves()) == 100
    counts = coverage.set_index(["sha256", "criterion_code"])["occurrences"]
    assert counts[(cases["absent"][1].sha256, "3.2.1")] == 0
    assert counts[(cases["duplicate"][1].sha256, "1.1.1")] == 2
    assert frames.score_rows_frame([cases["stray-block"][1]], framework, registry).empty


# ---------------------------------------------------------------- suites


def test_suites_carry_rule_severity_and_message():
    seen = set()
    for table in (frames.SCORE_ROWS, frames.COVERAGE, frames.SUBMISSIONS, frames.CITATIONS):
        suite = load_suite(table)
        assert suite["name"] == table
        for expectation in suite["expectations"]:
            meta = expectation["meta"]
            assert meta["rule"] in RULES and meta["severity"] == RULES[meta["rule"]].severity.value and meta["message"]
            seen.add(meta["rule"])
    assert seen == set(RULES)


def test_suite_files_match_their_generator(batch_result):
    from expectations._write_suites import build_suites

    for table, suite in build_suites().items():
        assert json.loads(json.dumps(suite)) == load_suite(table), f"regenerate {table}.json"


def test_an_expectation_that_cannot_run_is_a_configuration_error(tmp_path: Path, cases, framework, registry):
    for path in SUITES_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    suite = load_suite(frames.SUBMISSIONS)
    suite["expectations"][0]["kwargs"]["column"] = "no_such_column"
    (tmp_path / f"{frames.SUBMISSIONS}.json").write_text(json.dumps(suite), encoding="utf-8")
    tables = frames.build_frames([cases["clean"][1]], framework, registry).tables
    with pytest.raises(ConfigurationError, match="no_such_column"):
        run_suites(tables, {"framework_blocks": [BLOCK], "year": 2019, "min_confidence": 80}, directory=tmp_path)


def test_importing_the_package_does_not_import_great_expectations():
    code = (
        "import sys, expectations, expectations.frames, expectations.validate\n"
        "from schemas.framework import framework_for\n"
        "from schemas.units import registry_for\n"
        "assert expectations.validate_batch([], framework_for('tchq', 2019), registry_for('tchq')) == {}\n"
        "print('great_expectations' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_great_expectations_says_nothing_at_info_level(caplog: pytest.LogCaptureFixture) -> None:
    """The demo's and the report's output once showed GX's 'Created temporary directory …' line: one of its
    modules sets its own logger to INFO."""
    import logging

    from expectations.validate import load_great_expectations

    gx = load_great_expectations()
    with caplog.at_level(logging.INFO):
        gx.get_context(mode="ephemeral")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("great_expectations")] == []
