"""A bounded, reproducible fuzz run: mutated Word and PDF forms and zip packages always end as an outcome with a stable reason.

Hypothesis mutates the bytes of generated forms (bit flips, truncation, garbage, tokens of the format,
numbers of the PDF's structure), the XML of one part of a Word file, or one field of a zip entry's
headers, and feeds the result to pipeline.steps.extract_outcome under a tight time budget. Every
input must end as a DocumentOutcome; a rejection must carry a Reason other than EXTRACTOR_FAILED (that
one is our defect, never the document's). `derandomize=True` makes each run try the same inputs.
Inputs that once failed are pinned with their exact reason in tests/test_errors.py.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import Reason
from pipeline.steps import extract_outcome
from schemas.records import DocumentOutcome, DocumentStatus, InboxDocument
from tests.zips import make_zip

# Tight enough that a mutation sending pdfminer into a slow loop costs seconds, loose enough for a whole form.
FUZZ_ENV = {"PARINDEX_LIMIT_MAX_SECONDS": "2", "PARINDEX_LIMIT_MAX_OCR_PAGES": "0"}
HANG = 30.0  # seconds: past this one input is hanging between the budget's checks
# PARINDEX_FUZZ_SCALE=50 tries 50 times as many inputs (still the same ones each run): a longer hunt by hand.
SCALE = int(os.environ.get("PARINDEX_FUZZ_SCALE", "1"))
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

XML_TOKENS = [
    b"<w:tbl>",
    b"</w:tbl>",
    b"<w:tr>",
    b"</w:tr>",
    b"<w:tc>",
    b"</w:tc>",
    b"<w:p>",
    b"</w:p>",
    b"<w:t>",
    b"</w:t>",
    b'<w:gridSpan w:val="-3"/>',
    b'<w:gridSpan w:val="99999999999"/>',
    b'<w:gridBefore w:val="x"/>',
    b"<w:vMerge/>",
    b"<w:sdt><w:sdtContent>",
    b"</w:sdtContent></w:sdt>",
    b"<w:customXml>",
    b"&amp;",
    b"&#0;",
    b"&#xD800;",
    b"&undefined;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<!DOCTYPE x [<!ENTITY e 'e'>]>",
    b"\xff\xfe",
    b"\xc3",
    b"\x00",
    b'xmlns:w="urn:x"',
    b"<w:br/>",
    b"<w:tab/>",
    b"<w:del>",
    b"<mc:Fallback>",
    b"88,5",
    b"1.1.1",
    b"Kh\xc3\xb4ng \xc3\xa1p d\xe1\xbb\xa5ng",
]
PDF_TOKENS = [
    b"obj",
    b"endobj",
    b"stream",
    b"endstream",
    b"/Length 999999",
    b"/Count 0",
    b"/Count -1",
    b"/Count 99999",
    b" 0 R",
    b" 3 0 R",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"\\",
    b"/Type /Page",
    b"/Type /Pages",
    b"xref",
    b"trailer",
    b"startxref",
    b"%%EOF",
    b"/Filter /FlateDecode",
    b"/Filter /LZWDecode",
    b"/Kids [ 3 0 R 3 0 R ]",
    b"/Parent 3 0 R",
    b"BT",
    b"ET",
    b"Tj",
    b"TJ",
    b"Tf",
    b"re f",
    b"cm",
    b"q",
    b"Q",
    b"Do",
    b"1e308",
    b"-0",
    b"/W [ 0 [ ] ]",
    b"/Widths [ ]",
    b"/ToUnicode 1 0 R",
    b"/Encrypt 1 0 R",
    b"/MediaBox [ 0 0 0 0 ]",
    b"/Rotate 45",
    b"/Font << >>",
    b"\x00",
    b"\xff",
]
ODD_NUMBERS = [b"0", b"-1", b"1", b"2", b"65535", b"2147483648", b"99999999999999999999", b"1e308", b"0.0", b"nan", b""]


@dataclass(frozen=True)
class Seeds:
    docx: bytes
    pdf: bytes  # as the form writer makes it: content streams compressed
    pdf_plain: bytes  # content streams left uncompressed, so mutations reach the drawing operators
    package: bytes  # a unit's zip: the Word form, a PDF and a zip inside


@functools.cache
def seeds() -> Seeds:
    """The forms to mutate, made once, when the first example is drawn (not when tests are collected)."""
    import reportlab.rl_config

    from forms import FormContent, write_form
    from schemas.framework import framework_for
    from schemas.units import registry_for

    framework, registry = framework_for("tchq", 2019), registry_for("tchq")
    unit = registry.get("hq-da-nang")
    block = framework.block(unit.block)
    content = FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores={leaf.code: leaf.max_points for leaf in block.leaves()},
        evidence={block.leaves()[0].code: "Kế hoạch số 03/KH-HQĐNg ngày 05/01/2019"},
        document_number="15/BC-HQĐNg",
        place="Đà Nẵng",
        signed_on=date(2020, 1, 5),
    )
    docx, pdf = write_form(content, "docx"), write_form(content, "pdf")
    compression = reportlab.rl_config.pageCompression
    reportlab.rl_config.pageCompression = 0
    try:
        pdf_plain = write_form(content, "pdf")
    finally:
        reportlab.rl_config.pageCompression = compression
    inner = make_zip([("minh-chung/ghi-chu.txt", "Ghi chú".encode() * 50)])
    package = make_zip([("hq-da-nang/tu-danh-gia.docx", docx), ("hq-da-nang/ke-hoach.pdf", pdf[:6000]), ("hq-da-nang/minh-chung.zip", inner)])
    return Seeds(docx=docx, pdf=pdf, pdf_plain=pdf_plain, package=package)


# --- mutations ---------------------------------------------------------------------------------------


@st.composite
def byte_edits(draw: st.DrawFn, data: bytes, tokens: list[bytes], keep: int = 0) -> bytes:
    """1 to 4 edits: a bit flipped, the tail cut, garbage or a token of the format inserted, a span deleted or copied.

    The first `keep` bytes (the format's signature) are left alone: a file without one is refused at once,
    which the first examples show and later ones need not repeat.
    """
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if len(out) <= keep:
            break
        at = draw(st.integers(keep, len(out) - 1))
        edit = draw(st.sampled_from(["flip", "truncate", "garbage", "token", "delete", "copy"]))
        if edit == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "truncate":
            del out[at:]
        elif edit == "garbage":
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "token":
            out[at:at] = draw(st.sampled_from(tokens))
        elif edit == "delete":
            del out[at : at + draw(st.integers(1, 512))]
        else:
            source = draw(st.integers(0, len(out) - 1))
            out[at:at] = out[source : source + draw(st.integers(1, 512))]
    return bytes(out)


@st.composite
def number_edits(draw: st.DrawFn, data: bytes) -> bytes:
    """One to three numbers of a PDF (object numbers, offsets, lengths, counts, coordinates) replaced by odd ones."""
    numbers = [m.span() for m in re.finditer(rb"-?\d+(?:\.\d+)?", data)]
    out = data
    for index in sorted(draw(st.lists(st.integers(0, len(numbers) - 1), min_size=1, max_size=3, unique=True)), reverse=True):
        start, end = numbers[index]
        out = out[:start] + draw(st.sampled_from(ODD_NUMBERS)) + out[end:]
    return out


@st.composite
def part_edits(draw: st.DrawFn, docx: bytes) -> bytes:
    """The XML of one part of the Word file mutated (word/document.xml most often), the package rezipped whole."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        parts = [(name, source.read(name)) for name in source.namelist()]
    names = [name for name, _ in parts]
    target = draw(st.sampled_from(["word/document.xml"] * len(names) + names))
    return make_zip([(name, draw(byte_edits(data, XML_TOKENS)) if name == target else data) for name, data in parts])


# (offset, size) of the fields of a local file header and of a central directory record.
_LOCAL_FIELDS = [(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)]
_CENTRAL_FIELDS = [(6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2), (38, 4), (42, 4)]
_ODD_FIELD_VALUES = [0, 1, 0x8, 0x9, 0x20, 0x41, 0x800, 12, 14, 99, 0xFFFF, 0xFFFFFFFF]


@st.composite
def header_edits(draw: st.DrawFn, data: bytes) -> bytes:
    """One field of one zip entry (flags, method, CRC, sizes, name and extra lengths, offset) set to an odd value."""
    central = draw(st.booleans())
    signature, fields = (b"PK\x01\x02", _CENTRAL_FIELDS) if central else (b"PK\x03\x04", _LOCAL_FIELDS)
    starts = [m.start() for m in re.finditer(re.escape(signature), data)]
    start = draw(st.sampled_from(starts))
    offset, size = draw(st.sampled_from(fields))
    value = draw(st.one_of(st.sampled_from(_ODD_FIELD_VALUES), st.integers(0, (1 << (8 * size)) - 1))) & ((1 << (8 * size)) - 1)
    return data[: start + offset] + value.to_bytes(size, "little") + data[start + offset + size :]


def mutated_docx() -> st.SearchStrategy[bytes]:
    docx = st.builds(lambda: seeds().docx)
    return st.one_of(
        docx.flatmap(lambda d: byte_edits(d, XML_TOKENS, keep=4)),
        docx.flatmap(part_edits),
        docx.flatmap(header_edits),
    )


def mutated_pdf() -> st.SearchStrategy[bytes]:
    pdfs = st.sampled_from(["pdf", "pdf_plain"]).map(lambda kind: getattr(seeds(), kind))
    return st.one_of(pdfs.flatmap(lambda d: byte_edits(d, PDF_TOKENS, keep=16)), pdfs.flatmap(number_edits))


def mutated_package() -> st.SearchStrategy[bytes]:
    package = st.builds(lambda: seeds().package)
    tokens = [b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"../"]
    return st.one_of(package.flatmap(lambda d: byte_edits(d, tokens, keep=4)), package.flatmap(header_edits))


# --- the property ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def fuzz_limits() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in FUZZ_ENV.items():
            patch.setenv(variable, value)
        yield


def handled(data: bytes, name: str) -> DocumentOutcome:
    """The outcome of one input, which must be a status and, for a rejection, a stable reason that is not our defect."""
    box: dict[str, DocumentOutcome | BaseException] = {}
    document = InboxDocument(path=f"goi/{name}", package="goi", size=len(data), mtime=0.0, sha256=hashlib.sha256(data).hexdigest())

    def run() -> None:
        try:
            box["outcome"] = extract_outcome(document, data, "tchq")
        except BaseException as exc:  # extract_outcome promises never to raise for a document
            box["crash"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG)
    assert not worker.is_alive(), f"{name}: still extracting after {HANG:g} s"
    if "crash" in box:
        crash = box["crash"]
        assert isinstance(crash, BaseException)
        raise AssertionError(f"{name}: extract_outcome raised") from crash
    outcome = box["outcome"]
    assert isinstance(outcome, DocumentOutcome) and outcome.status in DocumentStatus
    if outcome.status is DocumentStatus.REJECTED:
        assert outcome.reason in {reason.value for reason in Reason} and outcome.message, outcome
        assert outcome.reason != Reason.EXTRACTOR_FAILED.value, f"{name}: the extractor failed: {outcome.message}"
    else:
        assert outcome.reason is None
    return outcome


def _count(outcome: DocumentOutcome) -> DocumentOutcome:
    """Tally what the inputs came to (pytest --hypothesis-show-statistics shows it): mutations must reach past the first check."""
    event(f"{outcome.status.value} {outcome.reason or ''}".strip())
    return outcome


@settings(FUZZ, max_examples=200 * SCALE)
@given(data=mutated_docx())
def test_mutated_word_forms_end_with_a_stable_reason(data: bytes) -> None:
    _count(handled(data, "tu-danh-gia.docx"))


@settings(FUZZ, max_examples=60 * SCALE)
@given(data=mutated_pdf())
def test_mutated_pdf_forms_end_with_a_stable_reason(data: bytes) -> None:
    _count(handled(data, "tu-danh-gia.pdf"))


@settings(FUZZ, max_examples=200 * SCALE)
@given(data=mutated_package())
def test_mutated_zip_packages_and_their_members_end_with_a_stable_reason(data: bytes) -> None:
    from extractors.archives import expand_archive

    if _count(handled(data, "hq-da-nang.zip")).status is DocumentStatus.ARCHIVE:
        for member in expand_archive(data, "hq-da-nang.zip"):
            _count(handled(member.data, member.path.rsplit("/", 1)[-1]))


def test_the_seeds_themselves_are_read() -> None:
    """Mutations start from inputs that work: the form is loaded, the package is an archive."""
    assert handled(seeds().docx, "tu-danh-gia.docx").status is DocumentStatus.LOADED
    assert handled(seeds().pdf, "tu-danh-gia.pdf").status is DocumentStatus.LOADED
    assert handled(seeds().pdf_plain, "tu-danh-gia.pdf").status is DocumentStatus.LOADED
    assert handled(seeds().package, "hq-da-nang.zip").status is DocumentStatus.ARCHIVE
    assert b"BT /F" in seeds().pdf_plain and b"BT /F" not in seeds().pdf  # the plain PDF's text operators are in reach
