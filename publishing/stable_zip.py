"""ZIP packages (DOCX, XLSX) written with fixed member timestamps, so that publishing twice gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime


def stable_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a ZIP package with fixed member timestamps: python-docx and openpyxl stamp members with "now"."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member))
    return out.getvalue()
