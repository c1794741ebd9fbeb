"""Evidence PDFs read three ways, side by side in one run: the whole reading (pdfplumber looking for tables on
every page, OCR of every page of a scan), parindex's (extract_document: by its text, or a scan by its
header, when that shows it is evidence), and the bare text floor (pypdfium2's text of every page, nothing
else). Seconds of each and their ratios; scans are measured in one round (the whole reading takes minutes).

    python -m bench.evidence_reading [--corpus ../shared/corpus] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pypdfium2

from extractors import evidence_document, extract_document, read_document
from forms.evidence_writer import write_evidence
from samples.scans import scan_form
from schemas.records import EvidenceDocument

# Pages of the generated evidence: a one-page decision, a plan, a long report, an annex.
GENERATED_PAGES = (1, 4, 16, 40)
_PARAGRAPH = (
    "Căn cứ Quyết định số 1500/QĐ-TCHQ ngày 24/5/2019 của Tổng cục trưởng Tổng cục Hải quan về việc ban hành Bộ chỉ số "
    "cải cách hành chính, Cục Hải quan triển khai các nhiệm vụ theo Kế hoạch số 03/KH-HQQN ngày 05/01/2019, rà soát "
    "thủ tục hành chính, công khai kết quả giải quyết hồ sơ và báo cáo định kỳ theo Thông tư số 02/2017/TT-VPCP."
)
_PARAGRAPHS_PER_PAGE = 6


def generated_evidence() -> list[tuple[str, bytes]]:
    """Vietnamese evidence PDFs as the sample packages carry them, at the lengths of GENERATED_PAGES."""
    files = []
    for pages in GENERATED_PAGES:
        body = "\n\n".join([_PARAGRAPH] * (pages * _PARAGRAPHS_PER_PAGE))
        data = write_evidence(
            "Báo cáo kết quả thực hiện cải cách hành chính",
            f"{pages}/BC-HQQN",
            date(2019, 12, 15),
            "Cục Hải quan tỉnh Quảng Ninh",
            "Quảng Ninh",
            body,
            "pdf",
        )
        files.append((f"generated, {pages} page(s)", data))
    return files


def scanned_evidence() -> list[tuple[str, bytes]]:
    """The generated evidence of 1, 4 and 16 pages printed, signed and scanned at 200 dpi (image-only PDFs)."""
    return [(f"scanned, {name}", scan_form(data, dpi=200, angle=0.5, seed=len(data) % 97)) for name, data in generated_evidence()[:3]]


def corpus_evidence(corpus: Path) -> list[tuple[str, bytes]]:
    """The shared corpus's born-digital PDFs (its scans and hostile files aside)."""
    return [
        (path.relative_to(corpus).as_posix(), path.read_bytes())
        for folder in ("pdf_vi", "pdf_tables")
        for path in sorted((corpus / folder).glob("*.pdf"))
    ]


def _full(data: bytes) -> EvidenceDocument:
    return evidence_document(read_document(data, hashlib.sha256(data).hexdigest()))


def _parindex(data: bytes) -> object:
    return extract_document(data, "evidence.pdf")


def _text_floor(data: bytes) -> int:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return sum(len(page.get_textpage().get_text_range()) for page in pdf)
    finally:
        pdf.close()


WAYS: dict[str, Callable[[bytes], object]] = {"full reading": _full, "parindex": _parindex, "text floor": _text_floor}


def measure(files: list[tuple[str, bytes]], rounds: int = 3, ways: tuple[str, ...] = tuple(WAYS)) -> dict[str, float]:
    """Seconds each of `ways` takes over all `files`: the best of `rounds`, the ways alternated within a round."""
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(rounds):
        for way in ways:
            read = WAYS[way]
            started = time.perf_counter()
            for _name, data in files:
                read(data)
            best[way] = min(best[way], time.perf_counter() - started)
    return best


def render(results: dict[str, dict[str, float]]) -> str:
    lines = [
        "| files | full reading (s) | parindex (s) | text floor (s) | full / parindex | parindex / text floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, seconds in results.items():
        full, ours, floor = seconds["full reading"], seconds["parindex"], seconds.get("text floor")
        if floor is None:  # scans have no text to take
            lines.append(f"| {label} | {full:.2f} | {ours:.2f} | – | {full / ours:.1f}x | – |")
        else:
            lines.append(f"| {label} | {full:.2f} | {ours:.2f} | {floor:.3f} | {full / ours:.1f}x | {ours / floor:.1f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    results = {"generated Vietnamese evidence (1, 4, 16, 40 pages)": measure(generated_evidence(), args.rounds)}
    if args.corpus.is_dir():
        results["shared corpus, born-digital PDFs"] = measure(corpus_evidence(args.corpus), args.rounds)
    results["the same, scanned at 200 dpi (1, 4, 16 pages)"] = measure(scanned_evidence(), 1, ("full reading", "parindex"))
    print(render(results))


if __name__ == "__main__":
    main()
