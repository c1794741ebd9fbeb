"""Reports of a data-quality run: letters to units (DOCX, HTML), the Office summary, artifact content, Data Docs."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from PIL import Image

from reports import build_reports, quality_markdown, quality_table, unit_feedback, write_letters, write_summary
from reports.letters import letter_content, letter_docx, letter_html
from reports.summary import office_summary
from schemas.framework import Framework
from schemas.records import Finding, Lineage, SelfAssessment, Severity
from tests.test_validation import _sha, full_rows, make_form

E, W = Severity.ERROR, Severity.WARNING
SIGNED = date(2020, 2, 10)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


# ---------------------------------------------------------------- helpers shared with test_quality_inbox


def docx_text(source: Path | bytes) -> str:
    """Every paragraph and table cell of a Word file (a path or its bytes), one per line."""
    document = docx.Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


def html_text(path: Path) -> str:
    """An HTML page's text as a reader sees it: no tags, entities decoded, spaces folded."""
    page = path.read_text(encoding="utf-8")
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def chromium_screenshot(page: Path, tmp: Path) -> Path:
    """A 1200×900 screenshot of `page` by headless Chromium (scripts/system-packages.txt installs it)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed: scripts/setup.sh installs the Debian packages of scripts/system-packages.txt")
    png = tmp / f"{page.stem}.png"
    done = subprocess.run(
        [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp / 'chromium-profile'}",
            f"--screenshot={png}",
            "--window-size=1200,900",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert png.is_file() and png.stat().st_size > 0, f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    return png


def is_blank(png: Path) -> bool:
    """Whether a screenshot shows (almost) nothing: under 1 % of its pixels differ from white."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        inked = sum(histogram[:250])
        return inked < 0.01 * grey.width * grey.height


# ---------------------------------------------------------------- a small batch with hand-made findings


def _finding(form: SelfAssessment, rule: str, severity: Severity, message: str, code: str | None = None, page: int | None = None) -> Finding:
    lineage = Lineage(sha256=form.sha256, page=page, table=0, row=3) if code else None
    return Finding(sha256=form.sha256, rule=rule, severity=severity, message=message, criterion_code=code, lineage=lineage)


@pytest.fixture(scope="module")
def batch(framework: Framework) -> tuple[list[SelfAssessment], dict[str, list[Finding]], dict[str, str], dict[str, datetime]]:
    """Hà Nội with an error and a warning, Đà Nẵng clean, Hải Phòng twice (the later one clean), an unknown unit."""

    def form(name: str, unit: str) -> SelfAssessment:
        return make_form(name, unit, full_rows(_sha(name), framework))

    ha_noi, da_nang = form("ha-noi", "hq-ha-noi"), form("da-nang", "hq-da-nang")
    first, second = form("hp-1", "hq-hai-phong"), form("hp-2", "hq-hai-phong")
    stranger = form("moon", "hq-mat-trang")
    findings = {
        ha_noi.sha256: [
            _finding(ha_noi, "score.range", E, "Tiêu chí 1.1.1: điểm tự đánh giá 2,5 vượt điểm tối đa 1.", "1.1.1", page=1),
            _finding(ha_noi, "evidence.missing", W, "Tiêu chí 4.2: tự chấm 3 điểm nhưng không nêu tài liệu <kiểm chứng>.", "4.2"),
        ],
        da_nang.sha256: [],
        first.sha256: [_finding(first, "score.step", E, "Tiêu chí 2.1.1: điểm 0,3 không đúng bước chấm 0,5.", "2.1.1")],
        second.sha256: [],
        stranger.sha256: [_finding(stranger, "unit.block", E, "Đơn vị hq-mat-trang không có trong danh sách.")],
    }
    documents = {
        ha_noi.sha256: "hq-ha-noi/tu-danh-gia-2019.docx",
        first.sha256: "hq-hai-phong/ban-dau.pdf",
        second.sha256: "hq-hai-phong/ban-sua.pdf",
    }
    # Hải Phòng's corrected form arrives later but is listed first: the received times decide which counts.
    received = {second.sha256: datetime(2020, 1, 25), first.sha256: datetime(2020, 1, 10)}
    return [ha_noi, da_nang, second, first, stranger], findings, documents, received


@pytest.fixture(scope="module")
def feedback(batch, framework, registry):
    forms, findings, documents, received = batch
    return unit_feedback(forms, findings, framework, registry, documents=documents, received_at=received)


CODES = {"hq-ha-noi", "hq-hai-phong", "hq-da-nang"}


