"""OCR of scanned self-assessment forms: deskew, table grid, cells, confidences, and the review flag."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import date
from decimal import Decimal

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest

from core.errors import DocumentError, Reason
from extractors import ExtractionLimits, extract_document, header
from extractors.extract import evidence_by_scan_head
from extractors.ocr_cells import PageScan, cell_image
from extractors.ocr_engine import INSTALL_HINT, ocr_available
from extractors.ocr_grid import find_tables, rules
from extractors.ocr_image import ink, rotate, skew_angle
from extractors.ocr_reader import read_scanned_head, read_scanned_pdf
from extractors.ocr_review import DEFAULT_REVIEW_THRESHOLD, needs_review, review_threshold
from forms import write_form_pdf
from forms.evidence_writer import write_evidence
from forms.layout import printed_scores
from samples import package_for, sample_totals, unit_place, unit_symbol
from samples.scans import scan_form
from schemas.framework import Framework
from schemas.records import EvidenceDocument, Lineage, ScoreRow, SelfAssessment, TextLayer
from schemas.units import UnitRegistry

needs_tesseract = pytest.mark.skipif(not ocr_available(), reason=f"Tesseract with its Vietnamese model is not installed: {INSTALL_HINT}")
# A functional department: its form is two pages, so a scan reads in seconds.
UNIT = "vu-phap-che"


@pytest.fixture(scope="module")
def small_form(framework: Framework, registry: UnitRegistry) -> tuple[bytes, dict[str, Decimal]]:
    """The generated PDF form of UNIT and the score it prints on every row."""
    position = next(i for i, unit in enumerate(registry.units) if unit.code == UNIT)
    package = package_for(framework, registry.units[position], position, sample_totals("tchq", 2019)[UNIT])
    return write_form_pdf(package.form), printed_scores(package.form)


@pytest.fixture(scope="module")
def skewed_scan(small_form: tuple[bytes, dict[str, Decimal]]) -> bytes:
    return scan_form(small_form[0], dpi=300, angle=1.4, seed=11)


def _check_scores(form: SelfAssessment, printed: dict[str, Decimal]) -> None:
    """Every printed row is read back exactly, or else flagged for review: never silently wrong."""
    rows = {row.code: row for row in form.rows}
    assert set(printed) <= set(rows), f"rows not read: {sorted(set(printed) - set(rows))}"
    wrong = [(code, rows[code].self_points, value) for code, value in printed.items() if rows[code].self_points != value]
    unflagged = [w for w in wrong if not needs_review(rows[w[0]])]
    assert not unflagged, f"misread and not flagged for review: {unflagged}"
    assert len(wrong) <= 1, f"too many misread scores: {wrong}"
    assert all(row.confidence is not None for row in form.rows)


def test_a_scan_is_image_only_and_the_same_for_the_same_arguments(small_form: tuple[bytes, dict[str, Decimal]], skewed_scan: bytes) -> None:
    with pdfplumber.open(io.BytesIO(skewed_scan)) as pdf:
        assert len(pdf.pages) == 2
        assert not pdf.pages[0].chars and pdf.pages[0].images
    assert scan_form(small_form[0], dpi=300, angle=1.4, seed=11) == skewed_scan


@needs_tesseract
def test_a_skewed_scan_reads_back_unit_year_and_every_score(
    small_form: tuple[bytes, dict[str, Decimal]], skewed_scan: bytes, registry: UnitRegistry
) -> None:
    from extractors.interpret import interpret

    document = read_scanned_pdf(skewed_scan, hashlib.sha256(skewed_scan).hexdigest())
    assert document.pages == 2 and len(document.grids) == 2
    row = document.grids[0].rows[1]
    assert row.page == 1 and row.confidence is not None and len(row.confidence) == len(row.cells) == 6
    assert all(unicodedata.is_normalized("NFC", cell) for grid in document.grids for r in grid.rows for cell in r.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in document.lines
    form = interpret(document, registry)
    assert (form.unit_code, form.year) == (UNIT, 2019)
    assert form.document_date is not None and form.document_date.year == 2020
    _check_scores(form, small_form[1])
    assert form.stated_total == sum(v for code, v in small_form[1].items() if "." not in code)


@needs_tesseract
def test_a_page_fed_sideways_is_turned_upright_through_extract_document(small_form: tuple[bytes, dict[str, Decimal]]) -> None:
    from extractors.extract import extract_document

    scan = scan_form(small_form[0], dpi=300, angle=90.6, seed=12)
    form = extract_document(scan, "scan-sideways.pdf")
    assert isinstance(form, SelfAssessment)
    assert (form.unit_code, form.year) == (UNIT, 2019)
    _check_scores(form, small_form[1])


def _synthetic_page(angle: float) -> np.ndarray:
    """A white A4-like page at 150 dpi with a 4 x 3 ruled table and some text lines, turned by `angle`."""
    page = np.full((1754, 1240), 245, np.uint8)
    for y in (300, 360, 420):
        cv2.putText(page, "Bao cao tu danh gia cham diem", (150, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 20, 3)
    xs, ys = (150, 300, 800, 1090), (600, 680, 760, 840, 920)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 0, 3)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 3)
    cv2.rectangle(page, (302, 682), (1088, 758), 245, -1)  # merge row 1 across columns 1 and 2: one cell
    cv2.line(page, (300, 680), (300, 760), 0, 3)
    cv2.line(page, (1090, 680), (1090, 760), 0, 3)
    cv2.line(page, (300, 680), (1090, 680), 0, 3)
    cv2.line(page, (300, 760), (1090, 760), 0, 3)
    cv2.putText(page, "1.5", (180, 820), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 20, 2)
    cv2.circle(page, (270, 780), 1, 90, -1)  # dust in the cell's corner
    return rotate(page, angle)


def test_the_skew_is_measured_to_a_twentieth_of_a_degree() -> None:
    for angle in (-1.8, 0.0, 0.7, 2.9):
        assert skew_angle(ink(_synthetic_page(angle))) == pytest.approx(angle, abs=0.05)


def test_the_grid_is_found_with_a_merged_cell_and_a_number_cut_out_without_dust() -> None:
    page = _synthetic_page(0.0)
    mask = ink(page)
    ruling = rules(mask, 150)
    tables = find_tables(ruling, 150)
    assert len(tables) == 1
    table = tables[0]
    assert (table.row_count, table.column_count) == (4, 3)
    merged = [cell for cell in table.cells if cell.columns > 1]
    assert [(c.row, c.column, c.columns) for c in merged] == [(1, 1, 2)]
    assert len(table.cells) == 4 * 3 - 1
    number = next(c for c in table.cells if (c.row, c.column) == (2, 0))
    scan = PageScan(page, mask, ruling.both, 150)
    prepared = cell_image(scan, number, numeric=True)
    assert (prepared.glyphs, prepared.marks) == (2, 1)  # "1", "5" and the dot between them; the dust is gone
    blank = next(c for c in table.cells if (c.row, c.column) == (3, 2))
    assert cell_image(scan, blank, numeric=True).blank


def _row(confidence: float | None) -> ScoreRow:
    return ScoreRow(code="1.1", self_points=Decimal("1.5"), confidence=confidence, lineage=Lineage(sha256="x", page=1, table=0, row=1))


def test_rows_below_the_threshold_need_review_and_born_digital_rows_never_do() -> None:
    assert DEFAULT_REVIEW_THRESHOLD == 80.0
    assert needs_review(_row(79.9)) and not needs_review(_row(80.0)) and not needs_review(_row(None))
    assert needs_review(_row(85.0), threshold=90.0)
    assert review_threshold("75") == 75.0 and review_threshold(None) == DEFAULT_REVIEW_THRESHOLD
    with pytest.raises(ValueError, match="from 0 to 100"):
        review_threshold(120)
    with pytest.raises(ValueError, match="must be a number"):
        review_threshold("high")


def test_a_damaged_pdf_is_bad_input_and_a_silly_resolution_a_mistake() -> None:
    with pytest.raises(DocumentError) as caught:
        read_scanned_pdf(b"%PDF-1.4\nnot really a pdf", "x")
    assert caught.value.reason is Reason.DAMAGED
    with pytest.raises(ValueError, match="dpi"):
        read_scanned_pdf(b"%PDF-1.4", "x", dpi=40)


# --- scanned evidence: its header alone ------------------------------------------------------------------

_KINDS = (
    ("KH", "Kế hoạch cải cách hành chính năm 2019"),
    ("QĐ", "Quyết định ban hành Quy chế làm việc"),
    ("BC", "Báo cáo kết quả kiểm tra công vụ"),
    ("TB", "Thông báo kết luận giao ban"),
)
_BODY = "Căn cứ Quyết định số 1500/QĐ-TCHQ ngày 24/5/2019 của Tổng cục trưởng Tổng cục Hải quan về việc ban hành Bộ chỉ số cải cách hành chính."


def _scanned_evidence(registry: UnitRegistry, index: int, paragraphs: int = 8) -> tuple[bytes, str, date]:
    """The `index`-th generated evidence file of a unit, printed, signed and scanned at 200 dpi, slightly askew."""
    unit = registry.units[index * 7 % len(registry.units)]
    symbol, title = _KINDS[index % len(_KINDS)]
    number, signed_on = f"{index * 13 % 200 + 1}/{symbol}-{unit_symbol(unit)}", date(2019, index % 12 + 1, index % 27 + 1)
    body = "\n\n".join([_BODY] * paragraphs)
    data = write_evidence(title, number, signed_on, unit.name, unit_place(unit), body, "pdf")
    return scan_form(data, dpi=200, angle=(index % 5 - 2) * 0.4, seed=index), number, signed_on


@needs_tesseract
def test_scanned_evidence_is_read_by_its_header_alone(registry: UnitRegistry) -> None:
    scan, number, signed_on = _scanned_evidence(registry, 3, paragraphs=40)
    result = extract_document(scan, "ke-hoach-scan.pdf")
    assert isinstance(result, EvidenceDocument) and result.text_layer is TextLayer.OCR_HEADER
    assert (result.document_number, result.document_date) == (number, signed_on)
    assert result.pages == len(pdfium.PdfDocument(scan)) > 1
    assert "1500/QĐ-TCHQ" in [ref.number for ref in result.references]  # the citations of its first lines


@needs_tesseract
def test_the_office_may_have_scanned_evidence_read_whole(registry: UnitRegistry) -> None:
    scan, number, signed_on = _scanned_evidence(registry, 5)
    whole = ExtractionLimits(ocr_whole_evidence=1)
    assert evidence_by_scan_head(scan, "0" * 64, whole) is None
    result = extract_document(scan, "scan.pdf", limits=whole)
    assert isinstance(result, EvidenceDocument) and result.text_layer is TextLayer.OCR
    assert (result.document_number, result.document_date) == (number, signed_on)


@needs_tesseract
def test_header_ocr_reads_number_and_date_exactly_or_not_at_all(registry: UnitRegistry) -> None:
    """#20's bar: 20 generated headers at 200 dpi, number and date exact on at least 95 %, none wrong."""
    exact, wrong = 0, []
    for index in range(20):
        scan, number, signed_on = _scanned_evidence(registry, index)
        head = read_scanned_head(scan, "0" * 64)
        read = (header.document_number(head.lines), header.document_date(head.lines))
        exact += read == (number, signed_on)
        wrong += (
            [(index, read, (number, signed_on))]
            if any(got is not None and got != want for got, want in zip(read, (number, signed_on), strict=True))
            else []
        )
    assert not wrong, f"read wrong: {wrong}"
    assert exact >= 19


