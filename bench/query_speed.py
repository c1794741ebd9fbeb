"""Ranking and report queries on a warehouse of about a million score rows, built with bulk inserts."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from bench.corpus import PROGRAM, YEAR

CHUNK = 500  # submissions per insert batch: about 30,000 score rows
LINEAGE_UNIT = "hq-da-nang"


def _leaf_points(max_points: Decimal, rng: random.Random) -> Decimal:
    return max(Decimal(0), max_points - Decimal("0.5") * rng.choice((0, 0, 0, 1, 1, 2)))


def _versions(target_rows: int) -> tuple[int, int]:
    """Versions per unit, and the score rows one version of every unit makes, to reach `target_rows`."""
    from schemas.framework import framework_for
    from schemas.units import registry_for

    framework = framework_for(PROGRAM, YEAR)
    per_round = sum(len(list(framework.block(u.block).walk())) for u in registry_for(PROGRAM).units)
    return -(-target_rows // per_round), per_round


def _submissions(versions: int) -> Iterator[tuple[int, str, str, int]]:
    """(id, unit, block, version) of every submission: each unit resubmits `versions` times in the year."""
    from schemas.units import registry_for

    units = registry_for(PROGRAM).units
    ident = 0
    for version in range(1, versions + 1):
        for unit in units:
            ident += 1
            yield ident, unit.code, unit.block, version


def build_warehouse(db_url: str, score_rows: int = 1_000_000) -> dict[str, Any]:
    """Fill a fresh warehouse with every unit's resubmissions for the year until `score_rows` score rows exist.

    All of them in the ranked year is the hard case: the ranking picks each unit's latest of hundreds of
    versions. Each submission has its document, its form's score rows (every criterion of the block),
    two findings (an open warning, and on older versions a resolved error); the latest versions get an
    appraisal round of score facts.
    """
    from schemas.framework import framework_for
    from warehouse.db import make_engine
    from warehouse.models import Document, FindingRow, Score, ScoreFact, Submission

    started = time.perf_counter()
    framework = framework_for(PROGRAM, YEAR)
    walks = {b.id: [(c.code, not c.children, c.max_points) for c in b.walk()] for b in framework.blocks}
    versions, _ = _versions(score_rows)
    rng = random.Random("bench-queries")
    engine = make_engine(db_url, auto_migrate=True)
    first = datetime(YEAR + 1, 1, 5, 8, 0)
    written = {"documents": 0, "scores": 0, "findings": 0, "score_facts": 0}
    all_submissions = list(_submissions(versions))
    for start in range(0, len(all_submissions), CHUNK):
        documents: list[dict[str, object]] = []
        submissions: list[dict[str, object]] = []
        scores: list[dict[str, object]] = []
        findings: list[dict[str, object]] = []
        for ident, unit, block, version in all_submissions[start : start + CHUNK]:
            received = first + timedelta(minutes=ident)
            documents.append(
                {
                    "id": ident,
                    "path": f"{unit}-{version:03d}/tu-danh-gia-{unit}-{YEAR}.docx",
                    "package": f"{unit}-{version:03d}",
                    "sha256": f"{ident:064x}",
                    "size": 40_000,
                    "kind": "docx",
                    "status": "loaded",
                    "mtime": received.timestamp(),
                    "received_at": received,
                    "ingested_at": received,
                }
            )
            rows = [(code, leaf, maximum, _leaf_points(maximum, rng) if leaf else None) for code, leaf, maximum in walks[block]]
            submissions.append(
                {
                    "id": ident,
                    "document_id": ident,
                    "program": PROGRAM,
                    "year": YEAR,
                    "unit_code": unit,
                    "block_id": block,
                    "version": version,
                    "received_at": received,
                    "status": "valid",
                    "points": sum((p for _, leaf, _, p in rows if leaf and p is not None), Decimal(0)),
                    "stated_total": None,
                    "document_number": f"{version}/BC-{unit}",
                    "document_date": date(YEAR + 1, 1, 5),
                }
            )
            scores.extend(
                {
                    "submission_id": ident,
                    "criterion_code": code,
                    "is_leaf": leaf,
                    "max_points": maximum,
                    "self_points": points,
                    "self_text": "" if points is None else str(points),
                    "evidence": "Kế hoạch số 15/KH ngày 10/01/2019",
                    "page": 1,
                    "table_index": 0,
                    "row_index": row,
                }
                for row, (code, leaf, maximum, points) in enumerate(rows)
            )
            findings.append(
                {
                    "submission_id": ident,
                    "status": "open",
                    "rule": "evidence.date",
                    "severity": "warning",
                    "criterion_code": rows[0][0],
                    "message": "Ngày của tài liệu kiểm chứng sau ngày báo cáo",
                }
            )
            if version < versions:
                findings.append(
                    {
                        "submission_id": ident,
                        "status": "resolved",
                        "resolved_at": received + timedelta(days=1),
                        "rule": "score.step",
                        "severity": "error",
                        "criterion_code": rows[1][0],
                        "message": "Điểm không theo bước 0,5",
                    }
                )
        with engine.begin() as conn:
            conn.execute(insert(Document), documents)
            conn.execute(insert(Submission), submissions)
            conn.execute(insert(Score), scores)
            conn.execute(insert(FindingRow), findings)
        written["documents"] += len(documents)
        written["scores"] += len(scores)
        written["findings"] += len(findings)
    facts = _appraisal_facts(all_submissions[-len({u for _, u, _, _ in all_submissions}) :], walks, first, rng)
    with engine.begin() as conn:
        conn.execute(insert(ScoreFact), facts)
    written["score_facts"] = len(facts)
    engine.dispose()
    return {"versions_per_unit": versions, **written, "build_seconds": round(time.perf_counter() - started, 1)}


def _appraisal_facts(
    latest: list[tuple[int, str, str, int]], walks: dict[str, list[tuple[str, bool, Decimal]]], first: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    """An appraisal round over every leaf of each unit's latest version, recorded against that version's document."""
    received = first + timedelta(days=30)
    return [
        {
            "program": PROGRAM,
            "year": YEAR,
            "unit_code": unit,
            "criterion_code": code,
            "round": "appraisal",
            "points": _leaf_points(maximum, rng),
            "note": "",
            "document_id": ident,
            "received_at": received,
            "page": 1,
            "table_index": 0,
            "row_index": row,
        }
        for ident, unit, block, _ in latest
        for row, (code, leaf, maximum) in enumerate(walks[block])
        if leaf
    ]


def _timed(call: Callable[[], object], repeat: int) -> dict[str, float | int]:
    begun = time.perf_counter()
    result = call()
    first = time.perf_counter() - begun
    warm = []
    for _ in range(repeat):
        begun = time.perf_counter()
        call()
        warm.append(time.perf_counter() - begun)
    size = len(result) if hasattr(result, "__len__") else 0
    return {"first": round(first, 3), "warm_median": round(statistics.median(warm), 3) if warm else round(first, 3), "rows": size}


def time_queries(db_url: str, repeat: int = 5) -> dict[str, Any]:
    """Time the ranking and the report queries on the warehouse at `db_url` (first call, then the median of `repeat`)."""
    started = time.perf_counter()
    from pipeline.steps import ranking_from_warehouse
    from warehouse.db import make_engine
    from warehouse.queries import current_submissions, document_statuses, lineage

    imports = round(time.perf_counter() - started, 3)
    engine: Engine = make_engine(db_url)
    queries: dict[str, Callable[[], object]] = {
        "ranking (all blocks)": lambda: ranking_from_warehouse(engine, PROGRAM, YEAR),
        "ranking (one block)": lambda: ranking_from_warehouse(engine, PROGRAM, YEAR, "vu-chuc-nang"),
        "current submissions": lambda: current_submissions(engine, PROGRAM, YEAR),
        "document statuses of the year": lambda: document_statuses(engine, YEAR),
        f"lineage of one unit ({LINEAGE_UNIT})": lambda: lineage(engine, PROGRAM, YEAR, LINEAGE_UNIT),
        "lineage of one criterion": lambda: lineage(engine, PROGRAM, YEAR, LINEAGE_UNIT, "1.1.1"),
    }
    timings = {name: _timed(call, repeat) for name, call in queries.items()}
    ranking = ranking_from_warehouse(engine, PROGRAM, YEAR)
    engine.dispose()
    return {"imports": imports, "queries": timings, "ranked": len(ranking), "at": datetime.now(UTC).isoformat(timespec="seconds")}