def test_feedback_groups_forms_by_unit_in_registry_order(feedback, registry):
    assert [u.unit_code for u in feedback] == [u.code for u in registry.units if u.code in CODES] + ["hq-mat-trang"]
    units = {u.unit_code: u for u in feedback}
    assert [d.name for d in units["hq-hai-phong"].documents] == ["ban-dau.pdf", "ban-sua.pdf"]  # as the unit named them, no folder
    assert units["hq-hai-phong"].ready  # the later, corrected form counts
    assert not units["hq-ha-noi"].ready and units["hq-da-nang"].ready
    assert not units["hq-mat-trang"].ready and units["hq-mat-trang"].block_id is None
    assert units["hq-da-nang"].documents[0].name.startswith("Tệp ")


def test_each_finding_says_what_is_expected(feedback):
    ha_noi = next(u for u in feedback if u.unit_code == "hq-ha-noi")
    over, evidence = ha_noi.current.findings
    assert (over.where, over.page, over.severity_label) == ("1.1.1", 1, "Lỗi")
    assert over.expected == "Điểm tự đánh giá từ 0 đến 1." and over.title == "Điểm ngoài khung điểm"
    assert evidence.severity_label == "Lưu ý" and evidence.expected.startswith("Nêu tài liệu kiểm chứng")
    stranger = next(u for u in feedback if u.unit_code == "hq-mat-trang")
    assert stranger.current.findings[0].where == "Chung"
    assert "năm 2019" in stranger.current.findings[0].expected


def test_letters_name_each_defect_in_docx_and_html(feedback, framework, tmp_path):
    paths = write_letters(feedback, framework, tmp_path, signed_on=SIGNED)
    assert len(paths) == 2 * len(feedback)
    docx_path = tmp_path / "thu-phan-hoi-hq-ha-noi-2019.docx"
    html_path = docx_path.with_suffix(".html")
    assert paths.index(docx_path) + 1 == paths.index(html_path)
    for text in (docx_text(docx_path), html_text(html_path)):
        assert "TỔNG CỤC HẢI QUAN" in text and "VĂN PHÒNG" in text and "CHÁNH VĂN PHÒNG" in text
        assert "Kính gửi: Cục Hải quan thành phố Hà Nội." in text
        assert "Tiêu chí 1.1.1: điểm tự đánh giá 2,5 vượt điểm tối đa 1." in text
        assert "Điểm tự đánh giá từ 0 đến 1." in text
        assert "tài liệu <kiểm chứng>" in text  # escaped in HTML, read back as written
        assert "có 1 lỗi nên chưa đủ điều kiện đưa vào xếp hạng" in text and "rà soát 1 nội dung cần lưu ý" in text
        assert "Hà Nội, ngày 10 tháng 02 năm 2020" in text
    assert "<kiểm chứng>" not in html_path.read_text(encoding="utf-8")
    assert '<html lang="vi">' in html_path.read_text(encoding="utf-8")


def test_a_clean_unit_and_a_resubmitting_unit_are_told_so(feedback, framework):
    units = {u.unit_code: u for u in feedback}
    clean = letter_content(units["hq-da-nang"], framework, SIGNED)
    assert clean.conclusion == "Báo cáo của đơn vị đầy đủ, hợp lệ và đủ điều kiện đưa vào xếp hạng."
    twice = letter_content(units["hq-hai-phong"], framework, SIGNED)
    assert "nhận sau cùng (ban-sua.pdf)" in twice.conclusion
    assert "1. Báo cáo ban-dau.pdf: 1 lỗi, 0 nội dung cần lưu ý." in letter_html(twice)
    stranger = letter_content(units["hq-mat-trang"], framework, SIGNED)
    assert stranger.conclusion.startswith("Đơn vị không có trong danh sách đơn vị được đánh giá")


def test_letters_carry_the_signer_s_name_or_a_line_to_fill_in(feedback, framework, tmp_path):
    named = letter_content(feedback[0], framework, SIGNED, signer="Nguyễn Văn An")
    assert [line.text for line in named.signature] == ["CHÁNH VĂN PHÒNG", "", "", "", "Nguyễn Văn An"]
    for text in (docx_text(letter_docx(named)), letter_html(named)):
        assert "Nguyễn Văn An" in text and "Ký, ghi rõ họ tên" not in text
    unnamed = letter_content(feedback[0], framework, SIGNED)
    assert [line.text for line in unnamed.signature] == ["CHÁNH VĂN PHÒNG", "(Ký, ghi rõ họ tên)"]
    paths = write_letters(feedback[:1], framework, tmp_path, signer="Nguyễn Văn An")
    assert "Nguyễn Văn An" in docx_text(paths[0])


def test_letters_are_reproducible(feedback, framework):
    letter = letter_content(feedback[0], framework, SIGNED)
    assert letter_docx(letter) == letter_docx(letter_content(feedback[0], framework, SIGNED))
    undated = letter_content(feedback[0], framework)
    assert "Hà Nội, ngày ... tháng ... năm ..." in docx_text(letter_docx(undated))


