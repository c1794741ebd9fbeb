"""Zip archives built in memory for tests: packages, Word and Excel files taken apart, hostile archives."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence


def make_zip(members: Sequence[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding `members` (a name or a ZipInfo, and the bytes), in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()
