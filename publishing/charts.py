"""Charts of the ranking: points per unit for each block and a unit × field heat map of sub-indices (PNG and SVG)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Figures are built without pyplot: no global figure registry, no GUI backend. Saving a bare Figure
# renders PNG with Agg and SVG with matplotlib's SVG backend, whatever backend pyplot would pick.
from matplotlib import rc_context
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from core.atomic_files import write_atomically
from publishing.index import format_index
from schemas.framework import Block, Framework
from schemas.records import RankedUnit
from schemas.vietnamese import format_points

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Reproducible SVG: a fixed salt for element ids, glyphs drawn as paths (no font files referenced),
# and no date in the metadata. DejaVu Sans ships with matplotlib and has every Vietnamese glyph.
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "parindex",
    "svg.fonttype": "path",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
PNG_DPI = 150
BAR_COLOR = "#1f5f99"
# One colour per tier, best first; more tiers than colours reuse the last.
TIER_COLORS = ("#1a7f4b", "#2f6db5", "#d99a1e", "#c0392b", "#7f7f7f")


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart to write: its block, file stem (without extension), figure and Vietnamese caption."""

    block_id: str
    stem: str
    figure: Figure
    caption: str


def _vn_number(value: float, _position: object = None) -> str:
    return format_points(Decimal(str(round(value, 2))))


def _by_rank_score(lines: Sequence[RankedUnit]) -> tuple[list[float], str, float]:
    """What the bars show: points when every unit is scored out of the block's maximum, else the index."""
    if all(line.applicable_max == line.max_points for line in lines):
        return [float(line.points) for line in lines], f"Điểm (tối đa {format_points(lines[0].max_points)})", float(lines[0].max_points)
    return [float(line.index) for line in lines], "Chỉ số (%)", 100.0


def axis_start(values: Sequence[float], maximum: float) -> float:
    """Where the points axis starts: 0, unless every unit is in the upper half, where a 0,5 difference would be a
    hair's width from 0; then a round number one step below the lowest (75 for 82 out of 90)."""
    lowest = min(values, default=0.0)
    if lowest <= maximum / 2:
        return 0.0
    step = 5.0 if maximum >= 50 else 1.0
    return max(0.0, (lowest // step) * step - step)


def points_chart(framework: Framework, block: Block, lines: Sequence[RankedUnit]) -> Chart:
    """Horizontal bars of every unit's points, rank 1 at the top, coloured by tier where the framework has tiers."""
    values, axis_label, maximum = _by_rank_score(lines)
    height = 1.4 + 0.27 * len(lines)
    figure = Figure(figsize=(8.5, height), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(lines)))[::-1]  # rank 1 on top
    tiers = [tier.name for tier in framework.tiers]
    color_of = {name: TIER_COLORS[min(i, len(TIER_COLORS) - 1)] for i, name in enumerate(tiers)}
    colors = [color_of.get(line.tier or "", BAR_COLOR) for line in lines]
    axes.barh(positions, values, color=colors, height=0.7)
    axes.set_yticks(positions, [f"{line.rank}. {line.unit_name}" for line in lines])
    low = axis_start(values, maximum)
    axes.set_xlim(low, maximum + (maximum - low) * 0.02)
    axes.xaxis.set_major_formatter(FuncFormatter(_vn_number))
    axes.set_xlabel(axis_label)
    axes.set_ylim(-0.6, len(lines) - 0.4)
    axes.axvline(maximum, color="#555555", linewidth=0.8, linestyle="--")
    for position, value in zip(positions, values, strict=True):  # inside the bar's end, clear of the maximum line
        axes.text(value - (maximum - low) * 0.01, position, _vn_number(value), va="center", ha="right", fontsize=8, color="white")
    axes.tick_params(axis="y", length=0)
    axes.set_title(f"Kết quả {framework.program_name} năm {framework.year}\nKhối {block.name}", fontsize=11, loc="left")
    used = [name for name in tiers if any(line.tier == name for line in lines)]
    if used:
        axes.legend(
            handles=[Patch(color=color_of[name], label=name) for name in used],
            title="Xếp loại",
            loc="lower right",
            bbox_to_anchor=(1, 1),
            ncols=len(used),
            fontsize=8,
            title_fontsize=8,
            frameon=False,
        )
    caption = f"Điểm của các đơn vị khối {block.name}, xếp theo thứ hạng"
    return Chart(block.id, f"diem-{block.id}", figure, caption)


def field_heatmap(framework: Framework, block: Block, lines: Sequence[RankedUnit]) -> Chart | None:
    """Sub-indices per unit (rows, in rank order) and field (columns); None when no unit has any."""
    fields = [field for field in block.criteria if any(field.code in line.field_indices for line in lines)]
    if not fields:
        return None
    grid = [[float(line.field_indices[f.code]) if f.code in line.field_indices else float("nan") for f in fields] for line in lines]
    present = [value for row in grid for value in row if value == value]
    # The scale starts at the tens below the lowest sub-index, so differences among high scores stay visible.
    low = min(90.0, float(int(min(present) // 10 * 10)))
    norm = Normalize(vmin=low, vmax=100)
    height = 2.6 + 0.27 * len(lines)
    figure = Figure(figsize=(10, height), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(grid, cmap="YlGn", norm=norm, aspect="auto")
    axes.set_xticks(range(len(fields)), [f"Lĩnh vực {f.code}\n" + textwrap.fill(f.name, 16) for f in fields], fontsize=7)
    axes.set_yticks(range(len(lines)), [f"{line.rank}. {line.unit_name}" for line in lines])
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    for row, values in enumerate(grid):
        for column, value in enumerate(values):
            if value == value:
                shade = "white" if norm(value) > 0.65 else "black"
                axes.text(column, row, format_index(Decimal(str(value))), ha="center", va="center", fontsize=7, color=shade)
    bar = figure.colorbar(image, ax=axes, shrink=0.6, format=FuncFormatter(_vn_number))
    bar.set_label("Chỉ số thành phần (%)")
    axes.set_title(f"Chỉ số thành phần theo lĩnh vực. Khối {block.name}", fontsize=11, loc="left")
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    caption = f"Chỉ số thành phần theo lĩnh vực (%) của các đơn vị khối {block.name}"
    return Chart(block.id, f"chi-so-linh-vuc-{block.id}", figure, caption)


def ranking_charts(framework: Framework, ranking: Sequence[RankedUnit]) -> list[Chart]:
    """Every chart of the publication, block by block in framework order: points, then the heat map."""
    charts: list[Chart] = []
    with rc_context(STYLE):
        for block in framework.blocks:
            lines = [line for line in ranking if line.block_id == block.id]
            if not lines:
                continue
            charts.append(points_chart(framework, block, lines))
            heatmap = field_heatmap(framework, block, lines)
            if heatmap is not None:
                charts.append(heatmap)
        for chart in charts:
            # Lay out once and freeze: each save (PNG, then SVG) would run the constrained layout again.
            chart.figure.draw_without_rendering()
            chart.figure.set_layout_engine("none")
    return charts


def write_chart(chart: Chart, directory: Path) -> tuple[Path, Path]:
    """Write `chart` as PNG and SVG into `directory`; the SVG is byte-identical for the same chart."""
    paths = []
    with rc_context(STYLE):
        for extension, options in (("png", {"dpi": PNG_DPI, "metadata": {"Software": None}}), ("svg", {"metadata": {"Date": None}})):
            buffer = io.BytesIO()
            chart.figure.savefig(buffer, format=extension, facecolor="white", **options)
            paths.append(write_atomically(directory / f"{chart.stem}.{extension}", buffer.getvalue()))
    return paths[0], paths[1]
