"""A loader killed in the middle leaves no partial submission, and the next run completes the load."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ROOT
from tests.crash_loader import outcomes
from warehouse.db import make_engine
from warehouse.load import load_outcomes
from warehouse.models import Document, Score, Submission

COUNT = 120


def _state(engine) -> tuple[int, int, list[int]]:
    with Session(engine) as s:
        documents = s.execute(select(func.count()).select_from(Document)).scalar_one()
        submissions = s.execute(select(func.count()).select_from(Submission)).scalar_one()
        per_submission = s.scalars(select(func.count(Score.id)).join(Submission).group_by(Submission.id)).all()
    return documents, submissions, list(per_submission)


def test_kill_mid_load_leaves_whole_submissions_and_the_next_run_completes(db_url, framework, registry):
    engine = make_engine(db_url, auto_migrate=True)
    loader = subprocess.Popen([sys.executable, "-m", "tests.crash_loader", db_url, str(COUNT)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert loader.stdout is not None and loader.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while _state(engine)[1] < 5 and time.monotonic() < deadline and loader.poll() is None:
        time.sleep(0.02)
    loader.send_signal(signal.SIGKILL)
    loader.wait(timeout=30)

    documents, submissions, scores = _state(engine)
    assert 5 <= submissions < COUNT, "the kill must land in the middle of the load"
    assert documents == submissions  # a document is recorded together with its submission, or not at all
    assert set(scores) == {50}  # no submission lost part of its scores

    load_outcomes(engine, outcomes(COUNT), {}, registry, lambda _year: framework)
    assert _state(engine) == (COUNT, COUNT, [50] * COUNT)
    load_outcomes(engine, outcomes(COUNT), {}, registry, lambda _year: framework)
    assert _state(engine)[:2] == (COUNT, COUNT)  # reloading writes nothing


def test_kill_at_random_points_then_recover_twenty_times(fresh_warehouses, framework, registry):
    """Fault injection: 20 loads killed at random moments (before, during or after loading); after each,
    no partial submission exists and a recovery run completes the load without duplicates."""
    import random

    rng = random.Random(20191231)
    count = 30
    for trial in range(20):
        db_url = fresh_warehouses()
        engine = make_engine(db_url)
        loader = subprocess.Popen([sys.executable, "-m", "tests.crash_loader", db_url, str(count)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert loader.stdout is not None and loader.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 1.2))
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)

        documents, submissions, scores = _state(engine)
        assert documents == submissions and set(scores) <= {50}, f"trial {trial}: partial data after the kill"
        load_outcomes(engine, outcomes(count), {}, registry, lambda _year: framework)
        assert _state(engine) == (count, count, [50] * count), f"trial {trial}: recovery did not complete the load"
        engine.dispose()


def test_a_first_migration_cut_short_leaves_no_half_made_warehouse(tmp_path):
    """SQLite commits DDL statement by statement unless the migration opens its transaction itself: an ingest
    killed while creating the warehouse once left tables without a revision, and every later run failed."""
    from sqlalchemy import create_engine, event, text

    from warehouse.db import _sqlite_pragmas
    from warehouse.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")  # as make_engine makes it, before it migrates
    event.listen(engine, "connect", _sqlite_pragmas)
    statements: list[str] = []

    def cut_short(_conn, _cursor, statement, *_args):
        statements.append(statement.lstrip().upper())
        if sum(s.startswith("CREATE INDEX") for s in statements) == 3:
            raise KeyboardInterrupt  # as a kill would, between two statements

    event.listen(engine, "before_cursor_execute", cut_short)
    try:
        upgrade(engine)
    except KeyboardInterrupt:
        pass
    assert any(s.startswith("CREATE TABLE") for s in statements), "the cut must come after tables were made"
    event.remove(engine, "before_cursor_execute", cut_short)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).all() == []
    upgrade(engine)  # the next run migrates from scratch
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM documents")).scalar() == 0
    engine.dispose()
