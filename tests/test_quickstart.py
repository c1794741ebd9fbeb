"""The README's quickstart is true: its two commands, and what the demo prints and writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.prefect
BIN = Path(sys.executable).parent


def _quickstart() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart.*?```bash\n(.*?)```", readme, re.S)
    assert block, "README has no Quickstart bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_has_exactly_two_commands_and_ci_runs_the_second():
    demo, tests = _quickstart()
    assert demo == "./scripts/setup.sh && .venv/bin/parindex demo"
    assert tests == "./scripts/setup.sh && .venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    # the static checks first, each on a line of its own, then the README's test command as the last line
    assert ci.index(".venv/bin/ruff check . && .venv/bin/ruff format --check .") < ci.index(".venv/bin/mypy") < len(ci) - 1
    assert ci[-1] == "./scripts/setup.sh && .venv/bin/python -m pytest -q"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "PREFECT_"))}
    return subprocess.run([str(BIN / "parindex"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_demo_prints_the_published_ranking_and_writes_the_decision(tmp_path):
    """The README's first command after setup, in a fresh working directory."""
    demo = _run(["demo"], tmp_path)
    assert demo.returncode == 0, demo.stderr[-3000:]
    out = demo.stdout
    for line in ("Đà Nẵng", "Đồng Nai", "TP. Hồ Chí Minh", "89/90", "88,5/90", "87,5/90"):
        assert line in out
    decision = tmp_path / "parindex-demo" / "out" / "quyet-dinh-chi-so-cchc-tchq-2019.docx"
    assert f"decision: {Path('parindex-demo/out/quyet-dinh-chi-so-cchc-tchq-2019.docx')}" in out
    assert decision.is_file() and (tmp_path / "parindex.db").is_file()

    listed = _run(["ranking", "--year", "2019", "--format", "json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    ranking = json.loads(listed.stdout)
    assert len(ranking) == 49 and {r["block"] for r in ranking} == {"cuc-hq-tinh", "cuc-truc-thuoc", "vu-chuc-nang"}
    assert {"block", "unit_code", "unit_name", "points", "max_points", "rank"} <= set(ranking[0])
    first = sorted(r["unit_name"] for r in ranking if r["block"] == "cuc-hq-tinh" and r["rank"] == 1)
    assert first == ["TP. Hồ Chí Minh", "Đà Nẵng", "Đồng Nai"]
