"""Writing published files: atomically, and ZIP packages (DOCX, XLSX) with fixed member timestamps."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path


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


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, so readers never see half a file.

    On any failure (a full disk, say) `path` is left as it was, absent or its previous complete version,
    the temporary file is removed, and the OSError names `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            _write_all(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
            # os.write and os.fsync say "No space left on device" without saying where.
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    return path


def _write_all(handle: int, data: bytes) -> None:
    """os.write may write part of the bytes (a signal, a nearly full disk): write until all are written."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]
