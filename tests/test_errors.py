"""Every hostile input, from the shared corpus or made here, ends as a rejection with its exact reason and message.

One module, camelot-style: each case is a file and the (reason, message) pipeline.steps.extract_outcome
gives it. The corpus files' outcomes are those pinned in tests/golden/corpus/outcomes.json (test_corpus.py
owns that file); the generated cases cover what the corpus lacks: truncation, encryption, zip and XML
bombs, external entities, unsafe archive members, limits and legacy .doc files that cannot be converted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import threading
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import Reason
from extractors.legacy import soffice_path
from pipeline.sources import LocalFolder, read_file, scan_with_archives
from pipeline.steps import extract_outcome
from schemas.framework import Framework
from schemas.records import DocumentOutcome, DocumentStatus, InboxDocument
from schemas.units import UnitRegistry
from tests.zips import make_zip

GOLDEN = json.loads((Path(__file__).parent / "golden" / "corpus" / "outcomes.json").read_text(encoding="utf-8"))
HOSTILE_FOLDERS = ("pdf_hostile", "docx_hostile", "pdf_scanned")
# As test_corpus.py reads the corpus: OCR off (outcomes must not depend on the engine), 20 s per document.
CORPUS_ENV = {"PARINDEX_LIMIT_MAX_OCR_PAGES": "0", "PARINDEX_LIMIT_MAX_SECONDS": "20"}
MB = 1 << 20
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
W_NS = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def outcome_of(data: bytes, name: str) -> DocumentOutcome:
    document = InboxDocument(path=f"goi/{name}", package="goi", size=len(data), mtime=0.0, sha256=hashlib.sha256(data).hexdigest())
    return extract_outcome(document, data, "tchq")


def rejection(outcome: DocumentOutcome) -> tuple[DocumentStatus, str | None, str | None]:
    return outcome.status, outcome.reason, outcome.message


# --- the shared corpus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n in GOLDEN if n.split("/")[0] in HOSTILE_FOLDERS))
def test_each_hostile_corpus_file_gets_its_pinned_outcome(corpus: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in CORPUS_ENV.items():
        monkeypatch.setenv(variable, value)
    pinned = GOLDEN[name]
    outcome = outcome_of((corpus / name).read_bytes(), Path(name).name)
    if pinned["result"] == "rejected":
        assert pinned["reason"] in {reason.value for reason in Reason}  # a stable reason, not free text
        assert rejection(outcome) == (DocumentStatus.REJECTED, pinned["reason"], pinned["message"])
    else:  # read despite its oddities (an empty user password, a missing xref, recursive XObjects ...)
        assert pinned["result"] == "evidence" and outcome.status is DocumentStatus.EVIDENCE and outcome.evidence is not None
        assert (outcome.evidence.kind.value, outcome.evidence.text_layer.value) == (pinned["kind"], pinned["text_layer"])


# --- generated files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forms:
    """A filled self-assessment form of Đà Nẵng, as Word and as PDF (3 pages), and its appraisal workbook (Excel)."""

    docx: bytes
    pdf: bytes
    xlsx: bytes


@pytest.fixture(scope="module")
def forms(framework: Framework, registry: UnitRegistry) -> Forms:
    from forms import FormContent, write_form

    unit = registry.get("hq-da-nang")
    block = framework.block(unit.block)
    content = FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores={leaf.code: leaf.max_points for leaf in block.leaves()},
        document_number="15/BC-HQĐNg",
        place="Đà Nẵng",
        signed_on=date(2020, 1, 5),
    )
    from samples.rounds import RoundScores, appraisal_xlsx

    scores = RoundScores(framework, unit, dict(content.scores or {}), {}, {}, {}, {}, {}, {})
    return Forms(docx=write_form(content, "docx"), pdf=write_form(content, "pdf"), xlsx=appraisal_xlsx(scores))


def with_part(docx: bytes, part: str, data: bytes) -> bytes:
    """The Word file with one part replaced (or added)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        members = [(name, data if name == part else source.read(name)) for name in source.namelist()]
    if part not in {name for name, _ in members}:
        members.append((part, data))
    return make_zip(members)


def part_of(docx: bytes, part: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        return source.read(part)


def _entry_offsets(data: bytes, name: str) -> tuple[int, int]:
    """Where the local header and the central directory record of member `name` start."""
    raw = re.escape(name.encode())
    local = re.search(b"PK\x03\x04.{26}" + raw, data, re.DOTALL)
    central = re.search(b"PK\x01\x02.{42}" + raw, data, re.DOTALL)
    assert local is not None and central is not None, name
    return local.start(), central.start()


def with_entry_field(docx: bytes, name: str, local_offset: int, central_offset: int, value: int, size: int = 2) -> bytes:
    """The Word file with one header field of member `name` set to `value`, in both of its headers."""
    data = bytearray(docx)
    local, central = _entry_offsets(docx, name)
    data[local + local_offset : local + local_offset + size] = value.to_bytes(size, "little")
    data[central + central_offset : central + central_offset + size] = value.to_bytes(size, "little")
    return bytes(data)


def corrupt_deflate(docx: bytes, name: str) -> bytes:
    """The Word file with 16 bytes in the middle of member `name`'s deflate stream overwritten."""
    data = bytearray(docx)
    local, _ = _entry_offsets(docx, name)
    name_length, extra_length = int.from_bytes(data[local + 26 : local + 28], "little"), int.from_bytes(data[local + 28 : local + 30], "little")
    compressed = int.from_bytes(data[local + 18 : local + 22], "little")
    middle = local + 30 + name_length + extra_length + compressed // 2
    data[middle : middle + 16] = b"\xff" * 16
    return bytes(data)


def encrypted_pdf() -> bytes:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, encrypt="mat-khau").build([Paragraph("Báo cáo tự đánh giá", getSampleStyleSheet()["Normal"])])
    return buffer.getvalue()