@needs_tesseract
def test_a_scanned_form_is_read_whole(small_form: tuple[bytes, dict[str, Decimal]]) -> None:
    """Its header names a self-assessment: the whole scan goes to OCR, as every scanned form did."""
    scan = scan_form(small_form[0], dpi=200, angle=0.6, seed=5)
    assert evidence_by_scan_head(scan, "0" * 64, ExtractionLimits()) is None
    assert isinstance(extract_document(scan, "tu-danh-gia-scan.pdf"), SelfAssessment)


def test_form_words_in_a_header_read_with_one_letter_wrong_still_read_it_whole() -> None:
    from extractors.extract import _head_may_be_form

    assert _head_may_be_form(["KẾT QUẢ THẨM ĐlNH CHỈ SỐ CCHC NĂM 2019"])  # "ĐlNH": an l for the I
    assert _head_may_be_form(["BÁO CÁO TỰ ĐÁNH GlÁ, CHẤM ĐIỂM"])
    assert not _head_may_be_form(["KẾ HOẠCH", "Cải cách hành chính năm 2019", "Số: 15/KH-HQQN"])


@needs_tesseract
def test_a_scan_fed_sideways_is_turned_before_its_header_is_read(registry: UnitRegistry) -> None:
    """The orientation is asked only of a page that does not read upright: a sideways one still reads."""
    unit = registry.units[0]
    data = write_evidence("Kế hoạch cải cách hành chính năm 2019", "15/KH-HQAG", date(2019, 3, 7), unit.name, unit_place(unit), _BODY, "pdf")
    head = read_scanned_head(scan_form(data, dpi=200, angle=90.5, seed=2), "0" * 64)
    assert header.document_date(head.lines) == date(2019, 3, 7)
    assert header.document_number(head.lines) in (None, "15/KH-HQAG")  # exact or unread, never wrong


