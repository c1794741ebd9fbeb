"""The raw extraction bound: a bare loop of pdfplumber tables and python-docx cells over an inbox's files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def inbox_files(inbox: Path) -> list[Path]:
    """The inbox's files in the order the pipeline scans them."""
    from pipeline.inbox import scan

    return [inbox / f.path for f in scan(inbox)]


def read_tables(path: Path) -> tuple[int, int]:
    """Every table cell of one file, as a library gives it without any interpretation; (pages, cells)."""
    import docx
    import pdfplumber

    if path.suffix == ".pdf":
        pages = cells = 0
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                try:
                    cells += sum(len(row) for table in page.extract_tables() for row in table)
                finally:
                    page.close()  # as the pipeline does: without it memory grows with the pages read
                pages += 1
        return pages, cells
    document = docx.Document(str(path))
    cells = 0
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                cell.text  # noqa: B018 - reading the text is the work being measured
                cells += 1
    return 0, cells


def raw_bound(inbox: str) -> dict[str, Any]:
    """Time the bare loop over every file of `inbox`, PDF and DOCX apart (imports excluded)."""
    import docx  # noqa: F401 - imported before the clock starts, as the pipeline's are
    import pdfplumber  # noqa: F401

    files = inbox_files(Path(inbox))
    seconds = {"pdf": 0.0, "docx": 0.0}
    counts = {"pdf": 0, "docx": 0}
    pages = cells = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in files:
        kind = "pdf" if path.suffix == ".pdf" else "docx"
        begun = time.perf_counter()
        file_pages, file_cells = read_tables(path)
        seconds[kind] += time.perf_counter() - begun
        counts[kind] += 1
        pages, cells = pages + file_pages, cells + file_cells
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "cpu": round(time.process_time() - cpu_started, 3),
        "pdf_seconds": round(seconds["pdf"], 3),
        "docx_seconds": round(seconds["docx"], 3),
        "pdf_files": counts["pdf"],
        "docx_files": counts["docx"],
        "pdf_pages": pages,
        "cells": cells,
    }
