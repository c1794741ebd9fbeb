"""`python -m bench.ocr_accuracy --forms 20`: how exactly OCR reads the self scores of scanned forms, and how fast."""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from core.errors import DocumentError
from extractors.header import assessment_year
from extractors.interpret import header_lines, interpret, read_score_tables
from extractors.ocr_engine import ocr_available
from extractors.ocr_reader import read_scanned_pdf
from extractors.ocr_review import DEFAULT_REVIEW_THRESHOLD, needs_review
from forms import write_form_docx, write_form_pdf
from forms.layout import printed_scores
from samples import Package, package_for, sample_totals
from samples.scans import scan_form
from schemas.framework import framework_for
from schemas.records import ScoreRow
from schemas.units import registry_for

PROGRAM, YEAR = "tchq", 2019


@dataclass(frozen=True)
class Case:
    """One scanned form of the benchmark: which unit, how askew, which noise, printed from which format."""

    position: int
    angle: float
    seed: int
    fmt: str = "pdf"  # "docx": the Word form, printed through LibreOffice (Liberation Serif, Word's layout)


@dataclass
class Outcome:
    """What reading one scanned form gave, against what the form printed."""

    unit: str
    block: str
    fmt: str
    angle: float
    pages: int
    seconds: float
    cpu_seconds: float
    unit_ok: bool
    year_ok: bool
    cells: int = 0
    exact: int = 0
    flagged: int = 0  # rows flagged for review, right or wrong
    wrong: list[str] = field(default_factory=list)  # "code: read X, printed Y [flagged]"
    wrong_unflagged: int = 0
    error: str | None = None


def cases(count: int, seed: int = 2019, max_skew: float = 2.0, word: bool = False) -> list[Case]:
    """`count` forms spread over the registry (so over every block), each turned 0.5° to `max_skew` either way;
    with `word`, every second one is the Word form as LibreOffice prints it."""
    units = registry_for(PROGRAM).units
    rng = random.Random(seed)
    picked = sorted({round(i * len(units) / count) % len(units) for i in range(count)})
    return [
        Case(p, round(rng.choice((-1, 1)) * rng.uniform(0.5, max_skew), 2), seed * 1000 + p, "docx" if word and i % 2 else "pdf")
        for i, p in enumerate(picked)
    ]


def printed_pdf(package: Package, fmt: str) -> bytes:
    """The form as it comes out of the printer: our PDF, or the Word form laid out by LibreOffice."""
    if fmt == "pdf":
        return write_form_pdf(package.form)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "form.docx")
        source.write_bytes(write_form_docx(package.form))
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return Path(folder, "form.pdf").read_bytes()


def run_case(case: Case, dpi: int, threshold: float) -> Outcome:
    framework = framework_for(PROGRAM, YEAR)
    unit = registry_for(PROGRAM).units[case.position]
    package = package_for(framework, unit, case.position, sample_totals(PROGRAM, YEAR)[unit.code])
    printed = printed_scores(package.form)
    scan = scan_form(printed_pdf(package, case.fmt), dpi=dpi, angle=case.angle, seed=case.seed)
    started, cpu = time.perf_counter(), time.process_time()
    document = read_scanned_pdf(scan, hashlib.sha256(scan).hexdigest(), dpi=dpi)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    outcome = Outcome(unit.code, unit.block, case.fmt, case.angle, document.pages or 0, seconds, cpu_seconds, False, False)
    try:
        form = interpret(document, registry_for(PROGRAM))
        outcome.unit_ok, outcome.year_ok = form.unit_code == unit.code, form.year == YEAR
        rows = form.rows
    except DocumentError as exc:
        # The header facts failed: the scores are still measured, from the score table alone.
        outcome.error = str(exc)
        tables = read_score_tables(document)
        rows = max(tables, key=lambda t: len(t.rows)).rows if tables else []
        lines = header_lines(document, tables[0].table.grid) if tables else document.lines
        outcome.year_ok = assessment_year(lines) == YEAR
    expected = [(node.code, printed[node.code]) for node in package.form.block.walk() if node.code in printed]
    for (code, points), row in _aligned(expected, rows):
        outcome.cells += 1
        flagged = row is not None and needs_review(row, threshold)
        outcome.flagged += flagged
        if row is not None and row.code == code and row.self_points == Decimal(points):
            outcome.exact += 1
            continue
        read = "no row" if row is None else f"{row.code} {row.self_text or row.self_points}"
        outcome.wrong.append(f"{code} {points}: read {read!r} ({'flagged' if flagged else 'NOT flagged'})")
        outcome.wrong_unflagged += not flagged
    return outcome