@needs_tesseract
def test_no_scanned_form_or_round_sheet_is_taken_for_evidence_by_its_header(framework: Framework, registry: UnitRegistry) -> None:
    """Every PDF layout parindex knows a form or a round sheet in, printed and scanned at 200 dpi: its header
    (the top HEAD_SHARE of page 1, read by OCR) leaves it to the whole reading."""
    from samples.generate import package_for as package_of
    from samples.rounds import RoundScores, council_pdf
    from samples.variants import VARIANTS, build_variant

    unit = registry.get("hq-ha-noi")
    documents = {
        spec.name: build_variant(spec, framework, registry).data for spec in VARIANTS if spec.fmt == "pdf" and spec.producer != "libreoffice"
    }
    own = {leaf.code: leaf.max_points for leaf in framework.block(unit.block).leaves()}
    documents["council"] = council_pdf(RoundScores(framework, unit, own, {}, {}, {}, {}, dict.fromkeys(list(own)[:2], Decimal(0)), {}))
    documents["official form"] = write_form_pdf(package_of(framework, unit, 0, Decimal(87)).form)
    taken = [
        name
        for name, data in documents.items()
        if evidence_by_scan_head(scan_form(data, dpi=200, angle=0.7, seed=1), "0" * 64, ExtractionLimits()) is not None
    ]
    assert not taken, f"scanned forms taken for evidence: {taken}"
