"""Sample totals, the allocation of a total over criteria, and the generated inbox."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import docx
import pdfplumber
import pypdfium2
import pytest

from extractors.pdf_text import read_pdf_lines, scanned_pages
from forms import COLUMNS, TOTAL_LABEL, write_evidence, write_form
from samples import allocate, generate_inbox, package_for, sample_totals, unit_place, unit_symbol
from samples.generate import PARAGRAPHS_PER_PAGE, evidence_bytes, write_file
from schemas.framework import framework_for
from schemas.units import registry_for
from schemas.vietnamese import nfc

PUBLISHED_GROUPS = [
    (Decimal("89"), {"hq-da-nang", "hq-dong-nai", "hq-ho-chi-minh"}),
    (Decimal("88.5"), {"hq-ha-noi", "hq-hai-phong", "hq-gia-lai-kon-tum"}),
    (Decimal("88"), {"hq-khanh-hoa", "hq-nghe-an", "hq-quang-ninh"}),
    (Decimal("87.5"), {"hq-can-tho", "hq-ha-tinh", "hq-lang-son", "hq-quang-binh", "hq-quang-ngai", "hq-tay-ninh"}),
    (Decimal("87"), {"hq-ba-ria-vung-tau", "hq-ha-nam-ninh", "hq-kien-giang", "hq-long-an"}),
    (Decimal("86.5"), {"hq-bac-ninh", "hq-thua-thien-hue"}),
]


@pytest.fixture(scope="module")
def framework():
    return framework_for("tchq", 2019)


@pytest.fixture(scope="module")
def registry():
    return registry_for("tchq")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> tuple[Path, list[Path]]:
    target = tmp_path_factory.mktemp("inbox")
    return target, generate_inbox(target)


def groups(totals: dict[str, Decimal]) -> list[tuple[Decimal, set[str]]]:
    """Units grouped by total, best first: the dense ranking's ranks."""
    by_total: dict[Decimal, set[str]] = {}
    for code, total in totals.items():
        by_total.setdefault(total, set()).add(code)
    return sorted(by_total.items(), key=lambda item: -item[0])


# -- allocate ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("block_id", "total"), [("cuc-hq-tinh", "88.5"), ("cuc-truc-thuoc", "78"), ("vu-chuc-nang", "65.5"), ("cuc-hq-tinh", "20")])
def test_allocate_sums_exactly_within_maxima_on_steps(framework, block_id, total):
    block = framework.block(block_id)
    scores = allocate(block, Decimal(total), seed="x")
    leaves = {leaf.code: leaf for leaf in block.leaves()}
    assert set(scores) == set(leaves)
    assert sum(scores.values()) == Decimal(total)
    for code, score in scores.items():
        assert 0 <= score <= leaves[code].max_points, code
        assert score % leaves[code].step == 0, code


def test_allocate_is_deterministic_per_seed(framework):
    block = framework.block("cuc-hq-tinh")
    assert allocate(block, Decimal("85"), "hq-da-nang") == allocate(block, Decimal("85"), "hq-da-nang")
    assert allocate(block, Decimal("85"), "hq-da-nang") != allocate(block, Decimal("85"), "hq-dong-nai")


def test_allocate_full_and_zero_marks(framework):
    block = framework.block("vu-chuc-nang")
    assert allocate(block, block.max_points, "s") == {leaf.code: leaf.max_points for leaf in block.leaves()}
    assert set(allocate(block, Decimal(0), "s").values()) == {Decimal(0)}


@pytest.mark.parametrize("total", ["90.5", "-0.5", "88.25"])
def test_allocate_rejects_impossible_totals(framework, total):
    with pytest.raises(ValueError, match="total"):
        allocate(framework.block("cuc-hq-tinh"), Decimal(total), "s")


# -- sample totals -------------------------------------------------------------------------------------


def test_sample_totals_cover_the_registry_within_block_maxima(framework, registry):
    totals = sample_totals("tchq", 2019)
    assert set(totals) == {unit.code for unit in registry.units}
    for unit in registry.units:
        block = framework.block(unit.block)
        assert 0 < totals[unit.code] <= block.max_points
        assert totals[unit.code] % Decimal("0.5") == 0


