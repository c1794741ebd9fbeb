"""The whole publication from the 2019 sample ranking: decision DOCX and PDF, exports, charts and the HTML page."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import TypedDict

import docx
import pdfplumber
import pytest
from matplotlib.image import imread

from publishing.bundle import PublicationFiles, publish_outputs
from publishing.publication_inputs import canonical_inputs, inputs_hash
from publishing.ranking import rank_units
from tests.publishing_samples import PUBLISHED_GROUPS, sample_unit_totals

CUTOFF = datetime(2020, 12, 20, 17, 0)


class _PublishArgs(TypedDict):
    decision_no: str
    signed_on: date
    cutoff: datetime
    signer: str


ARGS: _PublishArgs = {"decision_no": "3751", "signed_on": date(2020, 12, 30), "cutoff": CUTOFF, "signer": "Nguyễn Văn Cẩn"}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="module")
def totals(framework, registry):
    return sample_unit_totals(framework, registry)


@pytest.fixture(scope="module")
def publications(framework, totals, tmp_path_factory) -> tuple[PublicationFiles, PublicationFiles]:
    """The same inputs published twice, into two folders."""
    ranking = rank_units(framework, totals)
    digest = inputs_hash(framework, totals, CUTOFF)
    first = publish_outputs(framework, ranking, tmp_path_factory.mktemp("first"), inputs_hash=digest, **ARGS)
    second = publish_outputs(framework, ranking, tmp_path_factory.mktemp("second"), inputs_hash=digest, **ARGS)
    return first, second


@pytest.fixture(scope="module")
def published(publications) -> PublicationFiles:
    return publications[0]


def _groups(rows: Sequence[Sequence[str | None]]) -> dict[int, tuple[set[str], set[str]]]:
    """rank → (points as written, unit names) from appendix rows (STT, unit, points, index, tier, rank)."""
    groups: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for row in rows:
        cells = [" ".join(unicodedata.normalize("NFC", c or "").split()) for c in row]
        if not cells[0].isdigit():
            continue  # a header row, repeated on every page
        points, names = groups[int(cells[5])]
        points.add(cells[2])
        names.add(cells[1])
    return groups


def _assert_published_groups(groups: dict[int, tuple[set[str], set[str]]]) -> None:
    for rank, (points, names) in PUBLISHED_GROUPS.items():
        assert groups[rank] == ({f"{points}/90"}, names), f"rank {rank}"


def test_every_file_is_written_where_it_says(published):
    names = sorted(published.digests())
    assert names == sorted(
        [
            "quyet-dinh-chi-so-cchc-tchq-2019.docx",
            "quyet-dinh-chi-so-cchc-tchq-2019.pdf",
            "xep-hang-chi-so-cchc-tchq-2019.csv",
            "xep-hang-chi-so-cchc-tchq-2019.xlsx",
            "xep-hang-chi-so-cchc-tchq-2019.json",
            "chi-so-cchc-tchq-2019.html",
            *(
                f"charts/{kind}-{block}.{ext}"
                for kind in ("diem", "chi-so-linh-vuc")
                for block in ("cuc-hq-tinh", "cuc-truc-thuoc", "vu-chuc-nang")
                for ext in ("png", "svg")
            ),
        ]
    )
    assert all(path.stat().st_size > 0 for path in published.paths())
    assert published.ranking_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads Vietnamese


def test_decision_docx_carries_the_published_provincial_ranking(published):
    document = docx.Document(published.decision_docx)
    provincial = [[cell.text for cell in row.cells] for row in document.tables[2].rows]
    _assert_published_groups(_groups(provincial))
    assert provincial[1] == ["1", "Đà Nẵng", "89/90", "98,89", "Tốt", "1"]
    assert any(p.text == "Hà Nội, ngày 30 tháng 12 năm 2020" for cell in document.tables[0]._cells for p in cell.paragraphs)


def test_decision_pdf_carries_the_published_provincial_ranking(published):
    rows_by_block: dict[str, list[list[str | None]]] = defaultdict(list)
    with pdfplumber.open(published.decision_pdf) as pdf:
        first_page = unicodedata.normalize("NFC", pdf.pages[0].extract_text())
        block = ""
        for page in pdf.pages[1:]:
            lines = unicodedata.normalize("NFC", page.extract_text() or "").splitlines()
            block = next((line for line in lines if line.startswith("KHỐI ")), block)  # a new appendix starts here
            rows_by_block[block] += [row for table in page.extract_tables() for row in table]
    assert "QUYẾT ĐỊNH" in first_page and "Số: 3751/QĐ-TCHQ" in first_page
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first_page
    assert list(rows_by_block) == [
        "KHỐI CỤC HẢI QUAN TỈNH, THÀNH PHỐ",
        "KHỐI CÁC CỤC THUỘC TỔNG CỤC HẢI QUAN",
        "KHỐI CÁC VỤ VÀ VĂN PHÒNG TỔNG CỤC HẢI QUAN",
    ]
    groups = _groups(rows_by_block["KHỐI CỤC HẢI QUAN TỈNH, THÀNH PHỐ"])
    _assert_published_groups(groups)
    assert sum(len(names) for _, names in groups.values()) == 35


def test_publishing_twice_gives_identical_files(publications):
    first, second = publications
    one, two = first.digests(), second.digests()
    for name in one:
        if name.endswith((".csv", ".json", ".svg")):
            assert one[name] == two[name], name  # promised: byte-identical
    # The others are reproducible too with the same library versions.
    assert one == two


def test_inputs_hash_is_canonical_and_sensitive(framework, totals, published):
    digest = inputs_hash(framework, totals, CUTOFF)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert inputs_hash(framework, list(reversed(totals)), CUTOFF) == digest  # order does not matter
    reformatted = [dataclasses.replace(t, points=t.points.quantize(Decimal("0.00"))) for t in totals]
    assert inputs_hash(framework, reformatted, CUTOFF) == digest  # nor 88.5 written 88.50
    changed = list(totals)
    leaves = dict(changed[0].leaf_points)
    code = next(c for c, v in leaves.items() if v > 0)
    leaves[code] -= Decimal("0.5")
    changed[0] = dataclasses.replace(changed[0], leaf_points=leaves)
    assert inputs_hash(framework, changed, CUTOFF) != digest  # one half point of one leaf
    assert inputs_hash(framework, totals, datetime(2020, 12, 21)) != digest
    assert inputs_hash(framework.model_copy(update={"tiers": ()}), totals, CUTOFF) != digest  # another framework version
    inputs = canonical_inputs(framework, totals, CUTOFF)
    assert inputs["cutoff"] == "2020-12-20T17:00:00" and len(inputs["units"]) == 49
    assert published.ranking_json.read_text(encoding="utf-8").count(digest) == 1


# --- the HTML page -------------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headers: list[str] = []
        self.images: list[str] = []
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "th":
            self._in_th = True
            self.headers.append("")
        elif tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th:
            self.headers[-1] += data.strip()


def test_html_page_has_headed_tables_vietnamese_numbers_and_its_charts(published):
    text = published.html.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.lang == "vi"
    assert {"Hạng", "Đơn vị", "Điểm", "Chỉ số (%)", "Xếp loại", "LV 1", "LV 7"} <= set(page.headers)
    assert text.count('<th scope="col">Hạng</th>') == 3
    assert "88,5/90" in text and "98,33" in text and "88.5" not in text
    assert len(page.images) == 6 and all((published.out_dir / src).is_file() for src in page.images)
    assert "Dữ liệu chốt lúc 17:00 ngày 20/12/2020" in text
    assert "Quyết định số 3751/QĐ-TCHQ" in text


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is needed to render the HTML page: install the Debian package chromium (scripts/system-packages.txt)")


def _run_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *extra,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_html_page_renders_in_headless_chromium(published, tmp_path):
    screenshot = tmp_path / "page.png"
    result = _run_chromium(published.html, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,1600")
    assert result.returncode == 0 and screenshot.is_file(), result.stderr[-2000:]
    pixels = imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (1600, 1280)
    inked = (pixels < 0.9).any(axis=-1).mean()
    assert 0.03 < inked < 0.9, f"{inked:.1%} of the screenshot is not white: blank or broken"
    assert len({tuple(p) for p in pixels[::8, ::8].reshape(-1, 3).tolist()}) > 20  # text, rules, shaded headers

    dom = _run_chromium(published.html, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = _Page()
    rendered.feed(dom.stdout)
    assert rendered.lang == "vi"
    assert {"Hạng", "Đơn vị", "Điểm", "Chỉ số (%)", "Xếp loại"} <= set(rendered.headers)