def test_office_summary_counts_rules_units_and_missing_units(feedback, framework, registry):
    summary = office_summary(feedback, framework, registry, SIGNED)
    assert (summary.documents, summary.errors, summary.warnings) == (5, 3, 1)
    assert [(r.rule, r.findings, r.units) for r in summary.rules] == [
        ("score.range", 1, 1),
        ("score.step", 1, 1),
        ("unit.block", 1, 1),
        ("evidence.missing", 1, 1),
    ]
    provincial = summary.blocks[0]
    assert provincial.block_id == "cuc-hq-tinh" and provincial.ready == 2 and len(provincial.units) == 3
    assert len(provincial.missing) == len(registry.in_block("cuc-hq-tinh")) - 3
    assert summary.ready == 2 and summary.units == 4 and [u.unit_code for u in summary.unregistered] == ["hq-mat-trang"]
    assert summary.missing == len(registry.units) - 3


def test_summary_page_is_self_contained_vietnamese_with_charts(feedback, framework, registry, tmp_path):
    path = write_summary(feedback, framework, registry, tmp_path, data_docs=tmp_path / "data-docs" / "index.html", generated_on=SIGNED)
    assert path.name == "tong-hop-kiem-tra-du-lieu-2019.html"
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert page.count("<svg") == 2 and "<?xml" not in page
    assert not re.search(r"""(?:src|href)=["']https?:""", page)  # nothing fetched from the network
    text = html_text(path)
    assert "2/4 đơn vị sẵn sàng xếp hạng" in text and "3 lỗi (chưa xếp hạng)" in text
    assert "Cục Hải quan thành phố Hà Nội" in text and "Chưa đủ điều kiện" in text and "Chưa nộp:" in text
    assert 'href="data-docs/index.html"' in page


def test_summary_renders_in_headless_chromium(feedback, framework, registry, tmp_path):
    path = write_summary(feedback, framework, registry, tmp_path / "out", generated_on=SIGNED)
    png = chromium_screenshot(path, tmp_path)
    with Image.open(png) as image:
        assert image.size == (1200, 900)
    assert not is_blank(png)


def test_blank_page_detector_sees_a_blank_page(tmp_path):
    page = tmp_path / "blank.html"
    page.write_text('<!DOCTYPE html><html lang="vi"><body></body></html>', encoding="utf-8")
    assert is_blank(chromium_screenshot(page, tmp_path))


def test_artifact_content(feedback, framework, registry):
    markdown = quality_markdown(feedback, framework, registry, links=[("Data Docs", "file:///tmp/dd/index.html")])
    assert markdown.startswith("# Data quality tchq-2019\n")
    assert "- units ready to be ranked: 2 of 4" in markdown
    assert "| `score.range` Điểm ngoài khung điểm | error | 1 | 1 |" in markdown
    assert "- Cục Hải quan thành phố Hà Nội (`hq-ha-noi`): 1 errors" in markdown
    assert "[Data Docs](file:///tmp/dd/index.html)" in markdown
    table = quality_table(feedback)
    assert len(table) == 4 and [r["severity"] for r in table] == ["error", "error", "error", "warning"]
    assert table[0] == {
        "unit": "hq-ha-noi",
        "document": "tu-danh-gia-2019.docx",
        "severity": "error",
        "rule": "score.range",
        "criterion": "1.1.1",
        "page": 1,
        "message": "Tiêu chí 1.1.1: điểm tự đánh giá 2,5 vượt điểm tối đa 1.",
    }
    assert len(quality_table(feedback, limit=2)) == 2


def test_build_reports_writes_letters_summary_and_data_docs(batch, framework, registry, tmp_path):
    forms, findings, documents, received = batch
    paths = build_reports(forms, findings, framework, registry, tmp_path, documents=documents, received_at=received, signed_on=SIGNED)
    assert paths.data_docs is not None and paths.data_docs == tmp_path / "data-docs" / "index.html" and paths.data_docs.is_file()
    assert paths.summary == tmp_path / "tong-hop-kiem-tra-du-lieu-2019.html"
    assert {p.parent for p in paths.letters} == {tmp_path / "thu-phan-hoi"} and len(paths.letters) == 8
    skipped = build_reports(forms, findings, framework, registry, tmp_path / "no-docs", build_data_docs=False)
    assert skipped.data_docs is None and not (tmp_path / "no-docs" / "data-docs").exists()


def test_cli_reports_and_flows_do_not_import_great_expectations():
    code = (
        "import importlib, pkgutil, sys\n"
        "import flows, parindex.cli, reports, reports.letters, reports.summary, reports.artifacts\n"
        "for module in pkgutil.iter_modules(flows.__path__):\n"
        "    importlib.import_module(f'flows.{module.name}')\n"
        "print(sorted(m for m in sys.modules if m.startswith('flows.')))\n"
        "print('great_expectations' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    flows_loaded, gx_loaded = done.stdout.strip().splitlines()[-2:]
    assert "flows.ingest" in flows_loaded and "flows.publish" in flows_loaded
    assert gx_loaded == "False"
