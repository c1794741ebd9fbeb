"""Office files are zips (Word .docx, Excel .xlsx): what their directory allows before anything is inflated."""

from __future__ import annotations

import io
import zipfile

from core.errors import DocumentError, Reason
from extractors.archives import RATIO_FLOOR
from extractors.limits import ExtractionLimits


def check_unpacked_size(data: bytes, limits: ExtractionLimits, what: str) -> None:
    """Refuse a package whose parts would unpack past the limits, from its directory, before anything is inflated.

    python-docx and openpyxl read parts whole into memory. zipfile never inflates a part past the size the
    directory declares (it fails the CRC check instead), so the declared sizes bound what a lying
    archive can cost. `what` names the file in messages ("Word file", "Excel file").
    """
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = package.infolist()
    total = sum(part.file_size for part in parts)
    if total > limits.max_bytes:
        raise DocumentError(Reason.TOO_LARGE, f"{what} that unpacks to {total / 2**20:.1f} MB: at most {limits.max_bytes / 2**20:g} MB are read")
    for part in parts:
        if part.file_size > RATIO_FLOOR and part.file_size / max(part.compress_size, 1) > limits.max_ratio:
            raise DocumentError(Reason.UNSAFE_ARCHIVE, f"{part.filename} of the {what} inflates more than {limits.max_ratio:g} times (a zip bomb?)")


# How a document type declaration starts, in the encodings an XML parser accepts without being told
# (UTF-8 and the ASCII-compatible ones, UTF-16 either way round).
_DOCTYPE = tuple("<!DOCTYPE".encode(encoding) for encoding in ("ascii", "utf-16-le", "utf-16-be"))
_XML_PARTS = (".xml", ".rels", ".vml")
_CHUNK = 1 << 20


def refuse_document_types(data: bytes, what: str) -> None:
    """Refuse a package with an XML part that declares a document type: Office never writes one, and entities
    declared in it are how XML bombs and external-entity reads start. Checked before any parser sees the part.

    Call after check_unpacked_size: each part is inflated once more, in chunks.
    """
    overlap = max(len(marker) for marker in _DOCTYPE) - 1
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for part in package.infolist():
            if not part.filename.lower().endswith(_XML_PARTS):
                continue
            tail = b""
            with package.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    window = tail + chunk
                    if any(marker in window for marker in _DOCTYPE):
                        raise DocumentError(
                            Reason.DAMAGED, f"damaged {what}: {part.filename} declares a document type (<!DOCTYPE>), which Office files never do"
                        )
                    tail = window[-overlap:]