def password_protected_docx(docx: bytes) -> bytes:
    """The Word file protected with a password as Word does it (ECMA-376 agile encryption in an OLE2 container)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(docx)).encrypt("mat-khau", out)
    return out.getvalue()


def document_xml(body: bytes, dtd: bytes = b"") -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>' + dtd + b'<w:document xmlns:w="' + W_NS + b'"><w:body>' + body + b"</w:body></w:document>"


def paragraph(text: bytes) -> bytes:
    return b"<w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>"


BILLION_LAUGHS = (
    b'<!DOCTYPE w:document [<!ENTITY lol0 "lol">' + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)) + b"]>"
)
# libxml2 refuses entities that expand past 5 times the document's size, resolved or not.
AMPLIFICATION = re.compile(r"damaged Word file: XMLSyntaxError: Maximum entity amplification factor exceeded, .+")
QUADRATIC_BLOWUP = b'<!DOCTYPE w:document [<!ENTITY a "' + b"A" * 100_000 + b'">]>'
XLSX_SHEET = "xl/worksheets/sheet1.xml"
TRANSITIONAL_RELATIONSHIP = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
STRICT_RELATIONSHIP = b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"


def with_formula(xlsx: bytes, coordinate: str, formula: str) -> bytes:
    """The workbook with one cell's value replaced by a formula, saved without its value (as programs write them)."""
    sheet = part_of(xlsx, XLSX_SHEET)
    cell = re.compile(rb'<c r="' + coordinate.encode() + rb'"[^>]*?(?:/>|>.*?</c>)')
    assert cell.search(sheet), coordinate
    return with_part(xlsx, XLSX_SHEET, cell.sub(b'<c r="' + coordinate.encode() + b'"><f>' + formula.encode() + b"</f><v></v></c>", sheet, count=1))


def _pdf_without_pages() -> bytes:
    """A PDF whose page tree lists no page and which holds none elsewhere: not blank, broken (a PDF has a page)."""
    from tests.test_isolation import one_page_pdf

    whole = one_page_pdf(zlib.compress(b"BT ET"), "/FlateDecode")
    broken = whole.replace(b"/Kids [3 0 R] /Count 1", b"/Kids [] /Count 0     ").replace(b"/Type /Page /Parent", b"/Type /Leaf /Parent")
    assert len(broken) == len(whole)  # the cross-reference offsets still hold
    return broken


@dataclass(frozen=True)
class Case:
    """A hostile file: how to make it from the generated forms, its name, settings, and what it must come to."""

    make: Callable[[Forms], bytes]
    name: str
    reason: Reason
    message: str | re.Pattern[str]
    env: tuple[tuple[str, str], ...] = ()


