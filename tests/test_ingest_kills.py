"""Fault injection on the real `parindex ingest`: killed (SIGKILL) at random moments, then run again.

After each kill the warehouse holds only whole records; after the run that completes, every inbox file
has one record with its terminal status and the ranking is the one a clean single run publishes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.steps import ranking_from_warehouse
from samples.generate import generate_inbox
from schemas.records import DocumentStatus, RankedUnit
from tests.conftest import ROOT
from warehouse.db import make_engine
from warehouse.models import Document, FindingRow, Score, Submission

pytestmark = pytest.mark.prefect

PARINDEX = Path(sys.executable).parent / "parindex"
PACKAGES = ("hq-da-nang", "hq-dong-nai", "hq-ho-chi-minh", "hq-gia-lai-kon-tum", "cuc-kiem-tra-sau-thong-quan", "vu-phap-che")
CHAINS, KILLS_PER_CHAIN = 3, 4  # 12 kills, each followed by a run on the same warehouse


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six packages of three blocks, with an empty file (rejected) and a copy of another package's file (duplicate)."""
    everything = tmp_path_factory.mktemp("all")
    generate_inbox(everything, program="tchq", year=2019)
    folder = tmp_path_factory.mktemp("inbox")
    for package in PACKAGES:
        shutil.copytree(everything / package, folder / package)
    (folder / "hq-gia-lai-kon-tum" / "trong.pdf").write_bytes(b"")
    evidence = min(p for p in (folder / "hq-da-nang").iterdir() if not p.name.startswith("tu-danh-gia"))
    shutil.copy2(evidence, folder / "vu-phap-che" / evidence.name)
    return folder


def _start(inbox: Path, db: Path) -> subprocess.Popen[bytes]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("PARINDEX_")}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # the session's test server, not one ephemeral server per run
    return subprocess.Popen(
        [str(PARINDEX), "ingest", "--inbox", str(inbox), "--db", f"sqlite:///{db}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _complete(inbox: Path, db: Path) -> float:
    started = time.monotonic()
    run = _start(inbox, db)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr.decode()[-3000:]
    return time.monotonic() - started


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _kill_after(inbox: Path, db: Path, delay: float) -> set[int]:
    """Run ingest, SIGKILL its process after `delay` s (or let it finish); the processes it had started."""
    run = _start(inbox, db)
    deadline = time.monotonic() + delay
    helpers: set[int] = set()
    while time.monotonic() < deadline and run.poll() is None:
        helpers |= _descendants(run.pid)
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    return helpers


class _State(TypedDict):
    """What a warehouse holds after a run: its records, counted per document, and the ranking they give."""

    documents: Sequence[tuple[str, str, str]]  # path, sha256, status
    scores: dict[str, int]  # sha256 → score rows
    findings: dict[str, int]  # sha256 → findings
    versions: Sequence[tuple[str, int, int]]  # unit, year, version
    ranking: list[RankedUnit]


def _state(db: Path) -> _State:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            documents = s.execute(select(Document.path, Document.sha256, Document.status)).all()
            scores = dict(
                s.execute(
                    select(Document.sha256, func.count(Score.id))
                    .join(Submission, Submission.document_id == Document.id)
                    .outerjoin(Score, Score.submission_id == Submission.id)
                    .group_by(Document.sha256)
                ).all()
            )
            findings = dict(
                s.execute(
                    select(Document.sha256, func.count(FindingRow.id))
                    .join(Submission, Submission.document_id == Document.id)
                    .outerjoin(FindingRow, FindingRow.submission_id == Submission.id)
                    .group_by(Document.sha256)
                ).all()
            )
            versions = s.execute(select(Submission.unit_code, Submission.year, Submission.version)).all()
        ranking = ranking_from_warehouse(engine, "tchq", 2019)
    finally:
        engine.dispose()
    return {"documents": documents, "scores": scores, "findings": findings, "versions": versions, "ranking": ranking}


def _check_partial(state: _State, clean: _State, where: str) -> None:
    """What a kill may leave: fewer records, never a part of one."""
    documents = state["documents"]
    assert all(status in {s.value for s in DocumentStatus} for _, _, status in documents), where
    paths = Counter(path for path, _, _ in documents)
    assert max(paths.values(), default=1) == 1, f"{where}: a file recorded twice"
    assert set(paths) <= {path for path, _, _ in clean["documents"]}, where
    for sha, count in state["scores"].items():
        assert count == clean["scores"][sha], f"{where}: a submission with {count} of its {clean['scores'][sha]} scores"
        assert state["findings"][sha] == clean["findings"][sha], f"{where}: a submission without its findings"
    versions = Counter(state["versions"])
    assert max(versions.values(), default=1) == 1, f"{where}: two submissions of one unit share a version"


def test_ingest_killed_at_random_moments_loses_nothing_and_completes(inbox: Path, tmp_path: Path, prefect_server: None) -> None:
    files = {str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file()}
    clean_db = tmp_path / "clean.db"
    full = _complete(inbox, clean_db)
    clean = _state(clean_db)
    statuses = Counter(status for _, _, status in clean["documents"])
    assert {path for path, _, _ in clean["documents"]} == files
    assert statuses["loaded"] == len(PACKAGES) and statuses["rejected"] == 1 and statuses["duplicate"] == 1, statuses
    assert len(clean["ranking"]) == len(PACKAGES)

    rng = random.Random(20200105)
    slots = CHAINS * KILLS_PER_CHAIN  # one kill in each slice of a clean run's time, in random order: start to load
    delays = [full * (slot + rng.random()) / slots for slot in range(slots)]
    rng.shuffle(delays)
    landed: list[int] = []  # records present right after each kill
    for chain in range(CHAINS):
        db = tmp_path / f"chain-{chain}.db"
        for kill in range(KILLS_PER_CHAIN):
            where = f"chain {chain}, kill {kill}"
            helpers = _kill_after(inbox, db, delays.pop())
            deadline = time.monotonic() + 15
            while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not [p for p in helpers if _alive(p)], f"{where}: a reader or its forkserver outlived the killed ingest"
            if db.exists():
                state = _state(db)
                _check_partial(state, clean, where)
                landed.append(len(state["documents"]))
            else:
                landed.append(0)
        _complete(inbox, db)
        final = _state(db)
        _check_partial(final, clean, f"chain {chain}, completed")
        assert sorted(final["documents"]) == sorted(clean["documents"]), f"chain {chain}: not every file got its one record"
        assert final["scores"] == clean["scores"] and final["findings"] == clean["findings"]
        assert sorted(final["versions"]) == sorted(clean["versions"])
        assert final["ranking"] == clean["ranking"], f"chain {chain}: the ranking differs from a clean run's"
    assert any(n < len(files) for n in landed), f"no kill interrupted a run: {landed}"
