"""Charts of the ranking: Vietnamese labels, one bar per unit in rank order, a heat map of sub-indices, stable SVG."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.image import imread
from matplotlib.patches import Rectangle

from publishing.charts import PNG_DPI, field_heatmap, points_chart, ranking_charts, write_chart
from publishing.ranking import UnitTotal, rank_units
from tests.publishing_samples import sample_unit_totals


@pytest.fixture(scope="module")
def ranking(framework, registry):
    return rank_units(framework, sample_unit_totals(framework, registry))


@pytest.fixture(scope="module")
def charts(framework, ranking):
    return ranking_charts(framework, ranking)


def _texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def test_two_charts_per_block_in_framework_order(charts):
    assert [c.stem for c in charts] == [
        "diem-cuc-hq-tinh",
        "chi-so-linh-vuc-cuc-hq-tinh",
        "diem-cuc-truc-thuoc",
        "chi-so-linh-vuc-cuc-truc-thuoc",
        "diem-vu-chuc-nang",
        "chi-so-linh-vuc-vu-chuc-nang",
    ]
    assert all(c.caption and c.block_id in c.stem for c in charts)


def test_points_chart_has_a_bar_per_unit_rank_one_on_top_and_vietnamese_numbers(charts, ranking):
    figure = charts[0].figure
    axes = figure.axes[0]
    provincial = [line for line in ranking if line.block_id == "cuc-hq-tinh"]
    labels = [t.get_text() for t in axes.get_yticklabels()]
    positions = list(axes.get_yticks())
    top_to_bottom = [label for _, label in sorted(zip(positions, labels), reverse=True)]
    assert top_to_bottom[:3] == ["1. Đà Nẵng", "1. Đồng Nai", "1. TP. Hồ Chí Minh"]
    assert len(axes.patches) == len(provincial) == 35
    widths = sorted((bar.get_width() for bar in axes.patches), reverse=True)
    assert widths[:4] == [89, 89, 89, 88.5]
    assert axes.get_xlim()[0] == 75  # totals run 82–89 of 90: from 0, a 0,5 difference would not show
    texts = _texts(figure)
    assert "88,5" in texts and "88.5" not in texts
    assert "Điểm (tối đa 90)" in texts and any("Khối Cục Hải quan tỉnh, thành phố" in t for t in texts)
    assert "Xếp loại" in texts and "Tốt" in texts  # the tier legend


def test_heatmap_shows_every_units_sub_index_per_field(charts, ranking):
    figure = charts[1].figure
    image = figure.axes[0].images[0]
    provincial = [line for line in ranking if line.block_id == "cuc-hq-tinh"]
    grid = image.get_array()
    assert grid.shape == (35, 7)
    assert [float(v) for v in grid[0]] == [float(provincial[0].field_indices[c]) for c in "1234567"]
    texts = _texts(figure)
    assert format(provincial[0].field_indices["1"], "f").replace(".", ",") in texts
    columns = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert len(columns) == 7 and columns[0].startswith("Lĩnh vực 1\nCông tác chỉ")
    assert "Chỉ số thành phần (%)" in texts


def test_no_heatmap_without_field_scores(framework):
    ranking = rank_units(framework, [UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal("88.5"))])
    block = framework.block("cuc-hq-tinh")
    assert field_heatmap(framework, block, ranking) is None
    assert [c.stem for c in ranking_charts(framework, ranking)] == ["diem-cuc-hq-tinh"]


def _bars(axes: Axes) -> list[Rectangle]:
    """The bars of a bar chart: every patch of its axes, each a rectangle."""
    bars = []
    for patch in axes.patches:
        assert isinstance(patch, Rectangle)
        bars.append(patch)
    return bars


def test_units_scored_on_a_reduced_maximum_are_charted_by_index(framework):
    ranking = rank_units(
        framework,
        [
            UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(70), applicable_max=Decimal(72)),
            UnitTotal("cuc-hq-tinh", "hq-hai-phong", "Hải Phòng", Decimal(88)),
        ],
    )
    chart = points_chart(framework, framework.block("cuc-hq-tinh"), ranking)
    assert "Chỉ số (%)" in _texts(chart.figure)
    assert sorted(bar.get_width() for bar in _bars(chart.figure.axes[0])) == [97.22, 97.78]


def test_png_is_readable_and_svg_is_byte_identical(framework, ranking, charts, tmp_path):
    png, svg = write_chart(charts[0], tmp_path / "a")
    pixels = imread(png)
    height, width = pixels.shape[:2]
    assert width == round(8.5 * PNG_DPI) and height > 1000
    assert (pixels[..., :3] < 0.9).any(axis=-1).mean() > 0.05  # bars and text, not a blank image
    text = svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in text and "<text" not in text  # no timestamp; glyphs drawn as paths
    again = ranking_charts(framework, ranking)[0]
    _, svg_again = write_chart(again, tmp_path / "b")
    assert hashlib.sha256(svg.read_bytes()).digest() == hashlib.sha256(svg_again.read_bytes()).digest()
    assert re.search(r'id="[a-z0-9_]+"', text)  # ids exist, and the fixed salt keeps them stable


def test_colours_carry_the_tiers(framework):
    ranking = rank_units(
        framework,
        [
            UnitTotal("cuc-hq-tinh", "hq-ha-noi", "Hà Nội", Decimal(85)),  # Tốt
            UnitTotal("cuc-hq-tinh", "hq-lao-cai", "Lào Cai", Decimal(75)),  # Khá
        ],
    )
    chart = points_chart(framework, framework.block("cuc-hq-tinh"), ranking)
    colours = {tuple(np.round(to_rgba(bar.get_facecolor()), 3)) for bar in _bars(chart.figure.axes[0])}
    assert len(colours) == 2
    tier_legend = chart.figure.axes[0].get_legend()
    assert tier_legend is not None
    legend = [t.get_text() for t in tier_legend.get_texts()]
    assert legend == ["Tốt", "Khá"]


def test_the_points_axis_starts_where_differences_show():
    from publishing.charts import axis_start

    assert axis_start([82.0, 89.0], 90.0) == 75
    assert axis_start([85.0, 89.0], 90.0) == 80
    assert axis_start([40.0, 89.0], 90.0) == 0  # a unit in the lower half: the whole axis
    assert axis_start([8.5, 9.0], 10.0) == 7
