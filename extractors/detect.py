"""What a file is, from its bytes: a PDF, a Word .docx or legacy .doc, an Excel .xlsx, or bad input with the reason why."""

from __future__ import annotations

import io
import re
import zipfile

from core.errors import DocumentError, Reason
from extractors.archives import UNPACK_ERRORS
from schemas.records import DocumentKind

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_ENCRYPTED = 0x1  # general purpose bit 0 of a zip entry: encrypted with a password
# Office 2007+ files protected by a password are OLE2 containers holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# The streams that say what an OLE2 (Office 97-2003) file is, by their UTF-16 directory names.
_OLE2_WORD = "WordDocument".encode("utf-16-le")
_OLE2_KINDS = (
    ("Workbook".encode("utf-16-le"), "a legacy Excel .xls workbook"),
    ("PowerPoint Document".encode("utf-16-le"), "a legacy PowerPoint .ppt presentation"),
    ("__substg1.0_".encode("utf-16-le"), "an Outlook .msg e-mail (send its attachments instead)"),
)
# Word's "Strict Open XML" variant names its parts with these relationship types; python-docx cannot read it.
_STRICT_OOXML = b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
# The package's relationship to its main part: Word names it word/document.xml, Office 365 at times
# word/document2.xml; readers follow the relationship, not the name. Read with a pattern, not an XML
# parser: no extractor parses XML but through python-docx and openpyxl.
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_OFFICE_DOCUMENT = re.compile(rb"""\bType\s*=\s*["'][^"']*/officeDocument["']""")
_TARGET = re.compile(rb"""\bTarget\s*=\s*["']([^"']+)["']""")
# Every Excel .xlsx (and macro-enabled .xlsm) holds this part; openpyxl reads both, and runs no macro.
_WORKBOOK = "xl/workbook.xml"
# PDF readers accept up to 1 KB of junk before the header; so do we.
_PDF_HEADER_WINDOW = 1024

# What common non-document files start with, to say what was sent instead.
_LOOKS_LIKE = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "an RTF document (save it as .docx)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)

# What a zip holds when it is an Office file other than Word or Excel .xlsx.
_ZIP_KINDS = (
    ("xl/workbook.bin", "an Excel binary .xlsb workbook (save it as .xlsx)"),
    ("ppt/presentation.xml", "a PowerPoint .pptx presentation"),
    ("content.xml", "an OpenDocument file (save it as .docx)"),
)


def detect_kind(data: bytes) -> DocumentKind:
    """The kind of document `data` holds; DocumentError when it is empty or neither PDF, Word nor Excel .xlsx."""
    if not data:
        raise DocumentError(Reason.EMPTY_FILE, "empty file (0 bytes)")
    if data.startswith(b"PK"):
        return _zip_kind(data)  # before the PDF test: a zip may store a PDF uncompressed near its start
    if is_pdf(data):
        return DocumentKind.PDF
    if data.startswith(_OLE2):
        return _ole2_kind(data)
    for magic, what in _LOOKS_LIKE:
        if data.startswith(magic):
            raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"not a PDF or Word file: it is {what}")
    head = data[:16].lstrip()
    if head[:1] == b"<":
        raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"not a PDF or Word file: it looks like HTML/XML (starts with {data[:16]!r})")
    raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"not a PDF or Word file (starts with {data[:16]!r})")


def is_pdf(data: bytes) -> bool:
    """Whether detect_kind calls `data` a PDF: a PDF header near its start, and not a zip (which may store one)."""
    return not data.startswith(b"PK") and b"%PDF-" in data[:_PDF_HEADER_WINDOW]


def _ole2_kind(data: bytes) -> DocumentKind:
    """A legacy Word .doc (read after conversion), or what else an Office 97-2003 container holds."""
    if _ENCRYPTED_PACKAGE in data:
        raise DocumentError(Reason.ENCRYPTED, "password-protected Office file: remove the password and send it again")
    if _OLE2_WORD in data:
        return DocumentKind.DOC
    for stream, what in _OLE2_KINDS:
        if stream in data:
            raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"not a PDF or Word file: it is {what}")
    raise DocumentError(Reason.UNSUPPORTED_FORMAT, "an Office 97-2003 file that is not a Word document")


def _zip_kind(data: bytes) -> DocumentKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            encrypted = any(info.flag_bits & _ZIP_ENCRYPTED for info in archive.infolist())
            relationships = archive.read("_rels/.rels") if "_rels/.rels" in names and not encrypted else b""
    except (*UNPACK_ERRORS, NotImplementedError) as exc:  # Word writes no exotic compression: an unknown one is damage
        raise DocumentError(Reason.DAMAGED, f"damaged zip/Word file: {exc}") from exc
    main = _main_part(relationships)
    word = "word/document.xml" in names or (main is not None and main.startswith("word/") and main in names)
    if encrypted and word:
        raise DocumentError(Reason.ENCRYPTED, "password-protected Word file (its zip entries are encrypted): send it without a password")
    if encrypted and _WORKBOOK in names:
        raise DocumentError(Reason.ENCRYPTED, "password-protected Excel file (its zip entries are encrypted): send it without a password")
    if word:
        if _STRICT_OOXML in relationships:
            raise DocumentError(Reason.UNSUPPORTED_FORMAT, "Word file in Strict Open XML format: save it as a standard Word document (.docx)")
        return DocumentKind.DOCX
    if _WORKBOOK in names:
        if _STRICT_OOXML in relationships:
            raise DocumentError(Reason.UNSUPPORTED_FORMAT, "Excel file in Strict Open XML format: save it as a standard Excel workbook (.xlsx)")
        return DocumentKind.XLSX
    for member, what in _ZIP_KINDS:
        if member in names:
            raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"not a PDF or Word file: it is {what}")
    raise DocumentError(Reason.UNSUPPORTED_FORMAT, f"not a PDF or Word file: a zip archive without word/document.xml ({len(names)} entries)")


def _main_part(relationships: bytes) -> str | None:
    """The zip member the package's officeDocument relationship names, if any."""
    for element in _RELATIONSHIP.findall(relationships):
        target = _TARGET.search(element)
        if target and _OFFICE_DOCUMENT.search(element):
            return target.group(1).decode("utf-8", "replace").lstrip("/")
    return None
