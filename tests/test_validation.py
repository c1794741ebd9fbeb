"""Validation of self-assessments with Great Expectations: one finding per defect, kept apart per form."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from expectations import frames
from expectations.validate import SUITES_DIR, load_suite, run_suites, validate_batch
from parindex.errors import ConfigurationError
from schemas.framework import Framework, framework_for
from schemas.records import Finding, Lineage, ScoreRow, SelfAssessment, Severity
from schemas.units import Unit, UnitRegistry, registry_for

BLOCK = "cuc-hq-tinh"
RULES = {
    "score.missing", "score.range", "score.step", "criterion.missing",
    "criterion.duplicate", "criterion.unknown", "unit.block", "total.max",
}


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


def full_rows(sha256: str, framework: Framework) -> list[ScoreRow]:
    """Every criterion of the block, leaves at their maximum; field rows (level 1) left without a score."""
    rows = []
    for i, criterion in enumerate(framework.block(BLOCK).walk()):
        points = None if criterion.level == 1 else criterion.max_points
        rows.append(ScoreRow(
            code=criterion.code,
            name=criterion.name,
            max_points=criterion.max_points,
            self_points=points,
            self_text="" if points is None else str(points).replace(".", ","),
            lineage=Lineage(sha256=sha256, page=1 + i // 40, table=0, row=i),
        ))
    return rows


def form(name: str, framework: Framework, rows: list[ScoreRow] | None = None, unit: str = "hq-ha-noi") -> SelfAssessment:
    sha256 = _sha(name)
    return SelfAssessment(
        sha256=sha256, unit_code=unit, unit_text=unit, year=2019,
        rows=full_rows(sha256, framework) if rows is None else rows,
    )


def _set(
    rows: list[ScoreRow], code: str, points: str | None, text: str | None = None, printed_max: str | None = None
) -> list[ScoreRow]:
    update: dict[str, object] = {"self_points": None if points is None else Decimal(points)}
    update["self_text"] = text if text is not None else (points or "")
    if printed_max is not None:
        update["max_points"] = Decimal(printed_max)
    return [r.model_copy(update=update) if r.code == code else r for r in rows]


def _extra(sha256: str, code: str, points: str, row: int) -> ScoreRow:
    return ScoreRow(code=code, self_points=Decimal(points), self_text=points, lineage=Lineage(sha256=sha256, table=0, row=row))


def defect_forms(framework: Framework) -> dict[str, tuple[SelfAssessment, set[tuple[str, str | None, Severity]]]]:
    """Each form with one kind of defect, and the exact (rule, criterion, severity) set it must raise."""
    E = Severity.ERROR
    cases: dict[str, tuple[list[ScoreRow] | None, str, set[tuple[str, str | None, Severity]]]] = {}

    def rows_of(name: str) -> list[ScoreRow]:
        return full_rows(_sha(name), framework)

    cases["clean"] = (None, "hq-ha-noi", set())
    cases["missing-empty"] = (_set(rows_of("missing-empty"), "1.1.2", None, ""), "hq-ha-noi", {("score.missing", "1.1.2", E)})
    cases["missing-unreadable"] = (
        _set(rows_of("missing-unreadable"), "1.1.3", None, "một điểm"), "hq-ha-noi", {("score.missing", "1.1.3", E)},
    )
    # Over the framework's maximum (1) though under the printed one (3); 2.3.1 lowered to keep the total at 90.
    over = _set(_set(rows_of("over-max"), "1.1.1", "2.5", printed_max="3"), "2.3.1", "0.5")
    cases["over-max"] = (over, "hq-ha-noi", {("score.range", "1.1.1", E)})
    cases["negative"] = (_set(rows_of("negative"), "1.2.1", "-0.5"), "hq-ha-noi", {("score.range", "1.2.1", E)})
    cases["step"] = (_set(rows_of("step"), "2.1.1", "0.3", "0,3"), "hq-ha-noi", {("score.step", "2.1.1", E)})
    cases["absent"] = (
        [r for r in rows_of("absent") if r.code != "3.2.1"], "hq-ha-noi", {("criterion.missing", "3.2.1", E)},
    )
    cases["duplicate"] = (
        [*rows_of("duplicate"), _extra(_sha("duplicate"), "1.1.1", "0", 200)], "hq-ha-noi",
        {("criterion.duplicate", "1.1.1", E)},
    )
    cases["unknown-code"] = (
        [*rows_of("unknown-code"), _extra(_sha("unknown-code"), "9.9", "0", 201)], "hq-ha-noi",
        {("criterion.unknown", "9.9", E)},
    )
    cases["total"] = (
        _set(rows_of("total"), "1.1.1", "2.5"), "hq-ha-noi", {("score.range", "1.1.1", E), ("total.max", None, E)},
    )
    cases["unregistered-unit"] = (None, "hq-mat-trang", {("unit.block", None, E)})
    cases["stray-block"] = (None, "hq-thu-nghiem", {("unit.block", None, E)})
    return {
        name: (form(name, framework, rows, unit), expected) for name, (rows, unit, expected) in cases.items()
    }


@pytest.fixture(scope="module")
def cases(framework: Framework) -> dict[str, tuple[SelfAssessment, set[tuple[str, str | None, Severity]]]]:
    return defect_forms(framework)


@pytest.fixture(scope="module")
def batch_result(cases, framework, registry) -> dict[str, list[Finding]]:
    """One GX run over every case form at once, as the pipeline calls it."""
    return validate_batch([f for f, _ in cases.values()], framework, registry)


def _found(result: dict[str, list[Finding]], sha256: str) -> set[tuple[str, str | None, Severity]]:
    return {(f.rule, f.criterion_code, f.severity) for f in result[sha256]}


def _only(result: dict[str, list[Finding]], case: SelfAssessment) -> Finding:
    (finding,) = [f for f in result[case.sha256]]
    return finding


def test_full_form_is_clean(batch_result, cases, framework):
    clean, _ = cases["clean"]
    leaves = {c.code for c in framework.block(BLOCK).leaves()}
    assert len(leaves) == 50 and leaves <= {r.code for r in clean.rows}
    assert batch_result[clean.sha256] == []


@pytest.mark.parametrize("name", [
    "missing-empty", "missing-unreadable", "over-max", "negative", "step", "absent",
    "duplicate", "unknown-code", "total", "unregistered-unit", "stray-block",
])
def test_each_defect_raises_exactly_its_rule(batch_result, cases, name):
    case, expected = cases[name]
    assert _found(batch_result, case.sha256) == expected


def test_every_form_of_the_batch_has_its_own_entry(batch_result, cases):
    assert set(batch_result) == {f.sha256 for f, _ in cases.values()}
    for sha256, findings in batch_result.items():
        assert all(f.sha256 == sha256 for f in findings)
        assert all(f.lineage is None or f.lineage.sha256 == sha256 for f in findings)
    assert {f.rule for findings in batch_result.values() for f in findings} == RULES


def test_row_findings_keep_the_row_lineage(batch_result, cases):
    over, _ = cases["over-max"]
    finding = _only(batch_result, over)
    assert finding.lineage == next(r.lineage for r in over.rows if r.code == "1.1.1")
    assert finding.lineage.page == 1 and finding.lineage.row == 2
    unknown, _ = cases["unknown-code"]
    assert _only(batch_result, unknown).lineage == Lineage(sha256=unknown.sha256, table=0, row=201)
    duplicate, _ = cases["duplicate"]
    assert _only(batch_result, duplicate).lineage == Lineage(sha256=duplicate.sha256, table=0, row=200)
    absent, _ = cases["absent"]
    assert _only(batch_result, absent).lineage is None


def test_messages_are_vietnamese_with_codes_and_points(batch_result, cases):
    def message(name: str) -> str:
        return _only(batch_result, cases[name][0]).message

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
    total = next(f for f in batch_result[cases["total"][0].sha256] if f.rule == "total.max")
    assert total.message == "Tổng điểm tự đánh giá các tiêu chí thành phần 91,5 vượt điểm tối đa của khối 90."


def test_findings_are_ordered_form_level_first_then_by_criterion(framework, registry):
    sha256 = _sha("many")
    rows = _set(_set(full_rows(sha256, framework), "3.1.1", "0.3"), "1.1.1", "2.5")
    result = validate_batch([form("many", framework, rows), form("many", framework, rows)], framework, registry)
    assert list(result) == [sha256]  # the same document twice is validated once
    assert [(f.rule, f.criterion_code) for f in result[sha256]] == [
        ("total.max", None), ("score.range", "1.1.1"), ("score.step", "3.1.1"),
    ]


def test_empty_batch_needs_no_validation(framework, registry):
    assert validate_batch([], framework, registry) == {}


def test_frames_use_the_frameworks_maximum_and_step(cases, framework, registry):
    over, _ = cases["over-max"]
    step, _ = cases["step"]
    table = frames.score_rows_frame([over, step], framework, registry).set_index(["sha256", "criterion_code"])
    assert table.loc[(over.sha256, "1.1.1"), "max_points"] == 1.0  # printed 3
    assert table.loc[(step.sha256, "2.1.1"), "step_remainder"] == pytest.approx(0.3)
    assert table.loc[(step.sha256, "1.1.1"), "step_remainder"] == 0.0
    assert bool(table.loc[(step.sha256, "1"), "is_known_criterion"]) and not bool(table.loc[(step.sha256, "1"), "is_leaf"])
    coverage = frames.coverage_frame([cases["absent"][0], cases["duplicate"][0]], framework, registry)
    assert len(coverage) == 2 * len(framework.block(BLOCK).leaves()) == 100
    counts = coverage.set_index(["sha256", "criterion_code"])["occurrences"]
    assert counts[(cases["absent"][0].sha256, "3.2.1")] == 0
    assert counts[(cases["duplicate"][0].sha256, "1.1.1")] == 2
    stray, _ = cases["stray-block"]
    assert frames.score_rows_frame([stray], framework, registry).empty


def test_suites_carry_rule_severity_and_message():
    seen = set()
    for table in (frames.SCORE_ROWS, frames.COVERAGE, frames.SUBMISSIONS):
        suite = load_suite(table)
        assert suite["name"] == table
        for expectation in suite["expectations"]:
            meta = expectation["meta"]
            assert meta["rule"] in RULES and meta["severity"] in {"error", "warning"} and meta["message"]
            seen.add(meta["rule"])
    assert seen == RULES


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
    tables = frames.build_frames([cases["clean"][0]], framework, registry).tables
    with pytest.raises(ConfigurationError, match="no_such_column"):
        run_suites(tables, {"framework_blocks": [BLOCK]}, directory=tmp_path)


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
