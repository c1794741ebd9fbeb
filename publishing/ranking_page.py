"""The ranking as a static HTML page (lang="vi"): a table per block, sub-indices per field and the charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from publishing.charts import Chart
from publishing.content import decision_number, vietnamese_date
from publishing.index import format_index
from schemas.framework import Framework
from schemas.records import RankedUnit
from schemas.vietnamese import format_points

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,  # a misspelt variable is an error, not a silently empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("ranking.html.j2")


def _cutoff(moment: datetime | None) -> str | None:
    """ "17:00 ngày 30/12/2020", the way a Vietnamese notice states a cut-off."""
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}" if moment else None


def ranking_html(
    framework: Framework,
    ranking: Sequence[RankedUnit],
    *,
    charts: Sequence[Chart] = (),
    chart_dir: str = "charts",
    decision_no: str | None = None,
    signed_on: date | None = None,
    cutoff: datetime | None = None,
    inputs_hash: str = "",
) -> str:
    """The page's HTML: numbers written the Vietnamese way ("88,5"), charts linked as SVG under `chart_dir`."""
    blocks = []
    for block in framework.blocks:
        lines = [line for line in ranking if line.block_id == block.id]
        if not lines:
            continue
        fields = [field for field in block.criteria if any(field.code in line.field_indices for line in lines)]
        rows = [
            {
                "rank": line.rank,
                "unit_name": line.unit_name,
                "points": f"{format_points(line.points)}/{format_points(line.applicable_max)}",
                "index": format_index(line.index),
                "tier": line.tier or "",
                "fields": [format_index(line.field_indices[f.code]) if f.code in line.field_indices else "" for f in fields],
            }
            for line in lines
        ]
        blocks.append(
            {
                "id": block.id,
                "name": block.name,
                "max_points": format_points(block.max_points),
                "rows": rows,
                "fields": [{"code": f.code, "name": f.name} for f in fields],
                "charts": [{"src": f"{chart_dir}/{chart.stem}.svg", "caption": chart.caption} for chart in charts if chart.block_id == block.id],
            }
        )
    return _template().render(
        title=f"Kết quả {framework.program_name} năm {framework.year}",
        agency=framework.agency,
        decision=decision_number(framework, decision_no) if decision_no else None,
        signed_on=vietnamese_date(signed_on) if signed_on else None,
        cutoff=_cutoff(cutoff),
        illustrative=framework.illustrative,
        tiers=[{"name": t.name, "min_index": format_points(t.min_index)} for t in framework.tiers],
        blocks=blocks,
        inputs_hash=inputs_hash,
    )