def test_provincial_totals_reproduce_the_published_ranking(registry):
    totals = sample_totals("tchq", 2019)
    provincial = {u.code: totals[u.code] for u in registry.in_block("cuc-hq-tinh")}
    ranked = groups(provincial)
    assert ranked[: len(PUBLISHED_GROUPS)] == PUBLISHED_GROUPS
    others = [total for total, _ in ranked[len(PUBLISHED_GROUPS) :]]
    assert all(total < Decimal("86.5") for total in others)
    assert any(len(codes) > 1 for _, codes in ranked[len(PUBLISHED_GROUPS) :]), "some ties below rank 6"


def test_central_blocks_have_their_published_leaders(registry):
    totals = sample_totals("tchq", 2019)
    departments = groups({u.code: totals[u.code] for u in registry.in_block("cuc-truc-thuoc")})
    assert departments[0][1] == {"cuc-kiem-dinh-hai-quan", "cuc-kiem-tra-sau-thong-quan"}
    offices = groups({u.code: totals[u.code] for u in registry.in_block("vu-chuc-nang")})
    assert offices[0][1] == {"vu-phap-che"}


def test_symbols_are_unique_and_places_plausible(registry):
    symbols = [unit_symbol(u) for u in registry.units]
    assert len(set(symbols)) == len(symbols)
    assert unit_symbol(registry.get("hq-da-nang")) == "HQĐNg"
    assert unit_symbol(registry.get("hq-binh-dinh")) == "HQBĐ"
    assert unit_place(registry.get("hq-da-nang")) == "Đà Nẵng"
    assert unit_place(registry.get("vu-phap-che")) == "Hà Nội"


# -- generated inbox -----------------------------------------------------------------------------------


def read_form(path: Path) -> list[list[str]]:
    """The score table rows of a generated form (PDF: every page, repeated header rows dropped)."""
    if path.suffix == ".docx":
        document = docx.Document(str(path))
        table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == list(COLUMNS))
        return [[c.text for c in row.cells] for row in table.rows][1:]
    rows: list[list[str]] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for grid in page.extract_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"}):
                rows += [[nfc(c or "") for c in row] for row in grid if [nfc(c or "") for c in row] != list(COLUMNS)]
            page.close()
    return rows


def test_inbox_has_one_package_per_unit_with_alternating_form_formats(inbox, registry):
    target, paths = inbox
    assert sorted(p.name for p in target.iterdir()) == sorted(u.code for u in registry.units)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert not list(target.rglob("*.tmp")), "temporary files are renamed away"
    for position, unit in enumerate(registry.units):
        forms = sorted((target / unit.code).glob("tu-danh-gia-*"))
        expected = "docx" if position % 2 == 0 else "pdf"
        assert [f.name for f in forms] == [f"tu-danh-gia-{unit.code}-2019.{expected}"]
        evidence = [p for p in (target / unit.code).iterdir() if p not in forms]
        assert 1 <= len(evidence) <= 2
    kinds = {p.suffix for p in paths if not p.name.startswith("tu-danh-gia")}
    assert kinds == {".docx", ".pdf"}


def test_forms_cite_the_evidence_their_package_holds(inbox, framework, registry):
    target, _ = inbox
    totals = sample_totals("tchq", 2019)
    for position in (0, 3):  # a package with plan and report, and one with the plan only
        unit = registry.units[position]
        package = package_for(framework, unit, position, totals[unit.code])
        assert sorted(e.filename for e in package.evidence) == sorted(
            p.name for p in (target / unit.code).iterdir() if not p.name.startswith("tu-danh-gia")
        )
        cited = {part for row in read_form(target / unit.code / package.form_filename) for part in row[4].split("; ")}
        cited.discard("")
        assert cited == {e.citation for e in package.evidence}
        for item in package.evidence:
            assert item.citation.startswith(("Kế hoạch số ", "Báo cáo số "))
            assert f"/{'KH' if item.kind == 'Kế hoạch' else 'BC'}-{unit_symbol(unit)} ngày " in item.citation


