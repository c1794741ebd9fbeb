"""Ranking exports: rows, JSON and CSV for machines, and an aligned plain-text table for the terminal."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from itertools import groupby

from schemas.records import RankedUnit
from schemas.vietnamese import format_points

COLUMNS = ("block", "block_name", "unit_code", "unit_name", "points", "max_points", "rank")


def ranking_rows(ranking: Sequence[RankedUnit]) -> list[dict]:
    """One dict per ranked unit, keys in COLUMNS order, points as floats (exact for 0.5 steps)."""
    return [
        {
            "block": line.block_id,
            "block_name": line.block_name,
            "unit_code": line.unit_code,
            "unit_name": line.unit_name,
            "points": float(line.points),
            "max_points": float(line.max_points),
            "rank": line.rank,
        }
        for line in ranking
    ]


def ranking_json(ranking: Sequence[RankedUnit]) -> str:
    """The rows as a JSON list, Vietnamese letters kept readable (ensure_ascii=False)."""
    return json.dumps(ranking_rows(ranking), ensure_ascii=False, indent=2)


def _machine_number(value: Decimal) -> str:
    """88.5 → "88.5", 89 → "89": a dot, and no trailing zeros or exponent."""
    return format_points(value).replace(",", ".")


def ranking_csv(ranking: Sequence[RankedUnit]) -> str:
    """The rows as CSV with a header, points written with a dot.

    Write it as "utf-8-sig" when the file is meant for Excel, which otherwise misreads Vietnamese letters.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in ranking:
        writer.writerow(
            (
                line.block_id,
                line.block_name,
                line.unit_code,
                line.unit_name,
                _machine_number(line.points),
                _machine_number(line.max_points),
                line.rank,
            )
        )
    return out.getvalue()


def display_width(text: str) -> int:
    """Terminal columns `text` takes: combining marks take none, wide (East Asian) characters two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def ranking_table(ranking: Sequence[RankedUnit]) -> str:
    """A plain-text table per block: rank, unit, points out of the maximum ("88,5/90"), unit code."""
    header = ("Hạng", "Đơn vị", "Điểm", "Mã đơn vị")
    right_aligned = (True, False, True, False)
    sections: list[str] = []
    for _, group in groupby(ranking, key=lambda line: line.block_id):
        lines = list(group)
        first = lines[0]
        rows = [
            (
                str(line.rank),
                unicodedata.normalize("NFC", line.unit_name),
                f"{format_points(line.points)}/{format_points(line.max_points)}",
                line.unit_code,
            )
            for line in lines
        ]
        widths = [max(display_width(row[i]) for row in (header, *rows)) for i in range(len(header))]

        def render(row: Sequence[str]) -> str:
            cells = (_pad(cell, w, right=r) for cell, w, r in zip(row, widths, right_aligned, strict=True))
            return "  ".join(cells).rstrip()

        title = f"Khối {first.block_name} (tối đa {format_points(first.max_points)} điểm, {len(lines)} đơn vị)"
        body = [title, render(header), "  ".join("-" * w for w in widths)]
        body += [render(row) for row in rows]
        sections.append("\n".join(body))
    return "\n\n".join(sections) + ("\n" if sections else "")
