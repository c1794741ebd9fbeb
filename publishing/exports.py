"""Ranking exports: rows, JSON and CSV for machines, and an aligned plain-text table for the terminal."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from publishing.content import decision_number
from publishing.index import format_index
from schemas.framework import Framework
from schemas.records import RankedUnit
from schemas.vietnamese import format_points

COLUMNS = (
    "block",
    "block_name",
    "unit_code",
    "unit_name",
    "points",
    "max_points",
    "applicable_max",
    "index",
    "tier",
    "rank",
)


def ranking_rows(ranking: Sequence[RankedUnit]) -> list[dict[str, Any]]:
    """One dict per ranked unit: COLUMNS in order, then "field_indices" (field code → sub-index).

    Points are floats (exact for 0.5 steps), as are indices (two decimals).
    """
    return [
        {
            "block": line.block_id,
            "block_name": line.block_name,
            "unit_code": line.unit_code,
            "unit_name": line.unit_name,
            "points": float(line.points),
            "max_points": float(line.max_points),
            "applicable_max": float(line.applicable_max),
            "index": float(line.index),
            "tier": line.tier,
            "rank": line.rank,
            "field_indices": {code: float(value) for code, value in line.field_indices.items()},
        }
        for line in ranking
    ]


def ranking_json(ranking: Sequence[RankedUnit]) -> str:
    """The rows as a JSON list, Vietnamese letters kept readable (ensure_ascii=False)."""
    return json.dumps(ranking_rows(ranking), ensure_ascii=False, indent=2)


def _machine_number(value: Decimal) -> str:
    """88.5 → "88.5", 89 → "89": a dot, and no trailing zeros or exponent."""
    return format_points(value).replace(",", ".")


def field_codes(ranking: Sequence[RankedUnit]) -> list[str]:
    """Every field code with a sub-index in `ranking`, in numeric order ("1", "2", …, "10")."""
    codes = {code for line in ranking for code in line.field_indices}
    return sorted(codes, key=lambda code: (len(code), code))


def ranking_csv(ranking: Sequence[RankedUnit]) -> str:
    """The rows as CSV with a header, numbers written with a dot; one "index_<field>" column per field.

    Write it as "utf-8-sig" when the file is meant for Excel, which otherwise misreads Vietnamese letters.
    """
    fields = field_codes(ranking)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *(f"index_{code}" for code in fields)))
    for line in ranking:
        writer.writerow(
            (
                line.block_id,
                line.block_name,
                line.unit_code,
                line.unit_name,
                _machine_number(line.points),
                _machine_number(line.max_points),
                _machine_number(line.applicable_max),
                f"{line.index:.2f}",
                line.tier or "",
                line.rank,
                *(f"{line.field_indices[code]:.2f}" if code in line.field_indices else "" for code in fields),
            )
        )
    return out.getvalue()


def publication_json(
    framework: Framework,
    ranking: Sequence[RankedUnit],
    *,
    decision_no: str | None,
    signed_on: date | None,
    cutoff: datetime | None,
    inputs_hash: str,
) -> str:
    """The published ranking with what it is: program, year, decision, data cut-off, inputs hash, blocks and tiers.

    Keys keep their order and nothing depends on the clock, so the same inputs give the same text.
    """
    blocks = [block for block in framework.blocks if any(line.block_id == block.id for line in ranking)]
    document = {
        "program": framework.program,
        "program_name": framework.program_name,
        "year": framework.year,
        "agency": framework.agency,
        "illustrative": framework.illustrative,
        "decision": decision_number(framework, decision_no).strip() if decision_no else None,
        "signed_on": signed_on.isoformat() if signed_on else None,
        "cutoff": cutoff.isoformat() if cutoff else None,
        "inputs_hash": inputs_hash,
        "ranking_rule": framework.ranking,
        "tiers": [{"name": tier.name, "min_index": float(tier.min_index)} for tier in framework.tiers],
        "blocks": [
            {
                "id": block.id,
                "name": block.name,
                "max_points": float(block.max_points),
                "fields": [{"code": f.code, "name": f.name, "max_points": float(f.max_points)} for f in block.criteria],
            }
            for block in blocks
        ],
        "ranking": ranking_rows(ranking),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


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
    """A plain-text table per block: rank, unit, points out of the maximum ("88,5/90"), index and tier, unit code."""
    tiers = any(line.tier for line in ranking)
    header = ("Hạng", "Đơn vị", "Điểm", *(("Chỉ số", "Xếp loại") if tiers else ()), "Mã đơn vị")
    right_aligned = (True, False, True, *((True, False) if tiers else ()), False)
    sections: list[str] = []
    for _, group in groupby(ranking, key=lambda line: line.block_id):
        lines = list(group)
        first = lines[0]
        rows = [
            (
                str(line.rank),
                unicodedata.normalize("NFC", line.unit_name),
                f"{format_points(line.points)}/{format_points(line.applicable_max)}",
                *((format_index(line.index), line.tier or "") if tiers else ()),
                line.unit_code,
            )
            for line in lines
        ]
        widths = [max(display_width(row[i]) for row in (header, *rows)) for i in range(len(header))]

        def render(row: Sequence[str], widths: list[int] = widths) -> str:  # this block's widths
            cells = (_pad(cell, w, right=r) for cell, w, r in zip(row, widths, right_aligned, strict=True))
            return "  ".join(cells).rstrip()

        title = f"Khối {first.block_name} (tối đa {format_points(first.max_points)} điểm, {len(lines)} đơn vị)"
        body = [title, render(header), "  ".join("-" * w for w in widths)]
        body += [render(row) for row in rows]
        sections.append("\n".join(body))
    return "\n\n".join(sections) + ("\n" if sections else "")
