"""Every error a command can end with: one line on stderr, naming what the user gave, and its exit code.

Pinned with their exact text (parindex.cli.error_line): 2 for what the user gave, 3 for the warehouse,
1 for a defect of ours; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.errors import WarehouseError
from parindex.cli import error_line
from warehouse.db import make_engine

BIN = Path(sys.executable).parent
NO_WAREHOUSE = "error: no warehouse at parindex.db: ingest an inbox first (`parindex ingest`), or name the warehouse with --db\n"


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARINDEX_") and k != "PREFECT_API_URL"} | env
    return subprocess.run([str(BIN / "parindex"), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False)


def _one_line(done: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    return done.returncode, done.stderr


def test_a_read_only_command_never_creates_a_warehouse(tmp_path: Path) -> None:
    for command in (["ranking", "--year", "2019"], ["status"], ["lineage", "--year", "2019", "--unit", "hq-da-nang"]):
        assert _one_line(_cli(*command, cwd=tmp_path)) == (3, NO_WAREHOUSE), command
    assert _one_line(_cli("publish", "--year", "2019", cwd=tmp_path)) == (3, NO_WAREHOUSE)
    assert _one_line(_cli("report", "--year", "2019", cwd=tmp_path)) == (3, NO_WAREHOUSE)
    assert list(tmp_path.iterdir()) == []


def test_a_warehouse_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    target = tmp_path / "khong-co" / "kho.db"
    assert _one_line(_cli("db", "upgrade", "--db", f"sqlite:///{target}", cwd=tmp_path)) == (
        3,
        f"error: cannot create the warehouse {target}: the folder {target.parent} does not exist\n",
    )


def test_a_warehouse_url_that_is_not_one_names_where_it_came_from(tmp_path: Path) -> None:
    assert _one_line(_cli("status", "--db", "notaurl", cwd=tmp_path)) == (
        2,
        "error: --db: 'notaurl' is not a database URL (e.g. sqlite:///parindex.db, postgresql://user@host/db)\n",
    )
    assert _one_line(_cli("status", "--db", "foo://bar", cwd=tmp_path)) == (2, "error: --db: unsupported warehouse 'foo': use sqlite or postgresql\n")
    assert _one_line(_cli("status", cwd=tmp_path, PARINDEX_DB_URL="mysql://x/y")) == (
        2,
        "error: PARINDEX_DB_URL: unsupported warehouse 'mysql': use sqlite or postgresql\n",
    )


def test_an_unreachable_warehouse_server_is_one_line(tmp_path: Path) -> None:
    code, stderr = _one_line(_cli("status", "--db", "postgresql://postgres@127.0.0.1:1/test", cwd=tmp_path))
    assert code == 3 and stderr.count("\n") == 1
    assert stderr.startswith("error: cannot open the warehouse postgresql://postgres@127.0.0.1:1/test: connection failed: "), stderr


def test_a_missing_framework_or_block_is_one_line(tmp_path: Path) -> None:
    make_engine(f"sqlite:///{tmp_path / 'parindex.db'}").dispose()
    code, stderr = _one_line(_cli("ranking", "--year", "2031", cwd=tmp_path))
    assert code == 2 and stderr.startswith("error: no framework for tchq 2031") and stderr.count("\n") == 1, stderr
    assert _one_line(_cli("ranking", "--year", "2019", "--block", "khoi-x", cwd=tmp_path)) == (
        2,
        "error: framework tchq-2019 has no block 'khoi-x' (blocks: cuc-hq-tinh, cuc-truc-thuoc, vu-chuc-nang)\n",
    )


def test_publishing_an_empty_warehouse_is_one_line_without_prefect_s_tracebacks(tmp_path: Path) -> None:
    make_engine(f"sqlite:///{tmp_path / 'parindex.db'}").dispose()
    done = _cli("publish", "--year", "2019", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2,
        "starting Prefect (a temporary API server on this machine) …\nerror: the ranking is empty: there is nothing to publish\n",
    )
    assert done.stdout == ""


def test_a_defect_is_one_line_and_debug_shows_its_traceback(tmp_path: Path) -> None:
    assert error_line(RuntimeError("boom")) == (1, "RuntimeError: boom (a defect of parindex: `parindex --debug ...` shows where)")
    assert error_line(WarehouseError("no warehouse at x.db")) == (3, "no warehouse at x.db")
    done = _cli("--debug", "ranking", "--year", "2019", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" in done.stderr
    assert done.stderr.rstrip().endswith("core.errors.WarehouseError: " + NO_WAREHOUSE.removeprefix("error: ").rstrip())
