"""Document numbers and dates in text, evidence files as records, and score rows linked to the evidence they cite."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import docx
import pytest

from extractors import evidence_document, extract_document, link_evidence, parse_references, read_docx
from extractors.references import canonical_number, first_date, number_key
from schemas.records import DocumentKind, EvidenceDocument, EvidenceRef, Lineage, LinkStatus, ScoreRow, SelfAssessment

SHA = "c" * 64


def _docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("123/QĐ-HQĐNg", "123/QĐ-HQĐNg"),
        ("05-NQ/TU", "05-NQ/TU"),
        ("2231/SNV-CCHC&PC", "2231/SNV-CCHC&PC"),
        ("673/QĐUBND", "673/QĐ-UBND"),  # the hyphen lost by extraction, restored after the kind
        ("18/BCTĐSTP", "18/BCTĐ-STP"),
        ("1494/TTrSNV", "1494/TTr-SNV"),
        ("673 / QĐ – UBND", "673/QĐ-UBND"),
        ("05\u2011NQ/TU", "05-NQ/TU"),
        ("05\u2010NQ/TU", "05-NQ/TU"),
        ("99/2022/NĐ\u2212CP", "99/2022/NĐ-CP"),
        ("2231/SNVCCHC&PC", "2231/SNVCCHC&PC"),  # no kind opens it: nothing to restore
    ],
)
def test_canonical_number(written: str, number: str) -> None:
    assert canonical_number(written) == number
    (ref,) = parse_references(f"Văn bản số {written} của cơ quan")
    assert ref.number == number


def test_parse_references_reads_kind_date_and_text() -> None:
    text = (
        "Quyết định số 123/QĐ-HQĐNg ngày 27/7/2018; Nghị quyết số 05‑NQ/TU, "
        "Công văn số 2231/SNV-CCHC&PC ngày 10 tháng 3 năm 2019\nBáo cáo số 10/BC-HQQN\nngày 15/12/2019"
    )
    assert parse_references(text) == [
        EvidenceRef(number="123/QĐ-HQĐNg", kind="Quyết định", issued_on=date(2018, 7, 27), text="Quyết định số 123/QĐ-HQĐNg"),
        EvidenceRef(number="05-NQ/TU", kind="Nghị quyết", issued_on=None, text="Nghị quyết số 05-NQ/TU"),
        EvidenceRef(number="2231/SNV-CCHC&PC", kind="Công văn", issued_on=date(2019, 3, 10), text="Công văn số 2231/SNV-CCHC&PC"),
        EvidenceRef(number="10/BC-HQQN", kind="Báo cáo", issued_on=date(2019, 12, 15), text="Báo cáo số 10/BC-HQQN"),
    ]


@pytest.mark.parametrize(
    "text",
    ["ngày 15/12/2019", "Điều 3/Luật Tổ chức", "tỷ lệ 1/2", "tiêu chí 1.1/1.2", "", "Kế hoạch số ..../KH-HQQN"],
)
def test_what_is_not_a_document_number(text: str) -> None:
    assert parse_references(text) == []


def test_each_number_once_and_its_date_not_the_next_ones() -> None:
    refs = parse_references("Kế hoạch 03/KH-HQQN; Kế hoạch số 03/KH-HQQN ngày 05/01/2019; Quyết định 12/QĐ-HQQN ngày 20/3/2019")
    assert [(r.number, r.issued_on) for r in refs] == [("03/KH-HQQN", None), ("12/QĐ-HQQN", date(2019, 3, 20))]


def test_number_key_ignores_diacritics_case_and_spacing() -> None:
    assert number_key("123/QĐ-HQĐNg") == number_key("123/qd - hqdng") == number_key("123/QĐHQĐNg")


def test_first_date() -> None:
    assert first_date("Đà Nẵng, ngày 05 tháng 01 năm 2020") == date(2020, 1, 5)
    assert first_date("ngày 31/02/2019 rồi ngày 1-3-2019") == date(2019, 3, 1)  # 31/02 is no date
    assert first_date("không có ngày") is None


def _letter(lines: list[str]) -> bytes:
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)
    header.cell(0, 0).text = "\n".join(lines[:3])
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐà Nẵng, ngày 05 tháng 01 năm 2019"
    for line in lines[3:]:
        document.add_paragraph(line)
    return _docx_bytes(document)


def test_an_evidence_file_knows_its_own_number_date_and_the_numbers_it_cites() -> None:
    data = _letter(
        [
            "TỔNG CỤC HẢI QUAN",
            "CỤC HẢI QUAN TP. ĐÀ NẴNG",
            "Số: 03/KH‑HQĐNg",
            "KẾ HOẠCH",
            "Cải cách hành chính năm 2019",
            "Căn cứ Quyết định số 1500/QĐ-TCHQ ngày 24/5/2019 của Tổng cục trưởng Tổng cục Hải quan;",
            "Thực hiện Nghị quyết số 05-NQ/TU;",
        ]
    )
    result = extract_document(data, "ke-hoach.docx")
    assert isinstance(result, EvidenceDocument)
    assert (result.document_number, result.document_date) == ("03/KH-HQĐNg", date(2019, 1, 5))
    assert [r.number for r in result.references] == ["03/KH-HQĐNg", "1500/QĐ-TCHQ", "05-NQ/TU"]
    assert result.references[1].issued_on == date(2019, 5, 24)
    assert result == evidence_document(read_docx(data, result.sha256))


def _form(*evidence_cells: str) -> SelfAssessment:
    rows = [
        ScoreRow(code=f"1.1.{i}", self_points=Decimal(1), evidence=cell, lineage=Lineage(sha256=SHA, table=0, row=i))
        for i, cell in enumerate(evidence_cells, start=1)
    ]
    return SelfAssessment(sha256=SHA, unit_code="hq-da-nang", unit_text="CỤC HẢI QUAN TP. ĐÀ NẴNG", year=2019, rows=rows)


def _evidence(sha: str, number: str | None, *cited: str) -> EvidenceDocument:
    refs = [EvidenceRef(number=n) for n in ([number] if number else []) + list(cited)]
    return EvidenceDocument(sha256=sha, kind=DocumentKind.PDF, pages=1, document_number=number, references=refs)


def test_link_evidence_finds_mentions_and_reports_missing() -> None:
    form = _form(
        "Kế hoạch số 03/KH-HQĐNg ngày 05/01/2019",
        "Quyết định số 1500/QĐ-TCHQ; Báo cáo số 7/BC‑HQĐNg",
        "Theo kế hoạch của đơn vị",  # no number: nothing to link
        "Nghị quyết số 05-NQ/TU",
    )
    plan = _evidence("1" * 64, "03/KH-HQĐNg", "1500/QĐ-TCHQ")
    report = _evidence("2" * 64, "07/BC-HQĐNg")  # 7 and 07 are different numbers on paper: not linked
    links = link_evidence(form, [plan, report])
    assert [(link.criterion_code, link.reference.number, link.status, link.evidence_sha256) for link in links] == [
        ("1.1.1", "03/KH-HQĐNg", LinkStatus.FOUND, plan.sha256),
        ("1.1.2", "1500/QĐ-TCHQ", LinkStatus.MENTIONED, plan.sha256),
        ("1.1.2", "7/BC-HQĐNg", LinkStatus.MISSING, None),
        ("1.1.4", "05-NQ/TU", LinkStatus.MISSING, None),
    ]
    assert links[0].reference.issued_on == date(2019, 1, 5)
    assert links[0].lineage == form.rows[0].lineage
    assert link_evidence(form, []) == [link.model_copy(update={"status": LinkStatus.MISSING, "evidence_sha256": None}) for link in links]


def test_link_evidence_matches_numbers_written_without_diacritics() -> None:
    form = _form("QD so 123/QD-HQDNg")
    decision = _evidence("3" * 64, "123/QĐ-HQĐNg")
    (link,) = link_evidence(form, [decision])
    assert (link.status, link.evidence_sha256) == (LinkStatus.FOUND, decision.sha256)
