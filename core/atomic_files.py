"""Files written whole or not at all: a temporary file in the same folder, flushed to disk, then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mtime: float | None = None) -> Path:
    """Write `data` to `path` so that a reader (or a crash) never sees half a file; return the path.

    On any failure (a full disk, say) `path` is left as it was, absent or its previous complete version,
    the temporary file is removed, and the OSError names `path`. `mtime` sets the file's modification
    time before it appears under its name.
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
        if mtime is not None:
            os.utime(temporary, (mtime, mtime))
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