CASES = {
    "empty": Case(lambda f: b"", "tu-danh-gia.docx", Reason.EMPTY_FILE, "empty file (0 bytes)"),
    "pdf-truncated": Case(lambda f: f.pdf[: len(f.pdf) // 2], "tu-danh-gia.pdf", Reason.DAMAGED, "damaged PDF: PSEOF: Unexpected EOF"),
    "pdf-header-only": Case(lambda f: f.pdf[:2048], "tu-danh-gia.pdf", Reason.DAMAGED, "damaged PDF: PSEOF: Unexpected EOF"),
    "pdf-without-pages": Case(lambda f: _pdf_without_pages(), "tu-danh-gia.pdf", Reason.DAMAGED, "damaged PDF: its page tree lists no page"),
    "docx-truncated": Case(lambda f: f.docx[: len(f.docx) // 2], "tu-danh-gia.docx", Reason.DAMAGED, "damaged zip/Word file: File is not a zip file"),
    "docx-cut-before-directory": Case(
        lambda f: f.docx[: f.docx.rindex(b"PK\x01\x02")], "tu-danh-gia.docx", Reason.DAMAGED, "damaged zip/Word file: File is not a zip file"
    ),
    "text-as-docx": Case(
        lambda f: "Báo cáo tự đánh giá".encode(),
        "tu-danh-gia.docx",
        Reason.UNSUPPORTED_FORMAT,
        "not a PDF or Word file (starts with b'B\\xc3\\xa1o c\\xc3\\xa1o t\\xe1\\xbb\\xb1 \\xc4')",
    ),
    "png-as-pdf": Case(
        lambda f: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "scan.pdf", Reason.UNSUPPORTED_FORMAT, "not a PDF or Word file: it is a PNG image"
    ),
    "html-as-doc": Case(
        lambda f: b"<html><body>B\xc3\xa1o c\xc3\xa1o</body></html>",
        "bao-cao.doc",
        Reason.UNSUPPORTED_FORMAT,
        "not a PDF or Word file: it looks like HTML/XML (starts with b'<html><body>B\\xc3\\xa1o')",
    ),
    # An Excel workbook is read whatever its name says; a zip that only names its workbook part is no workbook.
    "xlsx-as-docx": Case(
        lambda f: make_zip([("xl/workbook.xml", b"<workbook/>")]),
        "bang-diem.docx",
        Reason.DAMAGED,
        "damaged Excel file: KeyError: \"There is no item named '[Content_Types].xml' in the archive\"",
    ),
    "xlsb": Case(
        lambda f: make_zip([("xl/workbook.bin", b"\0")]),
        "bang-diem.xlsb",
        Reason.UNSUPPORTED_FORMAT,
        "not a PDF or Word file: it is an Excel binary .xlsb workbook (save it as .xlsx)",
    ),
    "pdf-encrypted": Case(lambda f: encrypted_pdf(), "mat.pdf", Reason.ENCRYPTED, "password-protected PDF: send it without a password"),
    "docx-password": Case(
        lambda f: password_protected_docx(f.docx),
        "mat.docx",
        Reason.ENCRYPTED,
        "password-protected Office file: remove the password and send it again",
    ),
    "docx-zip-encrypted-entries": Case(
        lambda f: with_entry_field(f.docx, "word/document.xml", 6, 8, 0x1),
        "mat.docx",
        Reason.ENCRYPTED,
        "password-protected Word file (its zip entries are encrypted): send it without a password",
    ),
    # A Word file is a zip: a part that inflates past the document limit, or far more than text does, is a bomb.
    "docx-bomb-size": Case(
        lambda f: with_part(f.docx, "word/document.xml", document_xml(b" " * (60 * MB))),
        "bom.docx",
        Reason.TOO_LARGE,
        re.compile(r"Word file that unpacks to 60\.\d MB: at most 50 MB are read"),
    ),
    "docx-bomb-ratio": Case(
        lambda f: with_part(f.docx, "word/document.xml", document_xml(b"<w:p/>" * (MB // 5))),
        "bom.docx",
        Reason.UNSAFE_ARCHIVE,
        "word/document.xml of the Word file inflates more than 200 times (a zip bomb?)",
    ),
    "docx-ratio-limit-raised": Case(
        lambda f: with_part(f.docx, "word/document.xml", document_xml(b"<w:p/>" * (MB // 5))),
        "rong.docx",
        Reason.BLANK_DOCUMENT,
        "blank DOCX document: it holds no text",
        (("PARINDEX_LIMIT_MAX_RATIO", "5000"),),
    ),
    # A directory that declares a small size: zipfile inflates no further and the CRC check fails.
    "docx-bomb-lying-size": Case(
        lambda f: with_entry_field(with_part(f.docx, "word/document.xml", document_xml(b" " * (3 * MB))), "word/document.xml", 22, 24, 1000, 4),
        "bom.docx",
        Reason.DAMAGED,
        "damaged Word file: BadZipFile: Bad CRC-32 for file 'word/document.xml'",
    ),
    "docx-billion-laughs": Case(
        lambda f: with_part(f.docx, "word/document.xml", document_xml(paragraph(b"&lol9;"), BILLION_LAUGHS)),
        "lol.docx",
        Reason.DAMAGED,
        AMPLIFICATION,
    ),
    "docx-quadratic-blowup": Case(
        lambda f: with_part(f.docx, "word/document.xml", document_xml(paragraph(b"&a;" * 20_000), QUADRATIC_BLOWUP)),
        "lol.docx",
        Reason.DAMAGED,
        AMPLIFICATION,
    ),
    # Found by tests/test_fuzz.py: zip damage in a Word file once escaped as NotImplementedError, zlib.error, RuntimeError.
    "docx-unknown-compression": Case(
        lambda f: with_entry_field(f.docx, "word/document.xml", 8, 10, 99),
        "hong.docx",
        Reason.DAMAGED,
        "damaged Word file: NotImplementedError: That compression method is not supported",
    ),
    "docx-corrupt-deflate": Case(
        lambda f: corrupt_deflate(f.docx, "word/document.xml"),
        "hong.docx",
        Reason.DAMAGED,
        re.compile(r"damaged Word file: (error: Error -3 while decompressing data: .+|BadZipFile: Bad CRC-32 for file 'word/document.xml')"),
    ),
    # Only the part the package's relationships name as its main document is read, and it must be one.
    "docx-no-main-document": Case(
        lambda f: with_part(f.docx, "_rels/.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'),
        "hong.docx",
        Reason.DAMAGED,
        "damaged Word file: _rels/.rels names no main document",
    ),
    "docx-main-part-not-word": Case(
        lambda f: with_part(f.docx, "word/document.xml", b'<?xml version="1.0"?><x:sheet xmlns:x="urn:x"/>'),
        "hong.docx",
        Reason.DAMAGED,
        "damaged Word file: its main part is {urn:x}sheet, not a Word document",
    ),
    "docx-no-body": Case(
        lambda f: with_part(f.docx, "word/document.xml", b'<w:document xmlns:w="' + W_NS + b'"/>'),
        "hong.docx",
        Reason.DAMAGED,
        "damaged Word file: its main document has no body (w:body)",
    ),
    "docx-corrupt-rels": Case(
        lambda f: corrupt_deflate(f.docx, "_rels/.rels"),
        "hong.docx",
        Reason.DAMAGED,
        re.compile(r"damaged zip/Word file: (Error -3 while decompressing data: .+|Bad CRC-32 for file '_rels/.rels')"),
    ),
    # Excel workbooks: zips too, read by openpyxl, whose formulas are never evaluated.
    "xlsx-truncated": Case(lambda f: f.xlsx[: len(f.xlsx) // 2], "tham-dinh.xlsx", Reason.DAMAGED, "damaged zip/Word file: File is not a zip file"),
    "xlsx-password": Case(
        lambda f: password_protected_docx(f.xlsx),
        "mat.xlsx",
        Reason.ENCRYPTED,
        "password-protected Office file: remove the password and send it again",
    ),
    "xlsx-zip-encrypted-entries": Case(
        lambda f: with_entry_field(f.xlsx, XLSX_SHEET, 6, 8, 0x1),
        "mat.xlsx",
        Reason.ENCRYPTED,
        "password-protected Excel file (its zip entries are encrypted): send it without a password",
    ),
    "xlsx-strict-open-xml": Case(
        lambda f: with_part(f.xlsx, "_rels/.rels", part_of(f.xlsx, "_rels/.rels").replace(TRANSITIONAL_RELATIONSHIP, STRICT_RELATIONSHIP)),
        "strict.xlsx",
        Reason.UNSUPPORTED_FORMAT,
        "Excel file in Strict Open XML format: save it as a standard Excel workbook (.xlsx)",
    ),
    "xlsx-bomb-size": Case(
        lambda f: with_part(f.xlsx, XLSX_SHEET, b" " * (60 * MB)),
        "bom.xlsx",
        Reason.TOO_LARGE,
        re.compile(r"Excel file that unpacks to 60\.\d MB: at most 50 MB are read"),
    ),
    "xlsx-bomb-ratio": Case(
        lambda f: with_part(f.xlsx, XLSX_SHEET, b"<worksheet/>" + b" " * (4 * MB)),
        "bom.xlsx",
        Reason.UNSAFE_ARCHIVE,
        "xl/worksheets/sheet1.xml of the Excel file inflates more than 200 times (a zip bomb?)",
    ),
    "xlsx-billion-laughs": Case(
        lambda f: with_part(f.xlsx, XLSX_SHEET, BILLION_LAUGHS.replace(b"w:document", b"worksheet") + part_of(f.xlsx, XLSX_SHEET)),
        "lol.xlsx",
        Reason.DAMAGED,
        "damaged Excel file: xl/worksheets/sheet1.xml declares a document type (<!DOCTYPE>), which Office files never do",
    ),
    "xlsx-cut-sheet-xml": Case(
        lambda f: with_part(f.xlsx, XLSX_SHEET, part_of(f.xlsx, XLSX_SHEET)[:-40]),
        "hong.xlsx",
        Reason.DAMAGED,
        re.compile(r"damaged Excel file: ParseError: unclosed token: line 1, column \d+"),
    ),
    "xlsx-corrupt-deflate": Case(
        lambda f: corrupt_deflate(f.xlsx, XLSX_SHEET),
        "hong.xlsx",
        Reason.DAMAGED,
        re.compile(r"damaged Excel file: (error: Error -3 while decompressing data: .+|BadZipFile: Bad CRC-32 for file 'xl/worksheets/sheet1.xml')"),
    ),
    "xlsx-formulas-never-calculated": Case(
        lambda f: with_formula(f.xlsx, "E10", "D10-0.5"),
        "cong-thuc.xlsx",
        Reason.UNSUPPORTED_FORMAT,
        "Excel file whose formulas were never calculated (sheet 'Thẩm định', E10: =D10-0.5 has no saved value): "
        "open it in Excel or LibreOffice, save it and send it again",
    ),
    # Limits, from the PARINDEX_LIMIT_* settings as a run reads them.
    "pdf-over-page-limit": Case(
        lambda f: f.pdf, "dai.pdf", Reason.TOO_LARGE, "PDF of 3 pages: at most 2 are read", (("PARINDEX_LIMIT_MAX_PAGES", "2"),)
    ),
    "pdf-over-size-limit": Case(
        lambda f: f.pdf,
        "lon.pdf",
        Reason.TOO_LARGE,
        re.compile(r"file of 0\.\d MB: at most 0\.0190735 MB are read"),
        (("PARINDEX_LIMIT_MAX_BYTES", "20000"),),
    ),
    "docx-over-size-limit": Case(
        lambda f: f.docx,
        "lon.docx",
        Reason.TOO_LARGE,
        re.compile(r"Word file that unpacks to 0\.\d MB: at most 0\.0476837 MB are read"),
        (("PARINDEX_LIMIT_MAX_BYTES", "50000"),),
    ),
    "pdf-over-time-budget": Case(
        lambda f: f.pdf,
        "cham.pdf",
        Reason.TIMEOUT,
        "reading stopped after 0 s at page 1 of 3 (limit 1e-09 s per document)",
        (("PARINDEX_LIMIT_MAX_SECONDS", "1e-9"),),
    ),
    "xlsx-over-time-budget": Case(
        lambda f: f.xlsx,
        "cham.xlsx",
        Reason.TIMEOUT,
        "reading stopped after 0 s at row 1 of sheet 'Thẩm định' (limit 1e-09 s per document)",
        (("PARINDEX_LIMIT_MAX_SECONDS", "1e-9"),),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_generated_hostile_file_is_rejected_with_its_reason(case: Case, forms: Forms, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in case.env:
        monkeypatch.setenv(variable, value)
    outcome = outcome_of(case.make(forms), case.name)
    assert (outcome.status, outcome.reason) == (DocumentStatus.REJECTED, case.reason.value), outcome.message
    if isinstance(case.message, re.Pattern):
        assert case.message.fullmatch(outcome.message or ""), outcome.message
    else:
        assert outcome.message == case.message


def test_the_generated_forms_themselves_are_read(forms: Forms) -> None:
    """The cases above break these forms; whole, both are read as Đà Nẵng's self-assessment."""
    for data, name in ((forms.docx, "tu-danh-gia.docx"), (forms.pdf, "tu-danh-gia.pdf")):
        outcome = outcome_of(data, name)
        assert outcome.status is DocumentStatus.LOADED and outcome.form is not None and outcome.form.unit_code == "hq-da-nang", outcome.message
    sheet = outcome_of(forms.xlsx, "tham-dinh.xlsx").round_sheet  # the workbook appraises Đà Nẵng's form
    assert sheet is not None and (sheet.round.value, sheet.unit_code, len(sheet.rows)) == ("appraisal", "hq-da-nang", 77)


def _main_part_renamed(docx_bytes: bytes, name: str) -> bytes:
    """The Word file with its main part moved to `name`, as Office 365 sometimes saves it (word/document2.xml)."""
    old = "word/document.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in ("_rels/.rels", "[Content_Types].xml"):
                data = data.replace(old.encode(), name.encode())
            renamed = {old: name, "word/_rels/document.xml.rels": f"word/_rels/{name.rsplit('/', 1)[1]}.rels"}.get(info.filename, info.filename)
            target.writestr(renamed, data)
    return out.getvalue()


def test_a_word_file_is_read_from_the_main_part_its_package_names(forms: Forms) -> None:
    """Word finds the main part by the package's relationship, not by its name; so do we."""
    moved = _main_part_renamed(forms.docx, "word/document2.xml")
    with zipfile.ZipFile(io.BytesIO(moved)) as archive:
        assert "word/document.xml" not in archive.namelist() and "word/document2.xml" in archive.namelist()
    outcome = outcome_of(moved, "tu-danh-gia.docx")
    assert outcome.status is DocumentStatus.LOADED and outcome.form is not None, outcome.message
    original = outcome_of(forms.docx, "tu-danh-gia.docx").form
    assert original is not None
    assert [(r.code, r.self_points, r.lineage.row) for r in outcome.form.rows] == [(r.code, r.self_points, r.lineage.row) for r in original.rows]


# --- XML entities: never resolved, no file or network access -------------------------------------------


class _Requests(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen.append(self.path)
        body = b'<!ENTITY leaked "LEAKED-OVER-HTTP">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: an entity fetched over the network would show here."""
    _Requests.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Requests)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Requests.seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def watched_file(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A named pipe that reports being opened: a parser resolving a file entity on it blocks until we answer."""
    fifo = tmp_path / "secret.fifo"
    os.mkfifo(fifo)
    opened: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # succeeds only while a reader has it open
            except OSError:
                time.sleep(0.002)
                continue
            opened.append("opened")
            try:
                os.write(handle, b"FIFO-SECRET")
            except BrokenPipeError:  # the reader closed it again before we wrote: it was opened all the same
                pass
            finally:
                os.close(handle)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield fifo, opened
    stop.set()
    watcher.join()


def _first_line_of_passwd() -> str:
    return Path("/etc/passwd").read_text().splitlines()[0]


def with_entities(xml: bytes, dtd: bytes, references: bytes) -> bytes:
    """`xml` with a document type declaration before its root and entity references as the first text it holds."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    root = re.search(rb"<([A-Za-z][\w:]*)", body)
    assert root is not None
    name, content = root.group(1), body[root.start() :]
    with_text = re.sub(rb">([^<\s][^<]*)<", lambda m: b">" + references + m.group(1) + b"<", content, count=1)
    if with_text == content:  # a part without text: the references go into its root element
        with_text = re.sub(
            rb"^(<[^>]*?)(/?)>", lambda m: m.group(1) + b">" + references + (b"</" + name + b">" if m.group(2) else b""), content, count=1
        )
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE ' + name + b" " + dtd + b">" + with_text


PARTS = [
    "word/document.xml",
    "[Content_Types].xml",
    "_rels/.rels",
    "word/_rels/document.xml.rels",
    "word/styles.xml",
    "docProps/core.xml",
    "word/settings.xml",
    "word/numbering.xml",
]


@pytest.mark.parametrize("part", PARTS)
def test_external_entities_are_never_resolved(
    part: str, forms: Forms, web_server: tuple[str, list[str]], watched_file: tuple[Path, list[str]]
) -> None:
    url, requests = web_server
    fifo, opened = watched_file
    dtd = (
        b'SYSTEM "' + url.encode() + b'/external-subset.dtd" ['
        b'<!ENTITY passwd SYSTEM "file:///etc/passwd">'
        b'<!ENTITY secret SYSTEM "' + fifo.as_uri().encode() + b'">'
        b'<!ENTITY remote SYSTEM "' + url.encode() + b'/entity">'
        b'<!ENTITY % parameter SYSTEM "' + url.encode() + b'/parameter.dtd"> %parameter;'
        b"]"
    )
    data = with_part(forms.docx, part, with_entities(part_of(forms.docx, part), dtd, b"&passwd;&secret;&remote;"))
    outcome = outcome_of(data, "xxe.docx")

    dumped = outcome.model_dump_json()
    assert _first_line_of_passwd() not in dumped and "FIFO-SECRET" not in dumped and "LEAKED" not in dumped
    assert (requests, opened) == ([], []), "an entity was fetched"
    # The references are dropped, unexpanded, and the form is read as if they were not there.
    assert outcome.status is DocumentStatus.LOADED and outcome.form is not None and outcome.form.unit_code == "hq-da-nang", outcome.message


def test_internal_entities_are_not_expanded_either(forms: Forms) -> None:
    dtd = '<!DOCTYPE w:document [<!ENTITY unit "Cục Hải quan TP. Hà Nội">]>'.encode()
    xml = part_of(forms.docx, "word/document.xml")
    prolog, body = xml.split(b"?>", 1)
    outcome = outcome_of(with_part(forms.docx, "word/document.xml", prolog + b"?>" + dtd + body.replace(b"<w:t>", b"<w:t>&unit;", 1)), "a.docx")
    assert outcome.status is DocumentStatus.LOADED and outcome.form is not None
    assert outcome.form.unit_code == "hq-da-nang" and "Hà Nội" not in outcome.model_dump_json()


def test_no_extractor_parses_xml_but_through_python_docx_which_resolves_no_entities(tmp_path: Path) -> None:
    """Every XML parse in extractors/ goes through python-docx, whose two parsers neither resolve entities nor load DTDs,
    or through openpyxl, which sees no part declaring a DTD (extractors/package.py refuses the workbook first)."""
    from docx.opc.oxml import parse_xml as parse_package_xml
    from docx.oxml.parser import parse_xml as parse_part_xml

    parsing = re.compile(
        r"\b(?:etree\.(?:fromstring|XML|parse|iterparse|XMLParser|XMLPullParser)|xml\.(?:etree|dom|sax|parsers)|minidom|pyexpat|xmltodict|BeautifulSoup|defusedxml)\b"
    )
    root = Path(__file__).resolve().parent.parent / "extractors"
    offenders = [f"{path.name}: {m.group(0)}" for path in sorted(root.glob("*.py")) for m in parsing.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == [], "a new XML parse path in extractors/: give it resolve_entities=False, no_network=True, load_dtd=False"
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TEXT")
    xml = f'<!DOCTYPE r [<!ENTITY s SYSTEM "{secret.as_uri()}"><!ENTITY i "INTERNAL">]><r xmlns="urn:x">&s;&i;</r>'.encode()
    for parse in (parse_part_xml, parse_package_xml):
        element = parse(xml)  # type: ignore[arg-type]  # docx.opc.oxml.parse_xml is annotated str, but lxml parses bytes (python-docx passes bytes too)
        assert "SECRET-TEXT" not in "".join(element.itertext()) and "INTERNAL" not in "".join(element.itertext())


# --- zip packages ---------------------------------------------------------------------------------------


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _nested(depth: int) -> bytes:
    data = make_zip([("bao-cao.pdf", b"%PDF-1.7")])
    for level in range(depth, 0, -1):
        data = make_zip([(f"cap-{level}.zip", data)])
    return data


ZIP_CASES = {
    "dot-dot": ([("../../etc/cron.d/x", b"x")], Reason.UNSAFE_ARCHIVE, "'../../etc/cron.d/x' points outside the archive"),
    "dot-dot-inside": ([("hq-da-nang/../../x.pdf", b"x")], Reason.UNSAFE_ARCHIVE, "'hq-da-nang/../../x.pdf' points outside the archive"),
    "absolute": ([("/etc/passwd", b"x")], Reason.UNSAFE_ARCHIVE, "'/etc/passwd' has an absolute path"),
    "drive": ([("C:\\Users\\x.pdf", b"x")], Reason.UNSAFE_ARCHIVE, "'C:\\\\Users\\\\x.pdf' has an absolute path"),
    "symlink": ([(_symlink("hq-da-nang/passwd.pdf"), b"/etc/passwd")], Reason.UNSAFE_ARCHIVE, "'hq-da-nang/passwd.pdf' is a symbolic link"),
    "bomb-ratio": ([("bom.pdf", b"\0" * (4 * MB))], Reason.UNSAFE_ARCHIVE, "bom.pdf inflates more than 200 times (a zip bomb?)"),
}


@pytest.mark.parametrize(("members", "reason", "message"), ZIP_CASES.values(), ids=ZIP_CASES.keys())
def test_an_unsafe_zip_package_is_rejected(members: list[tuple[str | zipfile.ZipInfo, bytes]], reason: Reason, message: str) -> None:
    outcome = outcome_of(make_zip(members), "ho-so.zip")
    assert rejection(outcome) == (DocumentStatus.REJECTED, reason.value, message)


def test_zip_packages_over_the_archive_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rejection(outcome_of(_nested(2), "ho-so.zip"))[0] is DocumentStatus.ARCHIVE  # two levels: the default limit
    assert rejection(outcome_of(_nested(3), "ho-so.zip")) == (
        DocumentStatus.REJECTED,
        "unsafe_archive",
        "cap-1.zip/cap-2.zip/cap-3.zip: archives nested more than 2 deep",
    )
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_MEMBER_BYTES", str(MB))
    assert rejection(outcome_of(make_zip([("bom.pdf", b"\0" * (3 * MB))]), "ho-so.zip")) == (
        DocumentStatus.REJECTED,
        "too_large",
        "bom.pdf is 3.0 MB: at most 1 MB per file",
    )
    lying = make_zip([("bom.pdf", b"\0" * (2 * MB))]).replace((2 * MB).to_bytes(4, "little"), (10).to_bytes(4, "little"))
    assert rejection(outcome_of(lying, "ho-so.zip")) == (
        DocumentStatus.REJECTED,
        "damaged",
        "bom.pdf cannot be unpacked: Bad CRC-32 for file 'bom.pdf'",
    )


def test_zip_damage_that_once_escaped_as_a_crash() -> None:
    """Found by tests/test_fuzz.py: a version zipfile cannot read, and a broken deflate stream inside a member."""
    package = make_zip([("hq-da-nang/ke-hoach.pdf", b"%PDF-1.7 " + bytes(range(256)) * 64)])
    assert rejection(outcome_of(with_entry_field(package, "hq-da-nang/ke-hoach.pdf", 4, 6, 65), "ho-so.zip")) == (
        DocumentStatus.REJECTED,
        "unsupported_format",
        "zip archive of a kind zip readers do not know: zip file version 6.5",
    )
    status, reason, message = rejection(outcome_of(corrupt_deflate(package, "hq-da-nang/ke-hoach.pdf"), "ho-so.zip"))
    assert (status, reason) == (DocumentStatus.REJECTED, "damaged")
    assert re.fullmatch(r"hq-da-nang/ke-hoach\.pdf cannot be unpacked: (Error -3 while decompressing data: .+|Bad CRC-32 for file .+)", message or "")


def _raw_name_zip(members: list[tuple[bytes, bytes]]) -> bytes:
    """A zip whose member names are these bytes, the UTF-8 flag off (zipfile would set it for non-ASCII names)."""
    placeholders = [("QJXZ"[i] * len(raw), raw) for i, (raw, _) in enumerate(members)]
    data = make_zip([(p, content) for (p, _), (_, content) in zip(placeholders, members)], zipfile.ZIP_STORED)
    for placeholder, raw in placeholders:
        data = data.replace(placeholder.encode("ascii"), raw)
    return data


def _cp1258(name: str) -> bytes:
    """`name` as Vietnamese Windows writes it: base letters (ư, ơ, â ...) precomposed, tone marks combining."""
    out = b""
    for char in name:
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(m for m in decomposed if m in "\u0300\u0301\u0303\u0309\u0323")
        out += (unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in tones)) + tones).encode("cp1258")
    return out


def test_mis_decoded_member_names_come_out_as_vietnamese(forms: Forms, tmp_path: Path) -> None:
    """Names zipfile decodes as CP437 (UTF-8 or CP1258 bytes without the UTF-8 flag) or that went through Latin-1 once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    members = [
        ("Báo cáo tự đánh giá.docx".encode(), forms.docx),  # UTF-8 without the flag: "B├í┬░o c├í..." as CP437
        (_cp1258("Kế hoạch cải cách hành chính.pdf"), b"%PDF-1.7 ke hoach"),  # Vietnamese Windows' code page
        ("Tờ trình số 12.pdf".encode().decode("latin-1").encode("utf-8"), b"%PDF-1.7 to trinh"),  # UTF-8 read as Latin-1 once
    ]
    (inbox / "hq-da-nang.zip").write_bytes(_raw_name_zip(members))
    source = LocalFolder(inbox)
    paths = [f.path for f in scan_with_archives(source)]
    assert paths == [
        "hq-da-nang.zip",
        "hq-da-nang.zip/Báo cáo tự đánh giá.docx",
        "hq-da-nang.zip/Kế hoạch cải cách hành chính.pdf",
        "hq-da-nang.zip/Tờ trình số 12.pdf",
    ]
    assert all(unicodedata.is_normalized("NFC", p) for p in paths)
    form = read_file(source, "hq-da-nang.zip/Báo cáo tự đánh giá.docx")
    assert form == forms.docx
    outcome = outcome_of(form, "Báo cáo tự đánh giá.docx")
    assert outcome.form is not None and outcome.form.unit_code == "hq-da-nang"


# --- legacy .doc ----------------------------------------------------------------------------------------

BROKEN_DOC = OLE2 + "WordDocument".encode("utf-16-le") + b"\x00" * 2048


def test_a_legacy_doc_without_libreoffice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("extractors.legacy.soffice_path", lambda: None)
    assert rejection(outcome_of(BROKEN_DOC, "bao-cao.doc")) == (
        DocumentStatus.REJECTED,
        "conversion_failed",
        "LibreOffice is not installed here to convert the legacy .doc file",
    )


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
def test_a_legacy_doc_that_cannot_be_converted_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rejection(outcome_of(BROKEN_DOC, "bao-cao.doc")) == (
        DocumentStatus.REJECTED,
        "conversion_failed",
        "LibreOffice could not read the legacy .doc file (damaged?): it imported its bytes as text",
    )
    monkeypatch.setenv("PARINDEX_LIMIT_CONVERSION_TIMEOUT", "0.001")
    assert rejection(outcome_of(BROKEN_DOC, "bao-cao.doc")) == (
        DocumentStatus.REJECTED,
        "conversion_failed",
        "LibreOffice did not convert the legacy .doc file within 0.001 s",
    )


def test_every_reason_is_pinned_here_or_in_the_corpus() -> None:
    """Each Reason a document can be refused for has a case (scores, units and years are interpret's, in test_interpret.py)."""
    pinned = {case.reason for case in CASES.values()} | {reason for _, reason, _ in ZIP_CASES.values()}
    pinned |= {Reason(o["reason"]) for o in GOLDEN.values() if o["result"] == "rejected"}
    pinned |= {Reason.CONVERSION_FAILED, Reason.TOO_LARGE}
    pinned |= {Reason.MEMORY_LIMIT}  # a PDF whose page inflates to 512 MB, in test_isolation.py (read in a guarded reader)
    interpretation = {Reason.NO_SCORE_TABLE, Reason.UNIT_UNKNOWN, Reason.UNIT_AMBIGUOUS, Reason.YEAR_MISSING, Reason.FRAMEWORK_MISSING}
    assert set(Reason) - pinned - interpretation == {Reason.EXTRACTOR_FAILED, Reason.GARBLED_TEXT}


def test_the_watchers_catch_a_parser_that_resolves_entities(web_server: tuple[str, list[str]], watched_file: tuple[Path, list[str]]) -> None:
    """The proof above holds only if the pipe and the server notice a fetch: an unsafe parser trips the pipe.

    (The libxml2 that lxml bundles has no HTTP client any more; any other client shows on the server.)
    """
    from urllib.request import urlopen

    from lxml import etree

    url, requests = web_server
    fifo, opened = watched_file
    xml = f'<!DOCTYPE r [<!ENTITY s SYSTEM "{fifo.as_uri()}">]><r>&s;</r>'.encode()
    unsafe = etree.XMLParser(resolve_entities=True, no_network=False, load_dtd=True)
    assert "FIFO-SECRET" in "".join(etree.fromstring(xml, unsafe).itertext()) and opened
    with urlopen(f"{url}/entity", timeout=5) as response:
        assert response.read().startswith(b"<!ENTITY") and requests == ["/entity"]


def test_a_defect_on_one_zip_never_stops_the_scan(
    forms: Forms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Were expand_archive to fail unexpectedly, the zip is still listed (extract_outcome records extractor_failed on it)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.zip").write_bytes(make_zip([("tu-danh-gia.docx", forms.docx)]))
    (inbox / "b.docx").write_bytes(forms.docx)

    def defect(*_: object) -> None:
        raise RuntimeError("a defect of ours")

    monkeypatch.setattr("pipeline.sources.expand_archive", defect)
    monkeypatch.setattr("pipeline.steps.expand_archive", defect)
    assert [f.path for f in scan_with_archives(LocalFolder(inbox))] == ["a.zip", "b.docx"]
    assert "cannot list the members of a.zip" in caplog.text
    assert rejection(outcome_of((inbox / "a.zip").read_bytes(), "a.zip")) == (
        DocumentStatus.REJECTED,
        "extractor_failed",
        "RuntimeError: a defect of ours",
    )