def _aligned(expected: list[tuple[str, Decimal]], rows: list[ScoreRow]) -> list[tuple[tuple[str, Decimal], ScoreRow | None]]:
    """Each printed row with the read row at its place: a misread code still lines up with its row."""
    matcher = difflib.SequenceMatcher(None, [code for code, _ in expected], [row.code for row in rows], autojunk=False)
    pairs: list[tuple[tuple[str, Decimal], ScoreRow | None]] = []
    for _, e0, e1, r0, r1 in matcher.get_opcodes():
        for offset in range(e1 - e0):
            pairs.append((expected[e0 + offset], rows[r0 + offset] if offset < r1 - r0 else None))
    return pairs


def report(outcomes: list[Outcome], dpi: int, threshold: float, wall: float) -> str:
    """The figures as a Markdown block for docs/OCR.md."""
    cells = sum(o.cells for o in outcomes)
    exact = sum(o.exact for o in outcomes)
    wrong = cells - exact
    unflagged = sum(o.wrong_unflagged for o in outcomes)
    flagged = sum(o.flagged for o in outcomes)
    pages = sum(o.pages for o in outcomes)
    blocks: dict[str, int] = {}
    formats: dict[str, int] = {}
    for o in outcomes:
        blocks[o.block] = blocks.get(o.block, 0) + 1
        formats[o.fmt] = formats.get(o.fmt, 0) + 1
    angles = [abs(o.angle) for o in outcomes]
    lines = [
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, {_tesseract_version()}",
        f"- forms: {len(outcomes)} ({', '.join(f'{b}: {n}' for b, n in sorted(blocks.items()))}; printed from "
        f"{', '.join(f'{f}: {n}' for f, n in sorted(formats.items()))}), {pages} pages at {dpi} dpi, "
        f"skew {min(angles):.2f}°–{max(angles):.2f}° either way",
        f"- unit read right: {sum(o.unit_ok for o in outcomes)}/{len(outcomes)}; year read right: {sum(o.year_ok for o in outcomes)}/{len(outcomes)}",
        f"- self-score cells: {cells}; read exactly: {exact} ({100 * exact / cells:.2f} %); wrong: {wrong}, "
        f"of which flagged for review (confidence < {threshold:g}): {wrong - unflagged}, not flagged: {unflagged}",
        f"- rows flagged for review: {flagged} ({100 * flagged / cells:.2f} % of the rows)",
        f"- time per page: {sum(o.seconds for o in outcomes) / pages:.2f} s wall, "
        f"{sum(o.cpu_seconds for o in outcomes) / pages:.2f} s CPU (reading only; {wall:.0f} s for the whole run)",
    ]
    for o in outcomes:
        for item in o.wrong:
            lines.append(f"  - {o.unit}: {item}")
        if o.error:
            lines.append(f"  - {o.unit}: {o.error}")
    return "\n".join(lines)


def _tesseract_version() -> str:
    import tesserocr

    return f"tesserocr {tesserocr.__version__} / tesseract {tesserocr.tesseract_version().split()[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forms", type=int, default=20, help="how many scanned forms (spread over the blocks)")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--threshold", type=float, default=DEFAULT_REVIEW_THRESHOLD)
    parser.add_argument("--workers", type=int, default=1, help="forms read in parallel (processes)")
    parser.add_argument("--seed", type=int, default=2019, help="draws the skews and the scanner noise")
    parser.add_argument("--max-skew", type=float, default=2.0, help="largest skew in degrees")
    parser.add_argument("--word", action="store_true", help="every second form printed from its Word version (needs LibreOffice's soffice)")
    args = parser.parse_args(argv)
    if not ocr_available():
        print("OCR is not available: install tesseract-ocr and tesseract-ocr-vie", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.word and shutil.which("soffice") is None:
        print("--word needs LibreOffice (soffice) on the PATH", file=sys.stderr)
        return 2
    todo = cases(args.forms, args.seed, args.max_skew, args.word)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(pool.map(run_case, todo, [args.dpi] * len(todo), [args.threshold] * len(todo)))
    for o in outcomes:
        print(
            f"{o.unit:32} {o.fmt:4} {o.pages} p {o.seconds:5.1f} s  exact {o.exact}/{o.cells}  "
            f"unit {'ok' if o.unit_ok else 'WRONG'}  year {'ok' if o.year_ok else 'WRONG'}",
            file=sys.stderr,
        )
    print(report(outcomes, args.dpi, args.threshold, time.perf_counter() - started))
    target_met = all(o.unit_ok and o.year_ok for o in outcomes) and not sum(o.wrong_unflagged for o in outcomes)
    exact_share = sum(o.exact for o in outcomes) / max(1, sum(o.cells for o in outcomes))
    return 0 if target_met and exact_share >= 0.99 else 1


if __name__ == "__main__":
    sys.exit(main())
