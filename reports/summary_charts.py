"""The Office summary's charts as inline SVG (matplotlib, no pyplot state): findings per rule, units per block."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

ERROR_COLOUR = "#c0392b"
WARNING_COLOUR = "#e0a030"
READY_COLOUR = "#2e7d32"
MISSING_COLOUR = "#9e9e9e"
FONT_SIZE = 9
_XML_PROLOGUE = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)


def _svg(figure: Figure) -> str:
    """The figure as an <svg> element to embed in HTML: no XML prologue, no date, stable ids."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "parindex", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return _XML_PROLOGUE.sub("", buffer.getvalue()).strip()


def _figure(rows: int) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.5, max(1.6, 0.42 * rows + 0.9)), dpi=100)
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=FONT_SIZE)
    return figure, axes


def _value_labels(axes: Axes, bars: BarContainer, values: Sequence[int], offsets: Sequence[int]) -> None:
    for bar, value, offset in zip(bars, values, offsets):
        if value:
            axes.text(
                offset + value / 2,
                bar.get_y() + bar.get_height() / 2,
                str(value),
                ha="center",
                va="center",
                color="white",
                fontsize=FONT_SIZE,
                fontweight="bold",
            )


def _integer_ticks(axes: Axes) -> None:
    """Only whole numbers on the x axis: counts have no halves."""
    # A linear axis keeps its default AutoLocator, a MaxNLocator; the stubs only know it as a Locator.
    cast("MaxNLocator", axes.xaxis.get_major_locator()).set_params(integer=True)


def findings_chart(labels: Sequence[str], errors: Sequence[int], warnings: Sequence[int]) -> str:
    """Horizontal bars, one per rule (top to bottom as given): errors in red, warnings in amber."""
    figure, axes = _figure(len(labels))
    if not labels:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "Không có phát hiện nào", ha="center", va="center", fontsize=FONT_SIZE + 2)
        return _svg(figure)
    positions = list(range(len(labels)))[::-1]
    first = axes.barh(positions, errors, color=ERROR_COLOUR, label="Lỗi")
    second = axes.barh(positions, warnings, left=errors, color=WARNING_COLOUR, label="Lưu ý")
    _value_labels(axes, first, errors, [0] * len(errors))
    _value_labels(axes, second, warnings, errors)
    axes.set_yticks(positions, labels)
    axes.set_xlabel("Số phát hiện", fontsize=FONT_SIZE)
    _integer_ticks(axes)
    axes.legend(fontsize=FONT_SIZE, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
    return _svg(figure)


def readiness_chart(blocks: Sequence[str], ready: Sequence[int], not_ready: Sequence[int], missing: Sequence[int]) -> str:
    """Stacked horizontal bars per block: units ready to be ranked, kept out by errors, not submitted."""
    figure, axes = _figure(len(blocks))
    positions = list(range(len(blocks)))[::-1]
    offsets = [0] * len(blocks)
    for values, colour, label in (
        (ready, READY_COLOUR, "Sẵn sàng xếp hạng"),
        (not_ready, ERROR_COLOUR, "Chưa đủ điều kiện"),
        (missing, MISSING_COLOUR, "Chưa nộp"),
    ):
        bars = axes.barh(positions, values, left=offsets, color=colour, label=label)
        _value_labels(axes, bars, values, offsets)
        offsets = [o + v for o, v in zip(offsets, values)]
    axes.set_yticks(positions, blocks)
    axes.set_xlabel("Số đơn vị", fontsize=FONT_SIZE)
    _integer_ticks(axes)
    axes.legend(fontsize=FONT_SIZE, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncols=3)
    return _svg(figure)
