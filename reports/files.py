"""Report files written whole or not at all (see parindex.files)."""

from __future__ import annotations

from pathlib import Path

from parindex.files import write_atomically


def write_bytes(path: Path, data: bytes) -> Path:
    return write_atomically(path, data)


def write_text(path: Path, text: str) -> Path:
    return write_atomically(path, text.encode("utf-8"))
