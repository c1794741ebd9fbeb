"""Publishing a ranking: the decision (DOCX, PDF), the ranking (CSV, XLSX, JSON), charts and the HTML page, in one folder."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from core.atomic_files import write_atomically
from publishing.charts import ranking_charts, write_chart
from publishing.content import decision_content
from publishing.decision import render_docx
from publishing.exports import publication_json, ranking_csv
from publishing.pdf import render_pdf
from publishing.ranking_page import ranking_html
from publishing.workbook import ranking_xlsx
from schemas.framework import Framework
from schemas.records import RankedUnit

CHART_DIR = "charts"


@dataclass(frozen=True, slots=True)
class PublicationFiles:
    """Every file a publication wrote, under `out_dir`."""

    out_dir: Path
    decision_docx: Path
    decision_pdf: Path
    ranking_csv: Path
    ranking_xlsx: Path
    ranking_json: Path
    html: Path
    charts: tuple[Path, ...]  # PNG and SVG of each chart

    def paths(self) -> list[Path]:
        return [
            self.decision_docx,
            self.decision_pdf,
            self.ranking_csv,
            self.ranking_xlsx,
            self.ranking_json,
            self.html,
            *self.charts,
        ]

    def digests(self) -> dict[str, str]:
        """SHA-256 of every file by its path relative to `out_dir`: what a snapshot records it published."""
        return {path.relative_to(self.out_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in self.paths()}


def file_stem(framework: Framework) -> str:
    """ "chi-so-cchc-tchq-2019": the common part of every file name of a publication."""
    return f"chi-so-cchc-{framework.program}-{framework.year}"


def publish_outputs(
    framework: Framework,
    ranking: Sequence[RankedUnit],
    out_dir: Path,
    *,
    decision_no: str | None,
    signed_on: date | None,
    cutoff: datetime | None,
    inputs_hash: str,
    signer: str = "",
    place: str = "Hà Nội",
) -> PublicationFiles:
    """Write the whole publication of `ranking` into `out_dir` and return where each file is.

    Pure apart from the writing: every file is a function of the arguments. CSV, JSON and SVG are
    byte-identical when published again from the same arguments (DOCX, XLSX and PDF are too, but
    that is not promised across library versions). `inputs_hash` (publishing.publication_inputs.inputs_hash of the
    totals) goes into the JSON and the page. Raises RankingError for an empty ranking.
    """
    content = decision_content(framework, ranking, decision_no=decision_no, signed_on=signed_on, signer=signer, place=place)
    stem = file_stem(framework)
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(name: str, data: bytes) -> Path:
        return write_atomically(out_dir / name, data)

    docx = write(f"quyet-dinh-{stem}.docx", render_docx(content))
    pdf = write(f"quyet-dinh-{stem}.pdf", render_pdf(content))
    csv = write(f"xep-hang-{stem}.csv", ranking_csv(ranking).encode("utf-8-sig"))  # with a BOM, so Excel reads Vietnamese
    xlsx = write(f"xep-hang-{stem}.xlsx", ranking_xlsx(framework, ranking, stamp=content.stamp))
    json = write(
        f"xep-hang-{stem}.json",
        publication_json(framework, ranking, decision_no=decision_no, signed_on=signed_on, cutoff=cutoff, inputs_hash=inputs_hash).encode("utf-8"),
    )
    charts = ranking_charts(framework, ranking)
    chart_files = tuple(path for chart in charts for path in write_chart(chart, out_dir / CHART_DIR))
    page = ranking_html(
        framework,
        ranking,
        charts=charts,
        chart_dir=CHART_DIR,
        decision_no=decision_no,
        signed_on=signed_on,
        cutoff=cutoff,
        inputs_hash=inputs_hash,
    )
    html = write(f"{stem}.html", page.encode("utf-8"))
    return PublicationFiles(out_dir, docx, pdf, csv, xlsx, json, html, chart_files)