def test_provincial_forms_state_the_published_totals(inbox, framework, registry):
    target, _ = inbox
    stated = {}
    for unit in registry.in_block("cuc-hq-tinh"):
        form = next((target / unit.code).glob("tu-danh-gia-*"))
        rows = read_form(form) if form.suffix == ".docx" or unit.code in PUBLISHED_GROUPS[0][1] else None
        if rows is None:  # reading every PDF is slow; the rest are checked through the allocation
            continue
        assert rows[-1][1] == TOTAL_LABEL
        stated[unit.code] = Decimal(rows[-1][3].replace(",", "."))
        assert sum(Decimal(r[3].replace(",", ".")) for r in rows[:-1] if "." not in r[0]) == stated[unit.code]
    totals = sample_totals("tchq", 2019)
    assert len(stated) >= 18
    assert stated == {code: totals[code] for code in stated}
    for position, unit in enumerate(registry.units):
        package = package_for(framework, unit, position, totals[unit.code])
        scores = package.form.scores
        assert scores is not None, unit.code
        assert sum(scores.values()) == totals[unit.code], unit.code
    assert {c for c, t in stated.items() if t == Decimal(89)} == PUBLISHED_GROUPS[0][1]


def test_inbox_files_are_reproducible(inbox, framework, registry):
    target, _ = inbox
    totals = sample_totals("tchq", 2019)
    for position in (0, 1):
        unit = registry.units[position]
        package = package_for(framework, unit, position, totals[unit.code])
        assert write_form(package.form, package.form_fmt) == (target / unit.code / package.form_filename).read_bytes()
        item = package.evidence[0]
        again = write_evidence(f"{item.kind} {item.subject}", item.number, item.signed_on, unit.name, unit_place(unit), item.body, item.fmt)
        assert again == (target / unit.code / item.filename).read_bytes()


def test_write_file_leaves_identical_content_alone(tmp_path):
    path = tmp_path / "a" / "b.pdf"
    assert write_file(path, b"one") is True
    assert write_file(path, b"one") is False
    assert write_file(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert [p.name for p in path.parent.iterdir()] == ["b.pdf"]


@pytest.mark.parametrize("code", ["hq-an-giang", "hq-da-nang", "cuc-kiem-tra-sau-thong-quan"])
def test_the_header_names_the_unit_the_registry_knows(inbox, registry, code):
    target, _ = inbox
    form = next((target / code).glob("tu-danh-gia-*"))
    if form.suffix == ".docx":
        lines = docx.Document(str(form)).tables[0].rows[0].cells[0].text.split("\n")
    else:
        with pdfplumber.open(form) as pdf:
            page = pdf.pages[0]
            lines = page.crop((0, 0, page.width / 2, page.height / 5)).extract_text().split("\n")
    unit, line = registry.find(lines)
    assert unit.code == code
    assert line == registry.get(code).name.upper()


def test_a_realistic_package_holds_its_evidence_files_each_cited(framework, registry):
    """#20's realistic year: 30 evidence files a package, 1 to 40 pages, a third scanned, every one cited."""
    totals = sample_totals("tchq", 2019)
    packages = [package_for(framework, unit, position, totals[unit.code], evidence_files=30) for position, unit in enumerate(registry.units)]
    for package in packages:
        assert len(package.evidence) == 30
        assert len({e.number for e in package.evidence}) == len({e.filename for e in package.evidence}) == 30
        cited = "; ".join((package.form.evidence or {}).values())
        assert all(e.citation in cited for e in package.evidence), package.unit.code
    more = [e for package in packages for e in package.evidence[2:]]
    pages = [len(e.body.split("\n\n")) / PARAGRAPHS_PER_PAGE for e in more]
    assert min(pages) == 1 and max(pages) == 40 and sorted(pages)[len(pages) // 2] <= 3  # most are short
    assert 0.25 < sum(1 for e in more if e.scan_dpi) / len(more) < 0.42
    # without the option, a package is what it always was
    unit = registry.units[0]
    assert package_for(framework, unit, 0, totals[unit.code]) == package_for(framework, unit, 0, totals[unit.code], evidence_files=2)


def test_scanned_evidence_is_an_image_only_pdf(framework, registry):
    unit = registry.units[0]
    package = package_for(framework, unit, 0, sample_totals("tchq", 2019)[unit.code], evidence_files=30)
    item = min((e for e in package.evidence if e.scan_dpi), key=lambda e: len(e.body))
    data = evidence_bytes(item, unit, framework.agency)
    assert scanned_pages(data) == len(pypdfium2.PdfDocument(data)) >= 1
    assert read_pdf_lines(data, "0" * 64) is None  # no text layer: OCR reads it
